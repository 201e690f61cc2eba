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
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// fwSimConfig is a simulator whose power changes and update tasks take a little time, so
// that every phase of applying firmware is seen in progress at least once, and that checks
// the If-Match of writes as strict BMCs do.
func fwSimConfig() sim.Config {
	return sim.Config{Count: 2, PowerDelay: 30 * time.Millisecond, TaskDuration: 60 * time.Millisecond, StrictETags: true}
}

// fwConfig bounds the waits of applying firmware for tests.
func fwConfig() Config {
	c := testConfig()
	c.UpdateTimeout = 5 * time.Second
	c.ApplyTimeout = 2 * time.Second
	return c
}

// imageServer serves firmware images for the simulator to download: /missing is a 404, /slow
// answers once the test releases it (hold), anything else a small image at once. It counts
// the downloads by path.
type imageServer struct {
	*httptest.Server
	mu   sync.Mutex
	gets map[string]int
	gate chan struct{}
}

// hold makes /slow wait until release is called.
func (im *imageServer) hold() (release func()) {
	gate := make(chan struct{})
	im.mu.Lock()
	im.gate = gate
	im.mu.Unlock()
	return sync.OnceFunc(func() { close(gate) })
}

func startImages(t *testing.T) *imageServer {
	t.Helper()
	im := &imageServer{gets: map[string]int{}}
	im.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		im.mu.Lock()
		im.gets[r.URL.Path]++
		gate := im.gate
		im.mu.Unlock()
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
			return
		case "/slow":
			if gate != nil {
				select {
				case <-gate:
				case <-r.Context().Done():
					return
				}
			}
		}
		_, _ = w.Write([]byte("firmware image"))
	}))
	t.Cleanup(im.Close)
	return im
}

func (im *imageServer) count(path string) int {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.gets[path]
}

func fwVersion(s *sim.System, id string) sim.Firmware {
	for _, f := range s.Firmware() {
		if f.ID == id {
			return f
		}
	}
	return sim.Firmware{}
}

