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

// Package storagetest tests the storage of a kind stored by specstatus on a real (embedded)
// etcd, as each kind's storage test runs it: the generic registry tests (create, update,
// delete, get, list, watch), its names, its generation, its 422s, and its status subresource
// if it has one. What is the kind's own (HostFirmwareSettings judged by a FirmwareSchema, a
// FirmwareSchema read for them) stays in the kind's test.
package storagetest

import (
	"context"
	"slices"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistrytest "k8s.io/apiserver/pkg/registry/generic/testing"
	"k8s.io/apiserver/pkg/registry/rest"
	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// RESTOptions returns the options of stores on a fresh embedded etcd, which t's cleanup stops.
// Objects are stored as the server stores them: v1alpha1, JSON.
func RESTOptions(t *testing.T) generic.RESTOptionsGetter {
	t.Helper()
	_, config := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	config.Codec = scheme.Codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	return optionsGetter{config}
}

type optionsGetter struct{ config *storagebackend.Config }

func (g optionsGetter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig:           g.config.ForResource(resource),
		Decorator:               generic.UndecoratedStorage,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          resource.Group + "/" + resource.Resource,
	}, nil
}

// Start returns the storage newStorage builds on a fresh embedded etcd; t's cleanup destroys
// the store and stops etcd.
func Start(t *testing.T, newStorage func(generic.RESTOptionsGetter) (specstatus.Storage, error)) specstatus.Storage {
	t.Helper()
	s, err := newStorage(RESTOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Main.Store.DestroyFunc)
	return s
}

// MainOnly makes the constructor of a kind without a status subresource one Start takes.
func MainOnly(newREST func(generic.RESTOptionsGetter) (*specstatus.REST, error)) func(generic.RESTOptionsGetter) (specstatus.Storage, error) {
	return func(opts generic.RESTOptionsGetter) (specstatus.Storage, error) {
		r, err := newREST(opts)
		return specstatus.Storage{Main: r}, err
	}
}

// Case is one kind's storage, as Run tests it.
type Case[T specstatus.Object] struct {
	// Valid returns a valid object named name in the default namespace, with no status.
	Valid func(name string) T
	// Invalid makes an object invalid, on create and on update; the 422 names InvalidField.
	Invalid      func(T)
	InvalidField string
	// SpecChange changes the spec of a valid object.
	SpecChange func(T)
	// SpecImmutable says that the spec cannot change after create: a SpecChange is a 422.
	SpecImmutable bool

	// Singular, ShortNames and Categories are the names of the resource: Metal3's.
	Singular               string
	ShortNames, Categories []string

	// SetStatus writes a valid status into an object, for a kind with a status subresource;
	// BadStatus makes it invalid (nil when the kind's status has no rule to break).
	SetStatus, BadStatus func(T)
	// Spec and Status read what is compared.
	Spec, Status func(T) any
}

