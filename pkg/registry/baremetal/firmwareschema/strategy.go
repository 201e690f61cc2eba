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

// Package firmwareschema holds the registry strategy of FirmwareSchemas (Metal3's kind: the
// BIOS attributes of one kind of hardware, which HostFirmwareSettings are judged against). It
// has no status: a schema is written whole, by the reconciler or by hand.
package firmwareschema

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

type schemaStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// Strategy is the strategy of FirmwareSchemas.
var Strategy = schemaStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}

var (
	_ rest.RESTCreateStrategy = schemaStrategy{}
	_ rest.RESTUpdateStrategy = schemaStrategy{}
	_ rest.RESTDeleteStrategy = schemaStrategy{}
)

func (schemaStrategy) NamespaceScoped() bool { return true }

func (schemaStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	obj.(*baremetal.FirmwareSchema).Generation = 1
}

// PrepareForUpdate bumps the generation when the schema changes, so that whoever judged
// settings by it can tell.
func (schemaStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s, oldS := obj.(*baremetal.FirmwareSchema), old.(*baremetal.FirmwareSchema)
	s.Generation = oldS.Generation
	if !apiequality.Semantic.DeepEqual(s.Spec, oldS.Spec) {
		s.Generation = oldS.Generation + 1
	}
}

func (schemaStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateFirmwareSchema(obj.(*baremetal.FirmwareSchema))
}

func (schemaStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

func (schemaStrategy) Canonicalize(obj runtime.Object) {}

func (schemaStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (schemaStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (schemaStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateFirmwareSchemaUpdate(obj.(*baremetal.FirmwareSchema), old.(*baremetal.FirmwareSchema))
}

func (schemaStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of a schema, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	s, ok := obj.(*baremetal.FirmwareSchema)
	if !ok {
		return nil, nil, fmt.Errorf("not a FirmwareSchema: %T", obj)
	}
	return labels.Set(s.Labels), generic.ObjectMetaFieldsSet(&s.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