// TestApplyFirmwareChanges: settings and updates, through Prepare and Service, on hosts that
// are on or off: everything is staged, applied by one reset and verified; the host is left on.
// Calling the step again after Done changes nothing.
func TestApplyFirmwareChanges(t *testing.T) {
	im := startImages(t)
	settings := map[string]string{"ProcTurboMode": "Disabled", "BootDelaySeconds": "7", "QuietBoot": "false", "PxeDev1Interface": "NIC2"}
	cases := []struct {
		name    string
		on      bool
		service bool
		changes provisioner.FirmwareChanges
		// updated are the simulator's firmware ids the updates bump.
		updated []string
	}{
		{name: "settings, service, host on", on: true, service: true, changes: provisioner.FirmwareChanges{Settings: settings}},
		{name: "settings, service, host off", service: true, changes: provisioner.FirmwareChanges{Settings: settings}},
		{name: "settings, prepare, host off", changes: provisioner.FirmwareChanges{Settings: settings}},
		{name: "BIOS update, service, host on", on: true, service: true,
			changes: provisioner.FirmwareChanges{Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: im.URL + "/bios.bin"}}},
			updated: []string{"BIOS-2"}},
		{name: "BMC update and settings, prepare, host off",
			changes: provisioner.FirmwareChanges{Settings: map[string]string{"SriovGlobalEnable": "Enabled"},
				Updates: []provisioner.FirmwareUpdate{{Component: "bmc", URL: im.URL + "/bmc.bin"}}},
			updated: []string{"BMC-2"}},
		{name: "two updates and settings, service, host off", service: true,
			changes: provisioner.FirmwareChanges{Settings: settings, Updates: []provisioner.FirmwareUpdate{
				{Component: "bios", URL: im.URL + "/bios.bin"}, {Component: "bmc", URL: im.URL + "/bmc.bin"}}},
			updated: []string{"BIOS-2", "BMC-2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// System 2 of two: the update targets must be told apart from system 1's.
			s := startSim(t, fwSimConfig())
			sys := s.System("2")
			if tc.on {
				if err := sys.SetPowerState(sim.PowerOn); err != nil {
					t.Fatal(err)
				}
			}
			p := newBackend(t, fwConfig())
			ctx, logs := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress("2"), "fw"))
			step := func(ctx context.Context) (provisioner.Result, error) {
				if tc.service {
					return p.Service(ctx, h, tc.changes)
				}
				return p.Prepare(ctx, h, provisioner.PrepareData{Firmware: tc.changes})
			}
			before := map[string]string{}
			for _, id := range tc.updated {
				before[id] = fwVersion(sys, id).Version
			}
			other := s.System("1").State()
			resets := sys.Counters().Resets

			calls := mustDrive(t, ctx, "applying firmware changes", step)
			if calls < 2 {
				// One call sends the reset; only a later one can see it done.
				t.Errorf("done after %d call: the reset was not followed", calls)
			}
			st := sys.State()
			for k, v := range tc.changes.Settings {
				if got := attributeStrings(map[string]any{k: st.BIOS[k]})[k]; got != v {
					t.Errorf("BIOS %s = %v, want %s", k, st.BIOS[k], v)
				}
			}
			if _, ok := tc.changes.Settings["BootDelaySeconds"]; ok && (st.BIOS["BootDelaySeconds"] != 7 || st.BIOS["QuietBoot"] != false) {
				// Typed as the registry says, or the simulator would have refused them.
				t.Errorf("BootDelaySeconds = %#v, QuietBoot = %#v", st.BIOS["BootDelaySeconds"], st.BIOS["QuietBoot"])
			}
			if len(st.PendingBIOS) != 0 {
				t.Errorf("settings still pending: %v", st.PendingBIOS)
			}
			for _, id := range tc.updated {
				if f := fwVersion(sys, id); f.Version == before[id] || f.Staged != "" {
					t.Errorf("%s: %+v, want a new version over %s", id, f, before[id])
				}
			}
			if n := st.Counters.Resets - resets; n != 1 {
				t.Errorf("%d resets, want one", n)
			}
			if st.PowerState != sim.PowerOn {
				t.Errorf("power %s after applying, want On (the reconciler powers it off as its spec says)", st.PowerState)
			}
			if n := int(st.Counters.FirmwareStaged); n != len(tc.updated) {
				t.Errorf("%d updates staged, want %d", n, len(tc.updated))
			}
			if o := s.System("1").State(); o.Counters.FirmwareStaged != 0 || o.Counters.Resets != other.Counters.Resets || !equalJSON(o.Firmware, other.Firmware) {
				t.Errorf("the other system was touched: %+v", o.Counters)
			}

			// Again: Done at once, nothing sent.
			if res, err := step(ctx); err != nil || !res.Done {
				t.Fatalf("again: %+v, %v", res, err)
			}
			if again := sys.Counters(); again.Resets != st.Counters.Resets || again.FirmwareStaged != st.Counters.FirmwareStaged || again.BIOSApplied != st.Counters.BIOSApplied {
				t.Errorf("calling again after Done did something: %+v", again)
			}
			noSecret(t, "logs", logs(), "password")
		})
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestSettingsInEffectNeedNoReset: settings the BIOS has already are Done without a reset,
// even for a backend that never saw them applied (a restart of the server).
func TestSettingsInEffectNeedNoReset(t *testing.T) {
	s := startSim(t, fwSimConfig())
	p := newBackend(t, fwConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "fw"))
	res, err := p.Service(ctx, h, provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Enabled", "BootDelaySeconds": "0"}})
	if err != nil || !res.Done {
		t.Fatalf("Service = %+v, %v", res, err)
	}
	if cn := s.System("1").Counters(); cn.Resets != 0 {
		t.Errorf("%d resets for settings in effect", cn.Resets)
	}
}

