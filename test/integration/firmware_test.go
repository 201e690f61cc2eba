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
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	applyv1alpha1 "github.com/metal3-community/baremetal-apiserver/pkg/generated/applyconfiguration/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// A FirmwareSchema and HostFirmwareSettings as Metal3 writes them, with only the apiVersion
// changed: snake_case schema attributes, settings given as strings and as numbers.
const (
	firmwareSchemaYAML = `apiVersion: baremetal.metal3.io/v1alpha1
kind: FirmwareSchema
metadata:
  name: schema-7c3e9a1b
  namespace: default
spec:
  hardwareVendor: Dell Inc.
  hardwareModel: PowerEdge R650
  schema:
    ProcTurboMode:
      attribute_type: Enumeration
      allowable_values: [Enabled, Disabled]
      read_only: false
    NumCores:
      attribute_type: Integer
      lower_bound: 1
      upper_bound: 128
    AssetTag:
      attribute_type: String
      min_length: 0
      max_length: 16
    SystemServiceTag:
      attribute_type: String
      read_only: true
    SriovGlobalEnable:
      attribute_type: Boolean
`
	hostFirmwareSettingsYAML = `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostFirmwareSettings
metadata:
  name: worker-0
  namespace: default
spec:
  settings:
    ProcTurboMode: Enabled
    NumCores: 300
    AssetTag: "rack-4"
`
)

// TestFirmwareKinds drives Metal3's firmware kinds through the real server: manifests applied
// with kubectl, the status subresource naming a FirmwareSchema, and from then on desired settings
// judged by that schema, refused with a 422 whose causes name the attribute and the limit.
func TestFirmwareKinds(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	k := framework.Kubectl{Binary: kubectlBin, Kubeconfig: srv.Kubeconfig, Home: t.TempDir()}

	t.Run("settings judged by the schema the status names", func(t *testing.T) { testFirmwareSettings(t, ctx, cs, k) })
	t.Run("server-side apply merges settings by name", func(t *testing.T) { testFirmwareSettingsApply(t, ctx, cs) })
	t.Run("firmware components", func(t *testing.T) { testFirmwareComponents(t, ctx, cs, k) })
	t.Run("kubectl get prints Metal3's columns, more with -o wide", func(t *testing.T) { testFirmwareTables(t, k) })
	t.Run("values of the wrong type are 4xx", func(t *testing.T) { testFirmwareBadBodies(t, ctx, cs) })
}

// wantCauses asserts a 422 with exactly these causes, by field.
func wantCauses(t *testing.T, err error, want map[string]metav1.StatusCause) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want 422 Invalid", err)
	}
	got := map[string]metav1.StatusCause{}
	if d := err.(apierrors.APIStatus).Status().Details; d != nil {
		for _, c := range d.Causes {
			got[c.Field] = c
		}
	}
	if !equality.Semantic.DeepEqual(got, want) {
		t.Fatalf("causes:\n got  %+v\n want %+v", got, want)
	}
}

