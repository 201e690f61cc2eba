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
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

func TestGofishSessionLoginAndLogout(t *testing.T) {
	sim := start(t, Config{Count: 3, Seed: 7}, nil)
	c, err := gofish.Connect(clientConfig(sim, "admin", "password", false))
	if err != nil {
		t.Fatal(err)
	}
	if n := sim.ActiveSessions(); n != 1 {
		t.Fatalf("ActiveSessions after login = %d, want 1", n)
	}
	sess, err := c.GetSession()
	if err != nil || !strings.HasPrefix(sess.ID, sessionsPath+"/") || sess.Token == "" {
		t.Fatalf("session = %+v, %v", sess, err)
	}
	systems, err := c.Service.Systems()
	if err != nil {
		t.Fatal(err)
	}
	if len(systems) != 3 {
		t.Fatalf("got %d systems, want 3", len(systems))
	}
	for i, s := range systems {
		if want := sim.SystemIDs()[i]; s.ID != want {
			t.Errorf("system %d id = %s, want %s", i, s.ID, want)
		}
	}
	c.Logout()
	if n := sim.ActiveSessions(); n != 0 {
		t.Fatalf("ActiveSessions after logout = %d, want 0", n)
	}
	cn := sim.System("1").Counters()
	if cn.SessionsCreated != 1 || cn.SessionsDeleted != 1 || cn.BasicAuth != 0 {
		t.Errorf("counters = %+v", cn)
	}
}

