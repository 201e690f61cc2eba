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

package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// Firmware through the Ironic backend and Debian 12's Ironic 21.4 (API 1.82): BIOS settings
// applied by a manual clean, firmware updates by the Redfish management interface's
// update_firmware step, and what 21.4 lacks (service steps, 1.87; the firmware interface,
// 1.86) refused with the version it needs, without touching the node.

// What this Ironic answers for what it lacks.
const (
	servicingNeeds = "servicing needs Ironic API 1.87 (service steps, Ironic 2024.1 or newer); this Ironic offers up to 1.82"
	versionsNeed   = "reading firmware versions needs Ironic API 1.86 (the firmware interface); this Ironic offers up to 1.82"
)

// firmwareRig is a Redfish simulator with one system (Ironic's SimpleUpdate names no
// target, which the simulator resolves to the only system), a real Ironic, the backend, and a
// fake agent: Ironic's cleaning of a Redfish node boots the agent ramdisk and continues after
// each out-of-band step's reboot only when the agent heartbeats.
type firmwareRig struct {
	t      *testing.T
	sys    *simredfish.System
	ir     *framework.Ironic
	p      *ironic.Provisioner
	ctx    context.Context
	logs   func() string
	view   ironicView
	agent  *framework.FakeAgent
	host   provisioner.Host
	files  *httptest.Server // deploy kernel and ramdisk, firmware images
	mu     sync.Mutex
	served map[string]int
}

// servedCount is how often the files server served path.
func (r *firmwareRig) servedCount(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.served[path]
}

func newFirmwareRig(t *testing.T, opts framework.IronicOptions) *firmwareRig {
	const seed = 7
	sim, err := simredfish.New(simredfish.Config{Count: 1, Seed: seed, PowerDelay: 100 * time.Millisecond,
		TaskDuration: 500 * time.Millisecond, Username: redfishUser, Password: redfishPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	r := &firmwareRig{t: t, sys: sim.System("1"), served: map[string]int{}}
	r.files = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.served[req.URL.Path]++
		r.mu.Unlock()
		_, _ = fmt.Fprintf(w, "contents of %s", req.URL.Path)
	}))
	t.Cleanup(r.files.Close)
	r.ir = framework.StartIronicWithOptions(t, opts)
	// As newIronicBackend, with the deploy ramdisk cleaning boots.
	logger := ktesting.NewLogger(ktesting.NopTL{}, ktesting.NewConfig(ktesting.Verbosity(10), ktesting.BufferLogs(true)))
	ctx, cancel := context.WithTimeout(klog.NewContext(context.Background(), logger), 5*time.Minute)
	t.Cleanup(cancel)
	r.ctx = ctx
	r.logs = func() string { return logger.GetSink().(ktesting.Underlier).GetBuffer().String() }
	r.p, err = ironic.New(ctx, ironic.Config{Endpoint: r.ir.Endpoint, PollInterval: 200 * time.Millisecond, WaitPollInterval: 500 * time.Millisecond,
		DeployKernelURL: r.files.URL + "/ipa.kernel", DeployRamdiskURL: r.files.URL + "/ipa.initramfs"})
	if err != nil {
		t.Fatal(err)
	}
	r.view = ironicView{endpoint: r.ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	access, err := bmc.Parse(sim.BMCAddress("1"))
	if err != nil {
		t.Fatal(err)
	}
	r.host = provisioner.Host{
		Namespace: "ironic-firmware", Name: "sim-1", UID: types.UID("00000000-0000-4000-8000-0000000000f1"),
		BMC: access, Credentials: provisioner.Credentials{Username: redfishUser, Password: redfishPassword},
		BootMACAddress: simredfish.GenerateInventory(seed, "1").NICs[0].MAC, BootMode: v1alpha1.BootModeUEFI,
		InspectionMode: v1alpha1.InspectionModeFast, AutomatedCleaningMode: v1alpha1.CleaningModeDisabled,
	}
	r.step("register", time.Minute, func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := r.p.Register(ctx, r.host)
		r.host.ID = id
		return res, err
	})
	r.agent = framework.StartFakeAgent(t, r.ir.Endpoint, 300*time.Millisecond)
	r.agent.Serve(r.host.ID)
	return r
}

