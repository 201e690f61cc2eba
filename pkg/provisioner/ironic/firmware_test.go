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

package ironic

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // the checksum Ironic 21.4 wants
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// firmwareIronic is a scripted node whose Ironic also answers the BIOS and firmware reads,
// applies PATCHes, and keeps the body of every provision state request.
type firmwareIronic struct {
	*scriptedNode
	bios     []map[string]any
	firmware []map[string]any
	queries  []string // GET bios queries
	states   []map[string]any
	p        *Provisioner
}

// set changes the node behind the provisioner's back, as Ironic's conductor does, and drops
// the provisioner's cached read of it.
func (fi *firmwareIronic) set(kv ...any) {
	fi.scriptedNode.set(kv...)
	fi.p.nodes.forget(fi.node["uuid"].(string))
}

func newFirmwareIronic(t *testing.T, version string, n map[string]any) (*firmwareIronic, *Provisioner) {
	t.Helper()
	fi := &firmwareIronic{scriptedNode: &scriptedNode{node: n, refuse: map[string]int{}}}
	f := newFakeIronic(t, version)
	f.handle = fi.serve
	p, err := New(context.Background(), Config{Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	fi.p = p
	return fi, p
}

func (fi *firmwareIronic) serve(w http.ResponseWriter, r *http.Request) bool {
	fi.mu.Lock()
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	parts := strings.Split(path, "/")
	if len(parts) == 3 && parts[0] == "nodes" && r.Method == http.MethodGet {
		switch parts[2] {
		case "bios":
			fi.queries = append(fi.queries, r.URL.RawQuery)
			_ = json.NewEncoder(w).Encode(map[string]any{"bios": fi.bios})
			fi.mu.Unlock()
			return true
		case "firmware":
			_ = json.NewEncoder(w).Encode(map[string]any{"firmware": fi.firmware})
			fi.mu.Unlock()
			return true
		}
	}
	if r.Method == http.MethodDelete && len(parts) == 3 && parts[2] == "maintenance" && fi.node != nil {
		fi.node["maintenance"] = false
		fi.requests = append(fi.requests, "DELETE maintenance")
		fi.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return true
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if r.Method == http.MethodPatch && len(parts) == 2 && fi.node != nil {
		var ops []struct {
			Op, Path string
			Value    any
		}
		_ = json.Unmarshal(body, &ops)
		for _, op := range ops {
			keys := strings.Split(strings.TrimPrefix(op.Path, "/"), "/")
			target := fi.node
			if len(keys) == 2 {
				target, _ = fi.node[keys[0]].(map[string]any)
			}
			if op.Op == "remove" {
				delete(target, keys[len(keys)-1])
			} else {
				target[keys[len(keys)-1]] = op.Value
			}
		}
	}
	if r.Method == http.MethodPut && len(parts) == 4 && parts[3] == "raid" && fi.node != nil {
		var target map[string]any
		_ = json.Unmarshal(body, &target)
		fi.node["target_raid_config"] = target
		fi.requests = append(fi.requests, "PUT states/raid")
		fi.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	if r.Method == http.MethodPut && len(parts) == 4 && parts[3] == "provision" {
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		fi.states = append(fi.states, req)
	}
	fi.mu.Unlock()
	return fi.scriptedNode.serve(w, r)
}

func (fi *firmwareIronic) lastState(t *testing.T) string {
	t.Helper()
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if len(fi.states) == 0 {
		t.Fatal("no provision state request")
	}
	data, _ := json.Marshal(fi.states[len(fi.states)-1])
	return string(data)
}

// firmwareImage serves a firmware image and returns its URL and SHA-1.
func firmwareImage(t *testing.T) (string, string) {
	content := []byte("firmware image v2")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(content) }))
	t.Cleanup(srv.Close)
	sum := sha1.Sum(content) //nolint:gosec // see import
	return srv.URL + "/bios-2.bin", hex.EncodeToString(sum[:])
}

var registry = []map[string]any{
	{"name": "BootDelaySeconds", "value": "0", "attribute_type": "Integer", "lower_bound": 0, "upper_bound": 60},
	{"name": "ProcTurboMode", "value": "Enabled", "attribute_type": "Enumeration", "allowable_values": []string{"Enabled", "Disabled"}},
}

// TestPrepareAppliesFirmware: settings and updates in one manual clean, recorded before it
// starts; after it, the node is made available without a second clean, and a retried call
// at any point starts nothing twice.
func TestPrepareAppliesFirmware(t *testing.T) {
	url, sum := firmwareImage(t)
	t0 := "2026-11-29T10:00:00.000001+00:00"
	fi, p := newFirmwareIronic(t, "1.82", node("manageable", "bios_interface", "redfish", "management_interface", "redfish",
		"provision_updated_at", t0))
	fi.bios = registry
	ctx, host := context.Background(), testHost(t)
	host.AutomatedCleaningMode = "disabled"
	data := provisioner.PrepareData{Firmware: provisioner.FirmwareChanges{
		Settings: map[string]string{"BootDelaySeconds": "30", "ProcTurboMode": "Enabled"},
		Updates:  []provisioner.FirmwareUpdate{{Component: "bios", URL: url}},
	}}
	res, err := p.Prepare(ctx, host, data)
	if err != nil || res.Done || res.ErrorMessage != "" {
		t.Fatalf("Prepare = %+v, %v", res, err)
	}
	// automated_clean, the marker, the clean.
	if got := fi.took(); !equal(got, "PATCH ", "PATCH ", "PUT states/provision clean") {
		t.Errorf("requests %q", got)
	}
	want := `{"clean_steps":[{"args":{"settings":[{"name":"BootDelaySeconds","value":30}]},"interface":"bios","step":"apply_configuration"},` +
		`{"args":{"firmware_images":[{"checksum":"` + sum + `","url":"` + url + `"}]},"interface":"management","step":"update_firmware"}],"target":"clean"}`
	if got := fi.lastState(t); got != want {
		t.Errorf("clean request %s\nwant %s", got, want)
	}
	if fi.queries[0] != "detail=true" {
		t.Errorf("BIOS read with %q, want the registry detail", fi.queries[0])
	}

	// Ironic did not start the clean (say, a 409 and then a restart): the node is as it was,
	// the marker says requested; the clean is requested again, with the marker unchanged.
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done {
		t.Fatalf("Prepare again = %+v, %v", res, err)
	}
	if got := fi.took(); !equal(got, "PUT states/provision clean") {
		t.Errorf("requests %q, want the clean alone", got)
	}

	// The clean ran: the node is manageable again, its BIOS has the settings.
	fi.set("provision_updated_at", "2026-11-29T10:03:00.5+00:00")
	fi.bios = []map[string]any{registry[1], {"name": "BootDelaySeconds", "value": "30", "attribute_type": "Integer"}}
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done {
		t.Fatalf("Prepare after the clean = %+v, %v", res, err)
	}
	if got := fi.took(); !equal(got, "PATCH ", "PUT states/provision provide") {
		t.Errorf("requests %q, want the confirmation and provide", got)
	}
	if m := markerOf(mustNode(t, fi)); m == nil || !m.Applied {
		t.Errorf("marker = %+v, want confirmed", m)
	}
	fi.set("provision_state", "available", "provision_updated_at", "2026-11-29T10:03:01+00:00")
	if res, err := p.Prepare(ctx, host, data); err != nil || !res.Done || len(fi.took()) != 0 {
		t.Fatalf("Prepare when available = %+v, %v", res, err)
	}
	// New updates on an available node: back to manageable.
	data.Firmware.Updates[0].URL = url + "?v=3"
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done || !equal(fi.took(), "PUT states/provision manage") {
		t.Fatalf("Prepare with another image = %+v, %v", res, err)
	}
}

func mustNode(t *testing.T, fi *firmwareIronic) *nodes.Node {
	t.Helper()
	fi.mu.Lock()
	defer fi.mu.Unlock()
	data, _ := json.Marshal(fi.node)
	var n nodes.Node
	if err := json.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

// TestPrepareCleanFailedRetriesFirmware: a failed clean is reported, then on the retry the
// unconfirmed marker is dropped so that the updates are installed again.
func TestPrepareCleanFailedRetriesFirmware(t *testing.T) {
	url, _ := firmwareImage(t)
	updates := []provisioner.FirmwareUpdate{{Component: "bmc", URL: url}}
	fi, p := newFirmwareIronic(t, "1.82", node("clean failed", "bios_interface", "redfish", "management_interface", "redfish",
		"last_error", "Firmware update failed for node x: checksum mismatch", "maintenance", false,
		"provision_updated_at", "2026-11-29T10:05:00+00:00",
		"extra", map[string]any{requestMarkerKey: markerValue(requestMarker{Updates: markedUpdates(updates), Since: "2026-11-29T10:00:00Z"})}))
	ctx, host := context.Background(), testHost(t)
	data := provisioner.PrepareData{Firmware: provisioner.FirmwareChanges{Updates: updates}}
	res, err := p.Prepare(ctx, host, data)
	if err != nil || !strings.Contains(res.ErrorMessage, "checksum mismatch") || len(fi.took()) != 0 {
		t.Fatalf("Prepare in clean failed = %+v, %v", res, err)
	}
	host.RestartOnFailure = true
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done || !equal(fi.took(), "PATCH ", "PUT states/provision manage") {
		t.Fatalf("retried Prepare = %+v, %v", res, err)
	}
	if markerOf(mustNode(t, fi)) != nil {
		t.Error("the unconfirmed marker survived the failure")
	}
}

// TestPrepareRefusesWhatTheNodeCannotDo: fake-hardware's management interface has no
// update_firmware step, ipmi has no BIOS interface: Failed at once, naming them, nothing sent.
func TestPrepareRefusesWhatTheNodeCannotDo(t *testing.T) {
	for _, tc := range []struct {
		n       map[string]any
		changes provisioner.FirmwareChanges
		want    string
	}{
		{node("manageable", "driver", "fake-hardware", "bios_interface", "fake", "management_interface", "fake"),
			provisioner.FirmwareChanges{Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: "http://fw/b"}}},
			`(driver fake-hardware) has management interface "fake", which has no update_firmware step`},
		{node("manageable", "driver", "ipmi", "bios_interface", "no-bios", "management_interface", "ipmitool"),
			provisioner.FirmwareChanges{Settings: map[string]string{"A": "1"}},
			`(driver ipmi) has bios interface "no-bios"`},
	} {
		fi, p := newFirmwareIronic(t, "1.82", tc.n)
		res, err := p.Prepare(context.Background(), testHost(t), provisioner.PrepareData{Firmware: tc.changes})
		if err != nil || !strings.Contains(res.ErrorMessage, tc.want) || len(fi.took()) != 0 {
			t.Errorf("Prepare = %+v, %v; want Failed with %q and no request", res, err, tc.want)
		}
	}
}

