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
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestIronicStyleFlow walks the calls Ironic's redfish hardware type makes
// through sushy, with the fields sushy requires.
func TestIronicStyleFlow(t *testing.T) {
	sim := start(t, Config{Count: 2}, nil)
	status, _, root := raw(t, sim, "GET", "/redfish/v1/", "", "", "")
	if status != 200 || root["Id"] == nil {
		t.Fatalf("root: %d %v", status, root)
	}
	sessions := root["Links"].(map[string]any)["Sessions"].(map[string]any)["@odata.id"].(string)
	status, hdr, _ := raw(t, sim, "POST", sessions, "", "", `{"UserName":"admin","Password":"password"}`)
	if status != http.StatusCreated {
		t.Fatalf("login: %d", status)
	}
	tok := []string{"X-Auth-Token", hdr.Get("X-Auth-Token"), "OData-Version", "4.0"}

	status, hdr, sys := raw(t, sim, "GET", "/redfish/v1/Systems/2", "", "", "", tok...)
	if status != 200 || hdr.Get("ETag") == "" {
		t.Fatalf("system: %d %v", status, hdr)
	}
	for _, f := range []string{"@odata.id", "@odata.type", "Id", "Name", "UUID", "PowerState", "Boot", "ProcessorSummary",
		"MemorySummary", "Links", "Actions", "Bios", "Processors", "SimpleStorage", "Storage", "EthernetInterfaces"} {
		if sys[f] == nil {
			t.Errorf("ComputerSystem lacks %s", f)
		}
	}
	if typ := sys["@odata.type"].(string); !strings.HasPrefix(typ, "#ComputerSystem.v1_") || !strings.HasSuffix(typ, ".ComputerSystem") {
		t.Errorf("@odata.type = %s", typ)
	}
	reset := sys["Actions"].(map[string]any)["#ComputerSystem.Reset"].(map[string]any)
	if status, _, _ := raw(t, sim, "POST", reset["target"].(string), "", "", `{"ResetType":"On"}`, tok...); status != http.StatusNoContent {
		t.Fatalf("reset: %d", status)
	}
	// sushy patches with the ETag it last saw.
	status, _, _ = raw(t, sim, "PATCH", "/redfish/v1/Systems/2", "", "", `{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}}`,
		append(tok, "If-Match", hdr.Get("ETag"))...)
	if status != 200 || sim.System("2").Boot().Target != "Pxe" {
		t.Fatalf("boot PATCH: %d", status)
	}
	// Inspection reads these collections and their members.
	for _, coll := range []string{"Processors", "SimpleStorage", "Storage", "EthernetInterfaces", "Memory"} {
		status, _, c := raw(t, sim, "GET", "/redfish/v1/Systems/2/"+coll, "", "", "", tok...)
		members, _ := c["Members"].([]any)
		if status != 200 || len(members) == 0 || c["Members@odata.count"] == nil {
			t.Fatalf("%s: %d %v", coll, status, c)
		}
		for _, m := range members {
			p := m.(map[string]any)["@odata.id"].(string)
			if status, _, r := raw(t, sim, "GET", p, "", "", "", tok...); status != 200 || r["Id"] == nil || r["@odata.type"] == nil {
				t.Fatalf("%s: %d %v", p, status, r)
			}
		}
	}
	_, _, proc := raw(t, sim, "GET", "/redfish/v1/Systems/2/Processors/CPU1", "", "", "", tok...)
	if proc["TotalThreads"] == nil || proc["ProcessorArchitecture"] != "x86" {
		t.Errorf("processor = %v", proc)
	}
	// sushy ejects with an empty POST body and no Content-Type.
	if status, _, _ := raw(t, sim, "POST", "/redfish/v1/Managers/2/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia", "", "", "", tok...); status != http.StatusNoContent {
		t.Fatalf("eject: %d", status)
	}
	if status, _, _ := raw(t, sim, "DELETE", sessions+"/1", "", "", "", tok...); status != http.StatusNoContent || sim.ActiveSessions() != 0 {
		t.Fatalf("logout: %d", status)
	}
}

