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

package kubectlplugin

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
)

// metal3Host is a Metal3 host as BMO leaves it, in group metal3.io.
func metal3Host(name, state string, mutate ...func(map[string]any)) *unstructured.Unstructured {
	obj := map[string]any{
		"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
		"metadata": map[string]any{
			"name": name, "namespace": testNS, "uid": "uid-" + name, "resourceVersion": "1",
			"labels":     map[string]any{"rack": "r1"},
			"finalizers": []any{"baremetalhost.metal3.io"},
		},
		"spec": map[string]any{
			"online": true, "bootMACAddress": "52:54:00:00:00:01",
			"bmc":   map[string]any{"address": "ipmi://192.0.2.1", "credentialsName": name + "-bmc"},
			"image": map[string]any{"url": "http://images/os.qcow2", "checksum": "abc", "checksumType": "md5"},
		},
		"status": map[string]any{
			"operationalStatus": "OK", "poweredOn": true, "errorMessage": "",
			"lastUpdated":  "2026-11-29T10:00:00Z",
			"provisioning": map[string]any{"state": state, "ID": "node-uuid-" + name, "bootMode": "UEFI", "image": map[string]any{"url": "http://images/os.qcow2"}},
			"hardware":     map[string]any{"hostname": name, "cpu": map[string]any{"arch": "x86_64", "count": int64(4)}},
		},
	}
	for _, f := range mutate {
		f(obj)
	}
	return &unstructured.Unstructured{Object: obj}
}

func metal3HardwareData(name string, mutate ...func(map[string]any)) *unstructured.Unstructured {
	obj := map[string]any{
		"apiVersion": "metal3.io/v1alpha1", "kind": "HardwareData",
		"metadata": map[string]any{
			"name": name, "namespace": testNS, "uid": "uid-hd-" + name, "resourceVersion": "1",
			"finalizers":      []any{"baremetalhost.metal3.io/hardwareData"},
			"ownerReferences": []any{map[string]any{"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost", "name": name, "uid": "uid-" + name, "controller": true}},
		},
		"spec": map[string]any{"hardware": map[string]any{"hostname": name, "ramMebibytes": int64(4096)}},
	}
	for _, f := range mutate {
		f(obj)
	}
	return &unstructured.Unstructured{Object: obj}
}

type migrateHarness struct {
	source, target *dynamicfake.FakeDynamicClient
	out, errOut    *syncBuffer
	o              *Options
}

// listKinds are the list kinds of the migrated resources in group, for the fake clients.
func listKinds(group string) map[schema.GroupVersionResource]string {
	kinds := map[schema.GroupVersionResource]string{}
	for resource, kind := range map[string]string{
		"baremetalhosts": "BareMetalHostList", "hardwaredata": "HardwareDataList",
		"hostfirmwaresettings": "HostFirmwareSettingsList", "hostfirmwarecomponents": "HostFirmwareComponentsList",
		"hostupdatepolicies": "HostUpdatePolicyList", "dataimages": "DataImageList",
	} {
		kinds[schema.GroupVersionResource{Group: group, Version: "v1alpha1", Resource: resource}] = kind
	}
	return kinds
}

func newMigrateHarness(t *testing.T, source []runtime.Object, target ...runtime.Object) *migrateHarness {
	t.Helper()
	h := &migrateHarness{
		source: dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), maps.Collect(func(yield func(schema.GroupVersionResource, string) bool) {
			for _, g := range []string{metal3Group, v1alpha1.GroupName} {
				for gvr, kind := range listKinds(g) {
					if !yield(gvr, kind) {
						return
					}
				}
			}
		})),
		target: dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds(v1alpha1.GroupName)),
		out:    &syncBuffer{}, errOut: &syncBuffer{},
	}
	// The fake would guess "hardwaredatas": objects go in under their real resource names.
	resources := map[string]string{}
	for gvr, list := range listKinds("") {
		resources[strings.TrimSuffix(list, "List")] = gvr.Resource
	}
	for c, objs := range map[*dynamicfake.FakeDynamicClient][]runtime.Object{h.source: source, h.target: target} {
		for _, obj := range objs {
			u := obj.(*unstructured.Unstructured)
			gvr := u.GroupVersionKind().GroupVersion().WithResource(resources[u.GetKind()])
			if err := c.Tracker().Create(gvr, u, u.GetNamespace()); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.o = NewOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: h.out, ErrOut: h.errOut})
	h.o.newClient = func() (versioned.Interface, error) { return fake.NewClientset(), nil }
	h.o.newDynamic = func() (dynamic.Interface, error) { return h.target, nil }
	h.o.namespace = func() (string, error) { return testNS, nil }
	return h
}