// TestServiceNeedsAPI187: Ironic 21.4 (1.82) cannot service; the Result says what is needed
// and nothing is read or written but the version.
func TestServiceNeedsAPI187(t *testing.T) {
	fi, p := newFirmwareIronic(t, "1.82", node("active", "bios_interface", "redfish", "management_interface", "redfish"))
	res, err := p.Service(context.Background(), testHost(t), provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Disabled"}})
	want := "servicing needs Ironic API 1.87 (service steps, Ironic 2024.1 or newer); this Ironic offers up to 1.82"
	if err != nil || res.ErrorMessage != want || res.Done {
		t.Fatalf("Service = %+v, %v\nwant Failed(%q)", res, err, want)
	}
	if got := fi.took(); len(got) != 0 {
		t.Errorf("Service on 1.82 sent %q", got)
	}
}

// TestService drives servicing on an Ironic with service steps: started from active with the
// steps of what the node lacks, polled, failed with Ironic's last_error, retried from service
// failed once the status records it, Done back in active.
func TestService(t *testing.T) {
	url := "http://fw/bmc-5.11.bin"
	fi, p := newFirmwareIronic(t, "1.95", node("active", "bios_interface", "redfish", "management_interface", "redfish",
		"firmware_interface", "redfish", "provision_updated_at", "2026-11-29T10:00:00+00:00"))
	fi.bios = registry
	ctx, host := context.Background(), testHost(t)
	changes := provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Disabled"},
		Updates: []provisioner.FirmwareUpdate{{Component: "bmc", URL: url}}}
	res, err := p.Service(ctx, host, changes)
	if err != nil || res.Done || res.ErrorMessage != "" || !equal(fi.took(), "PATCH ", "PUT states/provision service") {
		t.Fatalf("Service = %+v, %v", res, err)
	}
	want := `{"service_steps":[{"args":{"settings":[{"name":"ProcTurboMode","value":"Disabled"}]},"interface":"bios","step":"apply_configuration"},` +
		`{"args":{"settings":[{"component":"bmc","url":"` + url + `"}]},"interface":"firmware","step":"update"}],"target":"service"}`
	if got := fi.lastState(t); got != want {
		t.Errorf("service request %s\nwant %s", got, want)
	}
	for _, state := range []string{"servicing", "service wait"} {
		fi.set("provision_state", state)
		if res, err := p.Service(ctx, host, changes); err != nil || res.RequeueAfter == 0 || len(fi.took()) != 0 {
			t.Errorf("Service in %s = %+v, %v", state, res, err)
		}
	}
	fi.set("provision_state", "service failed", "maintenance", true, "last_error", "BMC refused the image",
		"provision_updated_at", "2026-11-29T10:01:00+00:00")
	if res, err := p.Service(ctx, host, changes); err != nil || !strings.Contains(res.ErrorMessage, "servicing failed: BMC refused the image") || len(fi.took()) != 0 {
		t.Fatalf("Service in service failed = %+v, %v", res, err)
	}
	host.RestartOnFailure = true
	if res, err := p.Service(ctx, host, changes); err != nil || !equal(fi.took(), "DELETE maintenance") {
		t.Fatalf("retried Service = %+v, %v; want maintenance cleared first", res, err)
	}
	fi.set("maintenance", false)
	// The BIOS part had worked: only the update is retried, with a fresh marker.
	fi.bios = []map[string]any{registry[0], {"name": "ProcTurboMode", "value": "Disabled", "attribute_type": "Enumeration"}}
	if res, err := p.Service(ctx, host, changes); err != nil || res.Done || !equal(fi.took(), "PATCH ", "PUT states/provision service") {
		t.Fatalf("retried Service = %+v, %v", res, err)
	}
	if got := fi.lastState(t); strings.Contains(got, "bios") || !strings.Contains(got, "firmware") {
		t.Errorf("retry request %s", got)
	}
	if m := markerOf(mustNode(t, fi)); m == nil || m.Since != "2026-11-29T10:01:00Z" {
		t.Errorf("marker after the retry = %+v", m)
	}
	fi.set("provision_state", "active", "provision_updated_at", "2026-11-29T10:09:00+00:00")
	host.RestartOnFailure = false
	if res, err := p.Service(ctx, host, changes); err != nil || !res.Done || !equal(fi.took(), "PATCH ") {
		t.Fatalf("Service after servicing = %+v, %v; want Done after confirming the marker", res, err)
	}
	if res, err := p.Service(ctx, host, changes); err != nil || !res.Done || len(fi.took()) != 0 {
		t.Fatalf("Service again = %+v, %v", res, err)
	}
	// Withdrawn changes in service failed: abort, back to active.
	fi.set("provision_state", "service failed")
	if res, err := p.Service(ctx, host, provisioner.FirmwareChanges{}); err != nil || !equal(fi.took(), "PUT states/provision abort") {
		t.Fatalf("Service without changes in service failed = %+v, %v", res, err)
	}
}

