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

func validImage(name string) *baremetal.PreprovisioningImage {
	return &baremetal.PreprovisioningImage{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: baremetal.PreprovisioningImageSpec{Architecture: "x86_64",
			AcceptFormats: []baremetal.ImageFormat{baremetal.ImageFormatISO}},
	}
}

func TestCreate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	img := validImage("foo")
	img.ObjectMeta = metav1.ObjectMeta{}
	bad := validImage("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.AcceptFormats = []baremetal.ImageFormat{"vmdk"}
	test.TestCreate(img, bad)
}

func TestUpdate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	test.TestUpdate(validImage("foo"),
		func(obj runtime.Object) runtime.Object {
			img := obj.(*baremetal.PreprovisioningImage)
			img.Spec.AcceptFormats = append(img.Spec.AcceptFormats, baremetal.ImageFormatInitRD)
			return img
		},
		func(obj runtime.Object) runtime.Object {
			img := obj.(*baremetal.PreprovisioningImage)
			img.Spec.NetworkDataName = "Not A Secret"
			return img
		},
	)
}

func TestDelete(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).ReturnDeletedObject().TestDelete(validImage("foo"))
}

func TestGet(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestGet(validImage("foo"))
}

func TestList(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestList(validImage("foo"))
}

func TestWatch(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestWatch(
		validImage("foo"),
		[]labels.Set{},
		[]labels.Set{{"a": "b"}},
		[]fields.Set{{"metadata.name": "foo"}},
		[]fields.Set{{"metadata.name": "bar"}},
	)
}

// TestUpdateStatus checks the status subresource: it writes status and nothing else.
func TestUpdateStatus(t *testing.T) {
	s := newStorage(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	obj, err := s.Main.Create(ctx, validImage("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(*baremetal.PreprovisioningImage)
	now := metav1.Now()
	update := created.DeepCopy()
	update.Spec.Architecture = "aarch64"
	update.Labels = map[string]string{"sneaky": "label"}
	update.Status = baremetal.PreprovisioningImageStatus{
		ImageURL: "http://images.example.com/foo.iso", Format: baremetal.ImageFormatISO, Architecture: "x86_64",
		Conditions: []metav1.Condition{{Type: string(v1alpha1.ConditionImageReady), Status: metav1.ConditionTrue,
			Reason: "ImageSuccess", Message: "Generated image", LastTransitionTime: now}},
	}
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(update), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err = s.Main.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*baremetal.PreprovisioningImage)
	if got.Spec.Architecture != "x86_64" || len(got.Labels) != 0 {
		t.Errorf("status update changed spec or labels: %+v %v", got.Spec, got.Labels)
	}
	if got.Status.ImageURL != "http://images.example.com/foo.iso" || len(got.Status.Conditions) != 1 {
		t.Errorf("status not written: %+v", got.Status)
	}

	bad := got.DeepCopy()
	bad.Status.Conditions = append(bad.Status.Conditions, bad.Status.Conditions[0])
	_, _, err = s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(bad), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("duplicate condition: %v, want 422", err)
	}

	// A status update of an object that does not exist is a 404, never a create.
	_, _, err = s.Status.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(validImage("missing")), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing object: %v, want NotFound", err)
	}
}

func TestNames(t *testing.T) {
	s := newStorage(t)
	if got := s.Main.GetSingularName(); got != "preprovisioningimage" {
		t.Errorf("singular name %q", got)
	}
	if got := s.Main.ShortNames(); len(got) != 1 || got[0] != "ppimg" {
		t.Errorf("short names %v, want Metal3's ppimg", got)
	}
}
