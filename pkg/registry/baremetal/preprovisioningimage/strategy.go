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

// Package preprovisioningimage holds the registry strategies of PreprovisioningImages (Metal3's
// kind): the image a host should boot before provisioning in spec, the image built in status.
package preprovisioningimage

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

// ppiStrategy implements create, update and delete behaviour for the main resource.
type ppiStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// ppiStatusStrategy is ppiStrategy for the status subresource: it changes status
// only.
type ppiStatusStrategy struct {
	ppiStrategy
}

var (
	// Strategy is the strategy of PreprovisioningImages.
	Strategy = ppiStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = ppiStatusStrategy{ppiStrategy: Strategy}
)

var (
	_ rest.RESTCreateStrategy  = ppiStrategy{}
	_ rest.RESTUpdateStrategy  = ppiStrategy{}
	_ rest.RESTDeleteStrategy  = ppiStrategy{}
	_ rest.ResetFieldsStrategy = ppiStrategy{}
	_ rest.RESTUpdateStrategy  = ppiStatusStrategy{}
	_ rest.ResetFieldsStrategy = ppiStatusStrategy{}
)

func (ppiStrategy) NamespaceScoped() bool { return true }

// GetResetFields: a write to the main resource may not set the status.
func (ppiStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent: status is observed, never requested.
func (ppiStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	img := obj.(*baremetal.PreprovisioningImage)
	img.Status = baremetal.PreprovisioningImageStatus{}
	img.Generation = 1
}

// PrepareForUpdate keeps the stored status and bumps the generation when the image wanted
// changes, so that an image builder can tell its status is for an older spec.
func (ppiStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	img, oldImg := obj.(*baremetal.PreprovisioningImage), old.(*baremetal.PreprovisioningImage)
	img.Status = oldImg.Status
	img.Generation = oldImg.Generation
	if !apiequality.Semantic.DeepEqual(img.Spec, oldImg.Spec) {
		img.Generation = oldImg.Generation + 1
	}
}

func (ppiStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidatePreprovisioningImage(obj.(*baremetal.PreprovisioningImage))
}

func (ppiStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

func (ppiStrategy) Canonicalize(obj runtime.Object) {}

func (ppiStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (ppiStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (ppiStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidatePreprovisioningImageUpdate(obj.(*baremetal.PreprovisioningImage), old.(*baremetal.PreprovisioningImage))
}

func (ppiStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (ppiStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored: whoever may write status (the
// image builder) must not be able to change the image wanted.
func (ppiStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	img, oldImg := obj.(*baremetal.PreprovisioningImage), old.(*baremetal.PreprovisioningImage)
	img.Spec = oldImg.Spec
	img.Labels = oldImg.Labels
	img.Annotations = oldImg.Annotations
}

func (ppiStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidatePreprovisioningImageStatusUpdate(obj.(*baremetal.PreprovisioningImage), old.(*baremetal.PreprovisioningImage))
}

func (ppiStatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of an object, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	img, ok := obj.(*baremetal.PreprovisioningImage)
	if !ok {
		return nil, nil, fmt.Errorf("not a PreprovisioningImage: %T", obj)
	}
	return labels.Set(img.Labels), generic.ObjectMetaFieldsSet(&img.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
