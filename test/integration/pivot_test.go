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
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestPivotBetweenServersOnIronic moves a provisioned host from one server to another on the
// same Ironic with `kubectl baremetal migrate --source-group baremetal.metal3.io`: the pivot
// between management clusters that clusterctl move cannot do for an aggregated API. The host
// is paused in the old server and provisioned in the new one on the same node, and Ironic's
// own log shows nothing done to the node since: no provision-state change, no power action.
func TestPivotBetweenServersOnIronic(t *testing.T) {
	plugin := filepath.Join(buildPlugin(t), "kubectl-baremetal")
	old, oldCS, ironic, provisioned := provisionedOnIronic(t, 41)
	node := ironicNodes(t, ironic.Endpoint)[ns+"~"+provisioned.Name]
	before := countIronic(t, ironic)

	// The new management cluster's server, on the same Ironic, with the host's credentials.
	newSrv := framework.StartStandalone(t, serverBin, t.TempDir(),
		"--provisioner=ironic", "--ironic-endpoint="+ironic.Endpoint, "--ironic-poll-interval=200ms",
		"--allow-test-bmc-schemes", "--power-poll-interval=2s", "--error-backoff-base=200ms", "--error-backoff-cap=2s")
	writeCredentials(t, newSrv, provisioned.Spec.BMC.CredentialsName, "admin", "password")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, plugin, "migrate", provisioned.Name, "-n", ns, "--kubeconfig", newSrv.Kubeconfig,
		"--source-kubeconfig", old.Kubeconfig, "--source-group", v1alpha1.GroupName, "--apply", "--timeout=90s").CombinedOutput()
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for _, want := range []string{
		provisioned.Name + ": provisioned: paused in the source server, created HardwareData, created HostFirmwareSettings, created BareMetalHost with its status",
		provisioned.Name + ": restored here: provisioned",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	moved := waitAll(t, newSrv.Clientset(t), "provisioned in the new server", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})[0]
	if moved.Status.Provisioning.ID != node.UUID || moved.Status.Hardware == nil ||
		!moved.Status.OperationHistory.Provision.End.Equal(&provisioned.Status.OperationHistory.Provision.End) {
		t.Errorf("moved host: ID %s (node %s), inventory %v, provisioned at %v (was %v)", moved.Status.Provisioning.ID, node.UUID,
			moved.Status.Hardware != nil, moved.Status.OperationHistory.Provision.End, provisioned.Status.OperationHistory.Provision.End)
	}
	if now := ironicNodes(t, ironic.Endpoint)[ns+"~"+provisioned.Name]; now.UUID != node.UUID || now.ProvisionState != "active" {
		t.Errorf("Ironic node after the pivot: %+v, was %+v", now, node)
	}
	after := countIronic(t, ironic)
	for state, n := range after.states[node.UUID] {
		if n != before.states[node.UUID][state] {
			t.Errorf("Ironic took the node through %q %d more times after the pivot started", state, n-before.states[node.UUID][state])
		}
	}
	if d := after.power[node.UUID] - before.power[node.UUID]; d != 0 {
		t.Errorf("Ironic changed the node's power %d times after the pivot started", d)
	}
	if before.states[node.UUID]["deploying"] != 1 {
		t.Errorf("Ironic's log does not show the node's one deploy (%v): the counts prove nothing", before.states[node.UUID])
	}
	// The copies belong to the new host (the reconciler or the command made it their owner).
	newCS := newSrv.Clientset(t)
	hd, err := newCS.BaremetalV1alpha1().HardwareData(ns).Get(ctx, moved.Name, metav1.GetOptions{})
	if err != nil || !metav1.IsControlledBy(hd, &moved) {
		t.Errorf("HardwareData in the new server: %v, owners %v, want the moved host as controller", err, hd.OwnerReferences)
	}
	hfs, err := newCS.BaremetalV1alpha1().HostFirmwareSettings(ns).Get(ctx, moved.Name, metav1.GetOptions{})
	if err != nil || !metav1.IsControlledBy(hfs, &moved) {
		t.Errorf("HostFirmwareSettings in the new server: %v, owners %v, want the moved host as controller", err, hfs.OwnerReferences)
	}
	src, err := oldCS.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, provisioned.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := src.Annotations[v1alpha1.PausedAnnotation]; !ok || v != "baremetal.metal3.io/migrate" {
		t.Errorf("the old server's host: paused annotation %q (%v)", v, ok)
	}
}
