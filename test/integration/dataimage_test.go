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
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestDataImageOnRedfish: Metal3's DataImage through the server on the Redfish backend, against
// the simulator.
//   - An externally provisioned host that is on is left alone when its DataImage is created;
//     the DataImage gets the host as owner and its finalizer. A reboot (reboot.metal3.io)
//     attaches it while the host is off: the host comes back on with the image in its virtual
//     CD, booting its disk (exposed, not booted), and the DataImage's status says so.
//   - Deleting the DataImage detaches nothing while the host runs; at the next reboot the image
//     is ejected before the power-on and the DataImage goes.
//   - A live-ISO host's one virtual CD holds its live ISO: its DataImage fails, recorded in the
//     DataImage, the host kept off after its reboot with the live ISO in place; deleting the
//     DataImage lets the host come back on, booting the live ISO again.
func TestDataImageOnRedfish(t *testing.T) {
	sim := startRedfishSim(t, 2, 20*time.Millisecond, "")
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "--redfish-poll-interval=50ms",
		"--power-poll-interval=200ms")
	writeRedfishCredentials(t, dataDir, "bmc")
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	images := cs.BaremetalV1alpha1().DataImages(ns)
	ctx := ctxFor(t)
	const data, live = "http://192.0.2.1/images/config.iso", "http://192.0.2.1/images/live.iso"

	reboot := func(t *testing.T, name string) {
		t.Helper()
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:""}}}`, v1alpha1.RebootAnnotationPrefix)
		if _, err := hosts.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	lastBoot := func(sys *simredfish.System) simredfish.BootRecord {
		boots := sys.Boots()
		if len(boots) == 0 {
			return simredfish.BootRecord{}
		}
		return boots[len(boots)-1]
	}

	t.Run("externally provisioned host: attached at the reboot, exposed, detached after deletion", func(t *testing.T) {
		sys := sim.System("1")
		_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: "edge"},
			Spec: v1alpha1.BareMetalHostSpec{Online: true, ExternallyProvisioned: true,
				BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress("1"), CredentialsName: "bmc"}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		host := waitRedfishHost(t, cs, "edge", "externally provisioned and on", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned && h.Status.PoweredOn
		})
		if _, err := images.Create(ctx, &v1alpha1.DataImage{ObjectMeta: metav1.ObjectMeta{Name: "edge"},
			Spec: v1alpha1.DataImageSpec{URL: data}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		di := waitDataImage(t, cs, "edge", "owned and finalized", 30*time.Second, func(di *v1alpha1.DataImage) bool {
			return len(di.OwnerReferences) == 1 && di.OwnerReferences[0].UID == host.UID &&
				slices.Contains(di.Finalizers, v1alpha1.DataImageFinalizer)
		})
		if di.Status.AttachedImage.URL != "" || sys.InsertedImage() != "" {
			t.Fatalf("attached while the host runs: status %+v, BMC %q", di.Status, sys.InsertedImage())
		}

		start, boots := time.Now(), len(sys.Boots())
		reboot(t, "edge")
		waitDataImage(t, cs, "edge", "attached", 30*time.Second, func(di *v1alpha1.DataImage) bool {
			return di.Status.AttachedImage.URL == data && di.Status.LastReconciled != nil && di.Status.Error.Count == 0
		})
		waitSim(t, "the host booted again", 30*time.Second, func() bool {
			return len(sys.Boots()) > boots && sys.PowerState() == simredfish.PowerOn
		})
		t.Logf("attached and on again %s after the reboot was asked", time.Since(start).Round(time.Millisecond))
		if got := sys.InsertedImage(); got != data {
			t.Errorf("virtual CD holds %q, want %q", got, data)
		}
		if b := lastBoot(sys); b.Source != "Hdd" || b.Override || !slices.Equal(b.Media, []string{data}) {
			t.Errorf("boot %+v: want the disk booted with the DataImage in sight", b)
		}
		waitRedfishHost(t, cs, "edge", "on, reboot annotation gone", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool {
			_, pending := h.Annotations[v1alpha1.RebootAnnotationPrefix]
			return !pending && h.Status.PoweredOn
		})

		if err := images.Delete(ctx, "edge", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		// Held while the host runs with the image: several power polls later it is still there.
		requests := sys.Counters().Requests
		waitSim(t, "several power polls", 30*time.Second, func() bool { return sys.Counters().Requests >= requests+5 })
		if _, err := images.Get(ctx, "edge", metav1.GetOptions{}); err != nil || sys.InsertedImage() != data {
			t.Fatalf("the deleted DataImage went while attached: %v, BMC %q", err, sys.InsertedImage())
		}

		start, boots = time.Now(), len(sys.Boots())
		reboot(t, "edge")
		waitGone(t, cs, "edge", 30*time.Second)
		waitSim(t, "the host booted again", 30*time.Second, func() bool {
			return len(sys.Boots()) > boots && sys.PowerState() == simredfish.PowerOn
		})
		t.Logf("detached, DataImage gone and on again %s after the reboot was asked", time.Since(start).Round(time.Millisecond))
		if got := sys.InsertedImage(); got != "" {
			t.Errorf("virtual CD still holds %q", got)
		}
		if b := lastBoot(sys); len(b.Media) != 0 {
			t.Errorf("boot %+v: the DataImage still in sight", b)
		}
	})

	t.Run("live-ISO host: its one CD is taken, the failure recorded, the host held off until the DataImage goes", func(t *testing.T) {
		sys := sim.System("2")
		_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: "live"},
			Spec: v1alpha1.BareMetalHostSpec{Online: true, BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress("2"), CredentialsName: "bmc"},
				Image: &v1alpha1.Image{URL: live, Format: ptrTo(string(v1alpha1.ImageFormatLiveISO))}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		waitRedfishHost(t, cs, "live", "provisioned and on", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
		})
		if _, err := images.Create(ctx, &v1alpha1.DataImage{ObjectMeta: metav1.ObjectMeta{Name: "live"},
			Spec: v1alpha1.DataImageSpec{URL: data}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitDataImage(t, cs, "live", "finalized", 30*time.Second, func(di *v1alpha1.DataImage) bool {
			return slices.Contains(di.Finalizers, v1alpha1.DataImageFinalizer)
		})
		reboot(t, "live")
		di := waitDataImage(t, cs, "live", "failed", 30*time.Second, func(di *v1alpha1.DataImage) bool {
			return di.Status.Error.Count > 0
		})
		if msg := di.Status.Error.Message; !strings.Contains(msg, "no free virtual CD/DVD drive") || !strings.Contains(msg, live) {
			t.Errorf("error %q: want it to name the live ISO in the drive", msg)
		}
		if sys.PowerState() != simredfish.PowerOff || sys.InsertedImage() != live {
			t.Fatalf("after the failure: power %s, CD %q; want off with the live ISO kept", sys.PowerState(), sys.InsertedImage())
		}
		h, err := hosts.Get(ctx, "live", metav1.GetOptions{})
		if err != nil || h.Status.ErrorType != "" || h.Status.PoweredOn {
			t.Fatalf("host %v: error %q, poweredOn %v; want off with its own status clean", err, h.Status.ErrorType, h.Status.PoweredOn)
		}

		boots := len(sys.Boots())
		if err := images.Delete(ctx, "live", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, cs, "live", 30*time.Second)
		waitSim(t, "the host booted again", 30*time.Second, func() bool {
			return len(sys.Boots()) > boots && sys.PowerState() == simredfish.PowerOn
		})
		if b := lastBoot(sys); b.Source != "Cd" || b.Image != live {
			t.Errorf("boot %+v: want the live ISO booted again", b)
		}
	})
}

// waitDataImage polls a DataImage until cond holds, bounded by timeout.
func waitDataImage(t *testing.T, cs clientset.Interface, name, what string, timeout time.Duration, cond func(*v1alpha1.DataImage) bool) *v1alpha1.DataImage {
	t.Helper()
	var last *v1alpha1.DataImage
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		di, err := cs.BaremetalV1alpha1().DataImages(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = di
		return cond(di), nil
	})
	if err != nil {
		t.Fatalf("DataImage %s: not %s within %s (last %+v)", name, what, timeout, last)
	}
	return last
}

// waitGone polls until the DataImage is gone.
func waitGone(t *testing.T, cs clientset.Interface, name string, timeout time.Duration) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := cs.BaremetalV1alpha1().DataImages(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("DataImage %s not gone within %s", name, timeout)
	}
}
