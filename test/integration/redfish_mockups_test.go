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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// redfishMockups are the captures of real BMCs, beside the project (never copied into it).
const redfishMockups = "../../../shared/redfish-mockups"

// mockupInventory is what the server must find in a capture, counted by hand from its JSON
// (paths relative to the capture's folder, which answers /redfish/v1); the same counts as
// pkg/provisioner/redfish's TestInspectRealBMCCaptures, which explains each in more detail.
type mockupInventory struct {
	mockup, system string
	cpus           int32
	ramMiB         int32
	macs           []string
	disks          int
	serials        []string // of the disks that have one
	gpus           string   // the -o wide GPUs cell
	gpuAddrs       int
	warning        string // a URI the inspection warns about
}

var mockupInventories = []mockupInventory{
	// Processors/CPU1 16 threads (CPU2 Absent), FPGA1 Stratix 10; MemorySummary 96 GiB;
	// EthernetInterfaces: VLAN1 repeats 12446A3B0411's MAC; SimpleStorage/1 bays 1 and 2.
	{mockup: "dmtf/public-rackmount1", system: "437XR1138R2", cpus: 16, ramMiB: 96 * 1024,
		macs: []string{"12:44:6a:3b:04:11", "aa:bb:cc:dd:ee:00", "aa:bb:cc:dd:ee:fe"}, disks: 2, gpus: "1x Intel Stratix 10"},
	// CPU1..8 at 32 threads, GPU1 and GPU2 (TU102); 1024 GiB; 2 NICs; 10 drives present of
	// the 18 bays in Storage (the chassis' Drives lists the same).
	{mockup: "dmtf/public-tower", system: "437XR1238R2", cpus: 256, ramMiB: 1024 * 1024,
		macs: []string{"fb:aa:1d:4e:d0:7a", "fb:aa:1d:4e:d0:7c"}, disks: 10, gpus: "2x Nvidia(R) TU102"},
	// One EPYC 7302P (32 threads); 64 GiB; EthernetInterfaces 1..4; no drive anywhere; only
	// the iLO's VGA as display device.
	{mockup: "hpe-csm/DL325", system: "1", cpus: 32, ramMiB: 64 * 1024,
		macs: []string{"94:40:c9:5c:86:bc", "94:40:c9:5c:86:bd", "14:02:ec:d9:3a:a0", "14:02:ec:d9:3a:a1"}},
	// Two EPYC 7702 (128 threads each); 244 GiB; EthernetInterfaces 3 and 2 share a MAC;
	// Storage/1/Drives/1.
	{mockup: "hpe-csm/Gigabyte", system: "Self", cpus: 256, ramMiB: 244 * 1024,
		macs: []string{"b4:2e:99:ba:de:16", "b4:2e:99:ba:de:15"}, disks: 1, serials: []string{"S455NY0M831393"}},
	// CPU1, CPU2 at 4 threads; 48 GiB; no NIC; Storage/1 lists Drives/HDD0, captured as a 404.
	{mockup: "hpe-csm/Intel", system: "QSBP74100021", cpus: 8, ramMiB: 48 * 1024, warning: "Storage/1/Drives/HDD0"},
	// Stock OpenBMC: everything empty, system id "system", captured Off.
	{mockup: "hpe-csm/OpenBMC-stock", system: "system"},
	// Two EPYC 7702; 256 GiB; EthernetInterfaces 1..6; Storage/DE07A000/Drives/0 (Drives/3
	// failed); eight A100s in iLO's Systems/1/PCIDevices.
	{mockup: "hpe-csm/XL675d_A100", system: "1", cpus: 256, ramMiB: 256 * 1024,
		macs: []string{"98:03:9b:7f:c3:38", "98:03:9b:1e:de:fc", "b4:96:91:67:d8:e8", "b4:96:91:67:d8:e9",
			"b4:96:91:67:d8:ea", "b4:96:91:67:d8:eb"},
		disks: 1, serials: []string{"21122DE9C12C"}, gpus: "8x NVIDIA A100-SXM4-40GB", gpuAddrs: 8},
}

