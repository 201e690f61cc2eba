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
	"fmt"
	"strings"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// expectedDetails is what inspection must find in a simulated system: the simulator's
// inventory, in HardwareDetails terms.
func expectedDetails(inv sim.Inventory) v1alpha1.HardwareDetails {
	want := v1alpha1.HardwareDetails{
		SystemVendor: v1alpha1.HardwareSystemVendor{Manufacturer: inv.Manufacturer, ProductName: inv.Model, SerialNumber: inv.SerialNumber},
		Firmware:     v1alpha1.Firmware{BIOS: v1alpha1.BIOS{Version: inv.BIOSVersion}},
		RAMMebibytes: int32(inv.TotalMemoryGiB() * 1024),
		CPU: v1alpha1.CPU{
			Arch: "x86_64", Model: inv.Processors[0].Model,
			ClockMegahertz: float64(inv.Processors[0].MaxSpeedMHz), Count: int32(inv.TotalThreads()),
		},
	}
	for _, n := range inv.NICs {
		want.NICs = append(want.NICs, v1alpha1.NIC{Name: n.ID, MAC: n.MAC, SpeedGbps: int32(n.SpeedMbps / 1000)})
	}
	for _, d := range inv.Disks {
		s := v1alpha1.Storage{Name: d.Name, SizeBytes: d.CapacityBytes, Model: d.Model, Vendor: d.Manufacturer,
			SerialNumber: d.SerialNumber, Rotational: d.MediaType == "HDD"}
		switch {
		case d.Protocol == "NVMe":
			s.Type = v1alpha1.DiskTypeNVME
		case d.MediaType == "SSD":
			s.Type = v1alpha1.DiskTypeSSD
		default:
			s.Type = v1alpha1.DiskTypeHDD
		}
		want.Storage = append(want.Storage, s)
	}
	return want
}

// diffDetails lists the differences between inspected and expected details.
func diffDetails(got *v1alpha1.HardwareDetails, want v1alpha1.HardwareDetails) []string {
	var diffs []string
	check := func(what string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", what, g, w))
		}
	}
	check("systemVendor", got.SystemVendor, want.SystemVendor)
	check("firmware", got.Firmware, want.Firmware)
	check("ramMebibytes", got.RAMMebibytes, want.RAMMebibytes)
	check("cpu", got.CPU, want.CPU)
	check("nics", got.NICs, want.NICs)
	check("storage", got.Storage, want.Storage)
	return diffs
}

func TestInspectMatchesTheSimulatorsInventory(t *testing.T) {
	const seed = 42
	s := startSim(t, sim.Config{Count: 6, Seed: seed})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	for _, id := range s.SystemIDs() {
		h := registered(t, ctx, p, simHost(t, s.BMCAddress(id), "inspect-"+id))
		details, res, err := p.Inspect(ctx, h, true)
		if err != nil || !res.Done || details == nil {
			t.Fatalf("Inspect(system %s) = %v, %+v, %v", id, details, res, err)
		}
		want := expectedDetails(sim.GenerateInventory(seed, id))
		if diffs := diffDetails(details, want); len(diffs) > 0 {
			t.Errorf("system %s:\n%s", id, strings.Join(diffs, "\n"))
		}
		if len(details.NICs) < 4 || len(details.Storage) < 4 {
			t.Errorf("system %s: %d NICs and %d disks; the simulator has at least 4 of each", id, len(details.NICs), len(details.Storage))
		}
	}
	if n := s.ActiveSessions(); n != 1 {
		t.Errorf("inspecting %d systems of one BMC used %d sessions, want 1", len(s.SystemIDs()), n)
	}
}

func TestBIOSAndFirmware(t *testing.T) {
	s := startSim(t, sim.Config{Count: 2, Seed: 3})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("2"), "extras"))

	fw, err := p.FirmwareInventory(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, c := range fw {
		versions[c.ID] = c.Version
	}
	for _, f := range s.System("2").Firmware() {
		if versions[f.ID] != f.Version {
			t.Errorf("firmware %s: version %q, want %q", f.ID, versions[f.ID], f.Version)
		}
	}
}
