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

// Package hostfirmwaresettings holds the registry strategies of HostFirmwareSettings (Metal3's
// kind, short name hfs): desired BIOS settings in spec, the host's settings and its
// FirmwareSchema in status. A write of the spec is judged against that schema, which the
// strategy reads through a SchemaGetter.
package hostfirmwaresettings

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// SchemaGetter reads FirmwareSchemas. The server gives the FirmwareSchema storage itself
// (firmwareschema/storage.REST), so validation reads what etcd holds, in process.
type SchemaGetter interface {
	GetFirmwareSchema(ctx context.Context, namespace, name string) (*baremetal.FirmwareSchema, error)
}

// kind is HostFirmwareSettings to the shared strategies. Its main resource's validation needs
// the schema, and so is hfsStrategy's.
var kind = specstatus.Kind[*baremetal.HostFirmwareSettings]{
	Name: "HostFirmwareSettings",
	// Other desired settings are a new generation: Metal3's controller reconciles on a new
	// generation.
	Spec: specstatus.FieldOf(func(hfs *baremetal.HostFirmwareSettings) *baremetal.HostFirmwareSettingsSpec { return &hfs.Spec }),
	// The status names the schema a new spec is judged by: a create drops it (a new object
	// names no schema yet), an update of the main resource keeps the stored one. Whoever may
	// write status (the reconciler) must not be able to change the desired settings.
	Status: specstatus.FieldOf(func(hfs *baremetal.HostFirmwareSettings) *baremetal.HostFirmwareSettingsStatus {
		return &hfs.Status
	}),
	// A status write is judged on the status only. A new schema is not held against the stored
	// spec: the status reports the host as it is, and the reconciler reports settings the new
	// schema forbids through the Valid condition, as Metal3's does.
	ValidateStatusUpdate: validation.ValidateHostFirmwareSettingsStatusUpdate,
}

// hfsStrategy is the shared strategy of the main resource, judging settings by the schema its
// status names.
type hfsStrategy struct {
	specstatus.Strategy[*baremetal.HostFirmwareSettings]
	schemas SchemaGetter
}

var (
	_ rest.RESTCreateStrategy  = hfsStrategy{}
	_ rest.RESTUpdateStrategy  = hfsStrategy{}
	_ rest.RESTDeleteStrategy  = hfsStrategy{}
	_ rest.ResetFieldsStrategy = hfsStrategy{}
	_ specstatus.MainStrategy  = hfsStrategy{}
)

// NewStrategy returns the strategy that judges settings by the schemas schemas reads. There is
// no package-level instance: one without a getter would accept settings no schema allows.
func NewStrategy(schemas SchemaGetter) hfsStrategy {
	return hfsStrategy{Strategy: specstatus.NewStrategy(kind), schemas: schemas}
}

// NewStatusStrategy returns the status strategy that goes with s.
func NewStatusStrategy(s hfsStrategy) specstatus.StatusStrategy[*baremetal.HostFirmwareSettings] {
	return specstatus.NewStatusStrategy(s.Strategy)
}

func (s hfsStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	hfs := obj.(*baremetal.HostFirmwareSettings)
	schema, errs := s.schemaOf(ctx, hfs)
	if len(errs) > 0 {
		return errs
	}
	return validation.ValidateHostFirmwareSettings(hfs, schema)
}

func (s hfsStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	hfs := obj.(*baremetal.HostFirmwareSettings)
	schema, errs := s.schemaOf(ctx, hfs)
	if len(errs) > 0 {
		return errs
	}
	return validation.ValidateHostFirmwareSettingsUpdate(hfs, old.(*baremetal.HostFirmwareSettings), schema)
}

// schemaOf returns the FirmwareSchema the object's status names, or nil when it names none or
// one that does not exist (yet, or any more): Metal3 judges settings only once its controller
// has a schema, and so does this server. Only the object's own namespace is read (status
// validation keeps the reference there).
func (s hfsStrategy) schemaOf(ctx context.Context, hfs *baremetal.HostFirmwareSettings) (*baremetal.FirmwareSchema, field.ErrorList) {
	ref := hfs.Status.Schema
	if ref == nil || ref.Name == "" || ref.Namespace != hfs.Namespace || s.schemas == nil {
		return nil, nil
	}
	schema, err := s.schemas.GetFirmwareSchema(ctx, ref.Namespace, ref.Name)
	switch {
	case err == nil:
		return schema, nil
	case apierrors.IsNotFound(err):
		return nil, nil
	default:
		// Settings cannot be judged now; storing them unjudged would let a forbidden value in.
		return nil, field.ErrorList{field.InternalError(field.NewPath("status", "schema"),
			fmt.Errorf("reading FirmwareSchema %s/%s: %w", ref.Namespace, ref.Name, err))}
	}
}

// WarningsOnCreate says that the settings were judged by no schema: a new object has none.
func (hfsStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return unjudgedWarning(obj.(*baremetal.HostFirmwareSettings))
}

func (hfsStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	hfs, oldHFS := obj.(*baremetal.HostFirmwareSettings), old.(*baremetal.HostFirmwareSettings)
	if apiequality.Semantic.DeepEqual(hfs.Spec.Settings, oldHFS.Spec.Settings) {
		return nil
	}
	return unjudgedWarning(hfs)
}

func unjudgedWarning(hfs *baremetal.HostFirmwareSettings) []string {
	if len(hfs.Spec.Settings) == 0 || hfs.Status.Schema != nil {
		return nil
	}
	return []string{"spec.settings: not checked against a FirmwareSchema, since status.schema names none yet"}
}