func TestGofishBasicAuthAndTLS(t *testing.T) {
	sim := start(t, Config{TLS: true, Username: "root", Password: "calvin"}, nil)
	if !strings.HasPrefix(sim.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %s", sim.URL())
	}
	c := connect(t, sim, "root", "calvin", true)
	systems, err := c.Service.Systems()
	if err != nil || len(systems) != 1 {
		t.Fatalf("systems = %v, %v", systems, err)
	}
	if sim.ActiveSessions() != 0 {
		t.Fatal("basic auth created a session")
	}
	if sim.System("1").Counters().BasicAuth == 0 {
		t.Fatal("basic auth requests not counted")
	}

	// gofish's usual "insecure" setup works too.
	cfg := clientConfig(sim, "root", "calvin", false)
	cfg.HTTPClient, cfg.Insecure = nil, true
	c2, err := gofish.Connect(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c2.Logout()

	cfg.Password = "wrong"
	if _, err := gofish.Connect(cfg); !isStatus(err, http.StatusUnauthorized) {
		t.Fatalf("login with a wrong password: %v, want 401", err)
	}
}

func isStatus(err error, status int) bool {
	var re *schemas.Error
	return errors.As(err, &re) && re.HTTPReturnedStatusCode == status
}

func TestGofishInventory(t *testing.T) {
	sim := start(t, Config{Count: 2, Seed: 42}, nil)
	c := connect(t, sim, "admin", "password", false)
	want := GenerateInventory(42, "2")
	sys, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/2")
	if err != nil {
		t.Fatal(err)
	}
	if sys.UUID != want.UUID || sys.Manufacturer != want.Manufacturer || sys.Model != want.Model ||
		sys.SerialNumber != want.SerialNumber || sys.BiosVersion != want.BIOSVersion {
		t.Errorf("identity: got %s %s %s %s %s, want %+v", sys.UUID, sys.Manufacturer, sys.Model, sys.SerialNumber, sys.BiosVersion, want)
	}
	if sys.PowerState != schemas.OffPowerState {
		t.Errorf("power = %s, want Off", sys.PowerState)
	}
	if got := gofish.Deref(sys.ProcessorSummary.LogicalProcessorCount); int(got) != want.TotalThreads() {
		t.Errorf("logical processors = %d, want %d", got, want.TotalThreads())
	}
	if got := gofish.Deref(sys.MemorySummary.TotalSystemMemoryGiB); int(got) != want.TotalMemoryGiB() {
		t.Errorf("memory = %v GiB, want %d", got, want.TotalMemoryGiB())
	}
	types, err := sys.GetSupportedResetTypes()
	if err != nil || len(types) != len(resetTypes) {
		t.Errorf("reset types = %v, %v", types, err)
	}
	if len(sys.Boot.AllowableBootSourceOverrideTargetValues) == 0 {
		t.Error("Boot lacks BootSourceOverrideTarget@Redfish.AllowableValues")
	}

	procs, err := sys.Processors()
	if err != nil || len(procs) != len(want.Processors) {
		t.Fatalf("processors = %d, %v", len(procs), err)
	}
	for _, p := range procs {
		if p.Model != want.Processors[0].Model || gofish.Deref(p.TotalThreads) != want.Processors[0].Threads ||
			p.ProcessorArchitecture != "x86" || p.ProcessorID.VendorID != want.Processors[0].VendorID {
			t.Errorf("processor %s = %s/%d/%s/%s", p.ID, p.Model, gofish.Deref(p.TotalThreads), p.ProcessorArchitecture, p.ProcessorID.VendorID)
		}
	}

	mem, err := sys.Memory()
	if err != nil || len(mem) != len(want.Memory) {
		t.Fatalf("memory = %d, %v", len(mem), err)
	}
	total := 0
	for _, m := range mem {
		total += gofish.Deref(m.CapacityMiB)
	}
	if total/1024 != want.TotalMemoryGiB() {
		t.Errorf("DIMMs add up to %d MiB", total)
	}

	nics, err := sys.EthernetInterfaces()
	if err != nil || len(nics) != len(want.NICs) {
		t.Fatalf("nics = %d, %v", len(nics), err)
	}
	var macs, wantMACs []string
	for i, n := range nics {
		macs = append(macs, n.MACAddress)
		wantMACs = append(wantMACs, want.NICs[i].MAC)
		if n.Status.Health != schemas.OKHealth || n.Status.State != schemas.EnabledState {
			t.Errorf("nic %s status %+v", n.ID, n.Status)
		}
	}
	slices.Sort(macs)
	slices.Sort(wantMACs)
	if !slices.Equal(macs, wantMACs) {
		t.Errorf("MACs = %v, want %v", macs, wantMACs)
	}

	storage, err := sys.Storage()
	if err != nil || len(storage) != 1 {
		t.Fatalf("storage = %d, %v", len(storage), err)
	}
	if len(storage[0].StorageControllers) != 1 || storage[0].StorageControllers[0].Model != want.Controller.Model {
		t.Errorf("controllers = %+v", storage[0].StorageControllers)
	}
	drives, err := storage[0].Drives()
	if err != nil || len(drives) != len(want.Disks) {
		t.Fatalf("drives = %d, %v", len(drives), err)
	}
	var sizes, wantSizes []int
	for i, d := range drives {
		sizes = append(sizes, gofish.Deref(d.CapacityBytes))
		wantSizes = append(wantSizes, int(want.Disks[i].CapacityBytes))
	}
	slices.Sort(sizes)
	slices.Sort(wantSizes)
	if !slices.Equal(sizes, wantSizes) {
		t.Errorf("drive sizes = %v, want %v", sizes, wantSizes)
	}
	if vols, err := storage[0].Volumes(); err != nil || len(vols) != 0 {
		t.Errorf("volumes = %v, %v", vols, err)
	}
	simple, err := sys.SimpleStorage()
	if err != nil || len(simple) != 1 || len(simple[0].Devices) != len(want.Disks) {
		t.Fatalf("simple storage = %v, %v", simple, err)
	}

	bios, err := sys.Bios()
	if err != nil || bios.Attributes.String("BootMode") != "Uefi" {
		t.Fatalf("bios = %+v, %v", bios, err)
	}

	managers, err := sys.ManagedBy()
	if err != nil || len(managers) != 1 || managers[0].FirmwareVersion != want.BMC.FirmwareVersion {
		t.Fatalf("managers = %v, %v", managers, err)
	}
	chassis, err := sys.Chassis()
	if err != nil || len(chassis) != 1 || chassis[0].SerialNumber != want.SerialNumber {
		t.Fatalf("chassis = %v, %v", chassis, err)
	}

	us, err := c.Service.UpdateService()
	if err != nil {
		t.Fatal(err)
	}
	fw, err := us.FirmwareInventory()
	if err != nil || len(fw) != len(sim.System("1").Firmware())+len(sim.System("2").Firmware()) {
		t.Fatalf("firmware inventory = %d, %v", len(fw), err)
	}
	ts, err := c.Service.Tasks()
	if err != nil || !ts.ServiceEnabled {
		t.Fatalf("task service = %+v, %v", ts, err)
	}
	ss, err := c.Service.SessionService()
	if err != nil || !ss.ServiceEnabled {
		t.Fatalf("session service = %+v, %v", ss, err)
	}
	sessions, err := ss.Sessions()
	if err != nil || len(sessions) != 1 || sessions[0].UserName != "admin" {
		t.Fatalf("sessions = %v, %v", sessions, err)
	}
}

func TestGofishResetPowerTransitions(t *testing.T) {
	clock := newFakeClock()
	sim := start(t, Config{PowerDelay: 10 * time.Second}, clock)
	// Basic auth: the fake clock jumps further than the session timeout.
	c := connect(t, sim, "admin", "password", true)
	get := func() *schemas.ComputerSystem {
		t.Helper()
		s, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	reset := func(rt schemas.ResetType) {
		t.Helper()
		if _, err := get().Reset(rt); err != nil {
			t.Fatalf("Reset(%s): %v", rt, err)
		}
	}
	expect := func(want schemas.PowerState) {
		t.Helper()
		if got := get().PowerState; got != want {
			t.Fatalf("power = %s, want %s", got, want)
		}
	}

	reset(schemas.OnResetType)
	expect(schemas.PoweringOnPowerState)
	clock.Add(9 * time.Second)
	expect(schemas.PoweringOnPowerState)
	clock.Add(time.Second)
	expect(schemas.OnPowerState)

	reset(schemas.ForceRestartResetType)
	expect(schemas.PoweringOffPowerState)
	clock.Add(10 * time.Second)
	expect(schemas.PoweringOnPowerState)
	clock.Add(10 * time.Second)
	expect(schemas.OnPowerState)

	reset(schemas.GracefulShutdownResetType)
	expect(schemas.PoweringOffPowerState)
	reset(schemas.ForceOffResetType) // already going off: nothing new
	clock.Add(10 * time.Second)
	expect(schemas.OffPowerState)

	reset(schemas.PowerCycleResetType) // from Off it powers on
	expect(schemas.PoweringOnPowerState)
	reset(schemas.ForceOffResetType) // a later command wins
	expect(schemas.PoweringOffPowerState)
	clock.Add(time.Hour)
	expect(schemas.OffPowerState)

	reset(schemas.NmiResetType)
	reset(schemas.GracefulRestartResetType)
	clock.Add(20 * time.Second)
	expect(schemas.OnPowerState)

	cn := sim.System("1").Counters()
	if cn.Resets != 8 || cn.NMIs != 1 || cn.Boots != 3 {
		t.Errorf("counters = %+v", cn)
	}
	if _, err := get().Reset(schemas.PushPowerButtonResetType); err == nil {
		t.Error("gofish accepted a reset type outside the allowable values")
	}
	status, _, body := raw(t, sim, "POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", "admin", "password", `{"ResetType":"Suspend"}`)
	if status != http.StatusBadRequest || !strings.HasSuffix(messageID(body), "ActionParameterValueNotInList") {
		t.Errorf("bad reset type: %d %v", status, body)
	}
}

// TestGofishResetRealTime checks transitions against the real clock once.
func TestGofishResetRealTime(t *testing.T) {
	sim := start(t, Config{PowerDelay: 200 * time.Millisecond}, nil)
	c := connect(t, sim, "admin", "password", true)
	sys, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if _, err := sys.Reset(schemas.OnResetType); err != nil {
		t.Fatal(err)
	}
	if p := sim.System("1").PowerState(); p != PowerPoweringOn && time.Since(began) < 200*time.Millisecond {
		t.Fatalf("power right after reset = %s", p)
	}
	eventually(t, 5*time.Second, "power on", func() bool { return sim.System("1").PowerState() == PowerOn })
	if took := time.Since(began); took < 200*time.Millisecond {
		t.Fatalf("powered on after %v, before the configured delay", took)
	}
}

func TestGofishBootOverride(t *testing.T) {
	sim := start(t, Config{}, nil)
	c := connect(t, sim, "admin", "password", false)
	sys, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	if err != nil {
		t.Fatal(err)
	}
	err = sys.SetBoot(&schemas.Boot{
		BootSourceOverrideTarget:  schemas.PxeBootSource,
		BootSourceOverrideEnabled: schemas.ContinuousBootSourceOverrideEnabled,
		BootSourceOverrideMode:    schemas.LegacyBootSourceOverrideMode,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := BootOverride{Target: "Pxe", Enabled: "Continuous", Mode: "Legacy"}
	if got := sim.System("1").Boot(); got != want {
		t.Fatalf("boot = %+v, want %+v", got, want)
	}

	// The usual round trip: read, change, send the whole Boot back.
	sys, _ = schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	b := sys.Boot
	b.BootSourceOverrideTarget = schemas.CdBootSource
	b.BootSourceOverrideEnabled = schemas.OnceBootSourceOverrideEnabled
	b.BootSourceOverrideMode = schemas.UEFIBootSourceOverrideMode
	if err := sys.SetBoot(&b); err != nil {
		t.Fatal(err)
	}
	sys, _ = schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	if sys.Boot.BootSourceOverrideTarget != schemas.CdBootSource || sys.Boot.BootSourceOverrideEnabled != schemas.OnceBootSourceOverrideEnabled {
		t.Fatalf("boot after round trip = %+v", sys.Boot)
	}

	if err := sys.SetBoot(&schemas.Boot{BootSourceOverrideTarget: "Floppy"}); !isStatus(err, http.StatusBadRequest) {
		t.Fatalf("unsupported target: %v, want 400", err)
	}
	status, _, body := raw(t, sim, "PATCH", "/redfish/v1/Systems/1", "admin", "password", `{"PowerState":"On"}`)
	if status != http.StatusBadRequest || !strings.HasSuffix(messageID(body), "PropertyNotWritable") {
		t.Fatalf("PATCH PowerState: %d %v", status, body)
	}
	status, _, _ = raw(t, sim, "PATCH", "/redfish/v1/Systems/1", "admin", "password", `{"AssetTag":"rack-7","Boot":{"Bogus":1}}`)
	if status != http.StatusBadRequest || sim.System("1").State().Boot.Target != "Cd" {
		t.Fatal("a PATCH with one bad property changed something")
	}

	// A one-time override is used by the next boot, then cleared.
	if err := sim.System("1").SetPowerState(PowerOn); err != nil {
		t.Fatal(err)
	}
	boots := sim.System("1").Boots()
	last := boots[len(boots)-1]
	if last.Source != "Cd" || !last.Override || last.Mode != "UEFI" {
		t.Fatalf("boot record = %+v", last)
	}
	if got := sim.System("1").Boot(); got.Enabled != "Disabled" || got.Target != "None" {
		t.Fatalf("one-time override not cleared: %+v", got)
	}
}

func TestGofishVirtualMedia(t *testing.T) {
	sim := start(t, Config{}, nil)
	c := connect(t, sim, "admin", "password", false)
	managers, err := c.Service.Managers()
	if err != nil || len(managers) != 1 {
		t.Fatalf("managers = %v, %v", managers, err)
	}
	media, err := managers[0].VirtualMedia()
	if err != nil || len(media) != 2 {
		t.Fatalf("virtual media = %v, %v", media, err)
	}
	cd := media[slices.IndexFunc(media, func(m *schemas.VirtualMedia) bool {
		return slices.Contains(m.MediaTypes, schemas.CDVirtualMediaType)
	})]
	if !cd.SupportsMediaInsert || !cd.SupportsMediaEject {
		t.Fatal("CD device lacks InsertMedia/EjectMedia actions")
	}
	const image = "http://images.example/live.iso"
	if _, err := cd.InsertMedia(&schemas.VirtualMediaInsertMediaParameters{Image: image, Inserted: gofish.ToRef(true)}); err != nil {
		t.Fatal(err)
	}
	if got := sim.System("1").InsertedImage(); got != image {
		t.Fatalf("inserted image = %q", got)
	}
	if _, err := cd.InsertMedia(&schemas.VirtualMediaInsertMediaParameters{Image: image}); !isStatus(err, http.StatusConflict) {
		t.Fatalf("second insert: %v, want 409", err)
	}

	// The system-level collection shows the same device.
	sys, _ := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	sysMedia, err := sys.VirtualMedia()
	if err != nil || len(sysMedia) != 2 {
		t.Fatalf("system virtual media = %v, %v", sysMedia, err)
	}
	for _, m := range sysMedia {
		if m.ID == "Cd" && (m.Image != image || m.ImageName != "live.iso" || !gofish.Deref(m.Inserted) || m.ConnectedVia != schemas.URIConnectedVia) {
			t.Fatalf("system view of the CD = %+v", m)
		}
	}

	// Booting from the CD records the image.
	if err := sys.SetBoot(&schemas.Boot{BootSourceOverrideTarget: schemas.CdBootSource, BootSourceOverrideEnabled: schemas.OnceBootSourceOverrideEnabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Reset(schemas.OnResetType); err != nil {
		t.Fatal(err)
	}
	boots := sim.System("1").Boots()
	if last := boots[len(boots)-1]; last.Image != image || last.Source != "Cd" || !slices.Equal(last.Media, []string{image}) {
		t.Fatalf("boot record = %+v", last)
	}
	// Without the override the host boots its disk, the image still in sight.
	if _, err := sys.Reset(schemas.ForceRestartResetType); err != nil {
		t.Fatal(err)
	}
	boots = sim.System("1").Boots()
	if last := boots[len(boots)-1]; last.Image != "" || last.Source != "Hdd" || !slices.Equal(last.Media, []string{image}) {
		t.Fatalf("boot record without an override = %+v", last)
	}

	if _, err := cd.EjectMedia(); err != nil {
		t.Fatal(err)
	}
	if got := sim.System("1").InsertedImage(); got != "" {
		t.Fatalf("image after eject = %q", got)
	}
	if _, err := cd.InsertMedia(&schemas.VirtualMediaInsertMediaParameters{Image: "not a url"}); !isStatus(err, http.StatusBadRequest) {
		t.Fatalf("insert of a non-URL: %v, want 400", err)
	}
	cn := sim.System("1").Counters()
	if cn.MediaInserts != 1 || cn.MediaEjects != 1 {
		t.Errorf("counters = %+v", cn)
	}
}

func TestGofishBIOSSettingsAppliedOnReset(t *testing.T) {
	sim := start(t, Config{}, nil)
	c := connect(t, sim, "admin", "password", false)
	sys, _ := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	bios, err := sys.Bios()
	if err != nil {
		t.Fatal(err)
	}
	if got := bios.AllowedAttributeUpdateApplyTimes(); !slices.Contains(got, schemas.OnResetSettingsApplyTime) {
		t.Errorf("apply times = %v", got)
	}
	err = bios.UpdateBiosAttributes(schemas.SettingsAttributes{"ProcTurboMode": "Disabled", "BootDelaySeconds": 5, "QuietBoot": false})
	if err != nil {
		t.Fatal(err)
	}
	s := sim.System("1")
	if got := s.BIOSAttributes()["ProcTurboMode"]; got != "Enabled" {
		t.Fatalf("setting applied before a reset: %v", got)
	}
	if got := s.PendingBIOSAttributes(); len(got) != 3 {
		t.Fatalf("pending = %v", got)
	}
	bios, _ = sys.Bios()
	if bios.Attributes.String("ProcTurboMode") != "Enabled" {
		t.Fatal("current BIOS shows a pending value")
	}

	if _, err := sys.Reset(schemas.ForceRestartResetType); err != nil { // Off → on
		t.Fatal(err)
	}
	attrs := s.BIOSAttributes()
	if attrs["ProcTurboMode"] != "Disabled" || attrs["BootDelaySeconds"] != 5 || attrs["QuietBoot"] != false {
		t.Fatalf("after reset: %v", attrs)
	}
	if len(s.PendingBIOSAttributes()) != 0 || s.Counters().BIOSApplied != 1 {
		t.Fatal("pending settings not consumed")
	}
	bios, _ = sys.Bios()
	if bios.Attributes.String("ProcTurboMode") != "Disabled" {
		t.Fatal("gofish does not see the applied setting")
	}

	for _, bad := range []schemas.SettingsAttributes{{"NoSuchKnob": "x"}, {"ProcTurboMode": "Maybe"}, {"BootDelaySeconds": "5"}, {"BootDelaySeconds": 99}} {
		if err := bios.UpdateBiosAttributes(bad); !isStatus(err, http.StatusBadRequest) {
			t.Errorf("UpdateBiosAttributes(%v): %v, want 400", bad, err)
		}
	}

	if _, err := bios.ResetBios(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPowerState(PowerOff); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPowerState(PowerOn); err != nil {
		t.Fatal(err)
	}
	if got := s.BIOSAttributes()["ProcTurboMode"]; got != "Enabled" {
		t.Fatalf("after ResetBios and a boot: %v", got)
	}
}

func TestGofishTaskMonitors(t *testing.T) {
	sim := start(t, Config{AsyncActions: true, PowerDelay: 150 * time.Millisecond, TaskDuration: 100 * time.Millisecond}, nil)
	c := connect(t, sim, "admin", "password", false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wait := func(tm *schemas.TaskMonitorInfo) *schemas.Task {
		t.Helper()
		if tm == nil || !strings.HasPrefix(tm.TaskMonitor, taskMonitorsPath+"/") || tm.Task == nil || tm.Task.TaskState != schemas.RunningTaskState {
			t.Fatalf("task monitor info = %+v", tm)
		}
		task, _, err := schemas.WaitForTaskMonitorObject[schemas.Task](ctx, c, 20*time.Millisecond, tm, nil)
		if err != nil {
			t.Fatal(err)
		}
		if task.TaskState != schemas.CompletedTaskState || gofish.Deref(task.PercentComplete) != 100 {
			t.Fatalf("finished task = %+v", task)
		}
		return task
	}

	sys, _ := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	tm, err := sys.Reset(schemas.OnResetType)
	if err != nil {
		t.Fatal(err)
	}
	wait(tm)
	if p := sim.System("1").PowerState(); p != PowerOn {
		t.Fatalf("power after the reset task = %s", p)
	}

	managers, _ := c.Service.Managers()
	media, _ := managers[0].VirtualMedia()
	tm, err = media[0].InsertMedia(&schemas.VirtualMediaInsertMediaParameters{Image: "https://images.example/a.iso"})
	if err != nil {
		t.Fatal(err)
	}
	if sim.System("1").InsertedImage() != "" {
		t.Fatal("asynchronous insert took effect before its task finished")
	}
	wait(tm)
	if sim.System("1").InsertedImage() != "https://images.example/a.iso" {
		t.Fatal("insert task finished without inserting")
	}

	us, _ := c.Service.UpdateService()
	before := sim.System("1").Firmware()[0].Version
	tm, err = us.SimpleUpdate(&schemas.UpdateServiceSimpleUpdateParameters{
		ImageURI: imageServer(t).URL + "/bios.bin",
		Targets:  []string{firmwarePath + "/BIOS-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	task := wait(tm)
	// Staged: in effect only once the system resets.
	if fw := sim.System("1").Firmware()[0]; fw.Version != before || fw.Staged != bumpVersion(before) {
		t.Fatalf("BIOS after the update task: %+v, want %s staged over %s", fw, bumpVersion(before), before)
	}
	if _, err := sys.Reset(schemas.ForceRestartResetType); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the restart", func() bool { return sim.System("1").Firmware()[0].Staged == "" })
	after := sim.System("1").Firmware()[0].Version
	if after != bumpVersion(before) {
		t.Fatalf("BIOS version %s -> %s after the reset", before, after)
	}
	sys, _ = schemas.GetComputerSystem(c, "/redfish/v1/Systems/1")
	if sys.BiosVersion != after {
		t.Fatalf("ComputerSystem.BiosVersion = %s, want %s", sys.BiosVersion, after)
	}
	got, err := schemas.GetObject[schemas.Task](c, tasksPath+"/"+task.ID)
	if err != nil || got.TaskState != schemas.CompletedTaskState {
		t.Fatalf("task resource = %+v, %v", got, err)
	}
	ts, _ := c.Service.Tasks()
	tasks, err := ts.Tasks()
	if err != nil || len(tasks) != 4 { // power on, insert, update, restart
		t.Fatalf("tasks = %d, %v", len(tasks), err)
	}
}

func TestSessionLimitAndRelease(t *testing.T) {
	sim := start(t, Config{SessionLimit: 2}, nil)
	a := connect(t, sim, "admin", "password", false)
	connect(t, sim, "admin", "password", false)
	_, err := gofish.Connect(clientConfig(sim, "admin", "password", false))
	if !isStatus(err, http.StatusServiceUnavailable) || !strings.Contains(err.Error(), "SessionLimitExceeded") {
		t.Fatalf("third session: %v, want 503 SessionLimitExceeded", err)
	}
	// Basic auth still works past the limit.
	connect(t, sim, "admin", "password", true)
	a.Logout()
	if n := sim.ActiveSessions(); n != 1 {
		t.Fatalf("ActiveSessions = %d after one logout", n)
	}
	connect(t, sim, "admin", "password", false)
	cn := sim.System("1").Counters()
	if cn.PeakSessions != 2 || cn.SessionsRefused != 1 {
		t.Errorf("counters = %+v", cn)
	}
	if sim.System("1").ActiveSessions() != 2 {
		t.Errorf("system sessions = %d", sim.System("1").ActiveSessions())
	}
}

func TestSessionLimitStatusAndExpiry(t *testing.T) {
	clock := newFakeClock()
	sim := start(t, Config{SessionLimit: 1, SessionLimitStatus: 400, SessionTimeout: time.Minute}, clock)
	status, hdr, _ := raw(t, sim, "POST", sessionsPath, "", "", `{"UserName":"admin","Password":"password"}`)
	if status != http.StatusCreated || hdr.Get("X-Auth-Token") == "" || !strings.HasPrefix(hdr.Get("Location"), sessionsPath+"/") {
		t.Fatalf("login: %d %v", status, hdr)
	}
	token := hdr.Get("X-Auth-Token")
	status, _, body := raw(t, sim, "POST", sessionsPath, "", "", `{"UserName":"admin","Password":"password"}`)
	if status != http.StatusBadRequest || !strings.HasSuffix(messageID(body), "SessionLimitExceeded") {
		t.Fatalf("second login: %d %v", status, body)
	}
	if status, _, _ := raw(t, sim, "GET", "/redfish/v1/Systems/1", "", "", "", "X-Auth-Token", token); status != http.StatusOK {
		t.Fatalf("token rejected: %d", status)
	}
	clock.Add(2 * time.Minute)
	if status, _, _ := raw(t, sim, "GET", "/redfish/v1/Systems/1", "", "", "", "X-Auth-Token", token); status != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", status)
	}
	if sim.ActiveSessions() != 0 || sim.System("1").Counters().SessionsExpired != 1 {
		t.Fatal("expired session still counted")
	}
	status, _, _ = raw(t, sim, "POST", sessionsPath, "", "", `{"UserName":"admin","Password":"password"}`)
	if status != http.StatusCreated {
		t.Fatalf("login after expiry: %d", status)
	}
}

func TestPerSystemCredentials(t *testing.T) {
	sim := start(t, Config{Count: 3, Systems: []SystemConfig{
		{ID: "2", Username: "ops", Password: "two", SessionLimit: 1},
	}}, nil)
	c := connect(t, sim, "ops", "two", false)
	systems, err := c.Service.Systems()
	if err != nil || len(systems) != 1 || systems[0].ID != "2" {
		t.Fatalf("ops sees %v, %v", systems, err)
	}
	if _, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/1"); !isStatus(err, http.StatusForbidden) {
		t.Fatalf("ops reading system 1: %v, want 403", err)
	}
	if sim.System("2").ActiveSessions() != 1 || sim.System("1").ActiveSessions() != 0 {
		t.Fatal("session counted against the wrong system")
	}
	// System 2's limit does not stop logins to the others.
	if _, err := gofish.Connect(clientConfig(sim, "ops", "two", false)); !isStatus(err, http.StatusServiceUnavailable) {
		t.Fatalf("second ops session: %v", err)
	}
	admin := connect(t, sim, "admin", "password", false)
	all, _ := admin.Service.Systems()
	if len(all) != 2 {
		t.Fatalf("admin sees %d systems, want 2", len(all))
	}
	mgrs, _ := admin.Service.Managers()
	if len(mgrs) != 2 {
		t.Fatalf("admin sees %d managers", len(mgrs))
	}
}

func TestManagerResetDropsSessions(t *testing.T) {
	sim := start(t, Config{}, nil)
	c := connect(t, sim, "admin", "password", false)
	mgrs, _ := c.Service.Managers()
	if _, err := mgrs[0].Reset(schemas.GracefulRestartResetType); err != nil {
		t.Fatal(err)
	}
	if sim.ActiveSessions() != 0 {
		t.Fatal("BMC reset kept the session")
	}
	if _, err := c.Service.Systems(); err == nil || !strings.Contains(err.Error(), "NoValidSession") {
		t.Fatalf("stale token: %v, want 401", err)
	}
}

func TestStateJSON(t *testing.T) {
	sim := start(t, Config{}, nil)
	b, err := json.Marshal(sim.System("1").State())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(string(b)), "password") {
		t.Fatalf("state mentions a password: %s", b)
	}
}
