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
	"errors"
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

// newREST returns the storage on a fresh embedded etcd (stopped by the test's cleanup).
func newREST(t *testing.T) *specstatus.REST {
	t.Helper()
	_, config := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	config.Codec = scheme.Codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	r, err := NewREST(optionsGetter{config})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Store.DestroyFunc)
	return r
}

func validHUP(name string) *baremetal.HostUpdatePolicy {
	return &baremetal.HostUpdatePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec:       baremetal.HostUpdatePolicySpec{FirmwareSettings: baremetal.HostUpdatePolicyOnReboot},
	}
}

func TestCreate(t *testing.T) {
	test := genericregistrytest.New(t, newREST(t).Store)
	hup := validHUP("foo")
	hup.ObjectMeta = metav1.ObjectMeta{}
	bad := validHUP("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.FirmwareUpdates = "immediately"
	test.TestCreate(hup, bad)
}

func TestUpdate(t *testing.T) {
	test := genericregistrytest.New(t, newREST(t).Store)
	test.TestUpdate(validHUP("foo"),
		func(obj runtime.Object) runtime.Object {
			hup := obj.(*baremetal.HostUpdatePolicy)
			hup.Spec.FirmwareUpdates = baremetal.HostUpdatePolicyOnReboot
			return hup
		},
		func(obj runtime.Object) runtime.Object {
			hup := obj.(*baremetal.HostUpdatePolicy)
			hup.Spec.FirmwareSettings = "OnReboot"
			return hup
		},
	)
}

func TestDelete(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).ReturnDeletedObject().TestDelete(validHUP("foo"))
}

func TestGet(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).TestGet(validHUP("foo"))
}

func TestList(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).TestList(validHUP("foo"))
}

func TestWatch(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).TestWatch(
		validHUP("foo"),
		[]labels.Set{},
		[]labels.Set{{"a": "b"}},
		[]fields.Set{{"metadata.name": "foo"}},
		[]fields.Set{{"metadata.name": "bar"}},
	)
}

// TestGeneration checks what a reconciler reads to know whether the policy changed since it
// last acted: the generation moves with the spec, not with metadata.
func TestGeneration(t *testing.T) {
	r := newREST(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	obj, err := r.Create(ctx, validHUP("worker-0"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hup := obj.(*baremetal.HostUpdatePolicy)
	if hup.Generation != 1 {
		t.Errorf("generation on create: %d", hup.Generation)
	}
	update := func(mutate func(*baremetal.HostUpdatePolicy)) *baremetal.HostUpdatePolicy {
		t.Helper()
		h := hup.DeepCopy()
		mutate(h)
		obj, _, err := r.Update(ctx, h.Name, rest.DefaultUpdatedObjectInfo(h), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return obj.(*baremetal.HostUpdatePolicy)
	}
	if hup = update(func(h *baremetal.HostUpdatePolicy) { h.Labels = map[string]string{"a": "b"} }); hup.Generation != 1 {
		t.Errorf("generation after a label: %d", hup.Generation)
	}
	if hup = update(func(h *baremetal.HostUpdatePolicy) { h.Spec.FirmwareUpdates = baremetal.HostUpdatePolicyOnReboot }); hup.Generation != 2 {
		t.Errorf("generation after a policy: %d", hup.Generation)
	}

	// An invalid policy is a 422 that names the field, and nothing is stored.
	bad := hup.DeepCopy()
	bad.Spec.FirmwareSettings = "later"
	_, _, err = r.Update(ctx, bad.Name, rest.DefaultUpdatedObjectInfo(bad), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || len(status.Status().Details.Causes) != 1 ||
		status.Status().Details.Causes[0].Field != "spec.firmwareSettings" {
		t.Errorf("invalid policy: %v, want a 422 naming spec.firmwareSettings", err)
	}
}

func TestSingularName(t *testing.T) {
	if got := newREST(t).GetSingularName(); got != "hostupdatepolicy" {
		t.Errorf("singular name %q", got)
	}
}