// TestFailedUpdateStagesNothing: an update whose task fails (or that the BMC refuses) fails
// the step with the BMC's message; no settings are staged, no version changes, no reset.
func TestFailedUpdateStagesNothing(t *testing.T) {
	im := startImages(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + ln.Addr().String() + "/bios.bin"
	ln.Close()
	cases := []struct {
		name, url string
		want      []string
		// tasks the BMC ran: the failed one, none for an update it refused.
		tasks int
	}{
		{"image server answers 404", im.URL + "/missing", []string{"firmware update of bios from " + im.URL + "/missing failed: ", "404 Not Found"}, 1},
		{"image server unreachable", unreachable, []string{"firmware update of bios from " + unreachable + " failed: ", "cannot be reached"}, 1},
		{"scheme the BMC does not fetch", "file:///srv/bios.bin", []string{"firmware update of bios from file:///srv/bios.bin failed: the BMC refused it: HTTP 400", "file"}, 0},

		{"image URL with credentials", strings.Replace(im.URL, "http://", "http://fw:Upd4te-s3cret@", 1) + "/missing",
			[]string{"firmware update of bios from http://fw:", "404 Not Found"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, fwSimConfig())
			sys := s.System("1")
			p := newBackend(t, fwConfig())
			ctx, logs := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "fw"))
			before := sys.State()
			changes := provisioner.FirmwareChanges{
				Settings: map[string]string{"ProcTurboMode": "Disabled"},
				Updates:  []provisioner.FirmwareUpdate{{Component: "bios", URL: tc.url}, {Component: "bmc", URL: im.URL + "/bmc.bin"}},
			}
			_, err := drive(ctx, 10*time.Second, func(ctx context.Context) (provisioner.Result, error) { return p.Service(ctx, h, changes) })
			if err == nil {
				t.Fatal("Service succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("failure %q does not say %q", err, w)
				}
			}
			noSecret(t, "the failure", err.Error(), "Upd4te-s3cret")
			noSecret(t, "the logs", logs(), "Upd4te-s3cret")
			st := sys.State()
			if len(st.PendingBIOS) != 0 || !equalJSON(st.BIOS, before.BIOS) {
				t.Errorf("BIOS settings changed: pending %v", st.PendingBIOS)
			}
			if !equalJSON(st.Firmware, before.Firmware) {
				t.Errorf("firmware changed: %+v", st.Firmware)
			}
			if n := taskCount(t, s); st.Counters.Resets != before.Counters.Resets || n != tc.tasks {
				t.Errorf("went on after the failure: %d resets, %d tasks", st.Counters.Resets-before.Counters.Resets, n)
			}
		})
	}
}

// TestIgnoredSettingFails: a BIOS that drops a staged value at boot leaves it neither in
// effect nor pending: the step fails naming the setting and both values, never Done.
func TestIgnoredSettingFails(t *testing.T) {
	cfg := fwSimConfig()
	cfg.Systems = []sim.SystemConfig{{ID: "1", Faults: sim.Faults{IgnoreBIOSAttributes: []string{"SriovGlobalEnable"}}}}
	s := startSim(t, cfg)
	p := newBackend(t, fwConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "fw"))
	changes := provisioner.FirmwareChanges{Settings: map[string]string{"SriovGlobalEnable": "Enabled", "ProcTurboMode": "Disabled"}}
	_, err := drive(ctx, 10*time.Second, func(ctx context.Context) (provisioner.Result, error) { return p.Service(ctx, h, changes) })
	if err == nil || !strings.Contains(err.Error(), `BIOS setting SriovGlobalEnable was not applied: wanted "Enabled", the BMC reports "Disabled"`) {
		t.Fatalf("Service: %v, want a failure naming SriovGlobalEnable", err)
	}
	if cn := s.System("1").Counters(); cn.BIOSIgnored != 1 || cn.Resets != 1 {
		t.Errorf("counters %+v", cn)
	}
}

