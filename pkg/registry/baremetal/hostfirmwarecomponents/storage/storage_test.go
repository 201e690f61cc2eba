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

func validHFC(name string) *baremetal.HostFirmwareComponents {
	return &baremetal.HostFirmwareComponents{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: baremetal.HostFirmwareComponentsSpec{Updates: []baremetal.FirmwareUpdate{
			{Component: "bios", URL: "https://fw.example.com/bios-2.1.bin"},
		}},
	}
}

func TestCreate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	hfc := validHFC("foo")
	hfc.ObjectMeta = metav1.ObjectMeta{}
	bad := validHFC("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.Updates[0].Component = "gpu"
	test.TestCreate(hfc, bad)
}

func TestUpdate(t *testing.T) {
	test := genericregistrytest.New(t, newStorage(t).Main.Store)
	test.TestUpdate(validHFC("foo"),
		func(obj runtime.Object) runtime.Object {
			hfc := obj.(*baremetal.HostFirmwareComponents)
			hfc.Spec.Updates = append(hfc.Spec.Updates, baremetal.FirmwareUpdate{Component: "nic:NIC.Slot.1-1", URL: "http://fw.example.com/nic.bin"})
			return hfc
		},
		func(obj runtime.Object) runtime.Object {
			hfc := obj.(*baremetal.HostFirmwareComponents)
			hfc.Spec.Updates[0].URL = "unix:///tmp/bios.bin"
			return hfc
		},
	)
}

func TestDelete(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).ReturnDeletedObject().TestDelete(validHFC("foo"))
}

func TestGet(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestGet(validHFC("foo"))
}

func TestList(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestList(validHFC("foo"))
}

func TestWatch(t *testing.T) {
	genericregistrytest.New(t, newStorage(t).Main.Store).TestWatch(
		validHFC("foo"),
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
	created, err := s.Main.Create(ctx, validHFC("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	update := created.(*baremetal.HostFirmwareComponents).DeepCopy()
	update.Spec.Updates = nil
	update.Labels = map[string]string{"sneaky": "label"}
	update.Status = baremetal.HostFirmwareComponentsStatus{
		Updates:    created.(*baremetal.HostFirmwareComponents).Spec.Updates,
		Components: []baremetal.FirmwareComponentStatus{{Component: "bios", InitialVersion: "2.0", CurrentVersion: "2.1", LastVersionFlashed: "2.1", UpdatedAt: &now}},
		Conditions: []metav1.Condition{{Type: v1alpha1.HostFirmwareComponentsValid, Status: metav1.ConditionTrue,
			Reason: v1alpha1.ReasonFirmwareComponentsOK, LastTransitionTime: now}},
	}
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(update), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err := s.Main.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*baremetal.HostFirmwareComponents)
	if !apiequality.Semantic.DeepEqual(got.Spec, created.(*baremetal.HostFirmwareComponents).Spec) || len(got.Labels) != 0 {
		t.Errorf("status update changed spec or labels: %+v %v", got.Spec, got.Labels)
	}
	if len(got.Status.Components) != 1 || got.Status.Components[0].CurrentVersion != "2.1" || len(got.Status.Updates) != 1 {
		t.Errorf("status not written: %+v", got.Status)
	}

	// What the reconciler reports must have Metal3's required fields.
	bad := got.DeepCopy()
	bad.Status.Components[0].InitialVersion = ""
	_, _, err = s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(bad), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("component without initialVersion: %v, want 422", err)
	}

	// A status update of an object that does not exist is a 404, never a create.
	_, _, err = s.Status.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(validHFC("missing")), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing object: %v, want NotFound", err)
	}
}

func TestSingularName(t *testing.T) {
	if got := newStorage(t).Main.GetSingularName(); got != "hostfirmwarecomponents" {
		t.Errorf("singular name %q", got)
	}
}
