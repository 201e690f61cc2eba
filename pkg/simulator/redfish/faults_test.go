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
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

func TestFaultLatency(t *testing.T) {
	sim := start(t, Config{Count: 2}, nil)
	const latency = 400 * time.Millisecond
	if err := sim.SetFaults("1", Faults{Latency: latency}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if status, _, _ := raw(t, sim, "GET", "/redfish/v1/Systems/1", "admin", "password", ""); status != 200 {
		t.Fatal(status)
	}
	if took := time.Since(began); took < latency {
		t.Fatalf("slow BMC answered in %v", took)
	}
	began = time.Now()
	raw(t, sim, "GET", "/redfish/v1/Systems/2", "admin", "password", "")
	if took := time.Since(began); took >= latency {
		t.Fatalf("latency leaked to another system: %v", took)
	}
}

func TestFaultErrorRate(t *testing.T) {
	sim := start(t, Config{Count: 2, Systems: []SystemConfig{{ID: "1", Faults: Faults{ErrorRate: 1}}}}, nil)
	status, _, body := raw(t, sim, "GET", "/redfish/v1/Systems/1", "admin", "password", "")
	if status != http.StatusInternalServerError || !strings.HasSuffix(messageID(body), "InternalError") {
		t.Fatalf("got %d %v", status, body)
	}
	if status, _, _ := raw(t, sim, "GET", "/redfish/v1/Systems/2", "admin", "password", ""); status != 200 {
		t.Fatalf("healthy system answered %d", status)
	}

	if err := sim.SetFaults("1", Faults{ErrorRate: 0.3}); err != nil {
		t.Fatal(err)
	}
	failed := 0
	const n = 300
	for i := 0; i < n; i++ {
		if status, _, _ := raw(t, sim, "GET", "/redfish/v1/Systems/1/Processors", "admin", "password", ""); status == 500 {
			failed++
		}
	}
	if failed < n*15/100 || failed > n*45/100 {
		t.Fatalf("%d of %d failed at a 30%% error rate", failed, n)
	}
	if got := sim.System("1").Counters().InjectedErrors; got != int64(failed)+1 {
		t.Fatalf("InjectedErrors = %d, want %d", got, failed+1)
	}

	// gofish sees a Redfish error it can inspect.
	_ = sim.SetFaults("1", Faults{ErrorRate: 1})
	c := connect(t, sim, "admin", "password", true)
	if _, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1"); !isStatus(err, 500) {
		t.Fatalf("gofish error: %v", err)
	}
}

func TestFaultRefuseSessions(t *testing.T) {
	sim := start(t, Config{}, nil)
	_ = sim.SetFaults("1", Faults{RefuseSessions: true})
	if _, err := gofish.Connect(clientConfig(sim, "admin", "password", false)); !isStatus(err, 503) {
		t.Fatalf("login: %v, want 503", err)
	}
	connect(t, sim, "admin", "password", true) // basic auth still works

	_ = sim.SetFaults("1", Faults{SessionLimit: 1})
	connect(t, sim, "admin", "password", false)
	if _, err := gofish.Connect(clientConfig(sim, "admin", "password", false)); !isStatus(err, 503) {
		t.Fatalf("login past a runtime limit of 1: %v", err)
	}
	if got := sim.System("1").Counters().SessionsRefused; got != 2 {
		t.Fatalf("SessionsRefused = %d", got)
	}
}

func TestFaultDropPowerOn(t *testing.T) {
	clock := newFakeClock()
	sim := start(t, Config{PowerDelay: 5 * time.Second, Systems: []SystemConfig{
		{ID: "1", PowerState: PowerOn, Faults: Faults{DropPowerOnWindow: 30 * time.Second}},
	}}, clock)
	post := func(rt string) {
		t.Helper()
		status, _, body := raw(t, sim, "POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", "admin", "password", `{"ResetType":"`+rt+`"}`)
		if status != http.StatusNoContent {
			t.Fatalf("%s: %d %v", rt, status, body)
		}
	}
	s := sim.System("1")
	post("ForceOff")
	if p := s.PowerState(); p != PowerOff {
		t.Fatalf("power right after ForceOff = %s, want Off at once", p)
	}
	clock.Add(10 * time.Second)
	post("On") // inside the window: accepted, dropped
	clock.Add(10 * time.Second)
	if p := s.PowerState(); p != PowerOff {
		t.Fatalf("dropped power-on took effect: %s", p)
	}
	if s.Counters().DroppedPowerOns != 1 {
		t.Fatalf("counters = %+v", s.Counters())
	}
	clock.Add(15 * time.Second)
	post("On") // window over
	clock.Add(5 * time.Second)
	if p := s.PowerState(); p != PowerOn {
		t.Fatalf("power-on after the window: %s", p)
	}
}

func TestFaultOutageUnavailable(t *testing.T) {
	sim := start(t, Config{Count: 2}, nil)
	c := connect(t, sim, "admin", "password", true)
	_ = sim.SetFaults("2", Faults{Outage: OutageUnavailable})
	for _, p := range []string{"/redfish/v1/Systems/2", "/redfish/v1/Managers/2", "/redfish/v1/Systems/2/Actions/ComputerSystem.Reset"} {
		status, hdr, _ := raw(t, sim, "GET", p, "", "", "")
		if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
			t.Fatalf("%s: %d", p, status)
		}
	}
	if _, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/2"); !isStatus(err, 503) {
		t.Fatalf("gofish: %v", err)
	}
	if _, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1"); err != nil {
		t.Fatalf("other system: %v", err)
	}
	_ = sim.SetFaults("2", Faults{})
	if _, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/2"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if sim.System("2").Counters().OutageResponses != 4 {
		t.Fatalf("counters = %+v", sim.System("2").Counters())
	}
}

