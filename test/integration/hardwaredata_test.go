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
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// hardwareDataManifest is a HardwareData as Metal3 stores one, with only its apiVersion
// changed.
const hardwareDataManifest = `apiVersion: baremetal.metal3.io/v1alpha1
kind: HardwareData
metadata:
  name: %s
  namespace: default
spec:
  hardware:
    cpu:
      arch: x86_64
      clockMegahertz: 2400
      count: 16
      model: Intel(R) Xeon(R)
    firmware:
      bios:
        vendor: Dell Inc.
        version: 2.12.2
    hostname: worker-0
    nics:
    - mac: %s
      name: eno1
      pxe: true
      speedGbps: 25
      vlanId: 0
      vlans:
      - id: 100
        name: prov
    ramMebibytes: 131072
    storage:
    - name: /dev/disk/by-path/pci-0000:18:00.0-scsi-0:2:0:0
      alternateNames: [/dev/sda]
      sizeBytes: 479559942144
      type: SSD
    systemVendor:
      manufacturer: Dell Inc.
      productName: PowerEdge R640
`

// testHardwareData drives HardwareData through kubectl and the clientset on a server without
// a reconciler: discovery, table, category, explain, a 422 naming the field, and a Metal3
// manifest stored as it is.
func testHardwareData(t *testing.T, srv *framework.Server, cs clientset.Interface) {
	run := func(args ...string) string {
		t.Helper()
		out, err := srv.Kubectl(t, kubectlBin, args...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	manifest := func(name, mac string) string {
		p := filepath.Join(t.TempDir(), name+".yaml")
		if err := os.WriteFile(p, []byte(fmt.Sprintf(hardwareDataManifest, name, mac)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run("create", "-f", manifest("hd-worker-0", "b4:96:91:00:00:01"))

	out := run("get", "hd")
	if got := strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " "); got != "NAME AGE" {
		t.Errorf("kubectl get hd header = %q\n%s", got, out)
	}
	if !strings.Contains(out, "hd-worker-0") {
		t.Errorf("kubectl get hd lacks hd-worker-0:\n%s", out)
	}
	if out = run("get", "baremetal"); !strings.Contains(out, "hardwaredata.baremetal.metal3.io/hd-worker-0") {
		t.Errorf("kubectl get baremetal (the category) lacks the HardwareData:\n%s", out)
	}
	out = run("api-resources", "--api-group", "baremetal.metal3.io")
	if !regexp.MustCompile(`(?m)^hardwaredata\s+hd\s+baremetal.metal3.io/v1alpha1\s+true\s+HardwareData\s*$`).MatchString(out) {
		t.Errorf("kubectl api-resources has no row for hardwaredata (hd):\n%s", out)
	}
	if out = run("explain", "hardwaredata.spec.hardware.nics"); !strings.Contains(out, "mac") || !strings.Contains(out, "vlanId") {
		t.Errorf("kubectl explain hardwaredata.spec.hardware.nics:\n%s", out)
	}

	// Through the clientset (protobuf), every field as the manifest has it.
	got, err := cs.BaremetalV1alpha1().HardwareData(ns).Get(ctxFor(t), "hd-worker-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hw := got.Spec.Hardware
	if hw == nil || hw.CPU.Count != 16 || hw.CPU.ClockMegahertz != 2400 || hw.RAMMebibytes != 131072 || len(hw.NICs) != 1 ||
		hw.NICs[0].VLANs[0].ID != 100 || len(hw.Storage) != 1 || hw.Storage[0].Type != v1alpha1.DiskTypeSSD ||
		hw.Storage[0].AlternateNames[0] != "/dev/sda" || hw.SystemVendor.ProductName != "PowerEdge R640" || got.Generation != 1 {
		t.Errorf("stored HardwareData: %+v", got)
	}

	// The CRD's rules: a 422 that names the field.
	out, err = srv.Kubectl(t, kubectlBin, "create", "-f", manifest("hd-bad", "b4-96-91-00-00-01"))
	if err == nil || !strings.Contains(out, "spec.hardware.nics[0].mac") {
		t.Errorf("kubectl create with a dashed MAC: err=%v\n%s", err, out)
	}
	out, err = srv.Kubectl(t, kubectlBin, "patch", "hd", "hd-worker-0", "--type=json", "-p", `[{"op":"replace","path":"/spec/hardware/storage/0/type","value":"tape"}]`)
	if err == nil || !strings.Contains(out, "spec.hardware.storage[0].type") {
		t.Errorf("kubectl patch with an unknown disk type: err=%v\n%s", err, out)
	}
	run("delete", "hd", "hd-worker-0")
}

// TestRecreatedHostReadsHardwareDataOnIronic moves a host the way Metal3's pivot does, without
// its status: the host is inspected and provisioned on a real Ironic (its HardwareData written,
// owned by it), detached, and deleted, which deletes its HardwareData too, as in Metal3; the
// HardwareData is created again from a copy (as clusterctl move copies it), and so is the host,
// without the status annotation. The new host takes its inventory from the HardwareData and
// adopts it, and Ironic's own log shows the new node was never inspected.
func TestRecreatedHostReadsHardwareDataOnIronic(t *testing.T) {
	srv, cs, ironic, provisioned := provisionedOnIronic(t, 47)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	hds := cs.BaremetalV1alpha1().HardwareData(ns)
	ctx := ctxFor(t)
	name := provisioned.Name

	saved, err := hds.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("no HardwareData after inspection: %v", err)
	}
	if ref := metav1.GetControllerOf(saved); ref == nil || ref.UID != provisioned.UID || ref.Kind != "BareMetalHost" ||
		!strings.Contains(strings.Join(saved.Finalizers, ","), v1alpha1.HardwareDataFinalizer) {
		t.Errorf("HardwareData owners %+v, finalizers %v; want the host %s as controller and %s",
			saved.OwnerReferences, saved.Finalizers, provisioned.UID, v1alpha1.HardwareDataFinalizer)
	}
	if saved.Spec.Hardware == nil || !apiequality.Semantic.DeepEqual(saved.Spec.Hardware, provisioned.Status.Hardware) {
		t.Fatalf("HardwareData holds %+v, the host's status.hardware is %+v", saved.Spec.Hardware, provisioned.Status.Hardware)
	}

	// Detached, then deleted: Ironic forgets the node, and the HardwareData goes with the host.
	if _, err := hosts.Patch(ctx, name, types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"baremetalhost.metal3.io/detached":""}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, cs, "detached", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached
	})
	if err := hosts.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	gone := func(get func(context.Context) error) bool {
		return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			return apierrors.IsNotFound(get(ctx)), nil
		}) == nil
	}
	if !gone(func(ctx context.Context) error { _, err := hosts.Get(ctx, name, metav1.GetOptions{}); return err }) {
		t.Fatal("the detached host was not deleted")
	}
	if _, err := hds.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the deleted host's HardwareData: %v, want it deleted with the host", err)
	}

	// Copied back, owner reference and all (naming the host that is gone), then the host.
	copied := saved.DeepCopy()
	copied.ResourceVersion, copied.UID, copied.CreationTimestamp, copied.ManagedFields = "", "", metav1.Time{}, nil
	// Marked, so that an inventory read from it cannot be mistaken for a new inspection's.
	copied.Spec.Hardware.Hostname = "restored-from-hardwaredata"
	if _, err := hds.Create(ctx, copied, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	again := fakeHost(47)
	mark := len(srv.Output())
	created, err := hosts.Create(ctx, again, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := waitAll(t, cs, "available again", 2*time.Minute, inState(v1alpha1.StateAvailable))[0]
	if !apiequality.Semantic.DeepEqual(got.Status.Hardware, copied.Spec.Hardware) {
		t.Errorf("the re-created host's inventory %+v, want its HardwareData's %+v", got.Status.Hardware, copied.Spec.Hardware)
	}
	var adopted *v1alpha1.HardwareData
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if adopted, err = hds.Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, nil
		}
		ref := metav1.GetControllerOfNoCopy(adopted)
		return ref != nil && ref.UID == created.UID, nil
	}); err != nil {
		t.Errorf("the HardwareData was not adopted by the re-created host: %+v", adopted)
	}
	node := ironicNodes(t, ironic.Endpoint)[ns+"~"+name]
	if node.UUID == "" || node.UUID == provisioned.Status.Provisioning.ID {
		t.Fatalf("Ironic node after re-creation: %+v, want a new one", node)
	}
	counts := countIronic(t, ironic)
	if n := counts.states[node.UUID]["inspecting"]; n != 0 {
		t.Errorf("Ironic inspected the re-created host's node %d times (transitions %v)", n, counts.states[node.UUID])
	}
	if counts.states[node.UUID]["manageable"] == 0 {
		t.Errorf("Ironic's log does not show the new node at all (transitions %v): the counts prove nothing", counts.states[node.UUID])
	}
	if n := counts.states[provisioned.Status.Provisioning.ID]["inspecting"]; n != 1 {
		t.Errorf("the first node was inspected %d times, want 1", n)
	}
	log := srv.Output()[mark:]
	if regexp.MustCompile(fmt.Sprintf(`host="%s/%s" from="[a-z ]*" to="inspecting"`, ns, name)).MatchString(log) {
		t.Error("the re-created host went through inspecting")
	}

	// And deleted once more, the adopted HardwareData goes with it.
	if err := hosts.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !gone(func(ctx context.Context) error { _, err := hds.Get(ctx, name, metav1.GetOptions{}); return err }) {
		t.Error("the adopted HardwareData outlived its host")
	}
}
