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
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
)

// testNonLeaderActions: the API is active-active, so an action recorded through a subresource
// on a replica that does not reconcile is stored in etcd, and the leader's watch brings it to
// its reconciler at once. Measured from the request's return to the BMC receiving the reset.
func testNonLeaderActions(ctx context.Context, t *testing.T, top *topology) {
	defer top.dumpLeaderOnFailure(ctx, t)
	leader, _, err := top.waitLeader(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var standbys []int
	for _, i := range top.live() {
		if i != leader {
			standbys = append(standbys, i)
		}
	}
	if len(standbys) == 0 {
		t.Fatal("no standby replica")
	}
	type action struct {
		what string
		do   func(cs clientset.Interface, name string) error
		// settled is the host's status once the action is over, before the next one.
		settled func(h *v1alpha1.BareMetalHost) bool
	}
	actions := []action{
		{"power off", func(cs clientset.Interface, name string) error { return setPower(ctx, cs, name, v1alpha1.PowerOff) },
			func(h *v1alpha1.BareMetalHost) bool { return !h.Status.PoweredOn }},
		{"power on", func(cs clientset.Interface, name string) error { return setPower(ctx, cs, name, v1alpha1.PowerOn) },
			func(h *v1alpha1.BareMetalHost) bool { return h.Status.PoweredOn }},
		{"reboot", func(cs clientset.Interface, name string) error {
			_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Reboot(ctx, name,
				&v1alpha1.RebootRequest{Spec: v1alpha1.RebootRequestSpec{Mode: v1alpha1.RebootModeHard}}, metav1.CreateOptions{})
			return err
		}, func(h *v1alpha1.BareMetalHost) bool { return h.Status.PoweredOn && !pendingReboot(h) }},
	}
	const hostsPerAction = 4
	ids := top.sim.SystemIDs()[:lifecycleHosts]
	latencies := map[string][]time.Duration{}
	for k, id := range ids[:hostsPerAction] {
		name := hostName(id)
		cs := top.client(standbys[k%len(standbys)])
		for _, a := range actions {
			sys := top.sim.System(id)
			before := sys.Counters().Resets
			if err := a.do(cs, name); err != nil {
				t.Fatalf("%s of %s through standby replica: %v", a.what, name, err)
			}
			returned := time.Now()
			if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
				return sys.Counters().Resets > before, nil
			}); err != nil {
				t.Fatalf("%s of %s recorded on a standby never reached the BMC", a.what, name)
			}
			latencies[a.what] = append(latencies[a.what], time.Since(returned))
			settle := time.Now()
			waitHost(ctx, t, cs, name, a.what+" settled", time.Minute, a.settled)
			if d := time.Since(settle); d > slowSettle {
				// Seconds where milliseconds are usual: keep what the leader was doing.
				t.Logf("%s of %s took %s to show in status", a.what, name, d.Round(time.Millisecond))
				top.saveLeaderGoroutines(ctx, t, "slow-"+name)
			}
		}
	}
	for _, a := range actions {
		l := latencies[a.what]
		slices.Sort(l)
		t.Logf("%s recorded on a standby -> reset at the BMC: median %s, max %s (%d actions)",
			a.what, l[len(l)/2].Round(time.Millisecond), l[len(l)-1].Round(time.Millisecond), len(l))
		// The watch path takes milliseconds; seconds would mean a poll, or a replica that waits
		// for something.
		if l[len(l)-1] > 3*time.Second {
			t.Errorf("%s: an action took %s to reach the BMC", a.what, l[len(l)-1].Round(time.Millisecond))
		}
	}
}

// slowSettle is far more than a power change of the simulator (400 ms) and the status write
// after it take.
const slowSettle = 10 * time.Second

func pendingReboot(h *v1alpha1.BareMetalHost) bool {
	for k := range h.Annotations {
		if strings.HasPrefix(k, v1alpha1.RebootAnnotationPrefix) {
			return true
		}
	}
	return false
}
