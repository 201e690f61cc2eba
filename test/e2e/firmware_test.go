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

// testFirmware checks Metal3's firmware kinds behind kube-apiserver: the aggregated discovery
// lists them with Metal3's short name, kubectl get hfs works, the FirmwareSchema's 422 reaches
// the user through the aggregator, and the roles of artifacts/deploy grant what they say.
func testFirmware(t *testing.T, c *cluster) {
	ns := "-n=" + testNamespace

	// Discovery, as kube-apiserver aggregates it.
	var list metav1.APIResourceList
	if err := json.Unmarshal([]byte(c.admin.Run(t, "get", "--raw", "/apis/baremetal.metal3.io/v1alpha1")), &list); err != nil {
		t.Fatal(err)
	}
	resources := map[string]metav1.APIResource{}
	for _, r := range list.APIResources {
		resources[r.Name] = r
	}
	for _, want := range []struct {
		name, kind, singular string
		shortNames           []string
	}{
		{"firmwareschemas", "FirmwareSchema", "firmwareschema", nil},
		{"hostfirmwaresettings", "HostFirmwareSettings", "hostfirmwaresettings", []string{"hfs"}},
		{"hostfirmwarecomponents", "HostFirmwareComponents", "hostfirmwarecomponents", nil},
	} {
		r, ok := resources[want.name]
		if !ok {
			t.Errorf("discovery lacks %s: %v", want.name, list.APIResources)
			continue
		}
		if !r.Namespaced || r.Kind != want.kind || r.SingularName != want.singular || !slices.Equal(r.ShortNames, want.shortNames) ||
			!slices.Contains(r.Verbs, "patch") || !slices.Contains(r.Verbs, "watch") {
			t.Errorf("discovery of %s: %+v", want.name, r)
		}
	}
	for _, sub := range []string{"hostfirmwaresettings/status", "hostfirmwarecomponents/status"} {
		if r, ok := resources[sub]; !ok || !slices.Contains(r.Verbs, "patch") || slices.Contains(r.Verbs, "create") {
			t.Errorf("discovery of %s: %+v (present %v)", sub, r, ok)
		}
	}
	out := c.admin.Run(t, "api-resources", "--api-group=baremetal.metal3.io")
	if !slices.ContainsFunc(strings.Split(out, "\n"), func(line string) bool {
		f := strings.Fields(line)
		return len(f) >= 2 && f[0] == "hostfirmwaresettings" && f[1] == "hfs"
	}) {
		t.Errorf("kubectl api-resources lacks hostfirmwaresettings with short name hfs:\n%s", out)
	}

	// Metal3's manifests, by people with baremetal-admin (the schema) and baremetal-edit.
	c.operator.RunStdin(t, `apiVersion: baremetal.metal3.io/v1alpha1
kind: FirmwareSchema
metadata:
  name: schema-e2e
spec:
  hardwareVendor: HPE
  schema:
    WorkloadProfile:
      attribute_type: Enumeration
      allowable_values: [GeneralPowerEfficientCompute, Virtualization-MaxPerformance]
`, "apply", "-f", "-", ns)
	c.editor.RunStdin(t, `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostFirmwareSettings
metadata:
  name: h-table
spec:
  settings:
    WorkloadProfile: GeneralPowerEfficientCompute
`, "apply", "-f", "-", ns)
	out = c.viewer.Run(t, "get", "hfs", ns)
	if got := header(out); got != "NAME AGE" || !strings.Contains(out, "h-table") {
		t.Errorf("kubectl get hfs:\n%s", out)
	}
	if out = c.viewer.Run(t, "explain", "hostfirmwaresettings.status.schema"); !strings.Contains(out, "FirmwareSchema") {
		t.Errorf("kubectl explain hostfirmwaresettings.status.schema:\n%s", out)
	}

	// The status names the schema (what the reconciler will do; here an admin repairs it).
	c.operator.Run(t, "patch", "hfs", "h-table", ns, "--subresource=status", "--type=merge", "-p",
		`{"status":{"schema":{"namespace":"`+testNamespace+`","name":"schema-e2e"}}}`)
	_, errOut, err := c.editor.Exec("", "patch", "hfs", "h-table", ns, "--type=merge", "-p", `{"spec":{"settings":{"WorkloadProfile":"Turbo"}}}`)
	if err == nil || !strings.Contains(errOut, `spec.settings[WorkloadProfile]: Unsupported value: "Turbo": supported values: "GeneralPowerEfficientCompute", "Virtualization-MaxPerformance"`) {
		t.Errorf("a setting the schema forbids, through kube-apiserver: err=%v\n%s", err, errOut)
	}
	c.editor.Run(t, "patch", "hfs", "h-table", ns, "--type=merge", "-p", `{"spec":{"settings":{"WorkloadProfile":"Virtualization-MaxPerformance"}}}`)

	// RBAC: edit writes settings and updates, admin also schemas and status.
	expectForbidden(t, c.viewer, "viewer", "", "patch", "hfs", "h-table", ns, "--type=merge", "-p", `{"spec":{"settings":{}}}`)
	expectForbidden(t, c.editor, "editor", "", "delete", "firmwareschema", "schema-e2e", ns)
	for _, tc := range []struct {
		k    framework.Kubectl
		user string
		args []string
		want string
	}{
		{c.viewer, "viewer", []string{"list", "hfs"}, "yes"},
		{c.viewer, "viewer", []string{"watch", "firmwareschemas"}, "yes"},
		{c.viewer, "viewer", []string{"get", "hostfirmwarecomponents", "--subresource=status"}, "yes"},
		{c.viewer, "viewer", []string{"create", "hostfirmwarecomponents"}, "no"},
		{c.editor, "editor", []string{"create", "hostfirmwarecomponents"}, "yes"},
		{c.editor, "editor", []string{"patch", "hfs"}, "yes"},
		{c.editor, "editor", []string{"patch", "hfs", "--subresource=status"}, "no"},
		{c.editor, "editor", []string{"create", "firmwareschemas"}, "no"},
		{c.operator, "operator", []string{"create", "firmwareschemas"}, "yes"},
		{c.operator, "operator", []string{"patch", "hostfirmwarecomponents", "--subresource=status"}, "yes"},
		{c.nobody, "nobody", []string{"list", "hfs"}, "no"},
	} {
		out, _, _ := tc.k.Exec("", append([]string{"auth", "can-i", ns}, tc.args...)...)
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("%s: kubectl auth can-i %s = %q, want %q", tc.user, strings.Join(tc.args, " "), got, tc.want)
		}
	}
}
