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

// Package hostfirmwarecomponents holds the registry strategies of HostFirmwareComponents
// (Metal3's kind): firmware updates wanted for a host's components in spec, the components'
// versions in status.
package hostfirmwarecomponents

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
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// hfcStrategy implements create, update and delete behaviour for the main resource.
type hfcStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// hfcStatusStrategy is hfcStrategy for the status subresource: it changes status only.
type hfcStatusStrategy struct {
	hfcStrategy
}

var (
	// Strategy is the strategy of HostFirmwareComponents.
	Strategy = hfcStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = hfcStatusStrategy{hfcStrategy: Strategy}
)

var (
	_ rest.RESTCreateStrategy  = hfcStrategy{}
	_ rest.RESTUpdateStrategy  = hfcStrategy{}
	_ rest.RESTDeleteStrategy  = hfcStrategy{}
	_ rest.ResetFieldsStrategy = hfcStrategy{}
	_ rest.RESTUpdateStrategy  = hfcStatusStrategy{}
	_ rest.ResetFieldsStrategy = hfcStatusStrategy{}
)

func (hfcStrategy) NamespaceScoped() bool { return true }

// GetResetFields: a write to the main resource may not set the status.
func (hfcStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent: status is observed, never requested.
func (hfcStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	hfc := obj.(*baremetal.HostFirmwareComponents)
	hfc.Status = baremetal.HostFirmwareComponentsStatus{}
	hfc.Generation = 1
}

// PrepareForUpdate keeps the stored status and bumps the generation when the wanted updates
// change (Metal3's controller reconciles on a new generation).
func (hfcStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hfc, oldHFC := obj.(*baremetal.HostFirmwareComponents), old.(*baremetal.HostFirmwareComponents)
	hfc.Status = oldHFC.Status
	hfc.Generation = oldHFC.Generation
	if !apiequality.Semantic.DeepEqual(hfc.Spec, oldHFC.Spec) {
		hfc.Generation = oldHFC.Generation + 1
	}
}

func (hfcStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateHostFirmwareComponents(obj.(*baremetal.HostFirmwareComponents))
}

func (hfcStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (hfcStrategy) Canonicalize(obj runtime.Object) {}

func (hfcStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (hfcStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (hfcStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostFirmwareComponentsUpdate(obj.(*baremetal.HostFirmwareComponents), old.(*baremetal.HostFirmwareComponents))
}

func (hfcStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (hfcStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored: whoever may write status (the
// reconciler) must not be able to ask for a firmware update.
func (hfcStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hfc, oldHFC := obj.(*baremetal.HostFirmwareComponents), old.(*baremetal.HostFirmwareComponents)
	hfc.Spec = oldHFC.Spec
	hfc.Labels = oldHFC.Labels
	hfc.Annotations = oldHFC.Annotations
}

func (hfcStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostFirmwareComponentsStatusUpdate(obj.(*baremetal.HostFirmwareComponents), old.(*baremetal.HostFirmwareComponents))
}

func (hfcStatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of an object, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	hfc, ok := obj.(*baremetal.HostFirmwareComponents)
	if !ok {
		return nil, nil, fmt.Errorf("not a HostFirmwareComponents: %T", obj)
	}
	return labels.Set(hfc.Labels), generic.ObjectMetaFieldsSet(&hfc.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
