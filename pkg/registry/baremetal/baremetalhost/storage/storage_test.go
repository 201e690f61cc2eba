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
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistrytest "k8s.io/apiserver/pkg/registry/generic/testing"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus/storagetest"
)

// newStorage returns the storages on a fresh embedded etcd (stopped by the test's cleanup).
func newStorage(t *testing.T) HostStorage {
	t.Helper()
	s, err := NewStorage(storagetest.RESTOptions(t), validation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Host.Store.DestroyFunc)
	return s
}

func validHost(name string) *baremetal.BareMetalHost {
	return &baremetal.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: baremetal.BareMetalHostSpec{
			Online:                true,
			BootMode:              baremetal.BootModeUEFI,
			AutomatedCleaningMode: baremetal.CleaningModeMetadata,
			BootMACAddress:        "52:54:00:00:00:01",
			BMC:                   baremetal.BMCDetails{Address: "ipmi://192.0.2.1", CredentialsName: "bmc-secret"},
		},
	}
}

func TestCreate(t *testing.T) {
	s := newStorage(t)
	test := genericregistrytest.New(t, s.Host.Store)
	host := validHost("foo")
	host.ObjectMeta = metav1.ObjectMeta{}
	bad := validHost("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.BMC.Address = "nosuchscheme://192.0.2.1"
	test.TestCreate(host, bad)
}

func TestUpdate(t *testing.T) {
	s := newStorage(t)
	test := genericregistrytest.New(t, s.Host.Store)
	test.TestUpdate(validHost("foo"),
		func(obj runtime.Object) runtime.Object {
			h := obj.(*baremetal.BareMetalHost)
			h.Spec.Description = "updated"
			return h
		},
		func(obj runtime.Object) runtime.Object {
			h := obj.(*baremetal.BareMetalHost)
			h.Spec.BootMACAddress = "not-a-mac"
			return h
		},
	)
}

func TestDelete(t *testing.T) {
	s := newStorage(t)
	test := genericregistrytest.New(t, s.Host.Store).ReturnDeletedObject()
	test.TestDelete(validHost("foo"))
}

func TestGet(t *testing.T) {
	s := newStorage(t)
	genericregistrytest.New(t, s.Host.Store).TestGet(validHost("foo"))
}

func TestList(t *testing.T) {
	s := newStorage(t)
	genericregistrytest.New(t, s.Host.Store).TestList(validHost("foo"))
}

func TestWatch(t *testing.T) {
	s := newStorage(t)
	genericregistrytest.New(t, s.Host.Store).TestWatch(
		validHost("foo"),
		[]labels.Set{},
		[]labels.Set{{"a": "b"}},
		[]fields.Set{
			{"metadata.name": "foo"},
			{"spec.online": "true"},
			{"status.provisioning.state": ""},
		},
		[]fields.Set{
			{"metadata.name": "bar"},
			{"spec.online": "false"},
			{"spec.consumerRef.name": "machine-1"},
		},
	)
}

// TestUpdateStatus checks the status subresource: it writes status and nothing else.
func TestUpdateStatus(t *testing.T) {
	s := newStorage(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	created, err := s.Host.Create(ctx, validHost("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	update := created.(*baremetal.BareMetalHost).DeepCopy()
	update.Spec.Online = false
	update.Labels = map[string]string{"sneaky": "label"}
	update.Status.Provisioning.State = baremetal.StateRegistering
	update.Status.PoweredOn = true

	if _, _, err := s.Status.Update(ctx, update.Name, rest.DefaultUpdatedObjectInfo(update), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err := s.Host.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*baremetal.BareMetalHost)
	if !apiequality.Semantic.DeepEqual(got.Spec, created.(*baremetal.BareMetalHost).Spec) || len(got.Labels) != 0 {
		t.Errorf("status update changed spec or labels: %+v %v", got.Spec, got.Labels)
	}
	if got.Status.Provisioning.State != baremetal.StateRegistering || !got.Status.PoweredOn {
		t.Errorf("status not written: %+v", got.Status)
	}

	// A status update of a host that does not exist is a 404, never a create.
	missing := validHost("missing")
	_, _, err = s.Status.Update(ctx, "missing", rest.DefaultUpdatedObjectInfo(missing), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("status update of a missing host: %v, want NotFound", err)
	}
}

func TestShortNamesAndCategories(t *testing.T) {
	s := newStorage(t)
	if got := s.Host.ShortNames(); len(got) != 2 || got[0] != "bmh" || got[1] != "bmhost" {
		t.Errorf("short names %v", got)
	}
	if got := s.Host.Categories(); len(got) != 1 || got[0] != "baremetal" {
		t.Errorf("categories %v", got)
	}
}