// run runs `migrate args...` with Metal3's objects in the source fake and this server's in the
// target fake; --wait is off unless asked for (nothing restores hosts in a fake).
func (h *migrateHarness) run(t *testing.T, args ...string) int {
	t.Helper()
	h.out, h.errOut = &syncBuffer{}, &syncBuffer{}
	h.o.Out, h.o.ErrOut = h.out, h.errOut
	h.source.ClearActions()
	h.target.ClearActions()
	root := newCommand(h.o)
	for _, c := range root.Commands() {
		if c.Name() == "migrate" {
			root.RemoveCommand(c)
		}
	}
	m := newMigrateOptions(h.o)
	m.newSource = func() (dynamic.Interface, error) { return h.source, nil }
	m.waitFor = false
	root.AddCommand(migrateCommand(m))
	root.SetArgs(append([]string{"migrate"}, args...))
	root.SetOut(h.out)
	root.SetErr(h.errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ran, err := root.ExecuteContextC(ctx)
	return report(h.o.IOStreams, ran, err)
}

// writes are the actions of c that change something.
func writes(c *dynamicfake.FakeDynamicClient) []string {
	var out []string
	for _, a := range c.Actions() {
		switch a.GetVerb() {
		case "get", "list", "watch":
		default:
			name := ""
			switch a := a.(type) {
			case k8stesting.CreateAction:
				name = a.GetObject().(*unstructured.Unstructured).GetName()
			case k8stesting.UpdateAction:
				name = a.GetObject().(*unstructured.Unstructured).GetName()
			case k8stesting.PatchAction:
				name = a.GetName()
			}
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource+"/"+name)
		}
	}
	return out
}

func getObject(t *testing.T, c *dynamicfake.FakeDynamicClient, group, resource, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := c.Resource(schema.GroupVersionResource{Group: group, Version: "v1alpha1", Resource: resource}).
		Namespace(testNS).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s %s: %v", resource, name, err)
	}
	return obj
}

func TestMigratePlanChangesNothing(t *testing.T) {
	h := newMigrateHarness(t, []runtime.Object{metal3Host("h0", "provisioned"), metal3HardwareData("h0"), metal3Host("h1", "available")})
	if code := h.run(t, "--all"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if w := append(writes(h.source), writes(h.target)...); len(w) != 0 {
		t.Errorf("a plan wrote %v", w)
	}
	for _, want := range []string{
		"Plan (nothing is changed",
		"h0: provisioned: would pause in Metal3, would create HardwareData, would create BareMetalHost with its status",
		"h1: available: would pause in Metal3, would create BareMetalHost with its status",
	} {
		if !strings.Contains(h.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, h.out)
		}
	}
}

