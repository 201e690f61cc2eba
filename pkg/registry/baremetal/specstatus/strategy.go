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

// Package specstatus is the registry of the kinds that follow the spec/status convention and
// do nothing else on the server: a client asks for something in spec, a reconciler reports
// what is in status, and the server validates both. Its strategies drop a status sent with a
// create, keep the stored status on a write of the main resource, and start a new generation
// only when the spec changes; the status subresource's strategy keeps everything but the
// status. Its storage is the etcd store of such a kind, the status subresource sharing it.
//
// A kind's own package holds only what is its own: how to reach its spec and status (Kind),
// its validation, its table, its names, and the comments that say why. BareMetalHost, whose
// generation also follows annotations and whose subresources record actions, has strategies
// of its own.
package specstatus

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// Object is a pointer to one of the group's internal types: an object with metadata.
type Object interface {
	runtime.Object
	metav1.Object
}

// Field is how the strategies reach one part of an object, its spec or its status: to compare
// it, copy it from the stored object, or clear it. FieldOf makes one.
type Field[T Object] struct {
	equal func(a, b T) bool
	copy  func(to, from T)
	clear func(obj T)
}

// FieldOf returns the Field at the address get returns, for example
// FieldOf(func(img *baremetal.DataImage) *baremetal.DataImageSpec { return &img.Spec }).
func FieldOf[T Object, F any](get func(T) *F) Field[T] {
	return Field[T]{
		equal: func(a, b T) bool { return apiequality.Semantic.DeepEqual(*get(a), *get(b)) },
		copy:  func(to, from T) { *get(to) = *get(from) },
		clear: func(obj T) { var zero F; *get(obj) = zero },
	}
}

// isSet says whether the Field was made by FieldOf; the zero Field is a part the kind lacks.
func (f Field[T]) isSet() bool { return f.copy != nil }

// Kind is what the strategies know of one kind.
type Kind[T Object] struct {
	// Name is the kind's name, for the error about an object of another type.
	Name string
	// Spec is what a client asks for: a change to it, and only that, is a new generation.
	Spec Field[T]
	// Status is what the server observes, the zero Field for a kind without one. A write of
	// the main resource never sets it: a create drops it, an update keeps the stored one.
	Status Field[T]

	// Validate and ValidateUpdate judge a create and an update of the main resource.
	Validate       func(obj T) field.ErrorList
	ValidateUpdate func(obj, old T) field.ErrorList
	// ValidateStatusUpdate judges a write of the status subresource, for a kind that has one.
	ValidateStatusUpdate func(obj, old T) field.ErrorList
}

// Strategy is the strategy of a kind's main resource. A kind whose validation needs more than
// the object (HostFirmwareSettings: the FirmwareSchema its status names) embeds it and
// overrides Validate, ValidateUpdate and the warnings.
type Strategy[T Object] struct {
	runtime.ObjectTyper
	names.NameGenerator
	kind Kind[T]
}

// NewStrategy returns the strategy of kind. Nothing in it depends on server options, so a kind
// builds it once, as the package variable Strategy.
func NewStrategy[T Object](kind Kind[T]) Strategy[T] {
	return Strategy[T]{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator, kind: kind}
}

var (
	_ rest.RESTCreateStrategy  = Strategy[Object]{}
	_ rest.RESTUpdateStrategy  = Strategy[Object]{}
	_ rest.RESTDeleteStrategy  = Strategy[Object]{}
	_ rest.ResetFieldsStrategy = Strategy[Object]{}
)

func (Strategy[T]) NamespaceScoped() bool { return true }

// GetResetFields says which fields a write to the main resource may not set, so that
// server-side apply does not record a manager as owning them: the status. Only the store of a
// kind with a status subresource asks (NewStorage).
func (s Strategy[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	if !s.kind.Status.isSet() {
		return nil
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent (status is observed, never requested) and
// starts the generation.
func (s Strategy[T]) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	o := obj.(T)
	if s.kind.Status.isSet() {
		s.kind.Status.clear(o)
	}
	o.SetGeneration(1)
}

// PrepareForUpdate keeps the stored status, and bumps the generation when the spec changes
// and not when only metadata does (labels, owner references, finalizers): whoever acts on
// the object tells a new request from one it has acted on by the generation.
func (s Strategy[T]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	o, oldO := obj.(T), old.(T)
	if s.kind.Status.isSet() {
		s.kind.Status.copy(o, oldO)
	}
	o.SetGeneration(oldO.GetGeneration())
	if !s.kind.Spec.equal(o, oldO) {
		o.SetGeneration(oldO.GetGeneration() + 1)
	}
}

func (s Strategy[T]) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return s.kind.Validate(obj.(T))
}

func (Strategy[T]) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (Strategy[T]) Canonicalize(obj runtime.Object) {}

func (Strategy[T]) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (Strategy[T]) AllowUnconditionalUpdate(context.Context) bool { return true }

func (s Strategy[T]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.kind.ValidateUpdate(obj.(T), old.(T))
}

func (Strategy[T]) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the selectable fields of an object, for list and watch
// filtering: the metadata fields (name, namespace), as for Metal3's CRDs.
func (s Strategy[T]) GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	o, ok := obj.(T)
	if !ok {
		return nil, nil, fmt.Errorf("not a %s: %T", s.kind.Name, obj)
	}
	meta := metav1.ObjectMeta{Name: o.GetName(), Namespace: o.GetNamespace()}
	return labels.Set(o.GetLabels()), generic.ObjectMetaFieldsSet(&meta, true), nil
}

// StatusStrategy is the strategy of a kind's status subresource: a write changes the status
// and nothing else, so that whoever may write status (a reconciler) cannot change what was
// asked for.
type StatusStrategy[T Object] struct {
	Strategy[T]
}

// NewStatusStrategy returns the status strategy that goes with s.
func NewStatusStrategy[T Object](s Strategy[T]) StatusStrategy[T] {
	return StatusStrategy[T]{Strategy: s}
}

var (
	_ rest.RESTUpdateStrategy  = StatusStrategy[Object]{}
	_ rest.ResetFieldsStrategy = StatusStrategy[Object]{}
)

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (StatusStrategy[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps the spec, the labels and the annotations as stored.
func (s StatusStrategy[T]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	o, oldO := obj.(T), old.(T)
	s.kind.Spec.copy(o, oldO)
	o.SetLabels(oldO.GetLabels())
	o.SetAnnotations(oldO.GetAnnotations())
}

func (s StatusStrategy[T]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.kind.ValidateStatusUpdate(obj.(T), old.(T))
}

func (StatusStrategy[T]) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}
