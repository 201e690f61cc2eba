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
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// TestBMCGoneIsAnError: a BMC that stops answering (connection resets, 503s, the process
// gone) makes every step return an error, which the reconciler retries with backoff, never
// a Failed result or a panic; the backend recovers when the BMC comes back.
func TestBMCGoneIsAnError(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, PowerDelay: 50 * time.Millisecond})
	cfg := testConfig()
	cfg.ReadRetries = 1 // each failed read is retried once: keeps the test short
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "flaky"))
	steps := map[string]func(context.Context) (provisioner.Result, error){
		"register": func(ctx context.Context) (provisioner.Result, error) { _, r, err := p.Register(ctx, h); return r, err },
		"inspect": func(ctx context.Context) (provisioner.Result, error) {
			_, r, err := p.Inspect(ctx, h, false)
			return r, err
		},
		"power on": func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) },
		"reboot": func(ctx context.Context) (provisioner.Result, error) {
			return p.Reboot(ctx, h, provisioner.RebootModeHard)
		},
		"provision": func(ctx context.Context) (provisioner.Result, error) {
			return p.Provision(ctx, h, liveISO("http://192.0.2.1/x.iso"))
		},
		"deprovision": func(ctx context.Context) (provisioner.Result, error) { return p.Deprovision(ctx, h) },
		"power state": func(ctx context.Context) (provisioner.Result, error) {
			_, err := p.PowerState(ctx, h)
			return provisioner.Result{}, err
		},
	}
	for _, outage := range []sim.OutageMode{sim.OutageReset, sim.OutageUnavailable} {
		if err := s.SetFaults("1", sim.Faults{Outage: outage}); err != nil {
			t.Fatal(err)
		}
		for name, step := range steps {
			res, err := step(ctx)
			if err == nil || res.ErrorMessage != "" || res.Done {
				t.Errorf("%s during outage %s = %+v, %v; want an error", outage, name, res, err)
			} else if !strings.Contains(err.Error(), s.URL()) {
				t.Errorf("%s during outage %s: error %q does not name the BMC", outage, name, err)
			}
		}
	}
	if err := s.SetFaults("1", sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	mustDrive(t, ctx, "power on after the outage", steps["power on"])

	// The BMC process itself goes away. Connections the client dialed but has not used yet
	// would hold up the simulator's graceful shutdown for 5 s (net/http waits for new
	// connections that long); dropping them first keeps the test quick, and the session stays.
	url := s.URL()
	p.sessions.mu.Lock()
	for _, sess := range p.sessions.byKey {
		sess.http.CloseIdleConnections()
	}
	p.sessions.mu.Unlock()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PowerState(ctx, h); err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("PowerState of a stopped BMC: %v; want an error naming it", err)
	}
}

// TestLatencyIsBounded: a BMC slower than the request timeout is an error after the timeout,
// not a worker stuck for as long as the BMC takes; a caller's deadline is honoured too.
func TestLatencyIsBounded(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1})
	cfg := testConfig()
	cfg.RequestTimeout = 300 * time.Millisecond
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "slow"))
	if err := s.SetFaults("1", sim.Faults{Latency: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := p.PowerState(ctx, h)
	if took := time.Since(start); err == nil || took > 2*cfg.RequestTimeout {
		t.Errorf("PowerState of a BMC taking 5s: %v after %s; want an error within about %s", err, took, cfg.RequestTimeout)
	}

	p2 := newBackend(t, testConfig()) // 2s request timeout
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, _, err = p2.Register(short, h)
	if took := time.Since(start); err == nil || took > time.Second {
		t.Errorf("Register under a 200ms deadline: %v after %s", err, took)
	}
}

// TestFaultyBMCsConverge: with 20% of requests failing and 200 ms on every answer, every
// host still registers, inspects to the right inventory, powers on and boots a live ISO,
// retried as the reconciler would.
func TestFaultyBMCsConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 10 seconds")
	}
	const seed, hosts = 11, 8
	var systems []sim.SystemConfig
	for i := 1; i <= hosts; i++ {
		systems = append(systems, sim.SystemConfig{ID: fmt.Sprint(i),
			Faults: sim.Faults{ErrorRate: 0.2, Latency: 200 * time.Millisecond}})
	}
	s := startSim(t, sim.Config{Seed: seed, PowerDelay: 200 * time.Millisecond, Systems: systems})
	cfg := testConfig()
	cfg.PollInterval = 100 * time.Millisecond
	// Two rounds of requests on a slow BMC before a command counts as ignored.
	cfg.PowerRetryInterval = 2 * time.Second
	// Eight hosts share the simulator's one session: at 200 ms an answer, the default 4
	// requests in flight would make the test take half a minute without testing more.
	cfg.MaxRequestsPerBMC = 16
	p := newBackend(t, cfg)
	ctx, logs := logCtx(t)
	var wg sync.WaitGroup
	for i := 1; i <= hosts; i++ {
		id := fmt.Sprint(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := simHost(t, s.BMCAddress(id), "faulty-"+id)
			err := retrying(ctx, time.Minute, func(ctx context.Context) (provisioner.Result, error) {
				var res provisioner.Result
				var err error
				h.ID, res, err = p.Register(ctx, h)
				return res, err
			})
			if err != nil {
				t.Errorf("host %s: register: %v", id, err)
				return
			}
			var details any
			err = retrying(ctx, time.Minute, func(ctx context.Context) (provisioner.Result, error) {
				d, res, err := p.Inspect(ctx, h, false)
				if res.Done {
					if diffs := diffDetails(d, expectedDetails(sim.GenerateInventory(seed, id))); len(diffs) > 0 {
						details = diffs
					}
				}
				return res, err
			})
			if err != nil || details != nil {
				t.Errorf("host %s: inspect: %v %v", id, err, details)
				return
			}
			if err := retrying(ctx, time.Minute, func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) }); err != nil {
				t.Errorf("host %s: power on: %v", id, err)
				return
			}
			image := "http://192.0.2.1/live-" + id + ".iso"
			if err := retrying(ctx, time.Minute, func(ctx context.Context) (provisioner.Result, error) {
				return p.Provision(ctx, h, liveISO(image))
			}); err != nil {
				t.Errorf("host %s: provision: %v", id, err)
				return
			}
			if got := s.System(id).InsertedImage(); got != image {
				t.Errorf("host %s: inserted %q", id, got)
			}
		}()
	}
	wg.Wait()
	var injected int64
	for _, sys := range s.Systems() {
		injected += sys.Counters().InjectedErrors
	}
	if injected == 0 {
		t.Error("no errors were injected; the test proves nothing")
	}
	t.Logf("converged despite %d injected errors; %d BMC session(s)", injected, s.ActiveSessions())
	noSecret(t, "logs", logs(), "password")
}
