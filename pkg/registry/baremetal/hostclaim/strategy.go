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

// Package hostclaim holds the registry strategies of HostClaims (Metal3's kind: a claim on
// one BareMetalHost chosen by a selector). Binding a claim to a host is the storage's job
// (storage/binder.go); the strategies only keep clients from writing what binding decides.
package hostclaim

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

type claimStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

type claimStatusStrategy struct{ claimStrategy }

var (
	// Strategy is the strategy of HostClaims.
	Strategy = claimStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}
	// StatusStrategy is the strategy of hostclaims/status.
	StatusStrategy = claimStatusStrategy{Strategy}
)

var (
	_ rest.RESTCreateStrategy  = claimStrategy{}
	_ rest.RESTUpdateStrategy  = claimStrategy{}
	_ rest.RESTDeleteStrategy  = claimStrategy{}
	_ rest.ResetFieldsStrategy = claimStrategy{}
	_ rest.RESTUpdateStrategy  = claimStatusStrategy{}
	_ rest.ResetFieldsStrategy = claimStatusStrategy{}
)

func (claimStrategy) NamespaceScoped() bool { return true }

func (claimStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status: which host a claim holds is the server's decision.
func (claimStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	c := obj.(*baremetal.HostClaim)
	c.Status = baremetal.HostClaimStatus{}
	c.Generation = 1
}

func (claimStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	c, oldC := obj.(*baremetal.HostClaim), old.(*baremetal.HostClaim)
	c.Status = oldC.Status
	c.Generation = oldC.Generation
	if !apiequality.Semantic.DeepEqual(c.Spec, oldC.Spec) {
		c.Generation = oldC.Generation + 1
	}
}

func (claimStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateHostClaim(obj.(*baremetal.HostClaim))
}

func (claimStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (claimStrategy) Canonicalize(obj runtime.Object) {}

func (claimStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

func (claimStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (claimStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostClaimUpdate(obj.(*baremetal.HostClaim), old.(*baremetal.HostClaim))
}

func (claimStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

func (claimStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored.
func (claimStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	c, oldC := obj.(*baremetal.HostClaim), old.(*baremetal.HostClaim)
	c.Spec = oldC.Spec
	c.Labels = oldC.Labels
	c.Annotations = oldC.Annotations
}

func (claimStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostClaimStatusUpdate(obj.(*baremetal.HostClaim), old.(*baremetal.HostClaim))
}

// GetAttrs returns the labels and selectable fields of a claim.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	c, ok := obj.(*baremetal.HostClaim)
	if !ok {
		return nil, nil, fmt.Errorf("not a HostClaim: %T", obj)
	}
	return labels.Set(c.Labels), SelectableFields(c), nil
}

// SelectableFields: the host held (empty while the claim waits). Keep in sync with
// v1alpha1.HostClaimSelectableFields.
func SelectableFields(c *baremetal.HostClaim) fields.Set {
	name, ns := "", ""
	if ref := c.Status.BareMetalHost; ref != nil {
		name, ns = ref.Name, ref.Namespace
	}
	return generic.AddObjectMetaFieldsSet(fields.Set{
		"status.bareMetalHost.name":      name,
		"status.bareMetalHost.namespace": ns,
	}, &c.ObjectMeta, true)
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