func TestProtocolDetails(t *testing.T) {
	sim := start(t, Config{StrictETags: true}, nil)
	cases := []struct {
		method, path, user, body string
		status                   int
		msg                      string
	}{
		{"GET", "/redfish", "", "", 200, ""},
		{"GET", "/redfish/v1", "", "", 200, ""},
		{"GET", "/redfish/v1/odata", "", "", 200, ""},
		{"GET", "/redfish/v1/Systems", "", "", 401, "NoValidSession"},
		{"GET", "/redfish/v1/Systems/1", "admin", "", 200, ""},
		{"GET", "/redfish/v1/Systems/1/", "admin", "", 200, ""},
		{"HEAD", "/redfish/v1/Systems/1", "admin", "", 200, ""},
		{"GET", "/redfish/v1/Systems/9", "", "", 401, "NoValidSession"},
		{"GET", "/redfish/v1/Systems/9", "admin", "", 404, "ResourceNotFound"},
		{"GET", "/redfish/v1/Systems/1/Processors/CPU9", "admin", "", 404, "ResourceNotFound"},
		{"GET", "/elsewhere", "", "", 404, "ResourceNotFound"},
		{"DELETE", "/redfish/v1/Systems/1", "admin", "", 405, "OperationNotAllowed"},
		{"PUT", "/redfish/v1/Systems/1", "admin", "{}", 405, "OperationNotAllowed"},
		{"PATCH", "/redfish/v1/Systems/1", "admin", "{not json", 400, "MalformedJSON"},
		{"PATCH", "/redfish/v1/Systems/1", "admin", `{"Colour":"blue"}`, 400, "PropertyUnknown"},
		{"PATCH", "/redfish/v1/Systems/1", "admin", `{"IndicatorLED":"Lit","AssetTag":"A1"}`, 200, ""},
		{"PATCH", "/redfish/v1/Systems/1", "admin", `{"IndicatorLED":"Disco"}`, 400, "PropertyValueNotInList"},
		{"POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", "admin", `{}`, 400, "ActionParameterMissing"},
		{"POST", "/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia", "admin", `{}`, 400, "ActionParameterMissing"},
		{"POST", "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate", "admin", `{"ImageURI":"http://x/y","Targets":["/redfish/v1/UpdateService/FirmwareInventory/CPLD-1"]}`, 400, "ActionParameterValueNotInList"},
		{"POST", sessionsPath, "", `{"UserName":"admin"}`, 400, "ActionParameterMissing"},
		{"POST", sessionsPath, "", `{"UserName":"admin","Password":"nope"}`, 401, "NoValidSession"},
		{"GET", "/redfish/v1/TaskService/TaskMonitors/77", "admin", "", 404, "ResourceNotFound"},
	}
	for _, tc := range cases {
		status, hdr, body := raw(t, sim, tc.method, tc.path, tc.user, "password", tc.body)
		if status != tc.status || (tc.msg != "" && !strings.HasSuffix(messageID(body), tc.msg)) {
			t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, status, body, tc.status, tc.msg)
		}
		if status == 401 && hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", tc.method, tc.path)
		}
		if status == 405 && !strings.Contains(hdr.Get("Allow"), "PATCH") {
			t.Errorf("%s %s: Allow = %q", tc.method, tc.path, hdr.Get("Allow"))
		}
		if status == 200 && tc.method == "GET" && hdr.Get("OData-Version") != "4.0" {
			t.Errorf("%s %s: no OData-Version", tc.method, tc.path)
		}
	}

	// ETags: conditional GET, and strict If-Match on PATCH.
	_, hdr, _ := raw(t, sim, "GET", "/redfish/v1/Systems/1", "admin", "password", "")
	etag := hdr.Get("ETag")
	if status, _, _ := raw(t, sim, "GET", "/redfish/v1/Systems/1", "admin", "password", "", "If-None-Match", etag); status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", status)
	}
	status, _, body := raw(t, sim, "PATCH", "/redfish/v1/Systems/1", "admin", "password", `{"AssetTag":"B"}`, "If-Match", `W/"stale"`)
	if status != http.StatusPreconditionFailed || !strings.HasSuffix(messageID(body), "PreconditionFailed") {
		t.Fatalf("stale If-Match: %d %v", status, body)
	}
	if status, _, _ := raw(t, sim, "PATCH", "/redfish/v1/Systems/1", "admin", "password", `{"AssetTag":"B"}`, "If-Match", etag); status != 200 {
		t.Fatalf("current If-Match: %d", status)
	}
	_, hdr2, sys := raw(t, sim, "GET", "/redfish/v1/Systems/1", "admin", "password", "")
	if hdr2.Get("ETag") == etag || sys["AssetTag"] != "B" || sys["IndicatorLED"] != "Lit" {
		t.Fatalf("after PATCH: etag %s, %v", hdr2.Get("ETag"), sys)
	}
}

