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
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// Ironic's own `redfish` hardware type (sushy) against the simulator, through the Ironic
// backend: registration, power and out-of-band inspection work on simulated BMCs as they do on
// real ones. Deploying needs Ironic's agent ramdisk booting on the host, which a simulator
// cannot run, so it is not tried.
func TestIronicRedfishDriverAgainstTheSimulator(t *testing.T) {
	const seed = 5
	sim, err := simredfish.New(simredfish.Config{Count: 2, Seed: seed, PowerDelay: 500 * time.Millisecond,
		Username: redfishUser, Password: redfishPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	ir := framework.StartIronic(t)
	p, ctx, logs := newIronicBackend(t, ir.Endpoint)
	view := ironicView{endpoint: ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	access, err := bmc.Parse(sim.BMCAddress("2"))
	if err != nil {
		t.Fatal(err)
	}
	inv := simredfish.GenerateInventory(seed, "2")
	sys := sim.System("2")
	host := provisioner.Host{
		Namespace: "ironic-redfish", Name: "sim-2", UID: types.UID("00000000-0000-4000-8000-0000000000a2"),
		BMC: access, Credentials: provisioner.Credentials{Username: redfishUser, Password: redfishPassword},
		BootMACAddress: inv.NICs[0].MAC, BootMode: v1alpha1.BootModeUEFI,
		// Out-of-band inspection: Ironic reads the BMC, no ramdisk boots.
		InspectionMode:        v1alpha1.InspectionModeFast,
		AutomatedCleaningMode: v1alpha1.CleaningModeDisabled,
	}
	name := ironic.NodeName(host.Namespace, host.Name)
	step := func(what string, timeout time.Duration, f func(context.Context) (provisioner.Result, error)) {
		t.Helper()
		start := time.Now()
		calls, err := drive(ctx, timeout, f)
		if err != nil {
			t.Fatalf("%s: %v (after %d calls)\nIronic log (tail):\n%s", what, err, calls, ir.LogTail(40))
		}
		t.Logf("%s: Done in %s", what, time.Since(start).Round(time.Millisecond))
	}

	step("register", time.Minute, func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		return res, err
	})
	node := view.node(t, name)
	expect(t, "register", node, map[string]any{"driver": "redfish", "provision_state": "manageable", "power_state": "power off"})
	if di, _ := node["driver_info"].(map[string]any); di["redfish_system_id"] != "/redfish/v1/Systems/2" || di["redfish_password"] != "******" {
		t.Errorf("driver_info = %v", di)
	}

	var details *v1alpha1.HardwareDetails
	step("out-of-band inspection", time.Minute, func(ctx context.Context) (provisioner.Result, error) {
		d, res, err := p.Inspect(ctx, host, true)
		details = d
		return res, err
	})
	expect(t, "inspect", view.node(t, name), map[string]any{"inspect_interface": "redfish", "provision_state": "manageable"})
	if details == nil {
		t.Fatal("inspection Done without details")
	}
	if details.RAMMebibytes != int32(inv.TotalMemoryGiB()*1024) {
		t.Errorf("RAM %d MiB, the simulator has %d GiB", details.RAMMebibytes, inv.TotalMemoryGiB())
	}
	if details.CPU.Count <= 0 || details.CPU.Arch != "x86_64" {
		t.Errorf("CPU %+v", details.CPU)
	}
	macs := map[string]bool{}
	for _, n := range details.NICs {
		macs[strings.ToLower(n.MAC)] = true
	}
	for _, n := range inv.NICs {
		if !macs[n.MAC] {
			t.Errorf("inspection found no port for NIC %s (%s); found %+v", n.ID, n.MAC, details.NICs)
		}
	}
	t.Logf("Ironic's out-of-band inspection: %d CPUs (%s), %d MiB, %d NICs, %d disks",
		details.CPU.Count, details.CPU.Arch, details.RAMMebibytes, len(details.NICs), len(details.Storage))

	power := []struct {
		what string
		f    func(context.Context) (provisioner.Result, error)
		want simredfish.PowerState
		node string
	}{
		{"power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, host) }, simredfish.PowerOn, "power on"},
		{"hard power off", func(ctx context.Context) (provisioner.Result, error) {
			return p.PowerOff(ctx, host, provisioner.RebootModeHard)
		}, simredfish.PowerOff, "power off"},
		{"power on again", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, host) }, simredfish.PowerOn, "power on"},
		{"soft power off", func(ctx context.Context) (provisioner.Result, error) {
			return p.PowerOff(ctx, host, provisioner.RebootModeSoft)
		}, simredfish.PowerOff, "power off"},
		{"power on for the reboot", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, host) }, simredfish.PowerOn, "power on"},
	}
	for _, st := range power {
		step(st.what, time.Minute, st.f)
		if got := sys.PowerState(); got != st.want {
			t.Errorf("%s: the simulator reports %s", st.what, got)
		}
		expect(t, st.what, view.node(t, name), map[string]any{"power_state": st.node})
	}

	boots := len(sys.Boots())
	step("reboot", time.Minute, func(ctx context.Context) (provisioner.Result, error) {
		return p.Reboot(ctx, host, provisioner.RebootModeHard)
	})
	waitSim(t, "the rebooted host up again", 30*time.Second, func() bool {
		return len(sys.Boots()) > boots && sys.PowerState() == simredfish.PowerOn
	})
	if ps, err := p.PowerState(ctx, host); err != nil || !ps.Known || !ps.PoweredOn {
		t.Errorf("PowerState after the reboot = %+v, %v", ps, err)
	}

	step("prepare (manageable to available, cleaning disabled)", time.Minute, func(ctx context.Context) (provisioner.Result, error) {
		return p.Prepare(ctx, host, provisioner.PrepareData{})
	})
	expect(t, "prepare", view.node(t, name), map[string]any{"provision_state": "available"})

	step("delete", time.Minute, func(ctx context.Context) (provisioner.Result, error) { return p.Delete(ctx, host) })
	c := sys.Counters()
	t.Logf("the simulated BMC saw %d requests, %d sessions created (peak %d), %d basic-auth requests, %d resets",
		c.Requests, c.SessionsCreated, c.PeakSessions, c.BasicAuth, c.Resets)
	if strings.Contains(logs(), redfishPassword) {
		t.Error("the Ironic backend logged the BMC password")
	}
}