// step drives f until Done, failing the test on a failure or after timeout.
func (r *firmwareRig) step(what string, timeout time.Duration, f func(context.Context) (provisioner.Result, error)) {
	r.t.Helper()
	start := time.Now()
	calls, err := drive(r.ctx, timeout, f)
	if err != nil {
		r.t.Fatalf("%s: %v (after %d calls, %s)\nIronic log (tail):\n%s", what, err, calls, time.Since(start).Round(time.Millisecond), r.ir.LogTail(40))
	}
	r.t.Logf("%s: Done in %s (%d calls)", what, time.Since(start).Round(time.Millisecond), calls)
}

func (r *firmwareRig) node() map[string]any {
	return r.view.node(r.t, ironic.NodeName(r.host.Namespace, r.host.Name))
}

func (r *firmwareRig) prepare(changes provisioner.FirmwareChanges) func(context.Context) (provisioner.Result, error) {
	return func(ctx context.Context) (provisioner.Result, error) {
		return r.p.Prepare(ctx, r.host, provisioner.PrepareData{Firmware: changes})
	}
}

// untouched checks that the node is as before: no state change, no write.
func (r *firmwareRig) untouched(what string, before map[string]any) {
	r.t.Helper()
	after := r.node()
	for _, k := range []string{"provision_state", "target_provision_state", "provision_updated_at", "updated_at", "maintenance", "last_error"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
			r.t.Errorf("%s changed the node's %s: %v -> %v", what, k, before[k], after[k])
		}
	}
}

