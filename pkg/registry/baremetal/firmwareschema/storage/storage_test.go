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
func newREST(t *testing.T) *REST {
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

func validSchema(name string) *baremetal.FirmwareSchema {
	return &baremetal.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: baremetal.FirmwareSchemaSpec{
			HardwareVendor: "Dell Inc.",
			Schema: map[string]baremetal.SettingSchema{
				"ProcTurboMode": {AttributeType: baremetal.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}},
			},
		},
	}
}

func TestCreate(t *testing.T) {
	test := genericregistrytest.New(t, newREST(t).Store)
	s := validSchema("foo")
	s.ObjectMeta = metav1.ObjectMeta{}
	bad := validSchema("")
	bad.ObjectMeta = metav1.ObjectMeta{}
	bad.Spec.Schema["Fan"] = baremetal.SettingSchema{AttributeType: "Float"}
	test.TestCreate(s, bad)
}

func TestUpdate(t *testing.T) {
	test := genericregistrytest.New(t, newREST(t).Store)
	test.TestUpdate(validSchema("foo"),
		func(obj runtime.Object) runtime.Object {
			s := obj.(*baremetal.FirmwareSchema)
			s.Spec.HardwareModel = "PowerEdge R650"
			return s
		},
		func(obj runtime.Object) runtime.Object {
			s := obj.(*baremetal.FirmwareSchema)
			s.Spec.Schema["Fan"] = baremetal.SettingSchema{AttributeType: "Float"}
			return s
		},
	)
}

func TestDelete(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).ReturnDeletedObject().TestDelete(validSchema("foo"))
}

func TestGet(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).TestGet(validSchema("foo"))
}

func TestList(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).TestList(validSchema("foo"))
}

func TestWatch(t *testing.T) {
	genericregistrytest.New(t, newREST(t).Store).TestWatch(
		validSchema("foo"),
		[]labels.Set{},
		[]labels.Set{{"a": "b"}},
		[]fields.Set{{"metadata.name": "foo"}},
		[]fields.Set{{"metadata.name": "bar"}},
	)
}

// TestGetFirmwareSchema checks the read HostFirmwareSettings' validation makes: by namespace
// and name, whatever namespace the request that triggers it is in.
func TestGetFirmwareSchema(t *testing.T) {
	r := newREST(t)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
	if _, err := r.Create(ctx, validSchema("schema-1"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	other := genericapirequest.WithNamespace(genericapirequest.NewContext(), "elsewhere")
	got, err := r.GetFirmwareSchema(other, metav1.NamespaceDefault, "schema-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "schema-1" || got.Spec.Schema["ProcTurboMode"].AttributeType != baremetal.SettingTypeEnumeration {
		t.Errorf("got %+v", got)
	}
	if _, err := r.GetFirmwareSchema(ctx, "elsewhere", "schema-1"); !apierrors.IsNotFound(err) {
		t.Errorf("schema of another namespace: %v, want NotFound", err)
	}
}

func TestSingularName(t *testing.T) {
	if got := newREST(t).GetSingularName(); got != "firmwareschema" {
		t.Errorf("singular name %q", got)
	}
}
