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

package e2e

import (
	"strings"
	"testing"
	"time"
)

// metal3CRD is the smallest CustomResourceDefinition of Metal3's group: what a cluster running
// Metal3 has (with a real schema), enough for kube-apiserver to serve the group from it.
const metal3CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: baremetalhosts.metal3.io
spec:
  group: metal3.io
  scope: Namespaced
  names: {plural: baremetalhosts, singular: baremetalhost, kind: BareMetalHost, listKind: BareMetalHostList, shortNames: [bmh]}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

// TestMetal3IO: the overlay artifacts/deploy/overlays/metal3-io behind a real kube-apiserver.
// Metal3's group is served by the server through its own APIService, with its own roles; the
// objects are those of baremetal.metal3.io. With Metal3's CRDs in the cluster the server
// refuses to serve the group, and says why.
func TestMetal3IO(t *testing.T) {
	requireKubeAPIServer(t)
	c := startClusterFrom(t, "artifacts/deploy/overlays/metal3-io", "--serve-metal3-io")
	if len(c.APIServices) != 2 {
		t.Fatalf("the overlay registers %v, want both groups", c.APIServices)
	}
	// Roles for Metal3's group, rendered by the component from the base's.
	for user, role := range map[string]string{"m3editor": "baremetal-edit-metal3-io", "m3viewer": "baremetal-view-metal3-io"} {
		c.admin.Run(t, "create", "rolebinding", user, "-n", testNamespace, "--clusterrole="+role, "--user="+user)
	}
	c.WaitCan(t, testNamespace, "patch", "baremetalhosts.metal3.io", "m3editor")
	c.WaitCan(t, testNamespace, "get", "baremetalhosts.metal3.io", "m3viewer")

	t.Run("a Metal3 manifest applies unchanged, and is the same host in both groups", func(t *testing.T) {
		manifest := strings.Replace(hostManifest("m3-0", testNamespace, "from Metal3", false),
			"apiVersion: baremetal.metal3.io/v1alpha1", "apiVersion: metal3.io/v1alpha1", 1)
		if !strings.Contains(manifest, "apiVersion: metal3.io/v1alpha1") {
			t.Fatalf("manifest not in Metal3's group:\n%s", manifest)
		}
		c.admin.RunStdin(t, manifest, "apply", "--server-side", "-f", "-")
		a := c.admin.Run(t, "get", "baremetalhosts.baremetal.metal3.io", "m3-0", "-n", testNamespace, "-o", "jsonpath={.metadata.uid} {.metadata.resourceVersion}")
		b := c.admin.Run(t, "get", "baremetalhosts.metal3.io", "m3-0", "-n", testNamespace, "-o", "jsonpath={.metadata.uid} {.metadata.resourceVersion}")
		if a != b || a == "" {
			t.Errorf("uid and resourceVersion through baremetal.metal3.io %q, through metal3.io %q", a, b)
		}
		out := c.admin.Run(t, "get", "bmh.metal3.io", "-n", testNamespace)
		if !strings.Contains(header(out), "STATE") || !strings.Contains(out, "m3-0") {
			t.Errorf("kubectl get bmh.metal3.io: no table from the server:\n%s", out)
		}
		explain := c.admin.Run(t, "explain", "baremetalhosts.spec.consumerRef", "--api-version=metal3.io/v1alpha1")
		if !strings.Contains(explain, "GROUP:      metal3.io") {
			t.Errorf("kubectl explain through metal3.io:\n%s", explain)
		}
	})

	t.Run("RBAC is per group", func(t *testing.T) {
		m3editor := c.KubectlAs(t, "m3editor")
		m3editor.Run(t, "label", "baremetalhosts.metal3.io", "m3-0", "-n", testNamespace, "cluster=c1")
		expectForbidden(t, m3editor, "m3editor", "", "label", "baremetalhosts.baremetal.metal3.io", "m3-0", "-n", testNamespace, "other=x")
		m3viewer := c.KubectlAs(t, "m3viewer")
		if out := m3viewer.Run(t, "get", "baremetalhosts.metal3.io", "-n", testNamespace, "-l", "cluster in (c1)", "-o", "name"); strings.TrimSpace(out) != "baremetalhost.metal3.io/m3-0" {
			t.Errorf("viewer list by set-based selector through metal3.io: %q", out)
		}
		expectForbidden(t, m3viewer, "m3viewer", "", "get", "baremetalhosts.baremetal.metal3.io", "-n", testNamespace)
		// A subresource is authorized by its own name in its own group.
		expectForbidden(t, m3viewer, "m3viewer", "", "patch", "baremetalhosts.metal3.io", "m3-0", "-n", testNamespace,
			"--subresource=power", "--type=merge", "-p", `{"spec":{"state":"On"}}`)
	})

	t.Run("refused while Metal3's CRDs are installed, served again once they are gone", func(t *testing.T) {
		c.admin.RunStdin(t, metal3CRD, "apply", "-f", "-")
		if err := c.Server.Stop(30 * time.Second); err != nil {
			t.Fatal(err)
		}
		if err := c.Server.Start(); err != nil {
			t.Fatal(err)
		}
		err := c.Server.WaitExit(90 * time.Second)
		out := c.Server.Output()
		if err == nil || !strings.Contains(out, "refusing to serve metal3.io/v1alpha1") || !strings.Contains(out, "baremetalhosts.metal3.io") {
			t.Fatalf("server with --serve-metal3-io beside Metal3's CRDs: exit %v, output:\n%s", err, tail(out, 4000))
		}
		c.admin.Run(t, "delete", "customresourcedefinition", "baremetalhosts.metal3.io", "--wait=true")
		if err := c.Server.Start(); err != nil {
			t.Fatal(err)
		}
		if err := c.Server.WaitReady(90 * time.Second); err != nil {
			t.Fatalf("%v\n%s", err, tail(c.Server.Output(), 4000))
		}
		c.WaitAvailable(t)
		if got := c.admin.Run(t, "get", "baremetalhosts.metal3.io", "m3-0", "-n", testNamespace, "-o", "jsonpath={.metadata.labels.cluster}"); got != "c1" {
			t.Errorf("host through metal3.io after the restart: label cluster=%q", got)
		}
	})
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