// TestIronicFirmwareOnDebian drives Debian 12's Ironic, as packaged, with its redfish driver
// against the simulator: (a) BIOS settings applied by Prepare through Ironic's Redfish BIOS
// interface, seen on the simulator and read back through Ironic; (b) Service refused naming
// API 1.87, the node untouched; (c) firmware versions refused naming 1.86; (d) a firmware
// update: the update_firmware step reaches the BMC, which installs the image, but this
// Ironic cannot poll the BMC's task (Debian's sushy lacks its standard registries), so the
// clean never ends and Prepare never reports it Done.
func TestIronicFirmwareOnDebian(t *testing.T) {
	r := newFirmwareRig(t, framework.IronicOptions{})
	before := r.sys.BIOSAttributes()

	// Ironic read the BIOS when it verified the node.
	bios, err := r.p.ReadBIOS(r.ctx, r.host)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range before {
		want := fmt.Sprint(v)
		if b, ok := v.(bool); ok {
			// No registry: a Boolean is what sqlite made of Python's True.
			want = map[bool]string{true: "1", false: "0"}[b]
		}
		if bios.Settings[k] != want {
			t.Errorf("ReadBIOS: %s = %q, the simulator has %v", k, bios.Settings[k], v)
		}
	}
	if bios.Schema != nil {
		t.Errorf("ReadBIOS found a schema; Debian's sushy reads no registry (was python3-sushy fixed? then assert the schema): %v", bios.Schema)
	}

	// (c) Firmware versions need the firmware interface.
	if _, err := r.p.FirmwareComponents(r.ctx, r.host); err == nil || err.Error() != versionsNeed {
		t.Errorf("FirmwareComponents: %v\nwant %s", err, versionsNeed)
	}

	// (a) BIOS settings: one manual clean; Ironic's redfish BIOS interface stages them
	// (PATCH Bios/Settings), reboots the host, which applies them, and checks them.
	want := map[string]string{"ProcTurboMode": "Disabled", "WorkloadProfile": "Performance", "BootDelaySeconds": "7"}
	boots := len(r.sys.Boots())
	r.step("prepare with BIOS settings", 2*time.Minute, r.prepare(provisioner.FirmwareChanges{Settings: want}))
	expect(t, "prepare", r.node(), map[string]any{"provision_state": "available", "last_error": nil})
	got := r.sys.BIOSAttributes()
	if got["ProcTurboMode"] != "Disabled" || got["WorkloadProfile"] != "Performance" || got["BootDelaySeconds"] != 7 {
		t.Errorf("the simulator's BIOS after preparing: %v", got)
	}
	if pending := r.sys.PendingBIOSAttributes(); len(pending) != 0 {
		t.Errorf("settings still pending on the simulator: %v", pending)
	}
	if len(r.sys.Boots()) <= boots || r.agent.Heartbeats == 0 {
		t.Errorf("the host booted %d times, the fake agent heartbeat %d times", len(r.sys.Boots())-boots, r.agent.Heartbeats)
	}
	bios, err = r.p.ReadBIOS(r.ctx, r.host)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if bios.Settings[k] != v {
			t.Errorf("ReadBIOS after preparing: %s = %q, want %q", k, bios.Settings[k], v)
		}
	}
	// In effect: preparing again changes nothing.
	node := r.node()
	r.step("prepare again", 30*time.Second, r.prepare(provisioner.FirmwareChanges{Settings: want}))
	r.untouched("preparing again", node)

	// (b) Servicing needs service steps.
	node = r.node()
	res, err := r.p.Service(r.ctx, r.host, provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Enabled"}})
	if err != nil || res.Done || res.ErrorMessage != servicingNeeds {
		t.Errorf("Service = %+v, %v\nwant Failed(%q)", res, err, servicingNeeds)
	}
	r.untouched("Service", node)

	// (d) A firmware update: the step is sent with the image's SHA-1 (Ironic 21.4 requires
	// it) and the BMC downloads and stages the image; Ironic then polls the BMC's task, which Debian's
	// sushy cannot (FileNotFoundError on sushy/standard_registries/), so the node stays in
	// clean wait and Prepare keeps reporting it in progress.
	version := r.firmwareVersion("BIOS-1")
	url := r.files.URL + "/firmware/bios-next.bin"
	update := provisioner.FirmwareChanges{Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: url}}}
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := r.p.Prepare(r.ctx, r.host, provisioner.PrepareData{Firmware: update})
		if err != nil || res.ErrorMessage != "" || res.Done {
			t.Fatalf("Prepare with a firmware update = %+v, %v; want it in progress\nIronic log (tail):\n%s", res, err, r.ir.LogTail(40))
		}
		if r.sys.Counters().FirmwareStaged > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulator never received the update; node %v\nIronic log (tail):\n%s", r.node()["provision_state"], r.ir.LogTail(40))
		}
		time.Sleep(res.RequeueAfter)
	}
	if r.servedCount("/firmware/bios-next.bin") == 0 {
		t.Error("the backend never read the image for its checksum")
	}
	t.Logf("the simulator received the image (BIOS %s, staged until the next reset)", version)
	// Give Ironic's task poll (every 2 s here) a few rounds.
	time.Sleep(5 * time.Second)
	node = r.node()
	step, _ := node["clean_step"].(map[string]any)
	if node["provision_state"] != "clean wait" || step["step"] != "update_firmware" || step["interface"] != "management" {
		t.Errorf("Ironic's node after the BMC's update: %v, clean step %v (if the clean ended, Debian's sushy was fixed: assert Done instead)",
			node["provision_state"], step)
	}
	args, _ := step["args"].(map[string]any)
	images, _ := args["firmware_images"].([]any)
	if len(images) != 1 || !strings.Contains(fmt.Sprint(images[0]), "checksum:") || !strings.Contains(fmt.Sprint(images[0]), url) {
		t.Errorf("update_firmware arguments %v, want the URL with its checksum", args)
	}
	if res, err := r.p.Prepare(r.ctx, r.host, provisioner.PrepareData{Firmware: update}); err != nil || res.Done || res.ErrorMessage != "" {
		t.Errorf("Prepare while Ironic waits = %+v, %v; want in progress, never Done", res, err)
	}
	if strings.Contains(r.logs(), redfishPassword) {
		t.Error("the Ironic backend logged the BMC password")
	}
}