func TestFirmwareComponentsNeedAPI186(t *testing.T) {
	_, p := newFirmwareIronic(t, "1.82", node("active", "bios_interface", "redfish"))
	_, err := p.FirmwareComponents(context.Background(), testHost(t))
	want := "reading firmware versions needs Ironic API 1.86 (the firmware interface); this Ironic offers up to 1.82"
	if err == nil || err.Error() != want {
		t.Errorf("FirmwareComponents on 1.82: %v\nwant %s", err, want)
	}

	fi, p := newFirmwareIronic(t, "1.86", node("active", "firmware_interface", "redfish"))
	fi.firmware = []map[string]any{
		{"component": "bmc", "initial_version": "5.10", "current_version": "5.11", "created_at": "2026-11-29T10:00:00+00:00"},
		{"component": "bios", "initial_version": "2.3", "current_version": "2.3", "created_at": "2026-11-29T10:00:00+00:00"},
	}
	comps, err := p.FirmwareComponents(context.Background(), testHost(t))
	if err != nil || len(comps) != 2 || comps[0] != (provisioner.FirmwareComponent{Component: "bios", Version: "2.3"}) ||
		comps[1] != (provisioner.FirmwareComponent{Component: "bmc", Version: "5.11"}) {
		t.Errorf("FirmwareComponents on 1.86 = %+v, %v", comps, err)
	}
	fi.set("firmware_interface", "no-firmware", "driver", "ipmi")
	if _, err := p.FirmwareComponents(context.Background(), testHost(t)); err == nil || !strings.Contains(err.Error(), `(driver ipmi) has firmware interface "no-firmware"`) {
		t.Errorf("FirmwareComponents of a no-firmware node: %v", err)
	}
}

