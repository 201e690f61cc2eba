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
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	applyv1alpha1 "github.com/metal3-community/baremetal-apiserver/pkg/generated/applyconfiguration/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const ns = "default"

func newHost(name string) *v1alpha1.BareMetalHost {
	return &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: "52:54:00:00:00:01",
			BMC: v1alpha1.BMCDetails{
				Address:         "redfish+https://192.0.2.10/redfish/v1/Systems/1",
				CredentialsName: name + "-bmc-secret",
			},
		},
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestStandalone runs the whole contract against one server process, then restarts it over the
// same data dir. Subtests share the server: starting one takes seconds.
func TestStandalone(t *testing.T) {
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir)
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)

	if rss, err := srv.RSSKiB(); err == nil {
		t.Logf("server RSS at idle: %d MiB", rss/1024)
	}

	t.Run("create get and defaults", func(t *testing.T) {
		created, err := hosts.Create(ctx, newHost("h0"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if created.Spec.BootMode != v1alpha1.BootModeUEFI || created.Spec.AutomatedCleaningMode != v1alpha1.CleaningModeMetadata {
			t.Errorf("defaults not applied: bootMode=%q automatedCleaningMode=%q", created.Spec.BootMode, created.Spec.AutomatedCleaningMode)
		}
		if created.Generation != 1 {
			t.Errorf("generation = %d, want 1", created.Generation)
		}
		got, err := hosts.Get(ctx, "h0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.BMC.Address != created.Spec.BMC.Address {
			t.Errorf("get returned bmc.address %q", got.Spec.BMC.Address)
		}
	})

	t.Run("create drops client-set status", func(t *testing.T) {
		h := newHost("h-status-on-create")
		h.Status.Provisioning.State = v1alpha1.StateProvisioned
		created, err := hosts.Create(ctx, h, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if created.Status.Provisioning.State != "" {
			t.Errorf("status.provisioning.state = %q, want it cleared on create", created.Status.Provisioning.State)
		}
	})

	t.Run("list with field selectors", func(t *testing.T) {
		off := newHost("h-off")
		off.Spec.Online = false
		off.Spec.ConsumerRef = &v1alpha1.ObjectReference{Name: "machine-7", Kind: "Machine"}
		if _, err := hosts.Create(ctx, off, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		for selector, want := range map[string][]string{
			"spec.online=false":                          {"h-off"},
			"spec.consumerRef.name=machine-7":            {"h-off"},
			"spec.online=true,metadata.name=h0":          {"h0"},
			"status.provisioning.state=provisioned":      nil,
			"status.poweredOn=false,metadata.name=h-off": {"h-off"},
			"status.operationalStatus=,metadata.name=h0": {"h0"},
		} {
			list, err := hosts.List(ctx, metav1.ListOptions{FieldSelector: selector})
			if err != nil {
				t.Fatalf("%s: %v", selector, err)
			}
			var names []string
			for _, h := range list.Items {
				names = append(names, h.Name)
			}
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Errorf("field selector %q listed %v, want %v", selector, names, want)
			}
		}
		_, err := hosts.List(ctx, metav1.ListOptions{FieldSelector: "spec.bootMode=UEFI"})
		if !apierrors.IsBadRequest(err) {
			t.Errorf("unsupported field selector: got %v, want 400", err)
		}
	})

	t.Run("stale update is a conflict", func(t *testing.T) {
		h, err := hosts.Get(ctx, "h0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stale := h.DeepCopy()
		h.Spec.Description = "first writer"
		if _, err := hosts.Update(ctx, h, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		stale.Spec.Description = "second writer"
		_, err = hosts.Update(ctx, stale, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) {
			t.Fatalf("update with stale resourceVersion: got %v, want 409 Conflict", err)
		}
	})

	t.Run("status update does not touch spec", func(t *testing.T) {
		h, err := hosts.Get(ctx, "h0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gen := h.Generation
		h.Spec.Online = false
		h.Spec.Description = "changed through status"
		h.Status.Provisioning.State = v1alpha1.StateRegistering
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
		h.Status.PoweredOn = true
		updated, err := hosts.UpdateStatus(ctx, h, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !updated.Spec.Online || updated.Spec.Description == "changed through status" {
			t.Errorf("status update changed spec: %+v", updated.Spec)
		}
		if updated.Status.Provisioning.State != v1alpha1.StateRegistering || !updated.Status.PoweredOn {
			t.Errorf("status not written: %+v", updated.Status)
		}
		if updated.Generation != gen {
			t.Errorf("status update bumped generation %d -> %d", gen, updated.Generation)
		}
		// And the main resource does not write status.
		updated.Status.Provisioning.State = v1alpha1.StateProvisioned
		updated.Spec.Description = "spec write"
		again, err := hosts.Update(ctx, updated, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Status.Provisioning.State != v1alpha1.StateRegistering {
			t.Errorf("spec update changed status to %q", again.Status.Provisioning.State)
		}
		if again.Generation != gen+1 {
			t.Errorf("spec update: generation %d, want %d", again.Generation, gen+1)
		}
	})

	t.Run("server-side apply with two managers", func(t *testing.T) {
		cfg := applyv1alpha1.BareMetalHost("h-ssa", ns).WithSpec(applyv1alpha1.BareMetalHostSpec().
			WithOnline(true).
			WithDescription("owned by alice").
			WithBootMACAddress("52:54:00:00:00:02").
			WithBMC(applyv1alpha1.BMCDetails().WithAddress("ipmi://192.0.2.11").WithCredentialsName("s")))
		if _, err := hosts.Apply(ctx, cfg, metav1.ApplyOptions{FieldManager: "alice"}); err != nil {
			t.Fatal(err)
		}
		bob := applyv1alpha1.BareMetalHost("h-ssa", ns).WithSpec(applyv1alpha1.BareMetalHostSpec().
			WithOnline(true).WithDescription("bob wants it"))
		_, err := hosts.Apply(ctx, bob, metav1.ApplyOptions{FieldManager: "bob"})
		if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "alice") || !strings.Contains(err.Error(), ".spec.description") {
			t.Fatalf("conflicting apply: got %v, want a 409 naming alice and .spec.description", err)
		}
		forced, err := hosts.Apply(ctx, bob, metav1.ApplyOptions{FieldManager: "bob", Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if forced.Spec.Description != "bob wants it" {
			t.Errorf("forced apply: description %q", forced.Spec.Description)
		}
		managers := map[string]bool{}
		for _, mf := range forced.ManagedFields {
			managers[mf.Manager] = true
		}
		if !managers["alice"] || !managers["bob"] {
			t.Errorf("managedFields managers = %v, want alice and bob", managers)
		}
	})

	t.Run("dry-run create stores nothing", func(t *testing.T) {
		created, err := hosts.Create(ctx, newHost("h-dry"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if created.Name != "h-dry" {
			t.Errorf("dry-run returned %q", created.Name)
		}
		if _, err := hosts.Get(ctx, "h-dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("after dry-run create, get: %v, want NotFound", err)
		}
	})

	t.Run("invalid object is a 422 naming the field", func(t *testing.T) {
		bad := newHost("h-bad")
		bad.Spec.BMC.Address = "nosuchscheme://192.0.2.1"
		_, err := hosts.Create(ctx, bad, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) {
			t.Fatalf("got %v, want 422 Invalid", err)
		}
		status := err.(apierrors.APIStatus).Status()
		if status.Code != 422 || status.Details == nil || len(status.Details.Causes) == 0 || status.Details.Causes[0].Field != "spec.bmc.address" {
			t.Fatalf("status %+v does not name spec.bmc.address", status)
		}
		if _, err := hosts.Get(ctx, "h-bad", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("invalid object was stored: %v", err)
		}
	})

	t.Run("networkInterfaces 422 names the entry and a valid list round-trips", func(t *testing.T) {
		testNetworkInterfaces(t, ctx, cs)
	})

	t.Run("watch sees added modified deleted in order", func(t *testing.T) {
		testWatch(t, ctx, cs)
	})

	t.Run("kubectl", func(t *testing.T) {
		testKubectl(t, srv)
	})

	t.Run("hardwaredata", func(t *testing.T) {
		testHardwareData(t, srv, cs)
	})

	t.Run("subresources", func(t *testing.T) {
		testSubresources(t, ctx, srv, cs)
	})

	t.Run("metrics", func(t *testing.T) {
		out, err := srv.Kubectl(t, kubectlBin, "get", "--raw", "/metrics")
		if err != nil || !strings.Contains(out, "apiserver_request_total") {
			t.Errorf("GET /metrics: %v\n%.500s", err, out)
		}
	})

	// Restart over the same data dir: every object must still be there.
	before, err := hosts.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatalf("clean stop on SIGTERM: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitReady(90 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, srv.Output())
	}
	cs = srv.Clientset(t)
	after, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != len(before.Items) || len(after.Items) == 0 {
		t.Fatalf("after restart: %d hosts, before: %d", len(after.Items), len(before.Items))
	}
	for i := range before.Items {
		b, a := before.Items[i], after.Items[i]
		if a.Name != b.Name || a.UID != b.UID || a.ResourceVersion != b.ResourceVersion || a.Spec.Description != b.Spec.Description {
			t.Errorf("host %s changed across restart: %s/%s -> %s/%s", b.Name, b.UID, b.ResourceVersion, a.UID, a.ResourceVersion)
		}
	}
}

func testWatch(t *testing.T, ctx context.Context, cs clientset.Interface) {
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	w, err := hosts.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=h-watch"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := hosts.Create(ctx, newHost("h-watch"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"description": "patched"}})
	if _, err := hosts.Patch(ctx, "h-watch", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := hosts.Delete(ctx, "h-watch", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []watch.EventType{watch.Added, watch.Modified, watch.Deleted}
	for i, typ := range want {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch closed after %d events", i)
			}
			if ev.Type != typ {
				t.Fatalf("event %d: %s, want %s", i, ev.Type, typ)
			}
			h := ev.Object.(*v1alpha1.BareMetalHost)
			if typ == watch.Modified && h.Spec.Description != "patched" {
				t.Errorf("MODIFIED event carries description %q", h.Spec.Description)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s event within 30s", typ)
		}
	}
}

func testKubectl(t *testing.T, srv *framework.Server) {
	run := func(args ...string) string {
		t.Helper()
		out, err := srv.Kubectl(t, kubectlBin, args...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	out := run("get", "bmh")
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if strings.Join(header, " ") != "NAME STATE CONSUMER ONLINE ERROR AGE" {
		t.Errorf("kubectl get bmh header = %v\n%s", header, out)
	}
	if !strings.Contains(out, "h0") || !strings.Contains(out, "machine-7") {
		t.Errorf("kubectl get bmh misses hosts:\n%s", out)
	}
	out = run("get", "baremetalhosts", "-o", "wide")
	for _, col := range []string{"STATUS", "BMC", "POWERED", "HARDWARE", "redfish+https://192.0.2.10/redfish/v1/Systems/1"} {
		if !strings.Contains(out, col) {
			t.Errorf("kubectl get -o wide lacks %q:\n%s", col, out)
		}
	}
	out = run("get", "baremetal")
	if !strings.Contains(out, "h0") {
		t.Errorf("kubectl get baremetal (category) lacks h0:\n%s", out)
	}
	out = run("explain", "baremetalhost.spec.bmc")
	for _, want := range []string{"credentialsName", "address", "BMC URL"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain baremetalhost.spec.bmc lacks %q:\n%s", want, out)
		}
	}
	out = run("api-resources", "--api-group", "baremetal.metal3.io")
	if !strings.Contains(out, "bmh,bmhost") || !strings.Contains(out, "BareMetalHost") {
		t.Errorf("kubectl api-resources:\n%s", out)
	}
	// Invalid input through kubectl: the error names the field.
	out, err := srv.Kubectl(t, kubectlBin, "patch", "bmh", "h0", "--type=merge", "-p", `{"spec":{"bootMACAddress":"not-a-mac"}}`)
	if err == nil || !strings.Contains(out, "spec.bootMACAddress") {
		t.Errorf("kubectl patch with bad MAC: err=%v\n%s", err, out)
	}
}

func testSubresources(t *testing.T, ctx context.Context, srv *framework.Server, cs clientset.Interface) {
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	if _, err := hosts.Create(ctx, newHost("h-sub"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) { return srv.Kubectl(t, kubectlBin, args...) }

	out, err := run("get", "--raw", "/apis/baremetal.metal3.io/v1alpha1")
	for _, sub := range []string{"baremetalhosts/power", "baremetalhosts/reboot", "baremetalhosts/inspect", "baremetalhosts/status"} {
		if err != nil || !strings.Contains(out, `"`+sub+`"`) {
			t.Errorf("discovery lacks %s: %v\n%s", sub, err, out)
		}
	}
	out, err = run("get", "--raw", "/openapi/v3/apis/baremetal.metal3.io/v1alpha1")
	for _, def := range []string{"baremetal.v1alpha1.Power", "baremetal.v1alpha1.RebootRequest", "/baremetalhosts/{name}/power"} {
		if err != nil || !strings.Contains(out, def) {
			t.Errorf("OpenAPI v3 lacks %s", def)
		}
	}

	// kubectl's own --subresource flag reads and patches the power.
	out, err = run("get", "bmh", "h-sub", "--subresource=power", "-o", "yaml")
	if err != nil || !strings.Contains(out, "kind: Power") || !strings.Contains(out, "state: \"On\"") && !strings.Contains(out, "state: On") {
		t.Fatalf("kubectl get --subresource=power: %v\n%s", err, out)
	}
	out, err = run("patch", "bmh", "h-sub", "--subresource=power", "--type=merge", "-p", `{"spec":{"state":"Off"}}`)
	if err != nil {
		t.Fatalf("kubectl patch --subresource=power: %v\n%s", err, out)
	}
	h, err := hosts.Get(ctx, "h-sub", metav1.GetOptions{})
	if err != nil || h.Spec.Online {
		t.Fatalf("power patch did not set spec.online=false: %v %+v", err, h.Spec)
	}
	managed := false
	for _, mf := range h.ManagedFields {
		managed = managed || (mf.Subresource == "power" && strings.Contains(string(mf.FieldsV1.Raw), "f:online"))
	}
	if !managed {
		t.Errorf("managedFields do not record the power writer owning spec.online: %+v", h.ManagedFields)
	}
	out, err = run("patch", "bmh", "h-sub", "--subresource=power", "--type=merge", "-p", `{"spec":{"state":"Sideways"}}`)
	if err == nil || !strings.Contains(out, "spec.state") {
		t.Errorf("invalid power state: %v\n%s", err, out)
	}

	// Typed client: stale resourceVersion is a conflict.
	p, err := hosts.GetPower(ctx, "h-sub", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hosts.Patch(ctx, "h-sub", types.MergePatchType, []byte(`{"spec":{"description":"bump"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	p.Spec.State = v1alpha1.PowerOn
	if _, err := hosts.UpdatePower(ctx, "h-sub", p, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale UpdatePower: %v, want 409", err)
	}

	// A host nobody registered cannot be rebooted or inspected: 409 naming why.
	_, err = hosts.Reboot(ctx, "h-sub", &v1alpha1.RebootRequest{}, metav1.CreateOptions{})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("reboot of an unregistered host: %v, want 409", err)
	}
	_, err = hosts.Inspect(ctx, "h-sub", &v1alpha1.InspectRequest{}, metav1.CreateOptions{})
	if !apierrors.IsConflict(err) {
		t.Errorf("inspect of an unregistered host: %v, want 409", err)
	}

	// Once the host is available and on, a reboot is accepted with HTTP 202.
	h, _ = hosts.Get(ctx, "h-sub", metav1.GetOptions{})
	h.Spec.Online = true
	if h, err = hosts.Update(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.Status.Provisioning.State = v1alpha1.StateAvailable
	h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	h.Status.PoweredOn = true
	if _, err := hosts.UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var code int
	res := cs.BaremetalV1alpha1().RESTClient().Post().Namespace(ns).Resource("baremetalhosts").Name("h-sub").
		SubResource("reboot").Body([]byte(`{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest","spec":{"mode":"hard"}}`)).
		Do(ctx).StatusCode(&code)
	if res.Error() != nil || code != 202 {
		t.Errorf("reboot of an available host: HTTP %d, %v; want 202", code, res.Error())
	}
	if status, err := hosts.Inspect(ctx, "h-sub", &v1alpha1.InspectRequest{}, metav1.CreateOptions{}); err != nil || status.Code != 202 {
		t.Errorf("inspect of an available host: %+v %v", status, err)
	}
	in, err := hosts.GetInspection(ctx, "h-sub", metav1.GetOptions{})
	if err != nil || in.Status.State != v1alpha1.InspectionPending {
		t.Errorf("GetInspection: %+v %v", in, err)
	}
	// No mutation over GET: the reboot subresource has no GET.
	err = cs.BaremetalV1alpha1().RESTClient().Get().Namespace(ns).Resource("baremetalhosts").Name("h-sub").SubResource("reboot").Do(ctx).StatusCode(&code).Error()
	if err == nil || code != 405 {
		t.Errorf("GET reboot: HTTP %d %v, want 405", code, err)
	}
}
