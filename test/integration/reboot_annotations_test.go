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
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestRebootAnnotationsAsMetal3 drives a provisioned host through the server with Metal3's
// reboot annotations, on the Redfish simulator, the way Cluster API Provider Metal3's
// remediation does: reboot.metal3.io/<key> powers the host off and keeps it off until the
// annotation is removed (power polls in between do not turn it on), then it comes back on;
// plain reboot.metal3.io powers it off, is removed by the server, and the host comes back on.
func TestRebootAnnotationsAsMetal3(t *testing.T) {
	sim := startRedfishSim(t, 1, 20*time.Millisecond, "")
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "--redfish-poll-interval=50ms",
		"--power-poll-interval=200ms")
	writeRedfishCredentials(t, dataDir, "bmc")
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	sys := sim.System("1")

	_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "worker"},
		Spec: v1alpha1.BareMetalHostSpec{Online: true, BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress("1"), CredentialsName: "bmc"},
			Image: &v1alpha1.Image{URL: "http://192.0.2.1/images/live.iso", Format: ptrTo(string(v1alpha1.ImageFormatLiveISO))}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRedfishHost(t, cs, "worker", "provisioned and on", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})

	annotate := func(key, value string) {
		t.Helper()
		v := "null"
		if value != "-" {
			v = fmt.Sprintf("%q", value)
		}
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%s}}}`, key, v)
		if _, err := hosts.Patch(ctx, "worker", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("reboot.metal3.io/<key> holds the host off until removed", func(t *testing.T) {
		key := v1alpha1.RebootAnnotationPrefix + "/capm3-remediation-worker"
		annotate(key, `{"mode":"hard"}`)
		waitSim(t, "the host off", 30*time.Second, func() bool { return sys.PowerState() == simredfish.PowerOff })
		// Power polls (every 200 ms) go on reading the BMC: after several of them the host is
		// still off, the annotation still there, and no reset was sent.
		resets, requests := sys.Counters().Resets, sys.Counters().Requests
		waitSim(t, "several power polls", 30*time.Second, func() bool { return sys.Counters().Requests >= requests+5 })
		h, err := hosts.Get(ctx, "worker", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, held := h.Annotations[key]; !held || h.Status.PoweredOn || sys.PowerState() != simredfish.PowerOff {
			t.Fatalf("after several polls: annotation present %v, status poweredOn %v, BMC power %s", held, h.Status.PoweredOn, sys.PowerState())
		}
		if n := sys.Counters().Resets; n != resets {
			t.Errorf("the BMC got %d more resets while the host was held off", n-resets)
		}
		annotate(key, "-")
		waitSim(t, "the host on again", 30*time.Second, func() bool { return sys.PowerState() == simredfish.PowerOn })
		waitRedfishHost(t, cs, "worker", "on and still provisioned", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.PoweredOn && h.Status.Provisioning.State == v1alpha1.StateProvisioned
		})
	})

	t.Run("plain reboot.metal3.io: off, removed by the server, on again", func(t *testing.T) {
		boots := len(sys.Boots())
		annotate(v1alpha1.RebootAnnotationPrefix, "")
		waitRedfishHost(t, cs, "worker", "annotation removed, on again", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool {
			_, pending := h.Annotations[v1alpha1.RebootAnnotationPrefix]
			return !pending && h.Status.PoweredOn
		})
		waitSim(t, "booted again", 30*time.Second, func() bool {
			return len(sys.Boots()) > boots && sys.PowerState() == simredfish.PowerOn
		})
	})
}

func ptrTo[T any](v T) *T { return &v }
