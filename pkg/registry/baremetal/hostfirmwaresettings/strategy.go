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
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// SchemaGetter reads FirmwareSchemas. The server gives the FirmwareSchema storage itself
// (firmwareschema/storage.REST), so validation reads what etcd holds, in process.
type SchemaGetter interface {
	GetFirmwareSchema(ctx context.Context, namespace, name string) (*baremetal.FirmwareSchema, error)
}

// hfsStrategy implements create, update and delete behaviour for the main resource.
type hfsStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	schemas SchemaGetter
}

// hfsStatusStrategy is hfsStrategy for the status subresource: it changes status only.
type hfsStatusStrategy struct {
	hfsStrategy
}

var (
	_ rest.RESTCreateStrategy  = hfsStrategy{}
	_ rest.RESTUpdateStrategy  = hfsStrategy{}
	_ rest.RESTDeleteStrategy  = hfsStrategy{}
	_ rest.ResetFieldsStrategy = hfsStrategy{}
	_ rest.RESTUpdateStrategy  = hfsStatusStrategy{}
	_ rest.ResetFieldsStrategy = hfsStatusStrategy{}
)

// NewStrategy returns the strategy that judges settings by the schemas schemas reads. There is
// no package-level instance: one without a getter would accept settings no schema allows.
func NewStrategy(schemas SchemaGetter) hfsStrategy {
	return hfsStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator, schemas: schemas}
}

// NewStatusStrategy returns the status strategy that goes with s.
func NewStatusStrategy(s hfsStrategy) hfsStatusStrategy {
	return hfsStatusStrategy{hfsStrategy: s}
}

func (hfsStrategy) NamespaceScoped() bool { return true }

// GetResetFields: a write to the main resource may not set the status.
func (hfsStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent: status is observed, never requested, and
// so a new object names no schema yet.
func (hfsStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	hfs := obj.(*baremetal.HostFirmwareSettings)
	hfs.Status = baremetal.HostFirmwareSettingsStatus{}
	hfs.Generation = 1
}

// PrepareForUpdate keeps the stored status, and with it the schema the new spec is judged by,
// and bumps the generation when the desired settings change (Metal3's controller reconciles on
// a new generation).
func (hfsStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hfs, oldHFS := obj.(*baremetal.HostFirmwareSettings), old.(*baremetal.HostFirmwareSettings)
	hfs.Status = oldHFS.Status
	hfs.Generation = oldHFS.Generation
	if !apiequality.Semantic.DeepEqual(hfs.Spec, oldHFS.Spec) {
		hfs.Generation = oldHFS.Generation + 1
	}
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

func (hfsStrategy) Canonicalize(obj runtime.Object) {}

func (hfsStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (hfsStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (hfsStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored: whoever may write status (the
// reconciler) must not be able to change the desired settings.
func (hfsStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hfs, oldHFS := obj.(*baremetal.HostFirmwareSettings), old.(*baremetal.HostFirmwareSettings)
	hfs.Spec = oldHFS.Spec
	hfs.Labels = oldHFS.Labels
	hfs.Annotations = oldHFS.Annotations
}

// ValidateUpdate checks the status only. A new schema is not held against the stored spec:
// the status reports the host as it is, and the reconciler reports settings the new schema
// forbids through the Valid condition, as Metal3's does.
func (hfsStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostFirmwareSettingsStatusUpdate(obj.(*baremetal.HostFirmwareSettings), old.(*baremetal.HostFirmwareSettings))
}

func (hfsStatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of an object, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	hfs, ok := obj.(*baremetal.HostFirmwareSettings)
	if !ok {
		return nil, nil, fmt.Errorf("not a HostFirmwareSettings: %T", obj)
	}
	return labels.Set(hfs.Labels), generic.ObjectMetaFieldsSet(&hfs.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
