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
	"context"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	schemastorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/firmwareschema/storage"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus/storagetest"
)

// newStorage returns the HostFirmwareSettings storages and the FirmwareSchema storage they read
// schemas from, wired as the server wires them, on one fresh embedded etcd.
func newStorage(t *testing.T) (specstatus.Storage, *schemastorage.REST) {
	t.Helper()
	opts := storagetest.RESTOptions(t)
	schemas, err := schemastorage.NewREST(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(schemas.Store.DestroyFunc)
	s, err := NewStorage(opts, schemas)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Main.Store.DestroyFunc)
	return s, schemas
}

func validHFS(name string, settings baremetal.DesiredSettingsMap) *baremetal.HostFirmwareSettings {
	return &baremetal.HostFirmwareSettings{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec:       baremetal.HostFirmwareSettingsSpec{Settings: settings},
	}
}

func TestStorage(t *testing.T) {
	read := metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	storagetest.Run(t, func(t *testing.T) specstatus.Storage { s, _ := newStorage(t); return s }, storagetest.Case[*baremetal.HostFirmwareSettings]{
		Valid: func(name string) *baremetal.HostFirmwareSettings {
			return validHFS(name, baremetal.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled")})
		},
		// Credentials are never settings, whatever the schema.
		Invalid: func(hfs *baremetal.HostFirmwareSettings) {
			hfs.Spec.Settings = baremetal.DesiredSettingsMap{"AdminPassword": intstr.FromString("secret")}
		},
		InvalidField: "spec.settings[AdminPassword]",
		SpecChange: func(hfs *baremetal.HostFirmwareSettings) {
			hfs.Spec.Settings = baremetal.DesiredSettingsMap{"NumCores": intstr.FromInt32(8)}
		},
		Singular:   "hostfirmwaresettings",
		ShortNames: []string{"hfs"},
		SetStatus: func(hfs *baremetal.HostFirmwareSettings) {
			hfs.Status = baremetal.HostFirmwareSettingsStatus{
				Schema:      &baremetal.SchemaReference{Namespace: metav1.NamespaceDefault, Name: "schema-1"},
				Settings:    baremetal.SettingsMap{"ProcTurboMode": "Disabled"},
				LastUpdated: &read,
				Conditions: []metav1.Condition{{Type: v1alpha1.FirmwareSettingsChangeDetected, Status: metav1.ConditionTrue,
					Reason: v1alpha1.ReasonFirmwareSettingsSuccess, LastTransitionTime: read}},
			}
		},
		// Only a schema of the object's own namespace.
		BadStatus: func(hfs *baremetal.HostFirmwareSettings) { hfs.Status.Schema.Namespace = "other" },
		Spec:      func(hfs *baremetal.HostFirmwareSettings) any { return hfs.Spec },
		Status:    func(hfs *baremetal.HostFirmwareSettings) any { return hfs.Status },
	})
}

func nsContext() context.Context {
	return genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
}

// setStatus writes the status of name through the status subresource.
func setStatus(t *testing.T, s specstatus.Storage, name string, status baremetal.HostFirmwareSettingsStatus) (*baremetal.HostFirmwareSettings, error) {
	t.Helper()
	obj, err := s.Main.Get(nsContext(), name, &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hfs := obj.(*baremetal.HostFirmwareSettings).DeepCopy()
	hfs.Status = status
	out, _, err := s.Status.Update(nsContext(), name, rest.DefaultUpdatedObjectInfo(hfs), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return out.(*baremetal.HostFirmwareSettings), nil
}

// setSettings replaces the desired settings of name through the main resource.
func setSettings(t *testing.T, s specstatus.Storage, name string, settings baremetal.DesiredSettingsMap) (*baremetal.HostFirmwareSettings, error) {
	t.Helper()
	obj, err := s.Main.Get(nsContext(), name, &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hfs := obj.(*baremetal.HostFirmwareSettings).DeepCopy()
	hfs.Spec.Settings = settings
	out, _, err := s.Main.Update(nsContext(), name, rest.DefaultUpdatedObjectInfo(hfs), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return out.(*baremetal.HostFirmwareSettings), nil
}

// TestSettingsJudgedBySchema follows an object through the real stores: accepted while no
// schema is known, then, once the status names one, refused with a 422 naming the attribute
// and the limit, and accepted again when the schema is gone.
func TestSettingsJudgedBySchema(t *testing.T) {
	s, schemas := newStorage(t)
	ctx := nsContext()
	upper := int64(128)
	if _, err := schemas.Create(ctx, &baremetal.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-1a2b3c4d", Namespace: metav1.NamespaceDefault},
		Spec: baremetal.FirmwareSchemaSpec{Schema: map[string]baremetal.SettingSchema{
			"ProcTurboMode": {AttributeType: baremetal.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}},
			"NumCores":      {AttributeType: baremetal.SettingTypeInteger, UpperBound: &upper},
		}},
	}, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Created with a status naming the schema: status is dropped on create, so nothing judges.
	created := validHFS("worker-0", baremetal.DesiredSettingsMap{"NumCores": intstr.FromInt32(300)})
	created.Status.Schema = &baremetal.SchemaReference{Namespace: metav1.NamespaceDefault, Name: "schema-1a2b3c4d"}
	obj, err := s.Main.Create(ctx, created, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create before any schema: %v", err)
	}
	if obj.(*baremetal.HostFirmwareSettings).Status.Schema != nil {
		t.Fatal("create kept the status")
	}

	// The reconciler names the schema. The stored 300 is not held against the status write.
	if _, err := setStatus(t, s, "worker-0", baremetal.HostFirmwareSettingsStatus{
		Schema:   &baremetal.SchemaReference{Namespace: metav1.NamespaceDefault, Name: "schema-1a2b3c4d"},
		Settings: baremetal.SettingsMap{"NumCores": "64", "ProcTurboMode": "Enabled"},
	}); err != nil {
		t.Fatalf("status naming the schema: %v", err)
	}

	cases := []struct {
		name     string
		settings baremetal.DesiredSettingsMap
		// causes are the 422's causes; none means accepted.
		causes []metav1.StatusCause
	}{
		{name: "unchanged value the schema forbids is kept", settings: baremetal.DesiredSettingsMap{"NumCores": intstr.FromInt32(300)}},
		{name: "value the schema forbids", settings: baremetal.DesiredSettingsMap{"NumCores": intstr.FromInt32(300), "ProcTurboMode": intstr.FromString("Maybe")},
			causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.settings[ProcTurboMode]",
				Message: `Unsupported value: "Maybe": supported values: "Enabled", "Disabled"`}}},
		{name: "changed to another value beyond the bound", settings: baremetal.DesiredSettingsMap{"NumCores": intstr.FromInt32(129)},
			causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.settings[NumCores]",
				Message: "Invalid value: 129: must be at most 128"}}},
		{name: "unknown attribute", settings: baremetal.DesiredSettingsMap{"IceCream": intstr.FromString("Vanilla")},
			causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.settings[IceCream]",
				Message: `Invalid value: "Vanilla": no such attribute in FirmwareSchema default/schema-1a2b3c4d`}}},
		{name: "values the schema allows", settings: baremetal.DesiredSettingsMap{"NumCores": intstr.FromString("128"), "ProcTurboMode": intstr.FromString("Disabled")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.Main.Get(ctx, "worker-0", &metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := setSettings(t, s, "worker-0", tc.settings)
			if tc.causes == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !apiequality.Semantic.DeepEqual(got.Spec.Settings, tc.settings) {
					t.Errorf("stored %v", got.Spec.Settings)
				}
				return
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("got %v, want 422 Invalid", err)
			}
			status := err.(apierrors.APIStatus).Status()
			if status.Details == nil || !apiequality.Semantic.DeepEqual(status.Details.Causes, tc.causes) {
				t.Errorf("causes:\n got  %+v\n want %+v", status.Details, tc.causes)
			}
			after, err := s.Main.Get(ctx, "worker-0", &metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if after.(*baremetal.HostFirmwareSettings).ResourceVersion != before.(*baremetal.HostFirmwareSettings).ResourceVersion {
				t.Error("a refused write changed the object")
			}
		})
	}

	// The schema is deleted (garbage-collected with its owner, or replaced after a BIOS update):
	// nothing to judge by, so settings are accepted until the status names one that exists.
	if _, _, err := schemas.Delete(ctx, "schema-1a2b3c4d", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := setSettings(t, s, "worker-0", baremetal.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Maybe")}); err != nil {
		t.Errorf("with the named schema gone: %v", err)
	}
}