// TestIronicFirmwareWithSushyRegistries: the same Ironic with the directory Debian's sushy
// lacks (framework.IronicOptions.SushyStandardRegistries): Ironic reads the simulator's
// attribute registry (ReadBIOS has a schema, Booleans are Booleans), and one Prepare applies
// typed BIOS settings and installs a firmware image, the update_firmware step ending when the
// BMC's task completes. Done only then; preparing again changes nothing.
func TestIronicFirmwareWithSushyRegistries(t *testing.T) {
	r := newFirmwareRig(t, framework.IronicOptions{SushyStandardRegistries: true})
	bios, err := r.p.ReadBIOS(r.ctx, r.host)
	if err != nil {
		t.Fatal(err)
	}
	if bios.Settings["QuietBoot"] != "true" {
		t.Errorf("ReadBIOS: QuietBoot = %q, want true", bios.Settings["QuietBoot"])
	}
	if s := bios.Schema["BootDelaySeconds"]; s.AttributeType != "Integer" || s.UpperBound == nil || *s.UpperBound != 60 {
		t.Errorf("ReadBIOS schema of BootDelaySeconds = %+v, want the simulator's registry (Integer, up to 60)", s)
	}
	if s := bios.Schema["WorkloadProfile"]; s.AttributeType != "Enumeration" || len(s.AllowableValues) != 3 {
		t.Errorf("ReadBIOS schema of WorkloadProfile = %+v", s)
	}

	version := r.firmwareVersion("BIOS-1")
	changes := provisioner.FirmwareChanges{
		Settings: map[string]string{"QuietBoot": "false", "BootDelaySeconds": "9", "PxeDev1Interface": "NIC2"},
		Updates:  []provisioner.FirmwareUpdate{{Component: "bios", URL: r.files.URL + "/firmware/bios-next.bin"}},
	}
	r.step("prepare with BIOS settings and a firmware update", 2*time.Minute, r.prepare(changes))
	node := r.node()
	expect(t, "prepare", node, map[string]any{"provision_state": "available", "last_error": nil})
	if got := r.sys.BIOSAttributes(); got["QuietBoot"] != false || got["BootDelaySeconds"] != 9 || got["PxeDev1Interface"] != "NIC2" {
		t.Errorf("the simulator's BIOS after preparing: %v", got)
	}
	if got, c := r.firmwareVersion("BIOS-1"), r.sys.Counters(); got == version || c.FirmwareStaged != 1 || c.FirmwareApplied != 1 {
		t.Errorf("the simulator's BIOS firmware %s -> %s after %d images staged and %d applied, want one of each", version, got, c.FirmwareStaged, c.FirmwareApplied)
	}
	extra, _ := node["extra"].(map[string]any)
	if !strings.Contains(fmt.Sprint(extra), "applied:true") {
		t.Errorf("node extra %v, want the confirmed record of the update", extra)
	}
	bios, err = r.p.ReadBIOS(r.ctx, r.host)
	if err != nil || bios.Settings["QuietBoot"] != "false" || bios.Settings["BootDelaySeconds"] != "9" {
		t.Errorf("ReadBIOS after preparing = %v, %v", bios.Settings, err)
	}
	r.step("prepare again", 30*time.Second, r.prepare(changes))
	r.untouched("preparing again", node)
	if c := r.sys.Counters(); c.FirmwareStaged != 1 {
		t.Errorf("preparing again sent the image again (%d staged)", c.FirmwareStaged)
	}
}

// firmwareVersion reads a simulator firmware inventory entry's version.
func (r *firmwareRig) firmwareVersion(id string) string {
	for _, f := range r.sys.Firmware() {
		if f.ID == id {
			return f.Version
		}
	}
	r.t.Fatalf("the simulator has no firmware %s", id)
	return ""
}

