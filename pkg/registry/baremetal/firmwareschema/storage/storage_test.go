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
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus/storagetest"
)

// newREST returns the storage on a fresh embedded etcd (stopped by the test's cleanup).
func newREST(t *testing.T) *REST {
	t.Helper()
	r, err := NewREST(storagetest.RESTOptions(t))
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

func TestStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { return specstatus.Storage{Main: newREST(t).REST} }, storagetest.Case[*baremetal.FirmwareSchema]{
		Valid: validSchema,
		Invalid: func(s *baremetal.FirmwareSchema) {
			s.Spec.Schema["Fan"] = baremetal.SettingSchema{AttributeType: "Float"}
		},
		InvalidField: "spec.schema[Fan].attribute_type",
		SpecChange:   func(s *baremetal.FirmwareSchema) { s.Spec.HardwareModel = "PowerEdge R650" },
		Singular:     "firmwareschema",
		Spec:         func(s *baremetal.FirmwareSchema) any { return s.Spec },
	})
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