// A single-system simulator's outage covers the service root and login too:
// the whole BMC is gone.
func TestFaultOutageResetCoversWholeBMC(t *testing.T) {
	sim := start(t, Config{}, nil)
	_ = sim.SetFaults("1", Faults{Outage: OutageReset})
	for _, p := range []string{"/redfish/v1/", "/redfish/v1/Systems/1"} {
		resp, err := http.Get(sim.URL() + p)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s answered %d during an outage", p, resp.StatusCode)
		}
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("%s: %v, want a connection reset", p, err)
		}
	}
	if _, err := gofish.Connect(clientConfig(sim, "admin", "password", false)); err == nil {
		t.Fatal("gofish connected to a BMC that is gone")
	}
	_ = sim.SetFaults("1", Faults{})
	connect(t, sim, "admin", "password", false)
}

func TestAdminEndpoint(t *testing.T) {
	sim := start(t, Config{Count: 2, AdminToken: "s3cret"}, nil)
	do := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, sim.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if resp, err := http.Get(sim.URL() + "/simulator/systems"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("no token: %v %v", resp, err)
	}

	status, b := do("PUT", "/simulator/systems/2/faults", `{"latency":"25ms","errorRate":0.5,"outage":"Unavailable"}`)
	if status != 200 {
		t.Fatalf("PUT faults: %d %s", status, b)
	}
	want := Faults{Latency: 25 * time.Millisecond, ErrorRate: 0.5, Outage: OutageUnavailable}
	if got := sim.System("2").Faults(); !reflect.DeepEqual(got, want) {
		t.Fatalf("faults = %+v", got)
	}
	if status, b = do("PATCH", "/simulator/systems/2/faults", `{"outage":""}`); status != 200 {
		t.Fatalf("PATCH: %d %s", status, b)
	}
	want.Outage = OutageNone
	if got := sim.System("2").Faults(); !reflect.DeepEqual(got, want) {
		t.Fatalf("faults after PATCH = %+v", got)
	}
	var echoed Faults
	if err := json.Unmarshal(b, &echoed); err != nil || !reflect.DeepEqual(echoed, want) {
		t.Fatalf("echoed %s: %v", b, err)
	}
	if status, _ = do("PUT", "/simulator/systems/2/faults", `{"errorRate":2}`); status != 400 {
		t.Fatalf("invalid faults accepted: %d", status)
	}
	if status, _ = do("PUT", "/simulator/systems/2/faults", `{"latncy":"1s"}`); status != 400 {
		t.Fatalf("misspelt field accepted: %d", status)
	}
	if status, _ = do("DELETE", "/simulator/systems/2/faults", ""); status != 200 || !reflect.DeepEqual(sim.System("2").Faults(), Faults{}) {
		t.Fatal("DELETE did not clear")
	}

	if status, b = do("POST", "/simulator/systems/1/power", `{"PowerState":"On"}`); status != 200 {
		t.Fatalf("power: %d %s", status, b)
	}
	if sim.System("1").PowerState() != PowerOn {
		t.Fatal("admin power-on ignored")
	}
	status, b = do("GET", "/simulator/systems", "")
	var all []adminSystem
	if err := json.Unmarshal(b, &all); status != 200 || err != nil || len(all) != 2 || all[0].PowerState != PowerOn ||
		all[1].BMCAddress != "redfish+"+sim.URL()+"/redfish/v1/Systems/2" {
		t.Fatalf("systems: %d %s", status, b)
	}
	if bytes.Contains(bytes.ToLower(b), []byte("password")) {
		t.Fatal("admin output shows a password")
	}
	if status, _ = do("GET", "/simulator/systems/9", ""); status != 404 {
		t.Fatalf("unknown system: %d", status)
	}
}

func TestFaultsInConfigFile(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{
		"count": 3, "seed": 5, "powerDelay": "2s", "sessionTimeout": 60,
		"systems": [{"id": "2", "username": "u", "password": "p", "powerState": "On",
		             "faults": {"latency": "10ms", "dropPowerOnWindow": 1.5, "refuseSessions": true}},
		            {"id": "edge-1"}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PowerDelay != 2*time.Second || cfg.SessionTimeout != time.Minute || len(cfg.Systems) != 2 {
		t.Fatalf("config = %+v", cfg)
	}
	f := cfg.Systems[0].Faults
	if f.Latency != 10*time.Millisecond || f.DropPowerOnWindow != 1500*time.Millisecond || !f.RefuseSessions {
		t.Fatalf("faults = %+v", f)
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sim.SystemIDs(), ","); got != "1,2,3,edge-1" {
		t.Fatalf("ids = %s", got)
	}
	if sim.System("2").PowerState() != PowerOn || sim.System("1").PowerState() != PowerOff {
		t.Fatal("initial power states")
	}
	if sim.System("2").powerDelay != 2*time.Second || sim.System("2").cred.username != "u" || sim.System("3").cred.username != "admin" {
		t.Fatal("inheritance")
	}

	for _, bad := range []string{
		`{"cont": 3}`,
		`{"systems": [{"id": "a/b"}]}`,
		`{"systems": [{"id": "1"}, {"id": "1"}]}`,
		`{"systems": [{"id": "1", "faults": {"errorRate": -1}}]}`,
		`{"systems": [{"id": "1", "faults": {"outage": "Sometimes"}}]}`,
		`{"systems": [{"id": "1", "powerState": "PoweringOn"}]}`,
		`{"systems": [{"id": "1", "username": "only"}]}`,
		`{"powerDelay": "soon"}`,
		`{"listen": "nohostport"}`,
		`{"sessionLimitStatus": 200}`,
	} {
		cfg, err := ParseConfig([]byte(bad))
		if err == nil {
			_, err = New(cfg)
		}
		if err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
