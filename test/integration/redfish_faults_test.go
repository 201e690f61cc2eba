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
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestRedfishFaultsThroughTheServer: 20 hosts on one simulated BMC service that answers slowly
// (200 ms) and fails one request in five still all reach available with the seed's inventory,
// through one session under a session limit of 1; a BMC that drops a power-on still ends up on;
// a BMC that goes away gives a power management error with backoff and recovers.
func TestRedfishFaultsThroughTheServer(t *testing.T) {
	const hostCount = 20
	sim, err := simredfish.New(simredfish.Config{
		Count: hostCount, Seed: redfishSeed, PowerDelay: 100 * time.Millisecond, SessionLimit: 1,
		Username: redfishUser, Password: redfishPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	ids := sim.SystemIDs()
	for _, id := range ids {
		if err := sim.SetFaults(id, simredfish.Faults{Latency: 200 * time.Millisecond, ErrorRate: 0.2}); err != nil {
			t.Fatal(err)
		}
	}

	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "--power-poll-interval=2s",
		"--error-backoff-base=200ms", "--error-backoff-cap=2s", "--redfish-request-timeout=5s", "--redfish-poll-interval=200ms")
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	start := time.Now()
	for _, id := range ids {
		name := "flt-" + id
		writeRedfishCredentials(t, dataDir, name+"-bmc")
		_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.BareMetalHostSpec{
				Online: true, BootMACAddress: sim.System(id).Inventory().NICs[0].MAC,
				BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress(id), CredentialsName: name + "-bmc"},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		h := waitRedfishHost(t, cs, "flt-"+id, "available and powered on despite faults", 3*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.PoweredOn && h.Status.Hardware != nil
		})
		inv := simredfish.GenerateInventory(redfishSeed, id)
		if h.Status.Hardware.CPU.Count != int32(inv.TotalThreads()) || h.Status.Hardware.SystemVendor.SerialNumber != inv.SerialNumber {
			t.Errorf("%s: inventory %+v does not match the seed's (%d threads, serial %s)", h.Name, h.Status.Hardware.CPU, inv.TotalThreads(), inv.SerialNumber)
		}
	}
	t.Logf("%d hosts available through 20%% errors and 200 ms latency in %s", hostCount, time.Since(start).Round(time.Millisecond))

	// A BMC that reports Off at once but drops a power-on sent within 5 s of that: powered off
	// and straight back on through the power subresource, it still ends up on.
	dropper := ids[len(ids)-1]
	if err := sim.SetFaults(dropper, simredfish.Faults{DropPowerOnWindow: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	setPower := func(state v1alpha1.PowerState) {
		// The reconciler writes the host's status meanwhile: read-modify-write with retries.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			p, err := hosts.GetPower(ctx, "flt-"+dropper, metav1.GetOptions{})
			if err != nil {
				return err
			}
			p.Spec.State = state
			_, err = hosts.UpdatePower(ctx, "flt-"+dropper, p, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setPower(v1alpha1.PowerOff)
	waitSim(t, "the dropping BMC off", 30*time.Second, func() bool { return sim.System(dropper).PowerState() == simredfish.PowerOff })
	setPower(v1alpha1.PowerOn)
	took := waitSim(t, "the dropping BMC on again", time.Minute, func() bool { return sim.System(dropper).PowerState() == simredfish.PowerOn })
	if c := sim.System(dropper).Counters(); c.DroppedPowerOns == 0 {
		t.Errorf("the dropping BMC dropped nothing (counters %+v): the retry was not exercised", c)
	}
	t.Logf("a dropped power-on was retried and confirmed; on again after %s", took.Round(time.Millisecond))
	peak := int64(0)
	for _, id := range ids {
		if p := sim.System(id).Counters().PeakSessions; p > peak {
			peak = p
		}
	}
	if peak > 1 {
		t.Errorf("the BMC saw %d sessions at once; its limit is 1", peak)
	}

	// A BMC that goes away: power management error with backoff, then recovery.
	gone := ids[0]
	if err := sim.SetFaults(gone, simredfish.Faults{Outage: simredfish.OutageUnavailable}); err != nil {
		t.Fatal(err)
	}
	h := waitRedfishHost(t, cs, "flt-"+gone, "in error while its BMC is gone", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.ErrorType == v1alpha1.PowerManagementError && h.Status.ErrorCount >= 2
	})
	if h.Status.OperationalStatus != v1alpha1.OperationalStatusError {
		t.Errorf("operationalStatus %q while the BMC is gone", h.Status.OperationalStatus)
	}
	if err := sim.SetFaults(gone, simredfish.Faults{}); err != nil {
		t.Fatal(err)
	}
	waitRedfishHost(t, cs, "flt-"+gone, "recovered after its BMC came back", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.ErrorType == "" && h.Status.OperationalStatus == v1alpha1.OperationalStatusOK
	})
}