func TestVirtualMediaPatchFallback(t *testing.T) {
	sim := start(t, Config{}, nil)
	p := "/redfish/v1/Systems/1/VirtualMedia/Floppy"
	status, hdr, _ := raw(t, sim, "GET", p, "admin", "password", "")
	if status != 200 || !strings.Contains(hdr.Get("Allow"), "PATCH") {
		t.Fatalf("Allow = %q", hdr.Get("Allow"))
	}
	status, _, body := raw(t, sim, "PATCH", p, "admin", "password", `{"Image":"nfs://srv/img.img","Inserted":true,"WriteProtected":false,"UserName":"u","Password":"secret"}`)
	if status != 200 || body["Inserted"] != true || body["Password"] != nil || body["WriteProtected"] != false {
		t.Fatalf("insert by PATCH: %d %v", status, body)
	}
	if status, _, _ := raw(t, sim, "PATCH", p, "admin", "password", `{"Image":null,"Inserted":false}`); status != 200 {
		t.Fatalf("eject by PATCH: %d", status)
	}
	if m := sim.System("1").VirtualMedia()[1]; m.Inserted || m.Image != "" {
		t.Fatalf("after eject: %+v", m)
	}
}

func TestBootHistoryBounded(t *testing.T) {
	clock := newFakeClock()
	sim := start(t, Config{}, clock)
	s := sim.System("1")
	for i := 0; i < maxBootRecords+10; i++ {
		_ = s.SetPowerState(PowerOff)
		clock.Add(time.Second)
		_ = s.SetPowerState(PowerOn)
	}
	if n := len(s.Boots()); n != maxBootRecords {
		t.Fatalf("%d boot records kept", n)
	}
	if s.Counters().Boots != maxBootRecords+10 {
		t.Fatalf("boots = %d", s.Counters().Boots)
	}
}

func TestBumpVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.10.2": "1.10.3", "U46 v2.10": "U46 v2.11", "AFE124B-1.20": "AFE124B-1.21", "2.4": "2.5",
		"01.01.09": "01.01.10", "x": "x.1", "6.10.30.00": "6.10.30.01",
	} {
		if got := bumpVersion(in); got != want {
			t.Errorf("bumpVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTaskContract pins what gofish and sushy rely on: the action answers
// 202 with Location and the task in the body; both the monitor and the task
// URI (which sushy polls) answer 202 with an HTTP-date Retry-After while the
// task runs, and 200 with TaskState Completed afterwards.
func TestTaskContract(t *testing.T) {
	clock := newFakeClock()
	sim := start(t, Config{AsyncActions: true, PowerDelay: 3 * time.Second}, clock)
	status, hdr, body := raw(t, sim, "POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", "admin", "password", `{"ResetType":"On"}`)
	monitor := hdr.Get("Location")
	if status != http.StatusAccepted || !strings.HasPrefix(monitor, taskMonitorsPath+"/") || body["TaskState"] != "Running" {
		t.Fatalf("action: %d %v %v", status, hdr, body)
	}
	taskURI := body["@odata.id"].(string)
	for _, p := range []string{monitor, taskURI} {
		status, hdr, body := raw(t, sim, "GET", p, "admin", "password", "")
		ra, err := http.ParseTime(hdr.Get("Retry-After"))
		if status != http.StatusAccepted || err != nil || ra.Before(clock.Now().Add(3*time.Second)) || body["TaskState"] != "Running" {
			t.Fatalf("GET %s while running: %d Retry-After %q %v", p, status, hdr.Get("Retry-After"), body)
		}
	}
	clock.Add(3 * time.Second)
	for _, p := range []string{monitor, taskURI} {
		status, _, body := raw(t, sim, "GET", p, "admin", "password", "")
		if status != http.StatusOK || body["TaskState"] != "Completed" || body["PercentComplete"] != float64(100) {
			t.Fatalf("GET %s when done: %d %v", p, status, body)
		}
	}
	if sim.System("1").PowerState() != PowerOn {
		t.Fatal("task done, power not on")
	}
	// Other credentials cannot see the task.
	sim2 := start(t, Config{Count: 2, AsyncActions: true, Systems: []SystemConfig{{ID: "2", Username: "b", Password: "b"}}}, nil)
	_, hdr, _ = raw(t, sim2, "POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", "admin", "password", `{"ResetType":"On"}`)
	if status, _, _ := raw(t, sim2, "GET", hdr.Get("Location"), "b", "b", ""); status != http.StatusForbidden {
		t.Fatalf("foreign task monitor: %d", status)
	}
}

// TestHandlerWithoutListening serves through httptest, for tests that own
// their server.
func TestHandlerWithoutListening(t *testing.T) {
	sim, err := New(Config{Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/redfish/v1/Systems", nil)
	req.SetBasicAuth("admin", "password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if sim.URL() != "" || sim.Close() != nil {
		t.Fatal("an unstarted simulator has a URL or fails to close")
	}
}