func testFirmwareSettings(t *testing.T, ctx context.Context, cs *clientset.Clientset, k framework.Kubectl) {
	settings := cs.BaremetalV1alpha1().HostFirmwareSettings(ns)

	k.RunStdin(t, firmwareSchemaYAML, "apply", "-f", "-")
	// No schema is named yet, so nothing judges NumCores: 300, as in Metal3; kubectl shows why.
	_, stderr, err := k.Exec(hostFirmwareSettingsYAML, "create", "-f", "-")
	if err != nil {
		t.Fatalf("create before any schema is named: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "not checked against a FirmwareSchema") {
		t.Errorf("kubectl create printed no warning that the settings were not checked:\n%s", stderr)
	}

	// The generated clientset reads protobuf: a number stays a number, text stays text.
	hfs, err := settings.Get(ctx, "worker-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := v1alpha1.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled"), "NumCores": intstr.FromInt32(300), "AssetTag": intstr.FromString("rack-4")}
	if !equality.Semantic.DeepEqual(hfs.Spec.Settings, want) {
		t.Fatalf("settings read back %#v, want %#v", hfs.Spec.Settings, want)
	}

	// The reconciler's write: the host's settings and its schema.
	hfs.Status = v1alpha1.HostFirmwareSettingsStatus{
		Schema:   &v1alpha1.SchemaReference{Namespace: ns, Name: "schema-7c3e9a1b"},
		Settings: v1alpha1.SettingsMap{"ProcTurboMode": "Enabled", "NumCores": "64", "AssetTag": "", "SystemServiceTag": "8XK2Q93", "SriovGlobalEnable": "false"},
	}
	hfs, err = settings.UpdateStatus(ctx, hfs, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("status naming the schema: %v", err)
	}
	if !equality.Semantic.DeepEqual(hfs.Spec.Settings, want) {
		t.Fatalf("status write changed the settings: %v", hfs.Spec.Settings)
	}

	// The stored 300 was accepted before the schema was known: it does not block other changes.
	hfs.Labels = map[string]string{"rack": "4"}
	if hfs, err = settings.Update(ctx, hfs, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("label change beside an unchanged setting the schema forbids: %v", err)
	}

	// What the schema forbids, through the clientset (protobuf).
	bad := hfs.DeepCopy()
	bad.Spec.Settings["ProcTurboMode"] = intstr.FromString("Maybe")
	bad.Spec.Settings["NumCores"] = intstr.FromInt32(129)
	bad.Spec.Settings["SystemServiceTag"] = intstr.FromString("MINE")
	bad.Spec.Settings["AssetTag"] = intstr.FromString("a-seventeen-chars")
	bad.Spec.Settings["SriovGlobalEnable"] = intstr.FromString("Enabled")
	bad.Spec.Settings["IceCream"] = intstr.FromString("Vanilla")
	bad.Spec.Settings["BIOSPassword"] = intstr.FromString("secret")
	_, err = settings.Update(ctx, bad, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.settings[ProcTurboMode]": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.settings[ProcTurboMode]",
			Message: `Unsupported value: "Maybe": supported values: "Enabled", "Disabled"`},
		"spec.settings[NumCores]": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.settings[NumCores]",
			Message: "Invalid value: 129: must be at most 128"},
		"spec.settings[SystemServiceTag]": {Type: metav1.CauseTypeForbidden, Field: "spec.settings[SystemServiceTag]",
			Message: "Forbidden: read-only attribute in FirmwareSchema default/schema-7c3e9a1b"},
		"spec.settings[AssetTag]": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.settings[AssetTag]",
			Message: `Invalid value: "a-seventeen-chars": must be at most 16 bytes long`},
		"spec.settings[SriovGlobalEnable]": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.settings[SriovGlobalEnable]",
			Message: `Unsupported value: "Enabled": supported values: "true", "false"`},
		"spec.settings[IceCream]": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.settings[IceCream]",
			Message: `Invalid value: "Vanilla": no such attribute in FirmwareSchema default/schema-7c3e9a1b`},
		"spec.settings[BIOSPassword]": {Type: metav1.CauseTypeForbidden, Field: "spec.settings[BIOSPassword]",
			Message: "Forbidden: password attributes cannot be set"},
	})

	// The same through kubectl (JSON merge patch): the user reads the attribute and the limit.
	out, errOut, err := k.Exec("", "patch", "hfs", "worker-0", "-n", ns, "--type=merge", "-p", `{"spec":{"settings":{"NumCores":0}}}`)
	if err == nil {
		t.Fatalf("kubectl patch to NumCores 0 succeeded:\n%s", out)
	}
	if !strings.Contains(errOut, "spec.settings[NumCores]: Invalid value: 0: must be at least 1") {
		t.Errorf("kubectl patch error does not name the attribute and the bound:\n%s", errOut)
	}

	// What the schema allows is stored, and is a new generation for the reconciler.
	k.Run(t, "patch", "hfs", "worker-0", "-n", ns, "--type=merge", "-p",
		`{"spec":{"settings":{"NumCores":"128","ProcTurboMode":"Disabled","SriovGlobalEnable":"true"}}}`)
	got, err := settings.Get(ctx, "worker-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = v1alpha1.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Disabled"), "NumCores": intstr.FromString("128"),
		"AssetTag": intstr.FromString("rack-4"), "SriovGlobalEnable": intstr.FromString("true")}
	if !equality.Semantic.DeepEqual(got.Spec.Settings, want) || got.Generation != hfs.Generation+1 {
		t.Errorf("after a valid patch: generation %d (was %d), settings %v", got.Generation, hfs.Generation, got.Spec.Settings)
	}
	if got.Status.Schema == nil || got.Status.Schema.Name != "schema-7c3e9a1b" {
		t.Errorf("a spec write changed the status: %+v", got.Status)
	}

	// JSON keeps Metal3's shape: numbers as numbers, the schema reference under status.schema.
	raw, err := cs.BaremetalV1alpha1().RESTClient().Get().Namespace(ns).Resource("hostfirmwaresettings").Name("worker-0").
		SetHeader("Accept", jsonType).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Spec struct {
			Settings map[string]any `json:"settings"`
		} `json:"spec"`
		Status struct {
			Schema map[string]string `json:"schema"`
		} `json:"status"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Spec.Settings["NumCores"] != "128" || doc.Status.Schema["namespace"] != ns || doc.Status.Schema["name"] != "schema-7c3e9a1b" {
		t.Errorf("JSON %s", raw)
	}

	// A status may only name a schema of its own namespace.
	got.Status.Schema = &v1alpha1.SchemaReference{Namespace: "kube-system", Name: "schema-7c3e9a1b"}
	_, err = settings.UpdateStatus(ctx, got, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"status.schema.namespace": {Type: metav1.CauseTypeFieldValueInvalid, Field: "status.schema.namespace",
			Message: `Invalid value: "kube-system": must be the HostFirmwareSettings' own namespace, "default"`},
	})

	// A schema that is gone judges nothing: settings are accepted until the status names
	// another, as Metal3 accepts them until its controller has a schema.
	if err := cs.BaremetalV1alpha1().FirmwareSchemas(ns).Delete(ctx, "schema-7c3e9a1b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	k.Run(t, "patch", "hfs", "worker-0", "-n", ns, "--type=merge", "-p", `{"spec":{"settings":{"NumCores":300}}}`)
}