func TestReadBIOS(t *testing.T) {
	for version, query := range map[string]string{"1.82": "detail=true", "1.73": ""} {
		fi, p := newFirmwareIronic(t, version, node("manageable", "bios_interface", "redfish"))
		fi.bios = registry
		bios, err := p.ReadBIOS(context.Background(), testHost(t))
		if err != nil || bios.Settings["BootDelaySeconds"] != "0" || fi.queries[0] != query {
			t.Errorf("%s: ReadBIOS = %+v, %v; query %q, want %q", version, bios, err, fi.queries[0], query)
		}
		if bios.Schema["BootDelaySeconds"].AttributeType != "Integer" {
			t.Errorf("%s: schema %+v", version, bios.Schema)
		}
	}
	fi, p := newFirmwareIronic(t, "1.82", node("manageable", "bios_interface", "no-bios", "driver", "ipmi"))
	if _, err := p.ReadBIOS(context.Background(), testHost(t)); err == nil || !strings.Contains(err.Error(), `(driver ipmi) has bios interface "no-bios"`) || len(fi.queries) != 0 {
		t.Errorf("ReadBIOS of a no-bios node: %v", err)
	}
}

func TestImageSHA1(t *testing.T) {
	url, sum := firmwareImage(t)
	if got, err := imageSHA1(context.Background(), url); err != nil || got != sum {
		t.Errorf("imageSHA1 = %q, %v; want %s", got, err, sum)
	}
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	_, err := imageSHA1(context.Background(), strings.Replace(missing.URL, "http://", "http://user:secret-pw@", 1)+"/x.bin")
	if err == nil || !strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("imageSHA1 of a missing image: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	if _, err := imageSHA1(ctx, url); err == nil {
		t.Error("imageSHA1 with an ended context succeeded")
	}
}

