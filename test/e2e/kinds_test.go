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
	"encoding/json"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// metal3Kind is one of Metal3's kinds served without behaviour of its own yet, as a user sees
// it through kube-apiserver.
type metal3Kind struct {
	resource, kind, singular string
	shortNames               []string
	// status: the kind has a status subresource (as its Metal3 CRD has).
	status bool
	// manifest is a valid Metal3 manifest (apiVersion changed) of an object named k-table.
	manifest string
	// header is the header of kubectl get; wideHeader that of kubectl get -o wide.
	header, wideHeader string
	// explain is a field for kubectl explain and a word its description must hold.
	explain, explainWord string
	// invalidPatch is a merge patch of k-table that must be refused, and want the message of
	// the 422 (field path and reason) that must reach the user through the aggregator.
	invalidPatch, want string
	// adminWrites: only baremetal-admin writes the kind (baremetal-edit reads it).
	adminWrites bool
}

var metal3Kinds = []metal3Kind{
	{
		resource: "hostupdatepolicies", kind: "HostUpdatePolicy", singular: "hostupdatepolicy",
		manifest: `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostUpdatePolicy
metadata:
  name: k-table
spec:
  firmwareSettings: onReboot
  firmwareUpdates: onReboot
`,
		header: "NAME AGE", wideHeader: "NAME AGE FIRMWARESETTINGS FIRMWAREUPDATES",
		explain: "hostupdatepolicy.spec.firmwareUpdates", explainWord: "HostFirmwareComponents",
		invalidPatch: `{"spec":{"firmwareSettings":"always"}}`,
		want:         `spec.firmwareSettings: Unsupported value: "always": supported values: "onPreparing", "onReboot"`,
	},
	{
		resource: "dataimages", kind: "DataImage", singular: "dataimage", status: true,
		manifest: `apiVersion: baremetal.metal3.io/v1alpha1
kind: DataImage
metadata:
  name: k-table
spec:
  url: http://images.example.com/config.iso
`,
		header: "NAME AGE", wideHeader: "NAME AGE URL ATTACHED ERRORS",
		explain: "dataimage.spec.url", explainWord: "BareMetalHost",
		invalidPatch: `{"spec":{"url":"file:///config.iso"}}`,
		want:         `spec.url: Invalid value: "file:///config.iso": scheme "file" is not supported`,
	},
	{
		resource: "bmceventsubscriptions", kind: "BMCEventSubscription", singular: "bmceventsubscription",
		shortNames: []string{"bes", "bmcevent"}, status: true,
		manifest: `apiVersion: baremetal.metal3.io/v1alpha1
kind: BMCEventSubscription
metadata:
  name: k-table
spec:
  hostName: worker-0
  destination: https://events.example.com/bmc
  context: rack 4
  httpHeadersRef:
    name: event-headers
    namespace: ` + testNamespace + `
`,
		header: "NAME ERROR AGE", wideHeader: "NAME ERROR AGE HOST DESTINATION SUBSCRIPTIONID",
		explain: "bmceventsubscription.spec.destination", explainWord: "webhook URL",
		// Metal3's webhook refuses any change of a subscription.
		invalidPatch: `{"spec":{"destination":"https://elsewhere.example.com/"}}`,
		want:         `spec.destination: Invalid value: "https://elsewhere.example.com/": field is immutable`,
	},
	{
		resource: "preprovisioningimages", kind: "PreprovisioningImage", singular: "preprovisioningimage",
		shortNames: []string{"ppimg"}, status: true,
		manifest: `apiVersion: baremetal.metal3.io/v1alpha1
kind: PreprovisioningImage
metadata:
  name: k-table
spec:
  architecture: x86_64
  acceptFormats: [iso, initrd]
  networkDataName: worker-0-network-data
`,
		// Metal3's printer columns, which have no Age.
		header: "NAME READY REASON", wideHeader: "NAME READY REASON ACCEPT FORMAT URL AGE",
		explain: "preprovisioningimage.spec.acceptFormats", explainWord: "image formats",
		invalidPatch: `{"spec":{"acceptFormats":["iso","pxe"]}}`,
		want:         `spec.acceptFormats[1]: Unsupported value: "pxe": supported values: "iso", "initrd"`,
	},
	{
		resource: "hostclaims", kind: "HostClaim", singular: "hostclaim", status: true,
		manifest: `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostClaim
metadata:
  name: k-table
spec:
  poweredOn: true
  image:
    url: http://images.example.com/node.qcow2
    checksum: http://images.example.com/node.qcow2.sha256sum
  hostSelector:
    matchLabels:
      pool: compute
    matchExpressions:
    - key: hardware.baremetal.metal3.io/cpu-count
      operator: gt
      values: ["63"]
`,
		// Ours: Metal3's CRD declares no column; the host held and why it waits.
		header: "NAME HOST REASON AGE", wideHeader: "NAME HOST REASON AGE",
		explain: "hostclaim.spec.hostSelector.inNamespace", explainWord: "HostDeployPolicy",
		invalidPatch: `{"spec":{"hostSelector":{"matchExpressions":[{"key":"a","operator":"In","values":["b"]}]}}}`,
		want:         `spec.hostSelector.matchExpressions[0].operator: Unsupported value: "In": supported values: "in", "notin"`,
	},
	{
		resource: "hostdeploypolicies", kind: "HostDeployPolicy", singular: "hostdeploypolicy", adminWrites: true,
		manifest: `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostDeployPolicy
metadata:
  name: k-table
spec:
  hostClaimNamespaces:
    names: [tenant-a]
    nameMatches: ^tenant-
`,
		header: "NAME AGE", wideHeader: "NAME AGE NAMES NAMEMATCHES",
		explain: "hostdeploypolicy.spec.hostClaimNamespaces.nameMatches", explainWord: "regular expression",
		invalidPatch: `{"spec":{"hostClaimNamespaces":{"nameMatches":"(tenant"}}}`,
		want:         `spec.hostClaimNamespaces.nameMatches: Invalid value: "(tenant": error parsing regexp`,
	},
}