func testFirmwareSettingsApply(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	settings := cs.BaremetalV1alpha1().HostFirmwareSettings(ns)
	if _, err := cs.BaremetalV1alpha1().FirmwareSchemas(ns).Create(ctx, &v1alpha1.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-apply", Namespace: ns},
		Spec: v1alpha1.FirmwareSchemaSpec{Schema: map[string]v1alpha1.SettingSchema{
			"ProcTurboMode": {AttributeType: v1alpha1.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}},
			"NumCores":      {AttributeType: v1alpha1.SettingTypeInteger, UpperBound: ptrTo[int64](64)},
		}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	apply := func(manager string, s v1alpha1.DesiredSettingsMap) error {
		cfg := applyv1alpha1.HostFirmwareSettings("worker-1", ns).WithSpec(applyv1alpha1.HostFirmwareSettingsSpec().WithSettings(s))
		_, err := settings.Apply(ctx, cfg, metav1.ApplyOptions{FieldManager: manager, Force: true})
		return err
	}
	if err := apply("bios-team", v1alpha1.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled")}); err != nil {
		t.Fatal(err)
	}
	hfs, err := settings.Get(ctx, "worker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hfs.Status.Schema = &v1alpha1.SchemaReference{Namespace: ns, Name: "schema-apply"}
	if _, err := settings.UpdateStatus(ctx, hfs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := apply("capacity-team", v1alpha1.DesiredSettingsMap{"NumCores": intstr.FromInt32(32)}); err != nil {
		t.Fatal(err)
	}
	hfs, err = settings.Get(ctx, "worker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := v1alpha1.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled"), "NumCores": intstr.FromInt32(32)}
	if !equality.Semantic.DeepEqual(hfs.Spec.Settings, want) {
		t.Errorf("two managers' settings merged to %v, want %v", hfs.Spec.Settings, want)
	}
	// An apply is judged like any write.
	err = apply("capacity-team", v1alpha1.DesiredSettingsMap{"NumCores": intstr.FromInt32(65)})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.settings[NumCores]": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.settings[NumCores]",
			Message: "Invalid value: 65: must be at most 64"},
	})
}

