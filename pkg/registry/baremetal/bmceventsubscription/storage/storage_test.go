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

func validSubscription(name string) *baremetal.BMCEventSubscription {
	return &baremetal.BMCEventSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: baremetal.BMCEventSubscriptionSpec{
			HostName:    "worker-0",
			Destination: "https://events.example.com/bmc",
		},
	}
}

func TestCreate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	s := validSubscription("foo")
	s.ObjectMeta = metav1.ObjectMeta{}
	bad := validSubscription("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.Destination = "https://events.example.com"
	test.TestCreate(s, bad)
}

// TestUpdate: the generic test's update changes metadata only (the spec is immutable), and an
// update of the spec is the invalid one.
func TestUpdate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	test.TestUpdate(validSubscription("foo"),
		func(obj runtime.Object) runtime.Object {
			s := obj.(*baremetal.BMCEventSubscription)
			s.Labels = map[string]string{"team": "sre"}
			return s
		},
		func(obj runtime.Object) runtime.Object {
			s := obj.(*baremetal.BMCEventSubscription)
			s.Spec.Destination = "https://elsewhere.example.com/bmc"
			return s
		},
	)
}

func TestDelete(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).ReturnDeletedObject().TestDelete(validSubscription("foo"))
}

func TestGet(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestGet(validSubscription("foo"))
}

func TestList(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestList(validSubscription("foo"))
}

func TestWatch(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestWatch(
		validSubscription("foo"),
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
	obj, err := s.Main.Create(ctx, validSubscription("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(*baremetal.BMCEventSubscription)
	update := created.DeepCopy()
	update.Spec.Destination = "https://attacker.example.com/"
	update.Labels = map[string]string{"sneaky": "label"}
	update.Status = baremetal.BMCEventSubscriptionStatus{SubscriptionID: "7"}
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(update), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err = s.Main.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*baremetal.BMCEventSubscription)
	if got.Spec.Destination != created.Spec.Destination || len(got.Labels) != 0 || got.Status.SubscriptionID != "7" {
		t.Errorf("after a status write: %+v", got)
	}

	// The spec stays as created: a 422 naming the field, nothing stored.
	spec := got.DeepCopy()
	spec.Spec.HostName = "worker-1"
	_, _, err = s.Main.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(spec), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("spec change: %v, want 422", err)
	}

	// A status update of an object that does not exist is a 404, never a create.
	_, _, err = s.Status.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(validSubscription("missing")), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing object: %v, want NotFound", err)
	}
}

func TestNames(t *testing.T) {
	s := newStorage(t)
	if got := s.Main.GetSingularName(); got != "bmceventsubscription" {
		t.Errorf("singular name %q", got)
	}
	if got := s.Main.ShortNames(); len(got) != 2 || got[0] != "bes" || got[1] != "bmcevent" {
		t.Errorf("short names %v, want Metal3's bes, bmcevent", got)
	}
}
