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

package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// slowBMC is the latency of the BMC of the host whose reboot is caught between its record and
// its reset: the leader records the reboot, then needs one slow request (the system's GET)
// before it sends the reset, and that is when it is killed.
const slowBMC = 5 * time.Second

// testRebootTakeover kills the leader once, when three reboots are each in a window where the
// leader's memory held what was done and the BMC has yet to finish it:
//   - a reboot through baremetalhosts/reboot recorded (in its request) but its reset not sent:
//     the new leader must send it, once;
//   - a reboot through baremetalhosts/reboot whose reset went out, the host still restarting:
//     the new leader must not send it again;
//   - Metal3's reboot annotation (power off, then on) whose power-off went out, the host still
//     powering off: the new leader must power it on, once.
//
// Each is one kill apart from the others only in time: one failover serves the three, so the
// tier stays short. The BMC counts resets and boots: exactly what each request needs.
func testRebootTakeover(ctx context.Context, t *testing.T, top *topology) {
	defer top.dumpLeaderOnFailure(ctx, t)
	leader, _, err := top.waitLeader(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Hosts the earlier steps left provisioned and on, at rest, not used by the actions step.
	ids := top.sim.SystemIDs()[4:7]
	recordedOnly, resetSent, metal3 := ids[0], ids[1], ids[2]
	before := countersOf(top.sim, ids)
	var standby clientset.Interface
	for _, i := range top.live() {
		if i != leader {
			standby = top.client(i)
			break
		}
	}
	for _, id := range ids {
		waitHost(ctx, t, standby, hostName(id), "provisioned, on and at rest", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn && !pendingReboot(h)
		})
	}
	// LastResetTime has whole seconds: the reboots start in a later second than the hosts'
	// last boots (real hosts take far longer than a second to restart; the simulator 0.8 s).
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 3*time.Second, true, func(context.Context) (bool, error) {
		for _, id := range ids {
			if boots := top.sim.System(id).Boots(); len(boots) > 0 && time.Now().Unix() <= boots[len(boots)-1].Time.Unix() {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}

	// 1. Recorded, reset not sent: the BMC answers slowly, and the leader is killed as soon as
	// the record shows in the request.
	if err := top.sim.SetFaults(recordedOnly, simredfish.Faults{Latency: slowBMC}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = top.sim.SetFaults(recordedOnly, simredfish.Faults{}) }()
	if err := hardReboot(ctx, standby, hostName(recordedOnly)); err != nil {
		t.Fatal(err)
	}
	waitHost(ctx, t, standby, hostName(recordedOnly), "reboot recorded", 6*slowBMC, func(h *v1alpha1.BareMetalHost) bool {
		return strings.Contains(h.Annotations[v1alpha1.RebootSubresourceAnnotation], `"started"`)
	})
	recordSeen := time.Now()

	// 2. Reset sent: the leader is killed as soon as the BMC counted it.
	if err := hardReboot(ctx, standby, hostName(resetSent)); err != nil {
		t.Fatal(err)
	}
	// 3. Metal3's reboot: killed as soon as the power-off reached the BMC.
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{v1alpha1.RebootAnnotationPrefix: ""}}})
	if _, err := standby.BaremetalV1alpha1().BareMetalHosts(ns).Patch(ctx, hostName(metal3), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 2*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		now := countersOf(top.sim, []string{resetSent, metal3})
		return now[resetSent].Resets > before[resetSent].Resets && now[metal3].Resets > before[metal3].Resets, nil
	}); err != nil {
		t.Fatal("the resets never reached the BMC")
	}
	top.replica(leader).Kill()
	killed := time.Now()
	_ = top.sim.SetFaults(recordedOnly, simredfish.Faults{})

	// Each was in its window when the leader died, or the counts below prove nothing.
	atKill := sub(top.sim.System(recordedOnly).Counters(), before[recordedOnly])
	if atKill.Resets != 0 {
		t.Fatalf("the recorded reboot's reset went out before the kill (%s after the record showed): the window was missed", killed.Sub(recordSeen).Round(time.Millisecond))
	}
	// Nothing removes a request while no replica leads: it is there if the dead leader had
	// not seen the reboot done.
	if h, err := standby.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, hostName(resetSent), metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	} else if !pendingReboot(h) {
		t.Errorf("the reboot whose reset went out was done before the leader died: the window was missed")
	}
	if c := sub(top.sim.System(metal3).Counters(), before[metal3]); c.Resets != 1 {
		t.Errorf("Metal3's reboot: %d resets when the leader died, want the power-off alone", c.Resets)
	}
	next, seen, err := top.waitLeader(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leader %d killed %s after the record of a reboot showed, with two more reboots under way at the BMC; replica %d leads %s later",
		leader, killed.Sub(recordSeen).Round(time.Millisecond), next, seen.Sub(killed).Round(time.Millisecond))

	cs := top.client(next)
	for _, id := range ids[:2] {
		waitHost(ctx, t, cs, hostName(id), "rebooted", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return !pendingReboot(h) && h.Status.PoweredOn && meta.IsStatusConditionTrue(h.Status.Conditions, v1alpha1.ConditionRebooted)
		})
	}
	// The status may still say on from before the power-off (the old leader died before it
	// wrote otherwise): the BMC says when the host came back.
	metal3Sys := top.sim.System(metal3)
	waitHost(ctx, t, cs, hostName(metal3), "off and on again", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return !pendingReboot(h) && h.Status.PoweredOn && metal3Sys.PowerState() == simredfish.PowerOn &&
			metal3Sys.Counters().Boots > before[metal3].Boots
	})
	t.Logf("the three reboots done %s after the kill", time.Since(killed).Round(time.Millisecond))

	// Exactly what each request needs: one reset and one boot per reboot; Metal3's is a
	// power-off and a power-on (two resets), one boot.
	after := countersOf(top.sim, ids)
	for _, c := range []struct {
		id, what      string
		resets, boots int64
	}{
		{recordedOnly, "reboot recorded, reset not sent", 1, 1},
		{resetSent, "reboot whose reset was sent", 1, 1},
		{metal3, "Metal3's reboot annotation (off, then on)", 2, 1},
	} {
		got := sub(after[c.id], before[c.id])
		if got.Resets != c.resets || got.Boots != c.boots {
			t.Errorf("%s (%s): %d resets, %d boots; want %d, %d", c.what, hostName(c.id), got.Resets, got.Boots, c.resets, c.boots)
		}
	}
	if err := top.restart(leader); err != nil {
		t.Fatal(fmt.Errorf("restarting replica %d: %w", leader, err))
	}
}

func hardReboot(ctx context.Context, cs clientset.Interface, name string) error {
	_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Reboot(ctx, name,
		&v1alpha1.RebootRequest{Spec: v1alpha1.RebootRequestSpec{Mode: v1alpha1.RebootModeHard}}, metav1.CreateOptions{})
	return err
}