func TestMigrateApplyIsIdempotent(t *testing.T) {
	h := newMigrateHarness(t, []runtime.Object{metal3Host("h0", "provisioned"), metal3HardwareData("h0")})
	if code := h.run(t, "h0", "--apply"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, h.out, h.errOut)
	}
	want := []string{"patch baremetalhosts/h0"}
	if got := writes(h.source); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("writes to Metal3: %v, want %v", got, want)
	}
	want = []string{"create hardwaredata/h0", "create baremetalhosts/h0", "update hardwaredata/h0"}
	if got := writes(h.target); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("writes here: %v, want %v (HardwareData first, so the host finds it; then owned by it)", got, want)
	}
	if !strings.Contains(h.out.String(), "h0: provisioned: paused in Metal3, created HardwareData, created BareMetalHost with its status, host made owner of its hardwaredata") {
		t.Errorf("report: %s", h.out)
	}

	src := getObject(t, h.source, metal3Group, "baremetalhosts", "h0")
	if v := src.GetAnnotations()[v1alpha1.PausedAnnotation]; v != migratePausedValue {
		t.Errorf("Metal3 host paused with %q, want %q", v, migratePausedValue)
	}
	host := getObject(t, h.target, v1alpha1.GroupName, "baremetalhosts", "h0")
	a := host.GetAnnotations()
	if a[MigratedFromAnnotation] != "uid-h0" {
		t.Errorf("marker %q", a[MigratedFromAnnotation])
	}
	if _, paused := a[v1alpha1.PausedAnnotation]; paused {
		t.Error("the copy is paused")
	}
	if host.GetLabels()["rack"] != "r1" || len(host.GetFinalizers()) != 0 {
		t.Errorf("labels %v, finalizers %v: want Metal3's labels, none of its finalizers", host.GetLabels(), host.GetFinalizers())
	}
	var status v1alpha1.BareMetalHostStatus
	if err := json.Unmarshal([]byte(a[v1alpha1.StatusAnnotation]), &status); err != nil {
		t.Fatal(err)
	}
	if status.Provisioning.State != v1alpha1.StateProvisioned || status.Provisioning.ID != "node-uuid-h0" || !status.PoweredOn ||
		status.Hardware == nil || status.Hardware.CPU.Count != 4 || status.LastUpdated == nil {
		t.Errorf("status annotation: %s", a[v1alpha1.StatusAnnotation])
	}
	if _, has := host.Object["status"]; has {
		t.Error("the copy was created with a status of its own")
	}
	if url, _, _ := unstructured.NestedString(host.Object, "spec", "image", "url"); url != "http://images/os.qcow2" {
		t.Errorf("spec.image.url %q", url)
	}
	hd := getObject(t, h.target, v1alpha1.GroupName, "hardwaredata", "h0")
	if refs := hd.GetOwnerReferences(); len(refs) != 1 || refs[0].APIVersion != "baremetal.metal3.io/v1alpha1" || refs[0].UID != host.GetUID() ||
		len(hd.GetFinalizers()) != 0 {
		t.Errorf("HardwareData owners %v, finalizers %v: want the new host as its only owner, none of Metal3's finalizers", refs, hd.GetFinalizers())
	}
	if ram, _, _ := unstructured.NestedInt64(hd.Object, "spec", "hardware", "ramMebibytes"); ram != 4096 {
		t.Errorf("HardwareData spec: %v", hd.Object["spec"])
	}

	// Again: nothing is written, and the report says why.
	if code := h.run(t, "h0", "--apply"); code != 0 {
		t.Fatalf("second run: exit %d: %s%s", code, h.out, h.errOut)
	}
	if w := append(writes(h.source), writes(h.target)...); len(w) != 0 {
		t.Errorf("a second run wrote %v", w)
	}
	if !strings.Contains(h.out.String(), "h0: provisioned: already paused in Metal3, BareMetalHost already migrated\n") {
		t.Errorf("second report: %s", h.out)
	}
}

// TestMigrateFinishesAnInterruptedRun: a run that paused the host and copied its HardwareData
// but died before the host is finished by the next, which creates only what is missing.
func TestMigrateFinishesAnInterruptedRun(t *testing.T) {
	paused := metal3Host("h0", "provisioned", func(o map[string]any) {
		o["metadata"].(map[string]any)["annotations"] = map[string]any{v1alpha1.PausedAnnotation: migratePausedValue}
	})
	copied := metal3HardwareData("h0", func(o map[string]any) {
		o["apiVersion"] = "baremetal.metal3.io/v1alpha1"
		md := o["metadata"].(map[string]any)
		md["annotations"] = map[string]any{MigratedFromAnnotation: "uid-hd-h0"}
		delete(md, "ownerReferences")
		delete(md, "finalizers")
	})
	h := newMigrateHarness(t, []runtime.Object{paused, metal3HardwareData("h0")}, copied)
	if code := h.run(t, "h0", "--apply"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, h.out, h.errOut)
	}
	if got := append(writes(h.source), writes(h.target)...); strings.Join(got, ",") != "create baremetalhosts/h0,update hardwaredata/h0" {
		t.Errorf("writes %v, want only the host's creation and its ownership of the HardwareData", got)
	}
}