// Run tests the storage newStorage returns (a fresh one for each test) against c.
func Run[T specstatus.Object](t *testing.T, newStorage func(*testing.T) specstatus.Storage, c Case[T]) {
	tester := func(t *testing.T) *genericregistrytest.Tester {
		return genericregistrytest.New(t, newStorage(t).Main.Store)
	}
	t.Run("create", func(t *testing.T) {
		valid, invalid := c.Valid("foo"), c.Valid("")
		c.Invalid(invalid)
		for _, o := range []T{valid, invalid} {
			o.SetName("")
			o.SetNamespace("")
		}
		tester(t).TestCreate(valid, invalid)
	})
	t.Run("update", func(t *testing.T) {
		validUpdate := c.SpecChange
		if c.SpecImmutable {
			validUpdate = func(o T) { o.SetLabels(map[string]string{"team": "sre"}) }
		}
		tester(t).TestUpdate(c.Valid("foo"), mutation(validUpdate), mutation(c.Invalid))
	})
	t.Run("delete", func(t *testing.T) { tester(t).ReturnDeletedObject().TestDelete(c.Valid("foo")) })
	t.Run("get", func(t *testing.T) { tester(t).TestGet(c.Valid("foo")) })
	t.Run("list", func(t *testing.T) { tester(t).TestList(c.Valid("foo")) })
	t.Run("watch", func(t *testing.T) {
		tester(t).TestWatch(c.Valid("foo"),
			[]labels.Set{},
			[]labels.Set{{"a": "b"}},
			[]fields.Set{{"metadata.name": "foo"}},
			[]fields.Set{{"metadata.name": "bar"}},
		)
	})
	t.Run("names", func(t *testing.T) {
		s := newStorage(t)
		if got := s.Main.GetSingularName(); got != c.Singular {
			t.Errorf("singular name %q, want %q", got, c.Singular)
		}
		if got := s.Main.ShortNames(); !slices.Equal(got, c.ShortNames) {
			t.Errorf("short names %v, want Metal3's %v", got, c.ShortNames)
		}
		if got := s.Main.Categories(); !slices.Equal(got, c.Categories) {
			t.Errorf("categories %v, want Metal3's %v", got, c.Categories)
		}
	})
	t.Run("invalid is a 422 naming the field", func(t *testing.T) {
		s := newStorage(t)
		o := c.Valid("foo")
		c.Invalid(o)
		_, err := s.Main.Create(nsContext(), o, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
		wantInvalid(t, err, c.InvalidField)
	})
	t.Run("generation follows the spec", func(t *testing.T) { testGeneration(t, newStorage(t), c) })
	t.Run("status subresource", func(t *testing.T) {
		s := newStorage(t)
		if (s.Status != nil) != (c.SetStatus != nil) {
			t.Fatalf("status subresource %v, want %v", s.Status != nil, c.SetStatus != nil)
		}
		testResetFields(t, s)
		if s.Status != nil {
			testStatus(t, s, c)
		}
	})
}

// testResetFields: server-side apply records no manager as owning what a write cannot set:
// the status in a write of the main resource, all else in a status write. A kind without a
// status subresource resets nothing.
func testResetFields(t *testing.T, s specstatus.Storage) {
	path := func(parts ...any) fieldpath.Path { return fieldpath.MakePathOrDie(parts...) }
	main := s.Main.GetResetFields()
	if s.Status == nil {
		if main != nil {
			t.Errorf("reset fields %v without a status subresource", main)
		}
		return
	}
	if set := main["baremetal.metal3.io/v1alpha1"]; set == nil || !set.Has(path("status")) || set.Has(path("spec")) {
		t.Errorf("main resource reset fields: %v", main)
	}
	status := s.Status.GetResetFields()["baremetal.metal3.io/v1alpha1"]
	if status == nil || !status.Has(path("spec")) || !status.Has(path("metadata", "labels")) ||
		!status.Has(path("metadata", "annotations")) || status.Has(path("status")) {
		t.Errorf("status reset fields: %v", status)
	}
}

func nsContext() context.Context {
	return genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
}

func mutation[T specstatus.Object](mutate func(T)) genericregistrytest.UpdateFunc {
	return func(obj runtime.Object) runtime.Object {
		mutate(obj.(T))
		return obj
	}
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want 422 Invalid", err)
	}
	details := err.(apierrors.APIStatus).Status().Details
	if details == nil || !slices.ContainsFunc(details.Causes, func(c metav1.StatusCause) bool { return c.Field == field }) {
		t.Errorf("causes %+v, want one for %s", details, field)
	}
}

