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

// Package hostupdatepolicy holds the registry strategy of HostUpdatePolicies (Metal3's kind:
// whether a provisioned host may take firmware settings and updates when it reboots). Like
// Metal3's CRD it has no status subresource: its status is empty.
package hostupdatepolicy

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

type hupStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// Strategy is the strategy of HostUpdatePolicies.
var Strategy = hupStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}

var (
	_ rest.RESTCreateStrategy = hupStrategy{}
	_ rest.RESTUpdateStrategy = hupStrategy{}
	_ rest.RESTDeleteStrategy = hupStrategy{}
)

func (hupStrategy) NamespaceScoped() bool { return true }

func (hupStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	hup := obj.(*baremetal.HostUpdatePolicy)
	hup.Status = baremetal.HostUpdatePolicyStatus{}
	hup.Generation = 1
}

// PrepareForUpdate bumps the generation when a policy changes, so that a reconciler can tell
// which policy it last acted on.
func (hupStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hup, oldHUP := obj.(*baremetal.HostUpdatePolicy), old.(*baremetal.HostUpdatePolicy)
	hup.Status = oldHUP.Status
	hup.Generation = oldHUP.Generation
	if !apiequality.Semantic.DeepEqual(hup.Spec, oldHUP.Spec) {
		hup.Generation = oldHUP.Generation + 1
	}
}

func (hupStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateHostUpdatePolicy(obj.(*baremetal.HostUpdatePolicy))
}

func (hupStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (hupStrategy) Canonicalize(obj runtime.Object) {}

func (hupStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (hupStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (hupStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostUpdatePolicyUpdate(obj.(*baremetal.HostUpdatePolicy), old.(*baremetal.HostUpdatePolicy))
}

func (hupStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of a policy, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	hup, ok := obj.(*baremetal.HostUpdatePolicy)
	if !ok {
		return nil, nil, fmt.Errorf("not a HostUpdatePolicy: %T", obj)
	}
	return labels.Set(hup.Labels), generic.ObjectMetaFieldsSet(&hup.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
