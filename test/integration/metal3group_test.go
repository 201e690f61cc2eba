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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

var metal3Hosts = schema.GroupVersionResource{Group: "metal3.io", Version: "v1alpha1", Resource: "baremetalhosts"}

// TestMetal3Group: with --serve-metal3-io, Metal3's group serves the very objects of this
// server's group: one object, one resourceVersion sequence and one watch, whichever group a
// client writes and reads through. Without the flag the group does not exist.
func TestMetal3Group(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir(), "--serve-metal3-io")
	cfg, err := srv.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs := srv.Clientset(t)
	dyn := dynamic.NewForConfigOrDie(cfg)
	ctx := ctxFor(t)
	ours := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	theirs := dyn.Resource(metal3Hosts).Namespace(ns)

	t.Run("discovery lists every resource in both groups", func(t *testing.T) {
		dc := discovery.NewDiscoveryClientForConfigOrDie(cfg)
		a, err := dc.ServerResourcesForGroupVersion(v1alpha1.SchemeGroupVersion.String())
		if err != nil {
			t.Fatal(err)
		}
		b, err := dc.ServerResourcesForGroupVersion(v1alpha1.Metal3GroupVersion.String())
		if err != nil {
			t.Fatal(err)
		}
		names := func(l *metav1.APIResourceList) string {
			var n []string
			for _, r := range l.APIResources {
				n = append(n, r.Name+"|"+r.Kind+"|"+strings.Join(r.Verbs, ",")+"|"+strings.Join(r.ShortNames, ","))
			}
			return strings.Join(n, " ")
		}
		if names(a) != names(b) {
			t.Errorf("resources differ:\n%s:\n%s\n%s:\n%s", a.GroupVersion, names(a), b.GroupVersion, names(b))
		}
	})

	// A watch through Metal3's group, opened before anything is written, sees what is
	// written through either group.
	w, err := theirs.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	created, err := ours.Create(ctx, newHost("both"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an object created in one group is the same object in the other", func(t *testing.T) {
		got, err := theirs.Get(ctx, "both", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetAPIVersion() != "metal3.io/v1alpha1" || got.GetUID() != created.UID || got.GetResourceVersion() != created.ResourceVersion {
			t.Errorf("got %s uid %s rv %s, want metal3.io/v1alpha1 uid %s rv %s",
				got.GetAPIVersion(), got.GetUID(), got.GetResourceVersion(), created.UID, created.ResourceVersion)
		}
		if addr, _, _ := unstructured.NestedString(got.Object, "spec", "bmc", "address"); addr != created.Spec.BMC.Address {
			t.Errorf("spec.bmc.address = %q through metal3.io, want %q", addr, created.Spec.BMC.Address)
		}
	})

	var patchedRV string
	t.Run("a merge patch without resourceVersion through Metal3's group, read back in ours", func(t *testing.T) {
		// What Cluster API Provider Metal3 does to claim a host.
		patch := `{"metadata":{"labels":{"cluster":"c1"}},"spec":{"consumerRef":{"apiVersion":"infrastructure.cluster.x-k8s.io/v1beta1","kind":"Metal3Machine","name":"m1","namespace":"` + ns + `"},"online":false}}`
		got, err := theirs.Patch(ctx, "both", types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		patchedRV = got.GetResourceVersion()
		h, err := ours.Get(ctx, "both", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if h.ResourceVersion != patchedRV || h.Labels["cluster"] != "c1" || h.Spec.Online || h.Spec.ConsumerRef == nil || h.Spec.ConsumerRef.Name != "m1" {
			t.Errorf("after the patch through metal3.io: rv %s (want %s), labels %v, online %v, consumerRef %+v",
				h.ResourceVersion, patchedRV, h.Labels, h.Spec.Online, h.Spec.ConsumerRef)
		}
	})

	t.Run("the watch through Metal3's group saw both writes, as its own kind", func(t *testing.T) {
		for _, want := range []struct {
			typ watch.EventType
			rv  string
		}{{watch.Added, created.ResourceVersion}, {watch.Modified, patchedRV}} {
			select {
			case ev := <-w.ResultChan():
				u, ok := ev.Object.(*unstructured.Unstructured)
				if !ok || ev.Type != want.typ || u.GetResourceVersion() != want.rv || u.GetAPIVersion() != "metal3.io/v1alpha1" {
					t.Fatalf("event %s %#v, want %s at rv %s as metal3.io/v1alpha1", ev.Type, ev.Object, want.typ, want.rv)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("no %s event", want.typ)
			}
		}
	})

	t.Run("server-side apply through both groups shares one set of managed fields", func(t *testing.T) {
		apply := func(apiVersion, manager, label string) error {
			body := `{"apiVersion":"` + apiVersion + `","kind":"BareMetalHost","metadata":{"name":"both","labels":{"` + label + `":"x"}}}`
			return rest.Interface(cs.BaremetalV1alpha1().RESTClient()).Patch(types.ApplyPatchType).
				AbsPath("/apis/"+apiVersion, "namespaces", ns, "baremetalhosts", "both").
				Param("fieldManager", manager).Body([]byte(body)).Do(ctx).Error()
		}
		if err := apply("metal3.io/v1alpha1", "capm3", "from-metal3"); err != nil {
			t.Fatal(err)
		}
		if err := apply("baremetal.metal3.io/v1alpha1", "ops", "from-ours"); err != nil {
			t.Fatal(err)
		}
		// Another manager applying the same label value through the other group conflicts.
		body := `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"both","labels":{"from-metal3":"y"}}}`
		err := cs.BaremetalV1alpha1().RESTClient().Patch(types.ApplyPatchType).
			AbsPath("/apis/baremetal.metal3.io/v1alpha1", "namespaces", ns, "baremetalhosts", "both").
			Param("fieldManager", "intruder").Body([]byte(body)).Do(ctx).Error()
		if !apierrors.IsConflict(err) {
			t.Errorf("apply of a field another manager owns through the other group: %v, want a conflict", err)
		}
		h, err := ours.Get(ctx, "both", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		managers := map[string]string{}
		for _, m := range h.ManagedFields {
			managers[m.Manager] = m.APIVersion
		}
		if managers["capm3"] != "metal3.io/v1alpha1" || managers["ops"] != "baremetal.metal3.io/v1alpha1" {
			t.Errorf("managed fields: %v", managers)
		}
	})

	t.Run("field selectors, status and subresources through Metal3's group", func(t *testing.T) {
		l, err := theirs.List(ctx, metav1.ListOptions{FieldSelector: "spec.online=false,spec.consumerRef.name=m1", LabelSelector: "cluster in (c1,c2)"})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) != 1 || l.GetAPIVersion() != "metal3.io/v1alpha1" {
			t.Errorf("list by field and set-based label selector: %d items, %s", len(l.Items), l.GetAPIVersion())
		}
		st, err := theirs.Get(ctx, "both", metav1.GetOptions{}, "status")
		if err != nil {
			t.Fatal(err)
		}
		if st.GetName() != "both" {
			t.Errorf("status subresource: %s", st.GetName())
		}
		power, err := theirs.Get(ctx, "both", metav1.GetOptions{}, "power")
		if err != nil {
			t.Fatal(err)
		}
		if power.GetKind() != "Power" || power.GetAPIVersion() != "metal3.io/v1alpha1" {
			t.Errorf("power subresource: %s %s", power.GetAPIVersion(), power.GetKind())
		}
		// Protobuf, which Metal3's clients may negotiate: the envelope names Metal3's group.
		res := cs.BaremetalV1alpha1().RESTClient().Get().AbsPath("/apis/metal3.io/v1alpha1", "namespaces", ns, "baremetalhosts", "both").
			SetHeader("Accept", "application/vnd.kubernetes.protobuf").Do(ctx)
		var contentType string
		res.ContentType(&contentType)
		raw, err := res.Raw()
		if err != nil {
			t.Fatal(err)
		}
		var envelope runtime.Unknown
		if contentType != "application/vnd.kubernetes.protobuf" || len(raw) < 4 || envelope.Unmarshal(raw[4:]) != nil ||
			envelope.APIVersion != "metal3.io/v1alpha1" || envelope.Kind != "BareMetalHost" {
			t.Errorf("protobuf through metal3.io: %s, %q", contentType, raw[:min(len(raw), 64)])
		}
		// A table, as kubectl asks for it, with the same columns as ours.
		var tables [2]metav1.Table
		for i, group := range []string{"baremetal.metal3.io", "metal3.io"} {
			raw, err := cs.BaremetalV1alpha1().RESTClient().Get().AbsPath("/apis/"+group+"/v1alpha1", "namespaces", ns, "baremetalhosts").
				SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &tables[i]); err != nil {
				t.Fatal(err)
			}
		}
		if len(tables[0].ColumnDefinitions) == 0 || len(tables[0].ColumnDefinitions) != len(tables[1].ColumnDefinitions) || len(tables[1].Rows) != 1 {
			t.Errorf("tables: %d and %d columns, %d rows", len(tables[0].ColumnDefinitions), len(tables[1].ColumnDefinitions), len(tables[1].Rows))
		}
	})

	t.Run("a delete through Metal3's group deletes the object for both", func(t *testing.T) {
		if err := theirs.Delete(ctx, "both", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := ours.Get(ctx, "both", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("host still there after delete through metal3.io: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestMetal3GroupIsOptIn: without the flag nothing answers for Metal3's group, so an APIService
// for it could not hide Metal3's CRDs by accident.
func TestMetal3GroupIsOptIn(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cfg, err := srv.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = dynamic.NewForConfigOrDie(cfg).Resource(metal3Hosts).Namespace(ns).List(ctx, metav1.ListOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("listing metal3.io hosts without --serve-metal3-io: %v, want 404", err)
	}
	groups, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		if g.Name == "metal3.io" {
			t.Errorf("discovery lists metal3.io without --serve-metal3-io")
		}
	}
}