// TestRedfishMockups registers, inspects and powers every capture of a real BMC through the
// server (--provisioner=redfish), each served by a simulator in mockup mode.
func TestRedfishMockups(t *testing.T) {
	if _, err := os.Stat(redfishMockups); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redfish mockups not readable at %s (CI has them in ../shared beside the project): %v", redfishMockups, err)
		}
		t.Skipf("Redfish mockups not readable at %s: %v", redfishMockups, err)
	}
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish",
		"--power-poll-interval=1s", "--error-backoff-base=200ms", "--error-backoff-cap=2s",
		"-v=2") // events go to the log at verbosity 2 in standalone mode
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)

	sims := map[string]*simredfish.Simulator{}
	name := func(m mockupInventory) string {
		return "mockup-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(m.mockup))
	}
	for _, m := range mockupInventories {
		sim, err := simredfish.New(simredfish.Config{Mockup: filepath.Join(redfishMockups, m.mockup),
			Username: redfishUser, Password: redfishPassword, PowerDelay: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := sim.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sim.Close() })
		sims[m.mockup] = sim
		writeRedfishCredentials(t, dataDir, name(m)+"-bmc")
		h := &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: name(m), Namespace: ns},
			Spec: v1alpha1.BareMetalHostSpec{
				Online: true,
				BMC:    v1alpha1.BMCDetails{Address: sim.BMCAddress(m.system), CredentialsName: name(m) + "-bmc"},
			},
		}
		if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	for _, m := range mockupInventories {
		h := waitRedfishHost(t, cs, name(m), "available with hardware details", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.Hardware != nil
		})
		hw := h.Status.Hardware
		var macs, serials []string
		for _, n := range hw.NICs {
			macs = append(macs, n.MAC)
		}
		for _, d := range hw.Storage {
			if d.SizeBytes <= 0 {
				t.Errorf("%s: disk %+v without a size", m.mockup, d)
			}
			if d.SerialNumber != "" {
				serials = append(serials, d.SerialNumber)
			}
		}
		addrs := 0
		for _, g := range hw.GPUs {
			if g.PCIAddress != "" {
				addrs++
			}
		}
		if hw.CPU.Count != m.cpus || hw.RAMMebibytes != m.ramMiB || !slices.Equal(macs, m.macs) ||
			len(hw.Storage) != m.disks || !slices.Equal(serials, m.serials) || addrs != m.gpuAddrs {
			t.Errorf("%s: %d CPUs, %d MiB, NICs %v, %d disks %v, GPUs %+v; want %d CPUs, %d MiB, NICs %v, %d disks %v, %d GPU addresses",
				m.mockup, hw.CPU.Count, hw.RAMMebibytes, macs, len(hw.Storage), serials, hw.GPUs,
				m.cpus, m.ramMiB, m.macs, m.disks, m.serials, m.gpuAddrs)
		}
		if m.cpus > 0 && hw.CPU.Arch != "x86_64" {
			t.Errorf("%s: arch %q", m.mockup, hw.CPU.Arch)
		}
		if h.Status.Provisioning.ID != "/redfish/v1/Systems/"+m.system {
			t.Errorf("%s: provisioning ID %q", m.mockup, h.Status.Provisioning.ID)
		}
	}

	t.Run("kubectl get -o wide shows the GPUs", func(t *testing.T) {
		out, err := srv.Kubectl(t, kubectlBin, "get", "bmh", "-n", ns, "-o", "wide")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Logf("\n%s", out)
		for _, m := range mockupInventories {
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, name(m)+" ") && m.gpus != "" && !strings.Contains(line, m.gpus) {
					t.Errorf("%s: row %q does not show %q", m.mockup, line, m.gpus)
				}
			}
		}
	})

	t.Run("a resource that does not decode is a warning event", func(t *testing.T) {
		for _, m := range mockupInventories {
			if m.warning == "" {
				continue
			}
			waitSim(t, "the "+m.mockup+" warning in the server's log", 10*time.Second, func() bool {
				out := srv.Output()
				return strings.Contains(out, "InspectionWarning") && strings.Contains(out, m.warning)
			})
		}
	})

	// online: true powers every system on, the stock OpenBMC (captured Off) included; then
	// online: false powers each off.
	t.Run("power", func(t *testing.T) {
		for _, m := range mockupInventories {
			sys := sims[m.mockup].System(m.system)
			waitSim(t, m.mockup+" powered on", 30*time.Second, func() bool { return sys.PowerState() == simredfish.PowerOn })
			waitRedfishHost(t, cs, name(m), "reported on", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool { return h.Status.PoweredOn })
		}
		for _, m := range mockupInventories {
			if _, err := hosts.Patch(ctx, name(m), types.MergePatchType, []byte(`{"spec":{"online":false}}`), metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range mockupInventories {
			sys := sims[m.mockup].System(m.system)
			waitSim(t, m.mockup+" powered off", 30*time.Second, func() bool { return sys.PowerState() == simredfish.PowerOff })
			waitRedfishHost(t, cs, name(m), "reported off", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool { return !h.Status.PoweredOn })
		}
	})
}