// TestIronicFirmwareFakeHardware: fake-hardware's BIOS interface keeps what it is given, so
// BIOS settings go through a manual clean in no time; its management interface cannot update
// firmware, which Prepare refuses at once naming it; an active node is refused servicing
// (API 1.87) untouched.
func TestIronicFirmwareFakeHardware(t *testing.T) {
	ir := framework.StartIronic(t)
	p, ctx, logs := newIronicBackend(t, ir.Endpoint)
	view := ironicView{endpoint: ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	host := ironicHost(t, "fw-fake", 41)
	host.InspectionMode = v1alpha1.InspectionModeDisabled
	host.AutomatedCleaningMode = v1alpha1.CleaningModeDisabled
	name := ironic.NodeName(host.Namespace, host.Name)
	step := func(what string, f func(context.Context) (provisioner.Result, error)) {
		t.Helper()
		start := time.Now()
		if calls, err := drive(ctx, time.Minute, f); err != nil {
			t.Fatalf("%s: %v (after %d calls)\nIronic log (tail):\n%s", what, err, calls, ir.LogTail(40))
		}
		t.Logf("%s: Done in %s", what, time.Since(start).Round(time.Millisecond))
	}
	step("register", func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		return res, err
	})
	settings := map[string]string{"ProcTurboMode": "Disabled", "BootDelaySeconds": "5"}
	step("prepare with BIOS settings", func(ctx context.Context) (provisioner.Result, error) {
		return p.Prepare(ctx, host, provisioner.PrepareData{Firmware: provisioner.FirmwareChanges{Settings: settings}})
	})
	expect(t, "prepare", view.node(t, name), map[string]any{"provision_state": "available", "bios_interface": "fake"})
	bios, err := p.ReadBIOS(ctx, host)
	if err != nil || bios.Settings["ProcTurboMode"] != "Disabled" || bios.Settings["BootDelaySeconds"] != "5" {
		t.Errorf("ReadBIOS = %+v, %v", bios, err)
	}

	node := view.node(t, name)
	res, err := p.Prepare(ctx, host, provisioner.PrepareData{Firmware: provisioner.FirmwareChanges{
		Updates: []provisioner.FirmwareUpdate{{Component: "bmc", URL: "http://192.0.2.1/bmc.bin"}}}})
	if err != nil || !strings.Contains(res.ErrorMessage, `(driver fake-hardware) has management interface "fake", which has no update_firmware step`) {
		t.Errorf("Prepare with an update on fake-hardware = %+v, %v", res, err)
	}
	after := view.node(t, name)
	if after["updated_at"] != node["updated_at"] || after["provision_state"] != "available" {
		t.Errorf("the refused update changed the node: %v -> %v", node["updated_at"], after["updated_at"])
	}

	format := v1alpha1.ImageFormatQCOW2
	step("provision", func(ctx context.Context) (provisioner.Result, error) {
		return p.Provision(ctx, host, provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://192.0.2.1/a.qcow2",
			Checksum: strings.Repeat("ab", 32), ChecksumType: v1alpha1.ChecksumSHA256, Format: &format}})
	})
	node = view.node(t, name)
	res, err = p.Service(ctx, host, provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Enabled"}})
	if err != nil || res.ErrorMessage != servicingNeeds {
		t.Errorf("Service = %+v, %v\nwant Failed(%q)", res, err, servicingNeeds)
	}
	after = view.node(t, name)
	for _, k := range []string{"provision_state", "provision_updated_at", "updated_at"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(node[k]) {
			t.Errorf("Service changed the node's %s: %v -> %v", k, node[k], after[k])
		}
	}
	if after["provision_state"] != "active" {
		t.Errorf("provision state %v, want active", after["provision_state"])
	}
	if _, err := p.FirmwareComponents(ctx, host); err == nil || err.Error() != versionsNeed {
		t.Errorf("FirmwareComponents: %v\nwant %s", err, versionsNeed)
	}
	if strings.Contains(logs(), host.Credentials.Password) {
		t.Error("the Ironic backend logged the BMC password")
	}
}
