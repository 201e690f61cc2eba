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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// captureInventory is what inspection must find in a capture of a real BMC, counted by hand
// from the capture's JSON (paths relative to the capture's folder, i.e. /redfish/v1).
type captureInventory struct {
	mockup, system string
	cpus           int32
	cpuModel       string
	ramMiB         int32
	nics           []string // MACs, in the BMC's order
	nicGbps        []int32
	disks          []int64 // sizes in bytes
	serials        []string
	gpus           int
	gpuVendor      string
	gpuModel       string
	gpuAddrs       []string
	gpuMiB         int32
	warnings       []string // substrings of the expected warnings, in order
}

// captureInventories is shared with the integration test's expectations (kept in step by
// hand there: test/integration cannot import a _test file).
var captureInventories = []captureInventory{{
	// Systems/437XR1138R2: Processors CPU1 (TotalThreads 16), CPU2 (Status Absent), FPGA1;
	// MemorySummary 96 GiB; EthernetInterfaces 12446A3B0411, 12446A3B8890 (MACAddress
	// AA:BB:CC:DD:EE:00), VLAN1 (the MAC of 12446A3B0411 again), ToManager (100 Mbit/s);
	// no Storage, SimpleStorage/1 with bays 1 (8 TB) and 2 (4 TB), 3 and 4 Absent; FPGA1 an
	// Intel Stratix 10 with 512 MiB of HBM2 (ProcessorMemory).
	mockup: "dmtf/public-rackmount1", system: "437XR1138R2",
	cpus: 16, cpuModel: "Multi-Core Intel(R) Xeon(R) processor 7xxx Series", ramMiB: 96 * 1024,
	nics: []string{"12:44:6a:3b:04:11", "aa:bb:cc:dd:ee:00", "aa:bb:cc:dd:ee:fe"}, nicGbps: []int32{1, 1, 0},
	disks: []int64{8000000000000, 4000000000000}, serials: []string{"", ""},
	gpus: 1, gpuVendor: "Intel", gpuModel: "Stratix 10", gpuMiB: 512,
}, {
	// Systems/437XR1238R2: Processors CPU1..CPU8 (TotalThreads 32 each) and GPU1, GPU2
	// (ProcessorType GPU, Nvidia(R) TU102, MemorySummary.TotalMemorySizeMiB 11264);
	// MemorySummary 1024 GiB; EthernetInterfaces 1, 2 at 10 Gbit/s; Storage NVMeSWRAID (M.2-1,
	// M.2-2), RAIDIntegrated (Disk-1-0..3 present, 4..7 empty), NVMeSecondary (Disk-2-0..3
	// present, 4..7 empty), HAFiberChannel (none); Chassis/Tower/Drives lists the same 18.
	// M.2-2 has a number where the schema wants an Identifier object (NVMe
	// ActivePersonalities): gofish refuses it, the backend decodes it again for what it needs.
	mockup: "dmtf/public-tower", system: "437XR1238R2",
	cpus: 256, cpuModel: "Intel(R) Xeon(R) Gold 5218 2.3GHz", ramMiB: 1024 * 1024,
	nics: []string{"fb:aa:1d:4e:d0:7a", "fb:aa:1d:4e:d0:7c"}, nicGbps: []int32{10, 10},
	disks: []int64{
		1125899906842624, 1125899906842624,
		20266198323167230, 20266198323167230, 20266198323167230, 20266198323167230,
		1125899906842624, 1125899906842624, 1125899906842624, 1125899906842624,
	},
	gpus: 2, gpuVendor: "NVIDIA", gpuModel: "Nvidia(R) TU102", gpuMiB: 11264,
}, {
	// Systems/1: Processors/1 (AMD EPYC 7302P, TotalThreads 32); MemorySummary 64 GiB;
	// EthernetInterfaces 1..4 (1 and 3 at 25000 Mbit/s); Storage and SmartStorage's
	// ArrayControllers empty, no SimpleStorage: no disk; the only display device is the
	// iLO's Matrox VGA (Chassis/1/PCIeDevices/137, Systems/1/PCIDevices/2, vendor 4139).
	mockup: "hpe-csm/DL325", system: "1",
	cpus: 32, cpuModel: "AMD EPYC 7302P 16-Core Processor", ramMiB: 64 * 1024,
	nics:    []string{"94:40:c9:5c:86:bc", "94:40:c9:5c:86:bd", "14:02:ec:d9:3a:a0", "14:02:ec:d9:3a:a1"},
	nicGbps: []int32{25, 0, 25, 0},
}, {
	// Systems/Self: Processors 1, 2 (AMD EPYC 7702, TotalThreads 128 each); MemorySummary
	// 244 GiB; EthernetInterfaces 3 and 2 share B4:2E:99:BA:DE:16, 1 is ...:15; Storage/1
	// Drives/1 (the SAMSUNG also in SimpleStorage/1 and the chassis' Links.Drives); the only
	// PCIe device is a ConnectX-5 (NetworkController).
	mockup: "hpe-csm/Gigabyte", system: "Self",
	cpus: 256, cpuModel: "AMD EPYC 7702 64-Core Processor", ramMiB: 244 * 1024,
	nics: []string{"b4:2e:99:ba:de:16", "b4:2e:99:ba:de:15"}, nicGbps: []int32{0, 0},
	disks: []int64{2013667524608}, serials: []string{"S455NY0M831393"},
}, {
	// Systems/QSBP74100021: Processors CPU1, CPU2 (TotalThreads 4 each); MemorySummary
	// 48 GiB; EthernetInterfaces empty; Storage/1 lists Drives/HDD0 32 times and the capture
	// of HDD0 is the BMC's ResourceMissingAtURI error: one warning, no disk. Links.Chassis
	// names Chassis/RackMount, captured as the same error: a second warning.
	mockup: "hpe-csm/Intel", system: "QSBP74100021",
	cpus: 8, cpuModel: "Intel Xeon processor", ramMiB: 48 * 1024,
	warnings: []string{"Storage/1/Drives/HDD0", "Chassis/RackMount"},
}, {
	// Systems/system: Processors, Memory and Storage empty, ProcessorSummary.Count 0,
	// TotalSystemMemoryGiB 0, no EthernetInterfaces, PCIeDevices [].
	mockup: "hpe-csm/OpenBMC-stock", system: "system",
}, {
	// Systems/1: Processors 1, 2 (AMD EPYC 7702, TotalThreads 128 each); MemorySummary
	// 256 GiB; EthernetInterfaces 1..6 without speeds (iLO's BaseNetworkAdapters say 0 too); Storage/DE07A000 Drives/0 (960 GB
	// SATA SSD 21122DE9C12C), Drives/3 failed (CapacityBytes null); Chassis/1/PCIeDevices
	// empty, so the GPUs come from iLO's Systems/1/PCIDevices: 3, 6, 8, 10, 13, 15, 18, 21 are
	// NVIDIA A100-SXM4-40GB (ClassCode 3, SubclassCode 2, VendorID 4318 = 0x10de), buses
	// 70, 9, 74, 5, 198, 137, 201, 134.
	mockup: "hpe-csm/XL675d_A100", system: "1",
	cpus: 256, cpuModel: "AMD EPYC 7702 64-Core Processor", ramMiB: 256 * 1024,
	nics: []string{"98:03:9b:7f:c3:38", "98:03:9b:1e:de:fc", "b4:96:91:67:d8:e8", "b4:96:91:67:d8:e9",
		"b4:96:91:67:d8:ea", "b4:96:91:67:d8:eb"},
	nicGbps: []int32{0, 0, 0, 0, 0, 0},
	disks:   []int64{960197124096}, serials: []string{"21122DE9C12C"},
	gpus: 8, gpuVendor: "NVIDIA", gpuModel: "NVIDIA A100-SXM4-40GB",
	gpuAddrs: []string{"0000:46:00.0", "0000:09:00.0", "0000:4a:00.0", "0000:05:00.0", "0000:c6:00.0",
		"0000:89:00.0", "0000:c9:00.0", "0000:86:00.0"},
}}