// TestMigrateAgainAfterTheServerMadeItsOwn: after a migration this server creates the host's
// firmware objects itself; Metal3 has its own of the name. A second run leaves both alone.
func TestMigrateAgainAfterTheServerMadeItsOwn(t *testing.T) {
	paused := metal3Host("h0", "provisioned", func(o map[string]any) {
		o["metadata"].(map[string]any)["annotations"] = map[string]any{v1alpha1.PausedAnnotation: migratePausedValue}
	})
	hfs := func(group string, annotations map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": group + "/v1alpha1", "kind": "HostFirmwareSettings",
			"metadata": map[string]any{"name": "h0", "namespace": testNS, "uid": "uid-hfs-" + group, "annotations": annotations},
			"spec":     map[string]any{"settings": map[string]any{}},
		}}
	}
	migrated := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "BareMetalHost",
		"metadata": map[string]any{"name": "h0", "namespace": testNS, "uid": "new-h0",
			"annotations": map[string]any{MigratedFromAnnotation: "uid-h0"}},
	}}
	h := newMigrateHarness(t, []runtime.Object{paused, hfs(metal3Group, nil)}, migrated, hfs(v1alpha1.GroupName, map[string]any{}))
	if code := h.run(t, "h0", "--apply"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, h.out, h.errOut)
	}
	if w := append(writes(h.source), writes(h.target)...); len(w) != 0 {
		t.Errorf("wrote %v", w)
	}
}

func TestMigrateRefuses(t *testing.T) {
	foreign := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "BareMetalHost",
		"metadata": map[string]any{"name": "h0", "namespace": testNS, "uid": "another"},
		"spec":     map[string]any{"online": false},
	}}
	for _, tc := range []struct {
		name    string
		source  []runtime.Object
		target  []runtime.Object
		args    []string
		want    string
		created bool // the host is created anyway (with the flag that allows it)
	}{
		{name: "transient state", source: []runtime.Object{metal3Host("h0", "provisioning")},
			want: `h0: provisioning: not migrated: "provisioning" is a transient state`},
		{name: "transient state allowed", source: []runtime.Object{metal3Host("h0", "inspecting")},
			args: []string{"--allow-transient-states"}, want: "h0: inspecting: paused in Metal3, created BareMetalHost", created: true},
		{name: "deprovisioning", source: []runtime.Object{metal3Host("h0", "deprovisioning")},
			want: `"deprovisioning" is a transient state`},
		{name: "unknown field", source: []runtime.Object{metal3Host("h0", "provisioned", func(o map[string]any) {
			o["spec"].(map[string]any)["futureField"] = "x"
		})}, want: `has fields this server does not know: unknown field "spec.futureField"`},
		{name: "unknown field dropped", source: []runtime.Object{metal3Host("h0", "provisioned", func(o map[string]any) {
			o["status"].(map[string]any)["futureStatus"] = "x"
		})}, args: []string{"--drop-unknown-fields"}, want: "created BareMetalHost with its status", created: true},
		{name: "a host of the name exists here", source: []runtime.Object{metal3Host("h0", "provisioned")}, target: []runtime.Object{foreign},
			want: "h0: provisioned: not migrated: a BareMetalHost e2e/h0 already exists here and was not migrated from this host: resolve by hand\n"},
		{name: "a HardwareData of the name exists here", source: []runtime.Object{metal3Host("h0", "provisioned"), metal3HardwareData("h0")},
			target: []runtime.Object{metal3HardwareData("h0", func(o map[string]any) { o["apiVersion"] = "baremetal.metal3.io/v1alpha1" })},
			want:   "not migrated: a HardwareData default/h0 already exists here and was not migrated from this host"},
		{name: "being deleted", source: []runtime.Object{metal3Host("h0", "provisioned", func(o map[string]any) {
			o["metadata"].(map[string]any)["deletionTimestamp"] = "2026-11-29T10:00:00Z"
		})}, want: "being deleted in Metal3"},
		{name: "missing", args: []string{"nope"}, want: "nope: (no status): not migrated: no host default/nope in Metal3"},
		{name: "paused by CAPM3 is paused by migrate", source: []runtime.Object{metal3Host("h0", "provisioned", func(o map[string]any) {
			o["metadata"].(map[string]any)["annotations"] = map[string]any{v1alpha1.PausedAnnotation: "metal3.io/capm3"}
		})}, want: `paused in Metal3 (was paused by "metal3.io/capm3")`, created: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newMigrateHarness(t, tc.source, tc.target...)
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "nope") {
				args = append(args, "h0")
			}
			code := h.run(t, append(args, "--apply")...)
			if !strings.Contains(h.out.String()+h.errOut.String(), strings.ReplaceAll(tc.want, "e2e/", testNS+"/")) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, h.out, h.errOut)
			}
			created := false
			for _, w := range writes(h.target) {
				created = created || w == "create baremetalhosts/h0"
			}
			if created != tc.created || (code == 0) != tc.created {
				t.Errorf("created %v, exit %d; want created %v", created, code, tc.created)
			}
			if !tc.created && len(writes(h.source)) > 0 {
				t.Errorf("a refused host was written to in Metal3: %v", writes(h.source))
			}
		})
	}
}

