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
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// provisionedOnIronic starts a server on a real Ironic and provisions fake-hardware host i on
// it; it returns the server, its client, the Ironic and the host as provisioned (and on).
func provisionedOnIronic(t *testing.T, i int) (*framework.Server, clientset.Interface, *framework.Ironic, *v1alpha1.BareMetalHost) {
	t.Helper()
	srv, cs, ironic := lifecycleServer(t)
	images := imageServer(t)
	h := fakeHost(i)
	h.Spec.Image = &v1alpha1.Image{URL: images + "/os.qcow2", Checksum: "0123456789abcdef0123456789abcdef", ChecksumType: "md5"}
	writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "password")
	if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctxFor(t), h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	provisioned := waitAll(t, cs, "provisioned and on", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})[0]
	return srv, cs, ironic, &provisioned
}

// TestRecreatedHostIsAdoptedOnIronic moves a provisioned host the way Metal3 pivots one: the
// host is detached (Ironic forgets its node, the machine is untouched), deleted, and created
// again with its status in baremetalhost.metal3.io/status. On a real Ironic the new host must
// be registered again and adopted, its node going manageable -> adopting -> active: never
// inspected, prepared (cleaned), provisioned (deployed) or powered off.
func TestRecreatedHostIsAdoptedOnIronic(t *testing.T) {
	srv, cs, ironic, provisioned := provisionedOnIronic(t, 40)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	orig := fakeHost(40)
	orig.Spec.Image = provisioned.Spec.Image
	oldNode := ironicNodes(t, ironic.Endpoint)[ns+"~"+orig.Name]

	// Detach, then delete: only the Ironic record goes.
	if _, err := hosts.Patch(ctx, orig.Name, types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"baremetalhost.metal3.io/detached":""}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	detached := waitAll(t, cs, "detached", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached
	})[0]
	if err := hosts.Delete(ctx, orig.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		_, err := hosts.Get(ctx, orig.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatal("the detached host was not deleted")
	}
	if _, still := ironicNodes(t, ironic.Endpoint)[ns+"~"+orig.Name]; still {
		t.Fatal("Ironic still has the node of the detached host")
	}

	// Created again, as clusterctl move or a pivot does: same spec, the status in the annotation.
	status := detached.Status.DeepCopy()
	status.OperationalStatus = v1alpha1.OperationalStatusOK
	raw, err := json.Marshal(status)
	if err != nil {
		t.Fatal(err)
	}
	again := orig.DeepCopy()
	again.Annotations = map[string]string{v1alpha1.StatusAnnotation: string(raw)}
	mark := len(srv.Output())
	if _, err := hosts.Create(ctx, again, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitAll(t, cs, "provisioned again, adopted, annotation consumed", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		_, pending := h.Annotations[v1alpha1.StatusAnnotation]
		return !pending && h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn &&
			h.Status.GoodCredentials.Credentials != nil && h.Status.ErrorMessage == ""
	})[0]
	var node ironicNode
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		node = ironicNodes(t, ironic.Endpoint)[ns+"~"+orig.Name]
		return node.ProvisionState == "active", nil
	})
	if node.ProvisionState != "active" || node.UUID == oldNode.UUID {
		t.Errorf("Ironic node after re-creation: %+v (old one %s), want a new, active node", node, oldNode.UUID)
	}
	// What Ironic itself did to the new node, from its own log: adopted, nothing else.
	counts := countIronic(t, ironic)
	for _, step := range []string{"inspecting", "cleaning", "deploying"} {
		if n := counts.states[node.UUID][step]; n != 0 {
			t.Errorf("Ironic took the re-created host's node through %s %d times", step, n)
		}
	}
	if n := counts.power[node.UUID]; n != 0 {
		t.Errorf("Ironic changed the re-created host's power %d times", n)
	}
	if counts.states[node.UUID]["adopting"] != 1 {
		t.Errorf("Ironic's log does not show the adoption (transitions %v): the counts prove nothing", counts.states[node.UUID])
	}
	if got.Status.Provisioning.Image.URL != provisioned.Status.Provisioning.Image.URL ||
		!got.Status.OperationHistory.Provision.End.Equal(&provisioned.Status.OperationHistory.Provision.End) {
		t.Errorf("provisioning record changed: %+v -> %+v", provisioned.Status.Provisioning, got.Status.Provisioning)
	}
	// What the server did to the re-created host, from its log.
	log := srv.Output()[mark:]
	for _, state := range []string{"inspecting", "preparing", "provisioning", "deprovisioning", "available"} {
		re := regexp.MustCompile(fmt.Sprintf(`host="%s/%s" from="[a-z ]*" to="%s"`, ns, orig.Name, state))
		if re.MatchString(log) {
			t.Errorf("the re-created host went through %s", state)
		}
	}
	if strings.Contains(log, `reason="PoweredOff"`) && strings.Contains(log, orig.Name) {
		t.Errorf("the re-created host was powered off")
	}
}

