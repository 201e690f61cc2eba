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

	"github.com/stmcginnis/gofish"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// TestOneSessionPerBMC makes 100 calls of every kind for six hosts behind two BMCs, many at
// once: each BMC sees one session, opened once.
func TestOneSessionPerBMC(t *testing.T) {
	bmcs := []*sim.Simulator{startSim(t, sim.Config{Count: 3, Seed: 1}), startSim(t, sim.Config{Count: 3, Seed: 2})}
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	var hosts []provisioner.Host
	for i, s := range bmcs {
		for _, id := range s.SystemIDs() {
			hosts = append(hosts, registered(t, ctx, p, simHost(t, s.BMCAddress(id), fmt.Sprintf("bmc%d-%s", i, id))))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		h := hosts[i%len(hosts)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 4 {
			case 0:
				_, err = p.PowerState(ctx, h)
			case 1:
				_, _, err = p.Inspect(ctx, h, false)
			case 2:
				_, _, err = p.Register(ctx, h)
			case 3:
				_, err = p.PowerOn(ctx, h)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, s := range bmcs {
		if n := s.ActiveSessions(); n != 1 {
			t.Errorf("BMC %d has %d sessions, want 1", i, n)
		}
		c := s.System("1").Counters()
		if c.SessionsCreated != 1 || c.PeakSessions != 1 {
			t.Errorf("BMC %d: %d sessions created, peak %d; want 1 and 1", i, c.SessionsCreated, c.PeakSessions)
		}
	}
	if n := p.ActiveSessions(); n != 2 {
		t.Errorf("backend holds %d sessions, want 2", n)
	}

	// The session of a BMC goes when its last host goes.
	for _, h := range hosts[:3] {
		if n := bmcs[0].ActiveSessions(); n != 1 {
			t.Errorf("BMC 0 has %d sessions before deleting %s, want 1", n, h.Name)
		}
		if _, err := p.Delete(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := bmcs[0].ActiveSessions(), bmcs[1].ActiveSessions(); a != 0 || b != 1 {
		t.Errorf("after deleting BMC 0's hosts: sessions %d and %d, want 0 and 1", a, b)
	}
	p.Close(ctx)
	if n := bmcs[1].ActiveSessions(); n != 0 {
		t.Errorf("Close left %d sessions", n)
	}
	if _, err := p.PowerState(ctx, hosts[4]); err == nil {
		t.Error("a closed backend still answers")
	}
}

// TestReloginAfterTheSessionEnded lets the BMC expire the session; many calls at once then
// see 401 and one login replaces it.
func TestReloginAfterTheSessionEnded(t *testing.T) {
	s := startSim(t, sim.Config{Count: 4, SessionTimeout: 200 * time.Millisecond})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	var hosts []provisioner.Host
	for _, id := range s.SystemIDs() {
		hosts = append(hosts, registered(t, ctx, p, simHost(t, s.BMCAddress(id), "relogin-"+id)))
	}
	for round := 1; round <= 2; round++ {
		time.Sleep(300 * time.Millisecond)
		if n := s.ActiveSessions(); n != 0 {
			t.Fatalf("the simulator kept an idle session (%d)", n)
		}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ps, err := p.PowerState(ctx, hosts[i%len(hosts)]); err != nil || !ps.Known {
					t.Errorf("PowerState after the session expired = %+v, %v", ps, err)
				}
			}()
		}
		wg.Wait()
		c := s.System("1").Counters()
		if want := int64(1 + round); c.SessionsCreated != want || c.PeakSessions != 1 {
			t.Errorf("round %d: %d sessions created (want %d), peak %d (want 1)", round, c.SessionsCreated, want, c.PeakSessions)
		}
	}
}

func TestCredentialsChangeEndsTheOldSession(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, Password: "0ld-Secret"})
	p := newBackend(t, testConfig())
	ctx, logs := logCtx(t)
	h := simHost(t, s.BMCAddress("1"), "rotated")
	h.Credentials.Password = "0ld-Secret"
	h = registered(t, ctx, p, h)
	if n := s.ActiveSessions(); n != 1 {
		t.Fatalf("sessions = %d, want 1", n)
	}
	h.Credentials.Password = "N3w-Wrong-Secret"
	_, res, err := p.Register(ctx, h)
	if err != nil || !strings.Contains(res.ErrorMessage, "rejected the credentials") {
		t.Fatalf("Register with a wrong new password = %+v, %v", res, err)
	}
	if n := s.ActiveSessions(); n != 0 {
		t.Errorf("the old credentials' session is still open (%d sessions)", n)
	}
	if res, err := p.PowerOn(ctx, h); err != nil || !strings.Contains(res.ErrorMessage, "rejected the credentials") {
		t.Errorf("PowerOn with wrong credentials = %+v, %v; want a failure naming them", res, err)
	}
	h.Credentials.Password = "0ld-Secret"
	registered(t, ctx, p, h)
	if n := s.ActiveSessions(); n != 1 {
		t.Errorf("sessions after fixing the password = %d, want 1", n)
	}
	for _, pw := range []string{"0ld-Secret", "N3w-Wrong-Secret"} {
		noSecret(t, "logs", logs(), pw)
		noSecret(t, "result", res.ErrorMessage, pw)
	}
}

func TestSessionLimitFallsBackToBasicAuth(t *testing.T) {
	s := startSim(t, sim.Config{Count: 2, SessionLimit: 1})
	// Another tool holds the BMC's only session.
	other, err := gofish.Connect(gofish.ClientConfig{Endpoint: s.URL(), Username: "admin", Password: "password"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.SessionRetryInterval = 300 * time.Millisecond
	p := newBackend(t, cfg)
	ctx, _ := logCtx(t)
	h1 := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "limited-1"))
	h2 := registered(t, ctx, p, simHost(t, s.BMCAddress("2"), "limited-2"))
	for range 10 {
		if _, _, err := p.Inspect(ctx, h1, false); err != nil {
			t.Fatal(err)
		}
		if _, err := p.PowerState(ctx, h2); err != nil {
			t.Fatal(err)
		}
	}
	c := s.System("1").Counters()
	if c.PeakSessions > 1 || c.BasicAuth == 0 || c.SessionsRefused != 1 {
		t.Errorf("counters %+v: want peak 1, basic auth in use, one refused login", c)
	}
	other.Logout()
	time.Sleep(cfg.SessionRetryInterval)
	if _, err := p.PowerState(ctx, h1); err != nil {
		t.Fatal(err)
	}
	if n := s.ActiveSessions(); n != 1 {
		t.Errorf("after the limit freed up: %d sessions, want the backend's 1", n)
	}
	if peak := s.System("1").Counters().PeakSessions; peak != 1 {
		t.Errorf("peak sessions %d, limit 1", peak)
	}
}

func TestIdleSessionsAreLoggedOut(t *testing.T) {
	a, b := startSim(t, sim.Config{Seed: 1}), startSim(t, sim.Config{Seed: 2})
	p := newBackend(t, testConfig())
	clock := time.Now()
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	p.now, p.sessions.now = now, now
	ctx, _ := logCtx(t)
	// A host that went away without Delete (deleted while the server was down).
	registered(t, ctx, p, simHost(t, a.BMCAddress("1"), "gone"))
	mu.Lock()
	clock = clock.Add(defaultIdleSessionTimeout + time.Minute)
	mu.Unlock()
	registered(t, ctx, p, simHost(t, b.BMCAddress("1"), "here"))
	if n, m := a.ActiveSessions(), b.ActiveSessions(); n != 0 || m != 1 {
		t.Errorf("sessions: idle BMC %d (want 0), busy BMC %d (want 1)", n, m)
	}
}

// TestSessionLimitIsNeverExceeded hammers a BMC that allows 2 sessions per system from many
// hosts at once.
func TestSessionLimitIsNeverExceeded(t *testing.T) {
	s := startSim(t, sim.Config{Count: 10, SessionLimit: 2, PowerDelay: 20 * time.Millisecond})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	var wg sync.WaitGroup
	for _, id := range s.SystemIDs() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := registered(t, ctx, p, simHost(t, s.BMCAddress(id), "limit-"+id))
			if _, _, err := p.Inspect(ctx, h, false); err != nil {
				t.Error(err)
			}
			if _, err := drive(ctx, 10*time.Second, func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, sys := range s.Systems() {
		if c := sys.Counters(); c.PeakSessions > 1 || c.SessionsRefused > 0 {
			t.Errorf("system %s: peak %d sessions, %d refused", sys.ID(), c.PeakSessions, c.SessionsRefused)
		}
	}
}