func testFirmwareComponents(t *testing.T, ctx context.Context, cs *clientset.Clientset, k framework.Kubectl) {
	components := cs.BaremetalV1alpha1().HostFirmwareComponents(ns)
	bad := &v1alpha1.HostFirmwareComponents{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: ns},
		Spec: v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{
			{Component: "bios", URL: "https://fw.example.com/bios-2.19.1.exe"},
			{Component: "gpu", URL: "https://fw.example.com/gpu.bin"},
			{Component: "bmc", URL: "unix:///tmp/bmc.bin"},
		}},
	}
	_, err := components.Create(ctx, bad, metav1.CreateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.updates[1].component": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.updates[1].component",
			Message: `Invalid value: "gpu": must be "bios", "bmc", or a NIC's name prefixed with "nic:"`},
		"spec.updates[2].url": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.updates[2].url",
			Message: `Invalid value: "unix:///tmp/bmc.bin": scheme "unix" is not supported; supported schemes: http, https, ftp, gopher, oci`},
	})

	// Metal3's manifest, as kubectl applies it.
	k.RunStdin(t, `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostFirmwareComponents
metadata:
  name: worker-0
  namespace: default
spec:
  updates:
  - component: bios
    url: https://fw.example.com/bios-2.19.1.exe
  - component: nic:NIC.Integrated.1-1-1
    url: http://fw.example.com/nic-22.5.7.bin
`, "apply", "-f", "-")
	hfc, err := components.Get(ctx, "worker-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	hfc.Status = v1alpha1.HostFirmwareComponentsStatus{
		Updates:    hfc.Spec.Updates,
		Components: []v1alpha1.FirmwareComponentStatus{{Component: "bios", InitialVersion: "2.18.0", CurrentVersion: "2.19.1", LastVersionFlashed: "2.19.1", UpdatedAt: &now}},
		Conditions: []metav1.Condition{{Type: v1alpha1.HostFirmwareComponentsValid, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonFirmwareComponentsOK, LastTransitionTime: now}},
	}
	got, err := components.UpdateStatus(ctx, hfc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Components) != 1 || got.Status.Components[0].CurrentVersion != "2.19.1" || len(got.Spec.Updates) != 2 {
		t.Errorf("after the status write: %+v", got)
	}
}

