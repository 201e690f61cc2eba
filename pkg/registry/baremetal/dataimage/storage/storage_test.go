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

package storage

import (
	"testing"

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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

type optionsGetter struct{ config *storagebackend.Config }

func (g optionsGetter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig:           g.config.ForResource(resource),
		Decorator:               generic.UndecoratedStorage,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          resource.Group + "/" + resource.Resource,
	}, nil
}

// newStorage returns the storages on a fresh embedded etcd (stopped by the test's cleanup).
func newStorage(t *testing.T) specstatus.Storage {
	t.Helper()
	_, config := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	config.Codec = scheme.Codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	s, err := NewStorage(optionsGetter{config})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Main.Store.DestroyFunc)
	return s
}

func validDataImage(name string) *baremetal.DataImage {
	return &baremetal.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec:       baremetal.DataImageSpec{URL: "http://images.example.com/config.iso"},
	}
}

func TestCreate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	img := validDataImage("foo")
	img.ObjectMeta = metav1.ObjectMeta{}
	bad := validDataImage("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.URL = "config.iso"
	test.TestCreate(img, bad)
}

func TestUpdate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	test.TestUpdate(validDataImage("foo"),
		func(obj runtime.Object) runtime.Object {
			img := obj.(*baremetal.DataImage)
			img.Spec.URL = "https://images.example.com/other.iso"
			return img
		},
		func(obj runtime.Object) runtime.Object {
			img := obj.(*baremetal.DataImage)
			img.Spec.URL = ""
			return img
		},
	)
}

func TestDelete(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).ReturnDeletedObject().TestDelete(validDataImage("foo"))
}

func TestGet(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestGet(validDataImage("foo"))
}

func TestList(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestList(validDataImage("foo"))
}

func TestWatch(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestWatch(
		validDataImage("foo"),
		[]labels.Set{},
		[]labels.Set{{"a": "b"}},
		[]fields.Set{{"metadata.name": "foo"}},
		[]fields.Set{{"metadata.name": "bar"}},
	)
}

// TestUpdateStatus checks the status subresource: it writes status and nothing else, and the
// main resource writes everything but status.
func TestUpdateStatus(t *testing.T) {
	s := newStorage(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	obj, err := s.Main.Create(ctx, validDataImage("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(*baremetal.DataImage)
	now := metav1.Now()
	update := created.DeepCopy()
	update.Spec.URL = "http://attacker.example.com/evil.iso"
	update.Labels = map[string]string{"sneaky": "label"}
	update.Status = baremetal.DataImageStatus{
		LastReconciled: &now,
		AttachedImage:  baremetal.AttachedImageReference{URL: created.Spec.URL},
	}
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(update), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err = s.Main.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*baremetal.DataImage)
	if got.Spec != created.Spec || len(got.Labels) != 0 {
		t.Errorf("status update changed spec or labels: %+v %v", got.Spec, got.Labels)
	}
	if got.Status.AttachedImage.URL != created.Spec.URL || got.Status.LastReconciled == nil {
		t.Errorf("status not written: %+v", got.Status)
	}

	// The main resource keeps the status as stored.
	spec := got.DeepCopy()
	spec.Spec.URL = "http://images.example.com/other.iso"
	spec.Status = baremetal.DataImageStatus{}
	obj, _, err = s.Main.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(spec), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got = obj.(*baremetal.DataImage); got.Status.AttachedImage.URL != created.Spec.URL || got.Generation != 2 {
		t.Errorf("spec update: status %+v, generation %d", got.Status, got.Generation)
	}

	bad := got.DeepCopy()
	bad.Status.Error.Count = -1
	_, _, err = s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(bad), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("negative error count: %v, want 422", err)
	}

	// A status update of an object that does not exist is a 404, never a create.
	_, _, err = s.Status.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(validDataImage("missing")), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing object: %v, want NotFound", err)
	}
}

func TestSingularName(t *testing.T) {
	if got := newStorage(t).Main.GetSingularName(); got != "dataimage" {
		t.Errorf("singular name %q", got)
	}
}