// testMetal3Kinds checks Metal3's other kinds behind kube-apiserver: the aggregated discovery
// lists them with Metal3's short names and subresources, kubectl get/explain work, a manifest
// written for Metal3 is accepted, an invalid one gets its 422 with the field path through the
// aggregator, and the roles of artifacts/deploy grant what they say.
func testMetal3Kinds(t *testing.T, c *cluster) {
	ns := "-n=" + testNamespace

	var list metav1.APIResourceList
	if err := json.Unmarshal([]byte(c.admin.Run(t, "get", "--raw", "/apis/baremetal.metal3.io/v1alpha1")), &list); err != nil {
		t.Fatal(err)
	}
	resources := map[string]metav1.APIResource{}
	for _, r := range list.APIResources {
		resources[r.Name] = r
	}
	apiResources := c.admin.Run(t, "api-resources", "--api-group=baremetal.metal3.io")

	for _, k := range metal3Kinds {
		t.Run(k.kind, func(t *testing.T) {
			// Discovery, as kube-apiserver aggregates it, and kubectl's view of it.
			r, ok := resources[k.resource]
			if !ok {
				t.Fatalf("discovery lacks %s: %v", k.resource, list.APIResources)
			}
			if !r.Namespaced || r.Kind != k.kind || r.SingularName != k.singular || !slices.Equal(r.ShortNames, k.shortNames) ||
				len(r.Categories) != 0 || !slices.Contains(r.Verbs, "patch") || !slices.Contains(r.Verbs, "watch") ||
				!slices.Contains(r.Verbs, "deletecollection") {
				t.Errorf("discovery of %s: %+v", k.resource, r)
			}
			if st, ok := resources[k.resource+"/status"]; ok != k.status ||
				(ok && (!slices.Contains(st.Verbs, "patch") || slices.Contains(st.Verbs, "create"))) {
				t.Errorf("discovery of %s/status: %+v (present %v, want %v)", k.resource, st, ok, k.status)
			}
			row := slices.IndexFunc(strings.Split(apiResources, "\n"), func(line string) bool {
				f := strings.Fields(line)
				if len(f) < 2 || f[0] != k.resource {
					return false
				}
				// NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
				if len(k.shortNames) == 0 {
					return f[1] == "baremetal.metal3.io/v1alpha1"
				}
				return f[1] == strings.Join(k.shortNames, ",")
			})
			if row < 0 {
				t.Errorf("kubectl api-resources lacks %s with short names %v:\n%s", k.resource, k.shortNames, apiResources)
			}

			// A Metal3 manifest, by a user with baremetal-edit; read back by baremetal-view,
			// by every name kubectl knows the kind by.
			writer, canCreate := c.editor, "yes"
			if k.adminWrites {
				writer, canCreate = c.operator, "no"
			}
			writer.RunStdin(t, k.manifest, "apply", "-f", "-", ns)
			for _, name := range append([]string{k.resource, k.singular}, k.shortNames...) {
				out := c.viewer.Run(t, "get", name, ns)
				if got := header(out); got != k.header || !strings.Contains(out, "k-table") {
					t.Errorf("kubectl get %s:\n%s", name, out)
				}
			}
			if out := c.viewer.Run(t, "get", k.resource, "k-table", "-o", "wide", ns); header(out) != k.wideHeader {
				t.Errorf("kubectl get %s -o wide:\n%s", k.resource, out)
			}
			out := c.viewer.Run(t, "explain", k.explain)
			if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, k.explainWord) {
				t.Errorf("kubectl explain %s lacks %q:\n%s", k.explain, k.explainWord, out)
			}

			// Metal3's rules, with the field path, through kube-apiserver.
			_, errOut, err := writer.Exec("", "patch", k.resource, "k-table", ns, "--type=merge", "-p", k.invalidPatch)
			if err == nil || !strings.Contains(errOut, `"k-table" is invalid`) || !strings.Contains(errOut, k.want) {
				t.Errorf("kubectl patch %s %s: err=%v, want a 422 saying %q\n%s", k.resource, k.invalidPatch, err, k.want, errOut)
			}

			// RBAC: view reads, edit and admin write, nobody nothing.
			expectForbidden(t, c.viewer, "viewer", "", "delete", k.resource, "k-table", ns)
			for _, tc := range []struct {
				k    framework.Kubectl
				user string
				args []string
				want string
			}{
				{c.viewer, "viewer", []string{"list", k.resource}, "yes"},
				{c.viewer, "viewer", []string{"watch", k.resource}, "yes"},
				{c.viewer, "viewer", []string{"create", k.resource}, "no"},
				{c.editor, "editor", []string{"create", k.resource}, canCreate},
				{c.editor, "editor", []string{"deletecollection", k.resource}, canCreate},
				{c.operator, "operator", []string{"patch", k.resource}, "yes"},
				{c.nobody, "nobody", []string{"get", k.resource}, "no"},
			} {
				out, _, _ := tc.k.Exec("", append([]string{"auth", "can-i", ns}, tc.args...)...)
				if got := strings.TrimSpace(out); got != tc.want {
					t.Errorf("%s: kubectl auth can-i %s = %q, want %q", tc.user, strings.Join(tc.args, " "), got, tc.want)
				}
			}
			if k.status {
				for _, tc := range []struct {
					k    framework.Kubectl
					user string
					verb string
					want string
				}{
					{c.viewer, "viewer", "get", "yes"},
					{c.editor, "editor", "patch", "no"},
					{c.operator, "operator", "patch", "yes"},
				} {
					out, _, _ := tc.k.Exec("", "auth", "can-i", ns, tc.verb, k.resource, "--subresource=status")
					if got := strings.TrimSpace(out); got != tc.want {
						t.Errorf("%s: kubectl auth can-i %s %s/status = %q, want %q", tc.user, tc.verb, k.resource, got, tc.want)
					}
				}
			}
			writer.Run(t, "delete", k.resource, "k-table", ns)
		})
	}
}