const capturesRoot = "../../../../shared/redfish-mockups"

// checkCaptureInventory compares an inspection of a capture with the hand count.
func checkCaptureInventory(t *testing.T, want captureInventory, d *v1alpha1.HardwareDetails, warnings []string) {
	t.Helper()
	if d.CPU.Count != want.cpus || d.CPU.Model != want.cpuModel {
		t.Errorf("cpu %d %q, want %d %q", d.CPU.Count, d.CPU.Model, want.cpus, want.cpuModel)
	}
	if want.cpus > 0 && d.CPU.Arch != "x86_64" {
		t.Errorf("arch %q", d.CPU.Arch)
	}
	if d.RAMMebibytes != want.ramMiB {
		t.Errorf("ram %d MiB, want %d", d.RAMMebibytes, want.ramMiB)
	}
	var macs []string
	var gbps []int32
	for _, n := range d.NICs {
		macs = append(macs, n.MAC)
		gbps = append(gbps, n.SpeedGbps)
	}
	if !slices.Equal(macs, want.nics) || !slices.Equal(gbps, want.nicGbps) {
		t.Errorf("nics %v at %v Gbit/s, want %v at %v", macs, gbps, want.nics, want.nicGbps)
	}
	var sizes []int64
	var serials []string
	for _, s := range d.Storage {
		sizes = append(sizes, s.SizeBytes)
		serials = append(serials, s.SerialNumber)
	}
	if !slices.Equal(sizes, want.disks) {
		t.Errorf("disks %v, want %v", sizes, want.disks)
	}
	if want.serials != nil && !slices.Equal(serials, want.serials) {
		t.Errorf("serials %q, want %q", serials, want.serials)
	}
	if len(d.GPUs) != want.gpus {
		t.Errorf("%d GPUs %+v, want %d", len(d.GPUs), d.GPUs, want.gpus)
	}
	var addrs []string
	for _, g := range d.GPUs {
		if g.Vendor != want.gpuVendor || g.Model != want.gpuModel || g.MemoryMebibytes != want.gpuMiB {
			t.Errorf("GPU %+v, want %s %q with %d MiB", g, want.gpuVendor, want.gpuModel, want.gpuMiB)
		}
		if g.PCIAddress != "" {
			addrs = append(addrs, g.PCIAddress)
		}
	}
	if !slices.Equal(addrs, want.gpuAddrs) {
		t.Errorf("GPU addresses %v, want %v", addrs, want.gpuAddrs)
	}
	if len(warnings) != len(want.warnings) {
		t.Errorf("warnings %q, want %d", warnings, len(want.warnings))
	}
	for i, w := range want.warnings {
		if i < len(warnings) && !strings.Contains(warnings[i], w) {
			t.Errorf("warning %q, want one about %s", warnings[i], w)
		}
	}
}

