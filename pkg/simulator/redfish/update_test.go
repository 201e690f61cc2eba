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
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// images is an image server for update tests.
type images struct {
	*httptest.Server
	// gets counts the requests; cancelled those whose client went away first.
	gets, cancelled atomic.Int64
	// auth is the last basic-auth header received.
	auth atomic.Value
}

// imageServer serves firmware images: /bios.bin (and any other path) a small image,
// /missing 404, /empty nothing, /big 4 KiB, /hang nothing until the client gives up.
func imageServer(t testing.TB) *images {
	t.Helper()
	im := &images{}
	im.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		im.gets.Add(1)
		if u, p, ok := r.BasicAuth(); ok {
			im.auth.Store(u + ":" + p)
		}
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/empty":
		case "/big":
			_, _ = w.Write(make([]byte, 4096))
		case "/hang":
			<-r.Context().Done()
			im.cancelled.Add(1)
		default:
			_, _ = w.Write([]byte("firmware image"))
		}
	}))
	t.Cleanup(im.Close)
	return im
}

// closedURL is an http URL nothing listens on.
func closedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/bios.bin"
}

// simpleUpdate posts SimpleUpdate and returns the task's URI.
func simpleUpdate(t *testing.T, sim *Simulator, body string) string {
	t.Helper()
	status, hdr, task := raw(t, sim, "POST", updateServicePath+"/Actions/UpdateService.SimpleUpdate", "admin", "password", body)
	if status != http.StatusAccepted || hdr.Get("Location") == "" || task["TaskState"] != "Running" {
		t.Fatalf("SimpleUpdate: %d %v %v", status, hdr, task)
	}
	return task["@odata.id"].(string)
}

// finishedTask polls the task until it is no longer running and returns it.
func finishedTask(t *testing.T, sim *Simulator, uri string) map[string]any {
	t.Helper()
	var task map[string]any
	eventually(t, 10*time.Second, "the update task to end", func() bool {
		var status int
		status, _, task = raw(t, sim, "GET", uri, "admin", "password", "")
		if status != http.StatusOK && status != http.StatusAccepted {
			t.Fatalf("GET %s: %d %v", uri, status, task)
		}
		return task["TaskState"] != "Running"
	})
	return task
}

func firmwareByID(s *System, id string) Firmware {
	for _, f := range s.Firmware() {
		if f.ID == id {
			return f
		}
	}
	return Firmware{}
}

