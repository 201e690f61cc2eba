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

// Package dataimage holds the registry strategies of DataImages (Metal3's kind): the image to
// attach to a host as virtual media in spec, what is attached in status.
package dataimage

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

// dataImageStrategy implements create, update and delete behaviour for the main resource.
type dataImageStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// dataImageStatusStrategy is dataImageStrategy for the status subresource: it changes status
// only.
type dataImageStatusStrategy struct {
	dataImageStrategy
}

var (
	// Strategy is the strategy of DataImages.
	Strategy = dataImageStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = dataImageStatusStrategy{dataImageStrategy: Strategy}
)

var (
	_ rest.RESTCreateStrategy  = dataImageStrategy{}
	_ rest.RESTUpdateStrategy  = dataImageStrategy{}
	_ rest.RESTDeleteStrategy  = dataImageStrategy{}
	_ rest.ResetFieldsStrategy = dataImageStrategy{}
	_ rest.RESTUpdateStrategy  = dataImageStatusStrategy{}
	_ rest.ResetFieldsStrategy = dataImageStatusStrategy{}
)

func (dataImageStrategy) NamespaceScoped() bool { return true }

// GetResetFields: a write to the main resource may not set the status.
func (dataImageStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent: status is observed, never requested.
func (dataImageStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	img := obj.(*baremetal.DataImage)
	img.Status = baremetal.DataImageStatus{}
	img.Generation = 1
}

// PrepareForUpdate keeps the stored status and bumps the generation when the image changes.
func (dataImageStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	img, oldImg := obj.(*baremetal.DataImage), old.(*baremetal.DataImage)
	img.Status = oldImg.Status
	img.Generation = oldImg.Generation
	if !apiequality.Semantic.DeepEqual(img.Spec, oldImg.Spec) {
		img.Generation = oldImg.Generation + 1
	}
}

func (dataImageStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateDataImage(obj.(*baremetal.DataImage))
}

func (dataImageStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

func (dataImageStrategy) Canonicalize(obj runtime.Object) {}

func (dataImageStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (dataImageStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (dataImageStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateDataImageUpdate(obj.(*baremetal.DataImage), old.(*baremetal.DataImage))
}

func (dataImageStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (dataImageStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored: whoever may write status (the
// reconciler) must not be able to choose the image that is attached.
func (dataImageStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	img, oldImg := obj.(*baremetal.DataImage), old.(*baremetal.DataImage)
	img.Spec = oldImg.Spec
	img.Labels = oldImg.Labels
	img.Annotations = oldImg.Annotations
}

func (dataImageStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateDataImageStatusUpdate(obj.(*baremetal.DataImage), old.(*baremetal.DataImage))
}

func (dataImageStatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of an object, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	img, ok := obj.(*baremetal.DataImage)
	if !ok {
		return nil, nil, fmt.Errorf("not a DataImage: %T", obj)
	}
	return labels.Set(img.Labels), generic.ObjectMetaFieldsSet(&img.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
