/*
Copyright The baremetal-apiserver Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package redfish

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

const powerDelay = 300 * time.Millisecond

func TestPowerTransitions(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, PowerDelay: powerDelay})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "power"))
	sys := s.System("1")

	if ps, err := p.PowerState(ctx, h); err != nil || !ps.Known || ps.PoweredOn {
		t.Fatalf("PowerState of a new system = %+v, %v; want known, off", ps, err)
	}
	steps := []struct {
		name  string
		step  func(context.Context) (provisioner.Result, error)
		want  sim.PowerState
		reset string
	}{
		{"power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) }, sim.PowerOn, "On"},
		{"soft power off", func(ctx context.Context) (provisioner.Result, error) {
			return p.PowerOff(ctx, h, provisioner.RebootModeSoft)
		}, sim.PowerOff, "GracefulShutdown"},
		{"power on again", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) }, sim.PowerOn, "On"},
		{"hard power off", func(ctx context.Context) (provisioner.Result, error) {
			return p.PowerOff(ctx, h, provisioner.RebootModeHard)
		}, sim.PowerOff, "ForceOff"},
	}
	for _, st := range steps {
		resets := sys.Counters().Resets
		start := time.Now()
		res, err := st.step(ctx)
		if err != nil || res.Done || res.RequeueAfter <= 0 {
			t.Fatalf("%s: first call = %+v, %v; want InProgress (the BMC takes %s)", st.name, res, err, powerDelay)
		}
		if first := time.Since(start); first > powerDelay/2 {
			t.Errorf("%s: first call blocked for %s", st.name, first)
		}
		calls := mustDrive(t, ctx, st.name, st.step)
		took := time.Since(start)
		if got := sys.PowerState(); got != st.want {
			t.Fatalf("%s: Done but the simulator reports %s", st.name, got)
		}
		if took < powerDelay {
			t.Errorf("%s: Done after %s, before the BMC's %s transition ended", st.name, took, powerDelay)
		}
		if n := sys.Counters().Resets - resets; n != 1 {
			t.Errorf("%s: %d resets sent, want 1", st.name, n)
		}
		t.Logf("%s: Done in %s, %d calls after the first", st.name, took.Round(time.Millisecond), calls)
		// Asking again for the state it is in is Done at once, without a command.
		if res, err := st.step(ctx); !res.Done || err != nil {
			t.Errorf("%s: repeated call = %+v, %v; want Done", st.name, res, err)
		}
		ps, err := p.PowerState(ctx, h)
		if err != nil || !ps.Known || ps.PoweredOn != (st.want == sim.PowerOn) {
			t.Errorf("%s: PowerState = %+v, %v", st.name, ps, err)
		}
	}

	h.DisablePowerOff = true
	if res, err := p.PowerOff(ctx, h, provisioner.RebootModeHard); err != nil || !strings.Contains(res.ErrorMessage, "disablePowerOff") {
		t.Errorf("PowerOff with disablePowerOff = %+v, %v; want a failure", res, err)
	}
}

func TestReboot(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, PowerDelay: powerDelay})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "reboot"))
	sys := s.System("1")

	// Rebooting a host that is off powers it on.
	boots := len(sys.Boots())
	mustDrive(t, ctx, "reboot while off", func(ctx context.Context) (provisioner.Result, error) {
		return p.Reboot(ctx, h, provisioner.RebootModeSoft)
	})
	if sys.PowerState() != sim.PowerOn || len(sys.Boots()) != boots+1 {
		t.Fatalf("after reboot while off: power %s, %d boots (had %d)", sys.PowerState(), len(sys.Boots()), boots)
	}

	for _, mode := range []provisioner.RebootMode{provisioner.RebootModeSoft, provisioner.RebootModeHard} {
		boots := len(sys.Boots())
		start := time.Now()
		mustDrive(t, ctx, string(mode)+" reboot", func(ctx context.Context) (provisioner.Result, error) {
			return p.Reboot(ctx, h, mode)
		})
		took := time.Since(start)
		if got := len(sys.Boots()); got != boots+1 {
			t.Errorf("%s reboot: the host booted %d times, want once", mode, got-boots)
		}
		if sys.PowerState() != sim.PowerOn {
			t.Errorf("%s reboot: power %s after Done", mode, sys.PowerState())
		}
		if took < 2*powerDelay {
			t.Errorf("%s reboot: Done after %s, before the restart (2 x %s) ended", mode, took, powerDelay)
		}
		t.Logf("%s reboot: Done in %s", mode, took.Round(time.Millisecond))
	}
}

// swallowing serves the simulator but acknowledges the given reset types without passing
// them on, like an operating system ignoring ACPI requests.
func swallowing(t *testing.T, s *sim.Simulator, swallow ...string) (string, *atomic.Int32) {
	var swallowed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Actions/ComputerSystem.Reset") {
			body, _ := io.ReadAll(r.Body)
			var req struct{ ResetType string }
			_ = json.Unmarshal(body, &req)
			for _, rt := range swallow {
				if req.ResetType == rt {
					swallowed.Add(1)
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return "redfish+" + srv.URL + "/redfish/v1/Systems/1", &swallowed
}

func TestSoftPowerActionsAreForcedAfterTimeout(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, PowerDelay: 50 * time.Millisecond})
	address, swallowed := swallowing(t, s, "GracefulShutdown", "GracefulRestart")
	cfg := testConfig()
	cfg.SoftTimeout = 500 * time.Millisecond
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, address, "ignores-acpi"))
	sys := s.System("1")
	mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })

	start := time.Now()
	mustDrive(t, ctx, "soft power off", func(ctx context.Context) (provisioner.Result, error) {
		return p.PowerOff(ctx, h, provisioner.RebootModeSoft)
	})
	if took := time.Since(start); took < cfg.SoftTimeout || sys.PowerState() != sim.PowerOff || swallowed.Load() != 1 {
		t.Errorf("soft power off ignored by the OS: Done after %s (soft timeout %s), power %s, %d graceful requests",
			took, cfg.SoftTimeout, sys.PowerState(), swallowed.Load())
	}

	mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
	boots := len(sys.Boots())
	start = time.Now()
	mustDrive(t, ctx, "soft reboot", func(ctx context.Context) (provisioner.Result, error) {
		return p.Reboot(ctx, h, provisioner.RebootModeSoft)
	})
	if took := time.Since(start); took < cfg.SoftTimeout || len(sys.Boots()) != boots+1 || swallowed.Load() != 2 {
		t.Errorf("soft reboot ignored by the OS: Done after %s (soft timeout %s), %d boots, %d graceful requests",
			took, cfg.SoftTimeout, len(sys.Boots())-boots, swallowed.Load())
	}
}

func TestDroppedPowerOnIsSentAgain(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, Systems: []sim.SystemConfig{{ID: "1", PowerState: sim.PowerOn,
		Faults: sim.Faults{DropPowerOnWindow: 600 * time.Millisecond}}}})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "drops-power-on"))
	sys := s.System("1")

	mustDrive(t, ctx, "power off", func(ctx context.Context) (provisioner.Result, error) {
		return p.PowerOff(ctx, h, provisioner.RebootModeHard)
	})
	start := time.Now()
	mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
	if sys.PowerState() != sim.PowerOn {
		t.Fatalf("power %s after PowerOn was Done", sys.PowerState())
	}
	if n := sys.Counters().DroppedPowerOns; n < 1 {
		t.Errorf("the BMC dropped %d power-ons; the test did not exercise the fault", n)
	}
	t.Logf("power on confirmed %s after the BMC dropped %d power-on(s)", time.Since(start).Round(time.Millisecond), sys.Counters().DroppedPowerOns)
}

func TestPowerTimeoutFails(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1})
	address, _ := swallowing(t, s, "On")
	cfg := testConfig()
	cfg.PowerTimeout = 500 * time.Millisecond
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, address, "never-on"))
	_, err := drive(ctx, 10*time.Second, func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
	if err == nil || !strings.Contains(err.Error(), "did not power the host on within") {
		t.Fatalf("PowerOn of a BMC that ignores it: %v; want a failure after the power timeout", err)
	}
}

// TestHardPowerOffForcesAPendingSoftOne: a host being deleted is powered off hard while a
// soft power off the OS ignores is pending; it must not wait out the soft timeout.
func TestHardPowerOffForcesAPendingSoftOne(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, Systems: []sim.SystemConfig{{ID: "1", PowerState: sim.PowerOn}}})
	address, _ := swallowing(t, s, "GracefulShutdown")
	cfg := testConfig()
	cfg.SoftTimeout = time.Minute
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, address, "deleted-while-soft-off"))
	if res, err := p.PowerOff(ctx, h, provisioner.RebootModeSoft); err != nil || res.Done {
		t.Fatalf("soft PowerOff = %+v, %v; want InProgress", res, err)
	}
	start := time.Now()
	mustDrive(t, ctx, "hard power off", func(ctx context.Context) (provisioner.Result, error) {
		return p.PowerOff(ctx, h, provisioner.RebootModeHard)
	})
	if took := time.Since(start); took > 2*time.Second || s.System("1").PowerState() != sim.PowerOff {
		t.Errorf("hard power off took %s (power %s); the pending soft one should have been forced at once", took, s.System("1").PowerState())
	}
}

// TestPowerStateSettlesAPowerOperation: the reconciler stops calling PowerOn once PowerState
// reads On; a power-on asked for later starts afresh instead of inheriting the old timers.
func TestPowerStateSettlesAPowerOperation(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, PowerDelay: 100 * time.Millisecond})
	cfg := testConfig()
	cfg.PowerTimeout = 500 * time.Millisecond
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "settled"))
	sys := s.System("1")
	if res, err := p.PowerOn(ctx, h); err != nil || res.Done {
		t.Fatalf("PowerOn = %+v, %v; want InProgress", res, err)
	}
	time.Sleep(200 * time.Millisecond)
	if ps, err := p.PowerState(ctx, h); err != nil || !ps.PoweredOn {
		t.Fatalf("PowerState = %+v, %v; want on", ps, err)
	}
	time.Sleep(cfg.PowerTimeout)
	if err := sys.SetPowerState(sim.PowerOff); err != nil {
		t.Fatal(err)
	}
	mustDrive(t, ctx, "power on again", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
	if sys.PowerState() != sim.PowerOn {
		t.Errorf("power %s", sys.PowerState())
	}
}

// TestRebootTakenOverByAnotherProcess: a reboot recorded by one process (the reconciler wrote
// its start and the BMC's LastResetTime into the request before the first reset) and taken over
// by another, which has no memory of it, resets the host exactly once whenever the first died.
func TestRebootTakenOverByAnotherProcess(t *testing.T) {
	for _, tc := range []struct {
		name string
		// firstCalls is how many Reboot calls the first process made before it died; settle
		// waits, after them, until the host is on again.
		firstCalls int
		settle     bool
		// wantCalls is how many calls the second process needs at most to be done.
		wantCalls int
	}{
		{name: "died after recording, before the reset", firstCalls: 0},
		{name: "died with the reset under way", firstCalls: 1},
		{name: "died after the host came back", firstCalls: 1, settle: true, wantCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, sim.Config{Count: 1, PowerDelay: 200 * time.Millisecond})
			ctx, _ := logCtx(t)
			first := newBackend(t, testConfig())
			h := registered(t, ctx, first, simHost(t, s.BMCAddress("1"), "reboot-taken-over"))
			mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return first.PowerOn(ctx, h) })
			sys := s.System("1")
			before := sys.Counters()

			// What the reconciler records before the first reset.
			ps, err := first.PowerState(ctx, h)
			if err != nil || ps.LastReset == "" {
				t.Fatalf("PowerState = %+v, %v; want the BMC's LastResetTime", ps, err)
			}
			// LastResetTime has whole seconds, and the simulator restarts in 400 ms where real
			// hosts take far longer: the reboot starts in a later second than the power-on, so
			// that its LastResetTime differs.
			powerOn, err := time.Parse(time.RFC3339, ps.LastReset)
			if err != nil {
				t.Fatal(err)
			}
			if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 2*time.Second, true, func(context.Context) (bool, error) {
				return time.Now().Unix() > powerOn.Unix(), nil
			}); err != nil {
				t.Fatal(err)
			}
			h.OperationStarted, h.LastResetBefore = time.Now(), ps.LastReset
			for i := 0; i < tc.firstCalls; i++ {
				h.OperationRecordedNow = i == 0
				if _, err := first.Reboot(ctx, h, provisioner.RebootModeHard); err != nil {
					t.Fatal(err)
				}
			}
			if tc.settle {
				if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
					return sys.PowerState() == sim.PowerOn && sys.Counters().Boots > before.Boots, nil
				}); err != nil {
					t.Fatal("the host never came back on")
				}
			}

			h.OperationRecordedNow = false
			second := newBackend(t, testConfig())
			calls := mustDrive(t, ctx, "reboot by the second process", func(ctx context.Context) (provisioner.Result, error) {
				return second.Reboot(ctx, h, provisioner.RebootModeHard)
			})
			if tc.wantCalls > 0 && calls > tc.wantCalls {
				t.Errorf("the second process needed %d calls; the reboot was over before it took over", calls)
			}
			c := sys.Counters()
			if resets, boots := c.Resets-before.Resets, c.Boots-before.Boots; resets != 1 || boots != 1 {
				t.Errorf("%d resets, %d boots; the reboot needs 1 of each", resets, boots)
			}
			if sys.PowerState() != sim.PowerOn {
				t.Errorf("power %s after the reboot", sys.PowerState())
			}
		})
	}
}

// TestResumeReboot is the decision a backend without memory of a recorded reboot makes from
// the BMC.
func TestResumeReboot(t *testing.T) {
	const before, later = "2026-11-29T18:00:10+00:00", "2026-11-29T18:00:41+00:00"
	for _, tc := range []struct {
		name      string
		power     schemas.PowerState
		lastReset string
		recorded  string
		want      rebootResume
	}{
		{"on, LastResetTime unchanged: never sent", schemas.OnPowerState, before, before, rebootNotSent},
		{"on, LastResetTime moved: done", schemas.OnPowerState, later, before, rebootDone},
		{"powering off: under way", schemas.PoweringOffPowerState, before, before, rebootUnderWay},
		{"powering on: under way", schemas.PoweringOnPowerState, before, before, rebootUnderWay},
		{"off: under way (ended off, or powered off since): powered on", schemas.OffPowerState, before, before, rebootUnderWay},
		{"on, no LastResetTime at all: unknown, not sent again", schemas.OnPowerState, "", "", rebootUnknown},
		{"on, none recorded (the BMC said none then): unknown", schemas.OnPowerState, later, "", rebootUnknown},
		{"on, none now: unknown", schemas.OnPowerState, "", before, rebootUnknown},
		{"no power state, LastResetTime unchanged: never sent", "", before, before, rebootNotSent},
		{"no power state, LastResetTime moved: done", "", later, before, rebootDone},
		{"no power state, no LastResetTime: unknown", "", "", "", rebootUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := &schemas.ComputerSystem{PowerState: tc.power, LastResetTime: tc.lastReset}
			if got := resumeReboot(sys, tc.recorded); got != tc.want {
				t.Errorf("resumeReboot = %d, want %d", got, tc.want)
			}
		})
	}
}

// lastResetHidden serves the simulator as a BMC that reports no LastResetTime (older Redfish
// services), and answers the next resets, as many as the counter it returns says, with a 500
// without passing them on.
func lastResetHidden(t *testing.T, s *sim.Simulator) (string, *atomic.Int32) {
	var failNext atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Actions/ComputerSystem.Reset") && failNext.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/Systems/1") {
			s.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("system: %v", err)
		}
		delete(body, "LastResetTime")
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	failNext.Store(-1 << 30)
	return "redfish+" + srv.URL + "/redfish/v1/Systems/1", &failNext
}

// TestRebootOnABMCWithoutLastResetTime: a BMC that reports no LastResetTime cannot tell a new
// leader whether a reset went out. The process that recorded the reboot sends it (and sends it
// again after its own failed attempt); a process taking over a reboot whose host is on at rest
// sends nothing and ends it with a warning: at most one reset.
func TestRebootOnABMCWithoutLastResetTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		// failResets is how many resets the BMC fails; takeover is whether a second process,
		// without memory of the reboot, finishes it after the first one's calls.
		failResets int32
		firstCalls int
		takeover   bool
		wantResets int64
		warned     bool
	}{
		{name: "recorded and sent by the same process", firstCalls: 0, wantResets: 1},
		{name: "the first reset failed: sent again by the same process", failResets: 1, firstCalls: 0, wantResets: 1},
		{name: "taken over after the reset, host on again: not sent again, warned", firstCalls: 1, takeover: true, wantResets: 1, warned: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, sim.Config{Count: 1, PowerDelay: 100 * time.Millisecond})
			ctx, _ := logCtx(t)
			first := newBackend(t, testConfig())
			addr, failNext := lastResetHidden(t, s)
			h := registered(t, ctx, first, simHost(t, addr, "no-last-reset"))
			mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return first.PowerOn(ctx, h) })
			sys := s.System("1")
			before := sys.Counters()
			ps, err := first.PowerState(ctx, h)
			if err != nil || ps.LastReset != "" {
				t.Fatalf("PowerState = %+v, %v; want no LastResetTime", ps, err)
			}
			h.OperationStarted = time.Now()
			failNext.Store(tc.failResets)
			// The pass that records the reboot sends it; with a failure it is called again.
			h.OperationRecordedNow = true
			for i := int32(0); i < tc.failResets; i++ {
				if _, err := first.Reboot(ctx, h, provisioner.RebootModeHard); err == nil {
					t.Fatal("the failing reset reported no error")
				}
				h.OperationRecordedNow = false
			}
			var res provisioner.Result
			p := first
			if tc.takeover {
				if _, err := first.Reboot(ctx, h, provisioner.RebootModeHard); err != nil {
					t.Fatal(err)
				}
				if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
					return sys.PowerState() == sim.PowerOn && sys.Counters().Boots > before.Boots, nil
				}); err != nil {
					t.Fatal("the host never came back on")
				}
				p = newBackend(t, testConfig())
			}
			h.OperationRecordedNow = !tc.takeover && tc.failResets == 0
			mustDrive(t, ctx, "reboot", func(ctx context.Context) (provisioner.Result, error) {
				r, err := p.Reboot(ctx, h, provisioner.RebootModeHard)
				h.OperationRecordedNow = false
				res = r
				return r, err
			})
			if c := sys.Counters(); c.Resets-before.Resets != tc.wantResets || c.Boots-before.Boots != 1 {
				t.Errorf("%d resets, %d boots; want %d, 1", c.Resets-before.Resets, c.Boots-before.Boots, tc.wantResets)
			}
			if warned := len(res.Warnings) > 0; warned != tc.warned {
				t.Errorf("warnings %q, want warned %v", res.Warnings, tc.warned)
			}
		})
	}
}