// TestFirmwareUpdateStagedUntilReset: the task downloads the image and stages it; the new
// version shows only after the next boot of the system (the BMC's own firmware also after a
// reset of the BMC), like a real BMC, not when the task completes.
func TestFirmwareUpdateStagedUntilReset(t *testing.T) {
	im := imageServer(t)
	cases := []struct {
		name, target, id string
		// on: the host runs during the update; reset is what activates the image.
		on    bool
		reset string
	}{
		{"BIOS of a host that is off, power on", firmwarePath + "/BIOS-1", "BIOS-1", false,
			`/redfish/v1/Systems/1/Actions/ComputerSystem.Reset {"ResetType":"On"}`},
		{"system URI means the BIOS, restart", "/redfish/v1/Systems/1", "BIOS-1", true,
			`/redfish/v1/Systems/1/Actions/ComputerSystem.Reset {"ResetType":"ForceRestart"}`},
		{"BMC, its own reset", "/redfish/v1/Managers/1", "BMC-1", true,
			`/redfish/v1/Managers/1/Actions/Manager.Reset {"ResetType":"GracefulRestart"}`},
		{"BMC, a restart of the system", firmwarePath + "/BMC-1", "BMC-1", true,
			`/redfish/v1/Systems/1/Actions/ComputerSystem.Reset {"ResetType":"ForceRestart"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			sim := start(t, Config{TaskDuration: 10 * time.Second}, clock)
			s := sim.System("1")
			if tc.on {
				if err := s.SetPowerState(PowerOn); err != nil {
					t.Fatal(err)
				}
			}
			id := tc.id
			before := firmwareByID(s, id).Version
			gets := im.gets.Load()

			uri := simpleUpdate(t, sim, `{"ImageURI":"`+im.URL+`/image.bin","Targets":["`+tc.target+`"]}`)
			// Running for TaskDuration even once the image is in; the task URI answers 202.
			eventually(t, 5*time.Second, "the download", func() bool { return im.gets.Load() > gets })
			if status, _, task := raw(t, sim, "GET", uri, "admin", "password", ""); status != http.StatusAccepted || task["TaskState"] != "Running" {
				t.Fatalf("task before TaskDuration: %d %v", status, task)
			}
			clock.Add(10 * time.Second)
			task := finishedTask(t, sim, uri)
			if task["TaskState"] != "Completed" || task["TaskStatus"] != "OK" || !strings.Contains(messageText(task), "AwaitToActivate") {
				t.Fatalf("finished task: %v", task)
			}
			fw := firmwareByID(s, id)
			if fw.Version != before || fw.Staged != bumpVersion(before) {
				t.Fatalf("after the task: %+v, want %s staged, %s in effect", fw, bumpVersion(before), before)
			}
			if cn := s.Counters(); cn.FirmwareStaged != 1 || cn.FirmwareApplied != 0 {
				t.Fatalf("counters after staging: %+v", cn)
			}

			path, body, _ := strings.Cut(tc.reset, " ")
			if status, _, res := raw(t, sim, "POST", path, "admin", "password", body); status >= 300 {
				t.Fatalf("POST %s: %d %v", path, status, res)
			}
			fw = firmwareByID(s, id)
			if fw.Version != bumpVersion(before) || fw.Staged != "" {
				t.Fatalf("after the reset: %+v, want %s in effect", fw, bumpVersion(before))
			}
			if cn := s.Counters(); cn.FirmwareApplied != 1 {
				t.Fatalf("counters after the reset: %+v", cn)
			}
			served := map[string]string{"BIOS-1": "/redfish/v1/Systems/1", "BMC-1": "/redfish/v1/Managers/1"}[id]
			_, _, res := raw(t, sim, "GET", served, "admin", "password", "")
			if res["BiosVersion"] != fw.Version && res["FirmwareVersion"] != fw.Version {
				t.Fatalf("%s does not show version %s: %v", served, fw.Version, res)
			}
		})
	}
}

// messageText joins a task's messages' ids and texts.
func messageText(task map[string]any) string {
	var out []string
	msgs, _ := task["Messages"].([]any)
	for _, m := range msgs {
		m, _ := m.(map[string]any)
		out = append(out, m["MessageId"].(string)+": "+m["Message"].(string))
	}
	return strings.Join(out, "\n")
}

// TestFirmwareUpdateDownloadFailure: an image that cannot be had ends the task with
// TaskState Exception, TaskStatus Critical and a message saying why; nothing is staged.
func TestFirmwareUpdateDownloadFailure(t *testing.T) {
	im := imageServer(t)
	cases := []struct {
		name, url string
		cfg       Config
		why       string
	}{
		{name: "not found", url: im.URL + "/missing", why: "404 Not Found"},
		{name: "unreachable", url: closedURL(t), why: "cannot be reached"},
		{name: "empty", url: im.URL + "/empty", why: "empty"},
		{name: "too large", url: im.URL + "/big", cfg: Config{UpdateMaxImageSize: 1024}, why: "larger than 1024 bytes"},
		{name: "too slow", url: im.URL + "/hang", cfg: Config{UpdateDownloadTimeout: 200 * time.Millisecond}, why: "did not answer within 200ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := start(t, tc.cfg, nil)
			s := sim.System("1")
			before := s.Firmware()
			uri := simpleUpdate(t, sim, `{"ImageURI":"`+tc.url+`","Targets":["`+firmwarePath+`/BIOS-1"]}`)
			task := finishedTask(t, sim, uri)
			text := messageText(task)
			if task["TaskState"] != "Exception" || task["TaskStatus"] != "Critical" ||
				!strings.Contains(text, "Update.1.0.TransferFailed") || !strings.Contains(text, tc.why) {
				t.Fatalf("task: %v\nmessages: %s\nwant an exception saying %q", task, text, tc.why)
			}
			// The monitor answers 200 with the finished task too.
			if status, _, mon := raw(t, sim, "GET", task["TaskMonitor"].(string), "admin", "password", ""); status != http.StatusOK || mon["TaskState"] != "Exception" {
				t.Fatalf("monitor: %d %v", status, mon)
			}
			if err := s.SetPowerState(PowerOn); err != nil {
				t.Fatal(err)
			}
			for i, f := range s.Firmware() {
				if f != before[i] {
					t.Errorf("firmware changed by a failed update: %+v -> %+v", before[i], f)
				}
			}
			if cn := s.Counters(); cn.FirmwareFailed != 1 || cn.FirmwareStaged != 0 || cn.FirmwareApplied != 0 {
				t.Errorf("counters: %+v", cn)
			}
		})
	}
}

// TestSimpleUpdateRefusesWhatCannotWork: URIs the update service cannot fetch are refused
// with 400 at once (it advertises HTTP and HTTPS), and no task starts.
func TestSimpleUpdateRefusesWhatCannotWork(t *testing.T) {
	sim := start(t, Config{}, nil)
	cases := []struct{ body, messageID, text string }{
		{`{"ImageURI":"file:///srv/bios.bin","Targets":["/redfish/v1/Systems/1"]}`, "ActionParameterNotSupported", `scheme "file"`},
		{`{"ImageURI":"ftp://fw.example/bios.bin","Targets":["/redfish/v1/Systems/1"]}`, "ActionParameterNotSupported", `scheme "ftp"`},
		{`{"ImageURI":"fw.example/bios.bin","TransferProtocol":"NFS","Targets":["/redfish/v1/Systems/1"]}`, "ActionParameterValueNotInList", "NFS"},
		{`{"ImageURI":"http:///bios.bin","Targets":["/redfish/v1/Systems/1"]}`, "ActionParameterValueFormatError", "ImageURI"},
		{`{"ImageURI":"http://u:s3cret@fw.example/x","Targets":["/redfish/v1/Systems/9"]}`, "ActionParameterValueNotInList", "Targets"},
	}
	for _, tc := range cases {
		status, _, body := raw(t, sim, "POST", updateServicePath+"/Actions/UpdateService.SimpleUpdate", "admin", "password", tc.body)
		b, _ := json.Marshal(body)
		e, _ := body["error"].(map[string]any)
		if text, _ := e["message"].(string); status != http.StatusBadRequest || !strings.HasSuffix(messageID(body), tc.messageID) || !strings.Contains(text, tc.text) {
			t.Errorf("%s: %d %s, want 400 %s mentioning %q", tc.body, status, b, tc.messageID, tc.text)
		}
		if strings.Contains(string(b), "s3cret") {
			t.Errorf("%s: the answer shows the password: %s", tc.body, b)
		}
	}
	if _, _, tasks := raw(t, sim, "GET", tasksPath, "admin", "password", ""); tasks["Members@odata.count"] != float64(0) {
		t.Fatalf("refused updates started tasks: %v", tasks)
	}
}

// TestSimpleUpdateKeepsPasswordsOut: the image server gets the credentials, and neither the
// task's payload nor its messages show them. A URI without a scheme is fetched over HTTP.
func TestSimpleUpdateKeepsPasswordsOut(t *testing.T) {
	im := imageServer(t)
	sim := start(t, Config{}, nil)
	host := strings.TrimPrefix(im.URL, "http://")
	cases := []struct{ body, auth string }{
		{`{"ImageURI":"` + host + `/missing","Username":"fw","Password":"s3cret","Targets":["/redfish/v1/Systems/1"]}`, "fw:s3cret"},
		{`{"ImageURI":"http://fw:s3cret@` + host + `/missing","Targets":["/redfish/v1/Systems/1"]}`, "fw:s3cret"},
	}
	for _, tc := range cases {
		im.auth.Store("")
		task := finishedTask(t, sim, simpleUpdate(t, sim, tc.body))
		b, _ := json.Marshal(task)
		if strings.Contains(string(b), "s3cret") {
			t.Errorf("the task shows the password: %s", b)
		}
		payload, _ := task["Payload"].(map[string]any)
		if body, _ := payload["JsonBody"].(string); !strings.Contains(body, "ImageURI") {
			t.Errorf("payload without the request: %v", payload)
		}
		if got := im.auth.Load(); got != tc.auth {
			t.Errorf("%s: the image server got credentials %q, want %q", tc.body, got, tc.auth)
		}
		if task["TaskState"] != "Exception" || !strings.Contains(messageText(task), "404") {
			t.Errorf("task: %v", task)
		}
	}
}

// TestCloseEndsDownloads: a download in flight ends with Close, which waits for it.
func TestCloseEndsDownloads(t *testing.T) {
	im := imageServer(t)
	sim, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	simpleUpdate(t, sim, `{"ImageURI":"`+im.URL+`/hang","Targets":["/redfish/v1/Systems/1"]}`)
	eventually(t, 5*time.Second, "the download to start", func() bool { return im.gets.Load() == 1 })
	began := time.Now()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("Close took %v with a download in flight", took)
	}
	eventually(t, 5*time.Second, "the image server to see the download cancelled", func() bool { return im.cancelled.Load() == 1 })
	if st := sim.System("1").State(); st.Counters.FirmwareFailed != 1 {
		t.Fatalf("the cancelled download did not end its task: %+v", st.Counters)
	}
}

// TestIgnoredBIOSAttribute: the IgnoreBIOSAttributes fault makes the firmware drop a staged
// value at boot: the settings object clears, the value in effect stays.
func TestIgnoredBIOSAttribute(t *testing.T) {
	sim := start(t, Config{Systems: []SystemConfig{{ID: "1", Faults: Faults{IgnoreBIOSAttributes: []string{"SriovGlobalEnable"}}}}}, nil)
	status, _, _ := raw(t, sim, "PATCH", "/redfish/v1/Systems/1/Bios/Settings", "admin", "password",
		`{"Attributes":{"SriovGlobalEnable":"Enabled","ProcTurboMode":"Disabled"}}`)
	if status != http.StatusOK {
		t.Fatalf("PATCH: %d", status)
	}
	s := sim.System("1")
	if err := s.SetPowerState(PowerOn); err != nil {
		t.Fatal(err)
	}
	attrs := s.BIOSAttributes()
	if attrs["ProcTurboMode"] != "Disabled" || attrs["SriovGlobalEnable"] != "Disabled" || len(s.PendingBIOSAttributes()) != 0 {
		t.Fatalf("after boot: %v, pending %v", attrs, s.PendingBIOSAttributes())
	}
	if cn := s.Counters(); cn.BIOSIgnored != 1 || cn.BIOSApplied != 1 {
		t.Fatalf("counters: %+v", cn)
	}
}

// TestFailedFirmwareActivation: with the FailFirmwareActivation fault the update task
// completes, and the reset that should activate the image drops it: the version stays.
func TestFailedFirmwareActivation(t *testing.T) {
	im := imageServer(t)
	sim := start(t, Config{Systems: []SystemConfig{{ID: "1", Faults: Faults{FailFirmwareActivation: true}}}}, nil)
	s := sim.System("1")
	before := firmwareByID(s, "BIOS-1").Version
	task := finishedTask(t, sim, simpleUpdate(t, sim, `{"ImageURI":"`+im.URL+`/bios.bin","Targets":["/redfish/v1/Systems/1"]}`))
	if task["TaskState"] != "Completed" || firmwareByID(s, "BIOS-1").Staged == "" {
		t.Fatalf("task %v, firmware %+v: want the image staged", task, firmwareByID(s, "BIOS-1"))
	}
	if err := s.SetPowerState(PowerOn); err != nil {
		t.Fatal(err)
	}
	if f := firmwareByID(s, "BIOS-1"); f.Version != before || f.Staged != "" {
		t.Fatalf("after the reset: %+v, want %s and nothing staged", f, before)
	}
	if cn := s.Counters(); cn.FirmwareDropped != 1 || cn.FirmwareApplied != 0 {
		t.Fatalf("counters: %+v", cn)
	}
}