func testFirmwareTables(t *testing.T, k framework.Kubectl) {
	for _, tc := range []struct {
		args   []string
		header string
		row    []string
	}{
		{[]string{"get", "hfs", "-n", ns}, "NAME AGE", []string{"worker-0"}},
		{[]string{"get", "hfs", "-n", ns, "-o", "wide"}, "NAME AGE SETTINGS SCHEMA VALID CHANGEDETECTED", []string{"worker-1", "2", "schema-apply"}},
		{[]string{"get", "hostfirmwarecomponents", "-n", ns, "-o", "wide"}, "NAME AGE UPDATES VALID CHANGEDETECTED", []string{"worker-0", "bios,nic:NIC.Integrated.1-1-1", "True"}},
		{[]string{"get", "firmwareschemas", "-n", ns, "-o", "wide"}, "NAME AGE VENDOR MODEL ATTRIBUTES", []string{"schema-apply", "2"}},
	} {
		out := k.Run(t, tc.args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if got := strings.Join(strings.Fields(lines[0]), " "); got != tc.header {
			t.Errorf("kubectl %s: header %q, want %q", strings.Join(tc.args, " "), got, tc.header)
		}
		found := false
		for _, line := range lines[1:] {
			f := strings.Fields(line)
			if len(f) > 0 && f[0] == tc.row[0] {
				found = true
				for _, cell := range tc.row[1:] {
					if !slices.Contains(f, cell) {
						t.Errorf("kubectl %s: row %q lacks %q", strings.Join(tc.args, " "), line, cell)
					}
				}
			}
		}
		if !found {
			t.Errorf("kubectl %s: no row %s:\n%s", strings.Join(tc.args, " "), tc.row[0], out)
		}
	}
}

// testFirmwareBadBodies sends values JSON can carry but the types cannot hold: each is the
// client's mistake, answered 400 or 422 and never stored, never a 5xx. A null setting is no
// setting (Metal3's CRD prunes it), never the 0 IntOrString would read.
func testFirmwareBadBodies(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	kinds := map[string]string{"hostfirmwaresettings": "HostFirmwareSettings", "firmwareschemas": "FirmwareSchema",
		"hostfirmwarecomponents": "HostFirmwareComponents"}
	for _, tc := range []struct {
		resource, spec string
		// accepted: the answer to check instead of an error.
		accepted func(raw []byte) bool
	}{
		{resource: "hostfirmwaresettings", spec: `{"settings":{"NumCores":1.5}}`},
		{resource: "hostfirmwaresettings", spec: `{"settings":{"NumCores":true}}`},
		{resource: "hostfirmwaresettings", spec: `{"settings":{"NumCores":{"value":1}}}`},
		{resource: "hostfirmwaresettings", spec: `{"settings":{"NumCores":3000000000}}`},
		{resource: "hostfirmwaresettings", spec: `{"settings":["NumCores"]}`},
		{resource: "hostfirmwaresettings", spec: `{"settings":{"NumCores":null,"ProcTurboMode":"Enabled"}}`,
			accepted: func(raw []byte) bool { return strings.Contains(string(raw), `"settings":{"ProcTurboMode":"Enabled"}`) }},
		{resource: "firmwareschemas", spec: `{"schema":{"NumCores":{"lower_bound":"one"}}}`},
		{resource: "firmwareschemas", spec: `{"schema":{"NumCores":{"allowable_values":"Enabled"}}}`},
		{resource: "hostfirmwarecomponents", spec: `{"updates":{"component":"bios"}}`},
	} {
		body := `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"` + kinds[tc.resource] + `","metadata":{"name":"bad-body"},"spec":` + tc.spec + `}`
		result := cs.BaremetalV1alpha1().RESTClient().Post().Namespace(ns).Resource(tc.resource).
			SetHeader("Content-Type", jsonType).SetHeader("Accept", jsonType).Body([]byte(body)).Do(ctx)
		var code int
		result.StatusCode(&code)
		raw, err := result.Raw()
		switch {
		case err == nil && tc.accepted == nil:
			t.Errorf("%s %s: accepted: %s", tc.resource, tc.spec, raw)
		case err == nil:
			if !tc.accepted(raw) {
				t.Errorf("%s %s: stored %s", tc.resource, tc.spec, raw)
			}
		case tc.accepted != nil || code >= 500 || code < 400:
			t.Errorf("%s %s: %d %v", tc.resource, tc.spec, code, err)
		}
		if err == nil {
			if err := cs.BaremetalV1alpha1().RESTClient().Delete().Namespace(ns).Resource(tc.resource).Name("bad-body").Do(ctx).Error(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