// TestFirmwareChangesCheckedFirst: what the BMC would refuse fails the step before anything
// changes, naming every problem.
func TestFirmwareChangesCheckedFirst(t *testing.T) {
	im := startImages(t)
	good := []provisioner.FirmwareUpdate{{Component: "bios", URL: im.URL + "/bios.bin"}}
	cases := []struct {
		name    string
		changes provisioner.FirmwareChanges
		want    []string
	}{
		{"bad settings", provisioner.FirmwareChanges{Updates: good, Settings: map[string]string{
			"NoSuchKnob": "1", "BootDelaySeconds": "99", "QuietBoot": "maybe", "WorkloadProfile": "Turbo", "ProcTurboMode": "Disabled"}},
			[]string{"NoSuchKnob", "BootDelaySeconds must be within [0, 60], not 99", "QuietBoot is a boolean", "WorkloadProfile must be one of Balanced, Performance, PowerSaving"}},
		{"not an integer", provisioner.FirmwareChanges{Settings: map[string]string{"BootDelaySeconds": "soon"}},
			[]string{`BootDelaySeconds is an integer, not "soon"`}},
		{"unknown component", provisioner.FirmwareChanges{Updates: append(good, provisioner.FirmwareUpdate{Component: "nic:NIC.Slot.9", URL: im.URL + "/nic.bin"})},
			[]string{"firmware update of nic:NIC.Slot.9", "reports no such component (it reports bios, bmc)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, fwSimConfig())
			p := newBackend(t, fwConfig())
			ctx, _ := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "fw"))
			res, err := p.Service(ctx, h, tc.changes)
			if err != nil || res.ErrorMessage == "" {
				t.Fatalf("Service = %+v, %v; want a failure", res, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.ErrorMessage, w) {
					t.Errorf("failure %q does not say %q", res.ErrorMessage, w)
				}
			}
			if taskCount(t, s) != 0 || len(s.System("1").PendingBIOSAttributes()) != 0 || s.System("1").Counters().Resets != 0 {
				t.Error("something changed on the host")
			}
		})
	}
}

// TestPrepareWithFirmwareRefusesRAID: RAID is refused as before, and nothing is applied.
func TestPrepareWithFirmwareRefusesRAID(t *testing.T) {
	s := startSim(t, fwSimConfig())
	p := newBackend(t, fwConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "fw"))
	res, err := p.Prepare(ctx, h, provisioner.PrepareData{
		RAID:     &v1alpha1.RAIDConfig{HardwareRAIDVolumes: []v1alpha1.HardwareRAIDVolume{{Level: "1"}}},
		Firmware: provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Disabled"}},
	})
	if err != nil || !strings.Contains(res.ErrorMessage, "RAID") {
		t.Fatalf("Prepare = %+v, %v; want RAID refused", res, err)
	}
	if len(s.System("1").PendingBIOSAttributes()) != 0 {
		t.Error("settings staged although RAID was refused")
	}
}