// TestLostIronicNodeIsAdoptedAgain: Ironic loses a provisioned host's node (its database was
// reset, a sqlite Ironic restarted). The server registers the host again and adopts it: the new
// node goes active without a deploy, and the host stays provisioned throughout.
func TestLostIronicNodeIsAdoptedAgain(t *testing.T) {
	srv, cs, ironic, h := provisionedOnIronic(t, 41)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	lost := ironicNodes(t, ironic.Endpoint)[ns+"~"+h.Name]

	// Ironic forgets the node: maintenance (Ironic refuses to delete an active node otherwise),
	// then delete, straight through its API.
	view := ironicView{endpoint: strings.TrimSuffix(ironic.Endpoint, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	req, _ := http.NewRequest(http.MethodPut, view.endpoint+"/v1/nodes/"+lost.UUID+"/maintenance", strings.NewReader(`{"reason":"test: lose the node"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := view.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	view.delete(t, lost.UUID)
	mark := len(srv.Output())

	var node ironicNode
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		node = ironicNodes(t, ironic.Endpoint)[ns+"~"+h.Name]
		return node.UUID != "" && node.UUID != lost.UUID && node.ProvisionState == "active", nil
	}); err != nil {
		t.Fatalf("no new active node for the host after Ironic lost it: %+v", node)
	}
	got, err := hosts.Get(ctx, h.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Provisioning.State != v1alpha1.StateProvisioned || got.Status.Provisioning.ID != node.UUID {
		t.Errorf("host after the new node: state %s, ID %s (node %s)", got.Status.Provisioning.State, got.Status.Provisioning.ID, node.UUID)
	}
	log := srv.Output()[mark:]
	for _, state := range []string{"registering", "inspecting", "preparing", "provisioning", "deprovisioning", "available"} {
		if regexp.MustCompile(fmt.Sprintf(`host="%s/%s" from="[a-z ]*" to="%s"`, ns, h.Name, state)).MatchString(log) {
			t.Errorf("the host went through %s after Ironic lost its node", state)
		}
	}
	// Ironic's own account of the new node: adopted; never inspected, cleaned, deployed or
	// power-cycled.
	counts := countIronic(t, ironic)
	for _, step := range []string{"inspecting", "cleaning", "deploying"} {
		if n := counts.states[node.UUID][step]; n != 0 {
			t.Errorf("Ironic took the new node through %s %d times", step, n)
		}
	}
	if n := counts.power[node.UUID]; n != 0 {
		t.Errorf("Ironic changed the new node's power %d times", n)
	}
	if counts.states[node.UUID]["adopting"] != 1 {
		t.Errorf("Ironic's log does not show the adoption (transitions %v)", counts.states[node.UUID])
	}
}

// TestDeleteDeprovisionsFirstOnIronic: deleting a provisioned host on a real Ironic goes
// provisioned -> deprovisioning (Ironic undeploys and cleans, automatedCleaningMode metadata)
// -> powering off before delete -> deleting, and the node is gone.
func TestDeleteDeprovisionsFirstOnIronic(t *testing.T) {
	srv, cs, ironic, h := provisionedOnIronic(t, 42)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	mark := len(srv.Output())
	if err := hosts.Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := hosts.Get(ctx, h.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatal("the host was not deleted")
	}
	if _, still := ironicNodes(t, ironic.Endpoint)[ns+"~"+h.Name]; still {
		t.Error("Ironic still has the node of the deleted host")
	}
	log := srv.Output()[mark:]
	last := -1
	for _, state := range []string{"deprovisioning", "powering off before delete", "deleting"} {
		loc := regexp.MustCompile(fmt.Sprintf(`host="%s/%s" from="[a-z ]*" to="%s"`, ns, h.Name, state)).FindStringIndex(log)
		if loc == nil || loc[0] < last {
			t.Fatalf("deleting did not go through %s in order; state changes:\n%s", state,
				strings.Join(regexp.MustCompile(`.*"State change".*`+h.Name+`.*`).FindAllString(log, -1), "\n"))
		}
		last = loc[0]
	}
}

// TestExternallyProvisionedTurnedOffOnIronic: a host provisioned by someone else is adopted
// (its node active); turning externallyProvisioned off with an image keeps it provisioned with
// the node still active (no deploy), and without one deprovisions it: the node is cleaned and
// available, the host available.
func TestExternallyProvisionedTurnedOffOnIronic(t *testing.T) {
	srv, cs, ironic := lifecycleServer(t)
	images := imageServer(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	for _, i := range []int{43, 44} {
		h := fakeHost(i)
		h.Spec.ExternallyProvisioned = true
		writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "password")
		if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, cs, "externally provisioned", 2*time.Minute, inState(v1alpha1.StateExternallyProvisioned))
	nodeState := func(name, want string) {
		t.Helper()
		var node ironicNode
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
			node = ironicNodes(t, ironic.Endpoint)[ns+"~"+name]
			return node.ProvisionState == want, nil
		}); err != nil {
			t.Fatalf("node of %s: %+v, want %s", name, node, want)
		}
	}
	keep, release := fakeHost(43).Name, fakeHost(44).Name
	nodeState(keep, "active")
	nodeState(release, "active")

	patch := fmt.Sprintf(`{"spec":{"externallyProvisioned":false,"image":{"url":%q,"checksum":"0123456789abcdef0123456789abcdef","checksumType":"md5"}}}`, images+"/os.qcow2")
	if _, err := hosts.Patch(ctx, keep, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := hosts.Patch(ctx, release, types.MergePatchType, []byte(`{"spec":{"externallyProvisioned":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, cs, "provisioned (kept) or available (released)", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		if h.Name == keep {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned
		}
		return h.Status.Provisioning.State == v1alpha1.StateAvailable
	})
	nodeState(keep, "active")
	nodeState(release, "available")
	log := srv.Output()
	if regexp.MustCompile(fmt.Sprintf(`host="%s/%s" from="[a-z ]*" to="(provisioning|preparing|deprovisioning)"`, ns, keep)).MatchString(log) {
		t.Errorf("the kept host was deployed, prepared or deprovisioned")
	}
}

// TestRootDeviceDefaultOnIronic: without rootDeviceHints a host prepared on a real Ironic gets
// Metal3's default root device (/dev/sda; /dev/vda for libvirt) in
// status.provisioning.rootDeviceHints, with the hardware profile in status, and deploys with it
// (Ironic's instance_info.root_device).
func TestRootDeviceDefaultOnIronic(t *testing.T) {
	_, _, ironic, got := provisionedOnIronic(t, 45)
	if hints := got.Status.Provisioning.RootDeviceHints; hints == nil || hints.DeviceName != "/dev/sda" || got.Status.HardwareProfile != "unknown" {
		t.Errorf("status: root device hints %+v, hardware profile %q; want /dev/sda, unknown", hints, got.Status.HardwareProfile)
	}
	view := ironicView{endpoint: strings.TrimSuffix(ironic.Endpoint, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	info, _ := view.node(t, got.Status.Provisioning.ID)["instance_info"].(map[string]any)
	// Hints are sent with Metal3's operators: "s== " is string equality.
	if rd, _ := info["root_device"].(map[string]any); rd["name"] != "s== /dev/sda" {
		t.Errorf("Ironic node instance_info.root_device = %v, want name s== /dev/sda", info["root_device"])
	}
}

// TestDetachedDeleteDelayOnIronic: Metal3's detached annotation with deleteAction "delay" on a
// real Ironic. Detached, the host's node is gone from Ironic and the machine untouched; deleted,
// the host stays (the reconciler counts the delay); the annotation removed, the host is attached
// again, registered, deprovisioned (Ironic cleans the new node) and only then let go.
func TestDetachedDeleteDelayOnIronic(t *testing.T) {
	srv, cs, ironic, h := provisionedOnIronic(t, 43)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)
	if _, err := hosts.Patch(ctx, h.Name, types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"baremetalhost.metal3.io/detached":"{\"deleteAction\":\"delay\"}"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, cs, "detached", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached
	})
	if _, still := ironicNodes(t, ironic.Endpoint)[ns+"~"+h.Name]; still {
		t.Fatal("Ironic still has the detached host's node")
	}
	if err := hosts.Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The reconciler saw the deletion and delayed it: Metal3's counter says so.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		m, err := srv.Kubectl(t, kubectlBin, "get", "--raw", "/metrics")
		return err == nil && regexp.MustCompile(`(?m)^metal3_delete_delayed_for_detached_total [1-9]`).MatchString(m), nil
	}); err != nil {
		t.Fatal("the deletion of the detached host was never delayed")
	}
	got, err := hosts.Get(ctx, h.Name, metav1.GetOptions{})
	if err != nil || got.DeletionTimestamp == nil || got.Status.Provisioning.State != v1alpha1.StateProvisioned {
		t.Fatalf("the delayed host: %v, %+v", err, got)
	}
	// Attached again: registered, deprovisioned, deleted.
	if _, err := hosts.Patch(ctx, h.Name, types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"baremetalhost.metal3.io/detached":null}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	var node ironicNode
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		if n, ok := ironicNodes(t, ironic.Endpoint)[ns+"~"+h.Name]; ok {
			node = n
		}
		_, err := hosts.Get(ctx, h.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatal("the host was not deleted once attached again")
	}
	if node.UUID == "" {
		t.Fatal("the host was never registered again")
	}
	if n := countIronic(t, ironic).states[node.UUID]["cleaning"]; n == 0 {
		t.Errorf("the attached host's node was deleted without cleaning (transitions %v)", countIronic(t, ironic).states[node.UUID])
	}
}