// TestMigrateBetweenServers: --source-group baremetal.metal3.io moves hosts from another of
// these servers (a pivot between management clusters), with the same pause and status.
func TestMigrateBetweenServers(t *testing.T) {
	ours := func(o map[string]any) { o["apiVersion"] = "baremetal.metal3.io/v1alpha1" }
	h := newMigrateHarness(t, []runtime.Object{metal3Host("h0", "provisioned", ours), metal3HardwareData("h0", ours)})
	if code := h.run(t, "--all", "--apply", "--source-group=baremetal.metal3.io", "--source-context=old"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, h.out, h.errOut)
	}
	if want := "h0: provisioned: paused in the source server, created HardwareData, created BareMetalHost with its status"; !strings.Contains(h.out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, h.out)
	}
	if got := writes(h.source); strings.Join(got, ",") != "patch baremetalhosts/h0" {
		t.Errorf("writes to the source: %v", got)
	}
	if v := getObject(t, h.source, v1alpha1.GroupName, "baremetalhosts", "h0").GetAnnotations()[v1alpha1.PausedAnnotation]; v != migratePausedValue {
		t.Errorf("source host paused with %q", v)
	}
}

func TestMigrateUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"--all", "h0"}, {"-l", "a=b", "h0"}, {"-A", "h0"},
		{"--all", "--source-group=baremetal.metal3.io"}, {"--all", "--source-group=example.com"}} {
		h := newMigrateHarness(t, nil)
		if code := h.run(t, args...); code != 1 || !strings.Contains(h.errOut.String(), "See 'kubectl baremetal migrate --help'") {
			t.Errorf("%v: exit %d, %s", args, code, h.errOut)
		}
	}
}

// TestMigrateWarnsOfPendingFirmwareChanges: desired firmware settings Metal3 has not applied
// yet move with the host, and the user is told this server will apply them.
func TestMigrateWarnsOfPendingFirmwareChanges(t *testing.T) {
	hfs := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "metal3.io/v1alpha1", "kind": "HostFirmwareSettings",
		"metadata": map[string]any{"name": "h0", "namespace": testNS, "uid": "uid-hfs"},
		"spec":     map[string]any{"settings": map[string]any{"SecureBoot": "Enabled"}},
		"status": map[string]any{"conditions": []any{map[string]any{
			"type": "ChangeDetected", "status": "True", "reason": "Success", "lastTransitionTime": "2026-11-29T10:00:00Z"}}},
	}}
	h := newMigrateHarness(t, []runtime.Object{metal3Host("h0", "available"), hfs})
	if code := h.run(t, "h0"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, h.out, h.errOut)
	}
	if want := "warning: h0: HostFirmwareSettings h0 has changes Metal3 has not applied yet (ChangeDetected)"; !strings.Contains(h.errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
	}
	if want := "would create HostFirmwareSettings"; !strings.Contains(h.out.String(), want) {
		t.Errorf("plan lacks %q:\n%s", want, h.out)
	}
}