// TestPrepareRAIDNotTakenForDoneWhenTheCleanNeverStarted: the target RAID configuration is
// written before the clean is requested; when Ironic refuses to start the clean (409, the
// node locked for a moment), the next call must request it again rather than take the
// target for an applied configuration and make the node available.
func TestPrepareRAIDNotTakenForDoneWhenTheCleanNeverStarted(t *testing.T) {
	fi, p := newFirmwareIronic(t, "1.82", node("manageable", "raid_interface", "redfish", "automated_clean", false,
		"provision_updated_at", "2026-11-29T10:00:00+00:00"))
	fi.refuse["PUT states/provision clean"] = http.StatusConflict
	ctx, host := context.Background(), testHost(t)
	host.AutomatedCleaningMode = "disabled"
	size := int32(100)
	data := provisioner.PrepareData{RAID: &v1alpha1.RAIDConfig{HardwareRAIDVolumes: []v1alpha1.HardwareRAIDVolume{{Level: "1", SizeGibibytes: &size}}}}
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done || !equal(fi.took(), "PATCH ", "PUT states/raid", "PUT states/provision clean") {
		t.Fatalf("Prepare = %+v, %v", res, err)
	}
	delete(fi.refuse, "PUT states/provision clean")
	fi.p.nodes.forget(fi.node["uuid"].(string))
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done || !equal(fi.took(), "PUT states/raid", "PUT states/provision clean") {
		t.Fatalf("Prepare after the refused clean = %+v, %v; want the clean requested again", res, err)
	}
	// The clean ran: the node changed state and is manageable again.
	fi.set("provision_updated_at", "2026-11-29T10:02:00+00:00")
	if res, err := p.Prepare(ctx, host, data); err != nil || res.Done || !equal(fi.took(), "PUT states/provision provide") {
		t.Fatalf("Prepare after the clean = %+v, %v; want provide", res, err)
	}
}
