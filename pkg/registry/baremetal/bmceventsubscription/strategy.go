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

// Package bmceventsubscription holds the registry strategies of BMCEventSubscriptions (Metal3's
// kind): a webhook subscribed to the events of a host's BMC in spec, which cannot change after
// create, and the BMC's subscription ID or the last error in status.
package bmceventsubscription

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

// subscriptionStrategy implements create, update and delete behaviour for the main resource.
type subscriptionStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// subscriptionStatusStrategy is subscriptionStrategy for the status subresource: it changes
// status only.
type subscriptionStatusStrategy struct {
	subscriptionStrategy
}

var (
	// Strategy is the strategy of BMCEventSubscriptions.
	Strategy = subscriptionStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = subscriptionStatusStrategy{subscriptionStrategy: Strategy}
)

var (
	_ rest.RESTCreateStrategy  = subscriptionStrategy{}
	_ rest.RESTUpdateStrategy  = subscriptionStrategy{}
	_ rest.RESTDeleteStrategy  = subscriptionStrategy{}
	_ rest.ResetFieldsStrategy = subscriptionStrategy{}
	_ rest.RESTUpdateStrategy  = subscriptionStatusStrategy{}
	_ rest.ResetFieldsStrategy = subscriptionStatusStrategy{}
)

func (subscriptionStrategy) NamespaceScoped() bool { return true }

// GetResetFields: a write to the main resource may not set the status.
func (subscriptionStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent: status is observed, never requested.
func (subscriptionStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s := obj.(*baremetal.BMCEventSubscription)
	s.Status = baremetal.BMCEventSubscriptionStatus{}
	s.Generation = 1
}

// PrepareForUpdate keeps the stored status and bumps the generation when the spec changes
// (which validation then refuses: the spec is immutable).
func (subscriptionStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s, oldS := obj.(*baremetal.BMCEventSubscription), old.(*baremetal.BMCEventSubscription)
	s.Status = oldS.Status
	s.Generation = oldS.Generation
	if !apiequality.Semantic.DeepEqual(s.Spec, oldS.Spec) {
		s.Generation = oldS.Generation + 1
	}
}

func (subscriptionStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateBMCEventSubscription(obj.(*baremetal.BMCEventSubscription))
}

func (subscriptionStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

func (subscriptionStrategy) Canonicalize(obj runtime.Object) {}

func (subscriptionStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (subscriptionStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (subscriptionStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBMCEventSubscriptionUpdate(obj.(*baremetal.BMCEventSubscription), old.(*baremetal.BMCEventSubscription))
}

func (subscriptionStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (subscriptionStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored: whoever may write status (the
// reconciler) must not be able to redirect a host's events.
func (subscriptionStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s, oldS := obj.(*baremetal.BMCEventSubscription), old.(*baremetal.BMCEventSubscription)
	s.Spec = oldS.Spec
	s.Labels = oldS.Labels
	s.Annotations = oldS.Annotations
}

func (subscriptionStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBMCEventSubscriptionStatusUpdate(obj.(*baremetal.BMCEventSubscription), old.(*baremetal.BMCEventSubscription))
}

func (subscriptionStatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of an object, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	s, ok := obj.(*baremetal.BMCEventSubscription)
	if !ok {
		return nil, nil, fmt.Errorf("not a BMCEventSubscription: %T", obj)
	}
	return labels.Set(s.Labels), generic.ObjectMetaFieldsSet(&s.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