// update writes what mutate makes of the stored object through the main resource.
func update[T specstatus.Object](t *testing.T, s specstatus.Storage, name string, mutate func(T)) (T, error) {
	t.Helper()
	current, err := s.Main.Get(nsContext(), name, &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := current.DeepCopyObject().(T)
	mutate(o)
	out, _, err := s.Main.Update(nsContext(), name, rest.DefaultUpdatedObjectInfo(o), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		var zero T
		return zero, err
	}
	return out.(T), nil
}

// testGeneration: the generation starts at 1 and moves with the spec, not with metadata (what
// the reconciler and users change around an object).
func testGeneration[T specstatus.Object](t *testing.T, s specstatus.Storage, c Case[T]) {
	obj, err := s.Main.Create(nsContext(), c.Valid("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g := obj.(T).GetGeneration(); g != 1 {
		t.Fatalf("generation on create %d, want 1", g)
	}
	got, err := update(t, s, "foo", func(o T) {
		o.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "baremetal.metal3.io/v1alpha1", Kind: "BareMetalHost", Name: "foo", UID: "u1"}})
		o.SetFinalizers([]string{"example.com/keep"})
		o.SetLabels(map[string]string{"rack": "a"})
		o.SetAnnotations(map[string]string{"note": "b"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := got.GetGeneration(); g != 1 {
		t.Errorf("generation %d after a change of metadata, want 1", g)
	}
	got, err = update(t, s, "foo", c.SpecChange)
	if c.SpecImmutable {
		// The spec stays as created: a 422 naming the field, nothing stored.
		if !apierrors.IsInvalid(err) {
			t.Errorf("spec change: %v, want 422", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if g := got.GetGeneration(); g != 2 {
		t.Errorf("generation %d after a spec change, want 2", g)
	}
}

// testStatus: the status subresource writes status and nothing else, the main resource
// everything but status.
func testStatus[T specstatus.Object](t *testing.T, s specstatus.Storage, c Case[T]) {
	ctx := nsContext()

	// A status sent with a create is dropped.
	withStatus := c.Valid("foo")
	c.SetStatus(withStatus)
	obj, err := s.Main.Create(ctx, withStatus, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(T)
	if !apiequality.Semantic.DeepEqual(c.Status(created), c.Status(c.Valid("foo"))) {
		t.Errorf("create kept the status: %+v", c.Status(created))
	}

	// A status write keeps the spec, the labels and the annotations as stored.
	write := created.DeepCopyObject().(T)
	c.SpecChange(write)
	write.SetLabels(map[string]string{"sneaky": "label"})
	write.SetAnnotations(map[string]string{"sneaky": "annotation"})
	c.SetStatus(write)
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(write), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err = s.Main.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(T)
	if !apiequality.Semantic.DeepEqual(c.Spec(got), c.Spec(created)) || len(got.GetLabels()) != 0 || len(got.GetAnnotations()) != 0 {
		t.Errorf("status write changed spec, labels or annotations: %+v %v %v", c.Spec(got), got.GetLabels(), got.GetAnnotations())
	}
	if !apiequality.Semantic.DeepEqual(c.Status(got), c.Status(write)) {
		t.Errorf("status not written:\n got  %+v\n want %+v", c.Status(got), c.Status(write))
	}
	if got.GetGeneration() != 1 {
		t.Errorf("generation %d after a status write, want 1", got.GetGeneration())
	}

	// A write of the main resource keeps the status as stored, even one that sends none.
	if !c.SpecImmutable {
		none := c.Valid("foo")
		c.SpecChange(none)
		none.SetResourceVersion(got.GetResourceVersion())
		obj, _, err := s.Main.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(none), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if updated := obj.(T); !apiequality.Semantic.DeepEqual(c.Status(updated), c.Status(got)) || updated.GetGeneration() != 2 {
			t.Errorf("spec write: status %+v, generation %d", c.Status(updated), updated.GetGeneration())
		}
	}

	if c.BadStatus != nil {
		obj, err := s.Main.Get(ctx, "foo", &metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bad := obj.DeepCopyObject().(T)
		c.BadStatus(bad)
		_, _, err = s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(bad), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if !apierrors.IsInvalid(err) {
			t.Errorf("invalid status: %v, want 422", err)
		}
	}

	// A status update of an object that does not exist is a 404, never a create.
	_, _, err = s.Status.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(c.Valid("missing")), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing object: %v, want NotFound", err)
	}
}
