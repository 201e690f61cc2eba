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

// newREST returns the storage on a fresh embedded etcd (stopped by the test's cleanup).
func newREST(t *testing.T) *specstatus.REST {
	t.Helper()
	_, config := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	config.Codec = scheme.Codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	s, err := NewREST(optionsGetter{config})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Store.DestroyFunc)
	return s
}

func validHardwareData(name string) *baremetal.HardwareData {
	return &baremetal.HardwareData{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: baremetal.HardwareDataSpec{Hardware: &baremetal.HardwareDetails{
			RAMMebibytes: 4096,
			CPU:          baremetal.CPU{Arch: "x86_64", Count: 4},
			NICs:         []baremetal.NIC{{Name: "eth0", MAC: "52:54:00:00:00:01"}},
			Storage:      []baremetal.Storage{{Name: "/dev/sda", Type: baremetal.DiskTypeSSD, SizeBytes: 1 << 37}},
		}},
	}
}

func TestCreate(t *testing.T) {
	s := newREST(t)
	test := genericregistrytest.New(t, s.Store)
	hd := validHardwareData("foo")
	hd.ObjectMeta = metav1.ObjectMeta{}
	bad := validHardwareData("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.Hardware.Storage[0].Type = "tape"
	test.TestCreate(hd, bad)
}

func TestUpdate(t *testing.T) {
	s := newREST(t)
	test := genericregistrytest.New(t, s.Store)
	test.TestUpdate(validHardwareData("foo"),
		func(obj runtime.Object) runtime.Object {
			hd := obj.(*baremetal.HardwareData)
			hd.Spec.Hardware.RAMMebibytes = 8192
			return hd
		},
		func(obj runtime.Object) runtime.Object {
			hd := obj.(*baremetal.HardwareData)
			hd.Spec.Hardware.NICs[0].VLANID = 5000
			return hd
		},
	)
}

func TestDelete(t *testing.T) {
	s := newREST(t)
	test := genericregistrytest.New(t, s.Store).ReturnDeletedObject()
	test.TestDelete(validHardwareData("foo"))
}

func TestGet(t *testing.T) {
	s := newREST(t)
	genericregistrytest.New(t, s.Store).TestGet(validHardwareData("foo"))
}

func TestList(t *testing.T) {
	s := newREST(t)
	genericregistrytest.New(t, s.Store).TestList(validHardwareData("foo"))
}

func TestWatch(t *testing.T) {
	s := newREST(t)
	genericregistrytest.New(t, s.Store).TestWatch(
		validHardwareData("foo"),
		[]labels.Set{},
		[]labels.Set{{"a": "b"}},
		[]fields.Set{{"metadata.name": "foo"}},
		[]fields.Set{{"metadata.name": "bar"}},
	)
}

// TestGeneration: a new inventory is a new generation; owner references, finalizers and
// labels (what the reconciler and users change around it) are not.
func TestGeneration(t *testing.T) {
	s := newREST(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	obj, err := s.Create(ctx, validHardwareData("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g := obj.(*baremetal.HardwareData).Generation; g != 1 {
		t.Fatalf("generation on create %d, want 1", g)
	}
	for _, tc := range []struct {
		name       string
		mutate     func(*baremetal.HardwareData)
		generation int64
	}{
		{"owner, finalizer and label", func(hd *baremetal.HardwareData) {
			hd.OwnerReferences = []metav1.OwnerReference{{APIVersion: "baremetal.metal3.io/v1alpha1", Kind: "BareMetalHost", Name: "foo", UID: "u1"}}
			hd.Finalizers = []string{v1alpha1.HardwareDataFinalizer}
			hd.Labels = map[string]string{"rack": "a"}
		}, 1},
		{"new inventory", func(hd *baremetal.HardwareData) { hd.Spec.Hardware.RAMMebibytes = 8192 }, 2},
		{"inventory removed", func(hd *baremetal.HardwareData) { hd.Spec.Hardware = nil }, 3},
	} {
		current, err := s.Get(ctx, "foo", &metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		hd := current.(*baremetal.HardwareData).DeepCopy()
		tc.mutate(hd)
		updated, _, err := s.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(hd), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := updated.(*baremetal.HardwareData).Generation; g != tc.generation {
			t.Errorf("%s: generation %d, want %d", tc.name, g, tc.generation)
		}
	}
}

// TestInvalidIsUnprocessable: the CRD's rules are a 422 naming the field.
func TestInvalidIsUnprocessable(t *testing.T) {
	s := newREST(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	hd := validHardwareData("foo")
	hd.Spec.Hardware.NICs[0].MAC = "not-a-mac"
	_, err := s.Create(ctx, hd, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("create with an invalid MAC: %v, want Invalid", err)
	}
	causes := err.(apierrors.APIStatus).Status().Details.Causes
	if len(causes) != 1 || causes[0].Field != "spec.hardware.nics[0].mac" {
		t.Errorf("causes %+v, want one for spec.hardware.nics[0].mac", causes)
	}
}

func TestShortNamesAndCategories(t *testing.T) {
	s := newREST(t)
	if got := s.ShortNames(); len(got) != 1 || got[0] != "hd" {
		t.Errorf("short names %v", got)
	}
	if got := s.Categories(); len(got) != 1 || got[0] != "baremetal" {
		t.Errorf("categories %v", got)
	}
	if got := s.GetSingularName(); got != "hardwaredata" {
		t.Errorf("singular name %q", got)
	}
}