// TestInspectRealBMCCaptures inspects every capture served by the simulator in mockup mode,
// through the backend as it inspects a real BMC (register, inspect, power).
func TestInspectRealBMCCaptures(t *testing.T) {
	if _, err := os.Stat(capturesRoot); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redfish mockups not readable at %s (CI has them in ../shared beside the project): %v", capturesRoot, err)
		}
		t.Skipf("Redfish mockups not readable at %s: %v", capturesRoot, err)
	}
	for _, tc := range captureInventories {
		t.Run(tc.mockup, func(t *testing.T) {
			p := newBackend(t, testConfig())
			s := startSim(t, sim.Config{Mockup: filepath.Join(capturesRoot, tc.mockup)})
			ctx, _ := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress(tc.system), strings.ReplaceAll(tc.mockup, "/", "-")))
			d, res, err := p.Inspect(ctx, h, true)
			if err != nil || !res.Done || d == nil {
				t.Fatalf("Inspect = %+v, %+v, %v", d, res, err)
			}
			checkCaptureInventory(t, tc, d, res.Warnings)
		})
	}
}

// TestInspectSkipsWhatDoesNotDecode: a resource that does not decode (here a processor and one
// of iLO's PCI devices of a real capture, replaced by bodies of the wrong types) is left out of
// the inventory with a warning naming it; the inspection succeeds with the rest.
func TestInspectSkipsWhatDoesNotDecode(t *testing.T) {
	tree := mockupTree(t, filepath.Join(capturesRoot, "hpe-csm/XL675d_A100"))
	for _, tc := range []struct {
		uri, body string
		check     func(*v1alpha1.HardwareDetails) bool
	}{
		{"/redfish/v1/Systems/1/Processors/1", `{"Id": 1, "TotalThreads": "many"}`,
			func(d *v1alpha1.HardwareDetails) bool { return d.CPU.Count == 128 && len(d.GPUs) == 8 }},
		{"/redfish/v1/Systems/1/PCIDevices/3", `{"ClassCode": "three", "BusNumber": []}`,
			func(d *v1alpha1.HardwareDetails) bool { return d.CPU.Count == 256 && len(d.GPUs) == 7 }},
	} {
		client := &treeClient{tree: tree, override: tc.uri, replacement: []byte(tc.body)}
		sys, err := schemas.GetComputerSystem(client, "/redfish/v1/Systems/1")
		if err != nil {
			t.Fatal(err)
		}
		d, warnings, err := inspect(client, sys)
		if err != nil {
			t.Fatalf("%s: inspection failed: %v", tc.uri, err)
		}
		if !tc.check(d) {
			t.Errorf("%s: %d CPUs, %d GPUs", tc.uri, d.CPU.Count, len(d.GPUs))
		}
		if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, tc.uri) }) {
			t.Errorf("%s: no warning about it in %q", tc.uri, warnings)
		}
	}
}