// TestUpdateWaitsForTheBMC: an update the BMC is running already is waited for, not doubled;
// one of the same image (started before this server restarted) is followed, not sent again.
func TestUpdateWaitsForTheBMC(t *testing.T) {
	im := startImages(t)
	s := startSim(t, fwSimConfig())
	ctx, _ := logCtx(t)
	// post starts an update on the BMC as another client would, and waits for its download
	// to begin.
	post := func(image string) {
		t.Helper()
		downloads := im.count("/slow")
		defer func() {
			if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
				return im.count("/slow") > downloads, nil
			}); err != nil {
				t.Fatalf("the BMC does not download the image: %v", err)
			}
		}()
		u := strings.Replace(s.URL(), "http://", "http://admin:password@", 1) + "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate"
		resp, err := http.Post(u, "application/json", strings.NewReader(`{"ImageURI":"`+image+`","Targets":["/redfish/v1/Systems/1"]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("SimpleUpdate: %s", resp.Status)
		}
	}

	t.Run("another update", func(t *testing.T) {
		p := newBackend(t, fwConfig())
		h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "wait"))
		release := im.hold()
		defer release()
		post(im.URL + "/slow")
		changes := provisioner.FirmwareChanges{Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: im.URL + "/mine.bin"}}}
		res, err := p.Service(ctx, h, changes)
		if err != nil || res.RequeueAfter == 0 {
			t.Fatalf("Service = %+v, %v; want it waiting", res, err)
		}
		// A task starts with the POST: counting them tells whether one was sent.
		if n := taskCount(t, s); n != 1 {
			t.Fatalf("%d tasks on the BMC: a second update was started while it ran one", n)
		}
		release()
		mustDrive(t, ctx, "the update after the other one", func(ctx context.Context) (provisioner.Result, error) { return p.Service(ctx, h, changes) })
		if im.count("/mine.bin") != 1 {
			t.Errorf("downloads of the image: %d", im.count("/mine.bin"))
		}
	})

	t.Run("the same image", func(t *testing.T) {
		// A backend that knows nothing of the update (it restarted) finds the BMC at it.
		p := newBackend(t, fwConfig())
		h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "adopt"))
		release := im.hold()
		post(im.URL + "/slow")
		changes := provisioner.FirmwareChanges{Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: im.URL + "/slow"}}}
		before := fwVersion(s.System("1"), "BIOS-1").Version
		downloads := im.count("/slow")
		tasks := taskCount(t, s)
		res, err := p.Service(ctx, h, changes)
		if err != nil || res.RequeueAfter == 0 {
			t.Fatalf("Service = %+v, %v; want it following the BMC's update", res, err)
		}
		if n := taskCount(t, s); n != tasks {
			t.Fatalf("%d tasks on the BMC, %d before: the update was sent again", n, tasks)
		}
		release()
		mustDrive(t, ctx, "following the update", func(ctx context.Context) (provisioner.Result, error) { return p.Service(ctx, h, changes) })
		if n := im.count("/slow") - downloads; n != 0 {
			t.Errorf("the image was sent again (%d more downloads)", n)
		}
		if v := fwVersion(s.System("1"), "BIOS-1").Version; v == before {
			t.Errorf("BIOS still at %s", v)
		}
	})
}

// taskCount counts the tasks the simulator's task service lists.
func taskCount(t *testing.T, s *sim.Simulator) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/redfish/v1/TaskService/Tasks", nil)
	req.SetBasicAuth("admin", "password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var coll struct {
		Members []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&coll); err != nil {
		t.Fatal(err)
	}
	return len(coll.Members)
}

// TestFirmwareTimeouts: an update task that never ends, and an update whose image the reset
// does not activate, fail once their bounds pass; neither is reported Done.
func TestFirmwareTimeouts(t *testing.T) {
	im := startImages(t)
	cases := []struct {
		name   string
		faults sim.Faults
		image  string
		want   string
	}{
		{name: "update task never ends", image: "/slow", want: "did not finish within 400ms"},
		{name: "image not activated by the reset", faults: sim.Faults{FailFirmwareActivation: true}, image: "/bios.bin",
			want: "did not take effect within 400ms of the reset: firmware update of bios from "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			release := im.hold()
			t.Cleanup(release)
			cfg := fwSimConfig()
			cfg.Systems = []sim.SystemConfig{{ID: "1", Faults: tc.faults}}
			s := startSim(t, cfg)
			bc := fwConfig()
			bc.UpdateTimeout, bc.ApplyTimeout = 400*time.Millisecond, 400*time.Millisecond
			p := newBackend(t, bc)
			ctx, _ := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "fw"))
			before := fwVersion(s.System("1"), "BIOS-1").Version
			changes := provisioner.FirmwareChanges{Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: im.URL + tc.image}}}
			_, err := drive(ctx, 10*time.Second, func(ctx context.Context) (provisioner.Result, error) { return p.Service(ctx, h, changes) })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "firmware update of bios") {
				t.Fatalf("Service: %v; want a failure saying %q", err, tc.want)
			}
			if v := fwVersion(s.System("1"), "BIOS-1").Version; v != before {
				t.Errorf("BIOS version %s -> %s", before, v)
			}
			t.Log(err)
		})
	}
}