// --wait follows the created hosts with a watch: each is reported as this server restores it
// (status annotation consumed, Metal3's state back), a host deleted meanwhile at once, and
// the hosts never restored when the timeout comes.
func TestMigrateWaitFollowsTheHosts(t *testing.T) {
	hostsGVR := v1alpha1.SchemeGroupVersion.WithResource("baremetalhosts")
	// created is a host as migrate creates it here: its status still in the annotation.
	created := func(name, state string) *unstructured.Unstructured {
		return metal3Host(name, "", func(o map[string]any) {
			o["apiVersion"] = v1alpha1.SchemeGroupVersion.String()
			o["metadata"].(map[string]any)["annotations"] = map[string]any{v1alpha1.StatusAnnotation: `{"provisioning":{"state":"` + state + `"}}`}
			o["status"] = map[string]any{}
		})
	}
	restore := func(u *unstructured.Unstructured, state string) *unstructured.Unstructured {
		u = u.DeepCopy()
		u.SetAnnotations(nil)
		_ = unstructured.SetNestedField(u.Object, state, "status", "provisioning", "state")
		return u
	}
	for _, tc := range []struct {
		name string
		// wait are the hosts waited for (of h0 provisioned, h1 and h2 available).
		wait []pendingHost
		// server is what this server does once the watch is up.
		server  func(t *testing.T, h *migrateHarness)
		ok      bool
		out     []string
		errOut  []string
		timeout time.Duration
	}{{
		name: "restored while waiting, and restored before the wait began",
		wait: []pendingHost{{testNS, "h0", "provisioned"}, {testNS, "h1", "available"}},
		server: func(t *testing.T, h *migrateHarness) {
			if err := h.target.Tracker().Update(hostsGVR, restore(created("h0", "provisioned"), "provisioned"), testNS); err != nil {
				t.Error(err)
			}
		},
		ok:  true,
		out: []string{"h0: restored here: provisioned", "h1: restored here: available"},
	}, {
		name: "a host deleted here is reported at once",
		wait: []pendingHost{{testNS, "h0", "provisioned"}, {testNS, "h1", "available"}, {testNS, "h2", "available"}},
		server: func(t *testing.T, h *migrateHarness) {
			if err := h.target.Tracker().Update(hostsGVR, restore(created("h0", "provisioned"), "provisioned"), testNS); err != nil {
				t.Error(err)
			}
			if err := h.target.Tracker().Delete(hostsGVR, testNS, "h2"); err != nil {
				t.Error(err)
			}
		},
		out:    []string{"h0: restored here: provisioned", "h1: restored here: available"},
		errOut: []string{"h2: deleted here before it was restored"},
	}, {
		name: "not restored within the timeout: what it last showed",
		wait: []pendingHost{{testNS, "h0", "provisioned"}, {testNS, "h1", "available"}},
		server: func(t *testing.T, h *migrateHarness) {
			// Restored to another state than Metal3's: not what --wait waits for.
			if err := h.target.Tracker().Update(hostsGVR, restore(created("h0", "provisioned"), "available"), testNS); err != nil {
				t.Error(err)
			}
		},
		timeout: 300 * time.Millisecond,
		out:     []string{"h1: restored here: available"},
		errOut:  []string{`h0: not restored within 300ms (want "provisioned"; state "available", status annotation consumed: true)`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newMigrateHarness(t, nil, created("h0", "provisioned"), restore(created("h1", "available"), "available"), created("h2", "available"))
			// The server acts once the watch is up: the informer's list has seen the hosts as
			// they were, and only the watch can bring the change.
			watching := make(chan struct{})
			var once sync.Once
			h.target.PrependWatchReactor("baremetalhosts", func(k8stesting.Action) (bool, watch.Interface, error) {
				once.Do(func() { close(watching) })
				return false, nil, nil
			})
			go func() {
				<-watching
				tc.server(t, h)
			}()
			m := newMigrateOptions(h.o)
			m.Out, m.ErrOut = h.out, h.errOut
			m.target = h.target
			if tc.timeout != 0 {
				m.timeout = tc.timeout
			} else {
				m.timeout = 30 * time.Second
			}
			if ok := m.waitRestored(context.Background(), tc.wait); ok != tc.ok {
				t.Errorf("waitRestored = %t, want %t", ok, tc.ok)
			}
			for _, want := range tc.out {
				if !strings.Contains(h.out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, h.out)
				}
			}
			for _, want := range tc.errOut {
				if !strings.Contains(h.errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
				}
			}
			if tc.errOut == nil && h.errOut.String() != "" {
				t.Errorf("stderr: %s", h.errOut)
			}
		})
	}
}
