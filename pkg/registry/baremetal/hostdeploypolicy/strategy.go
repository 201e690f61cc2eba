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

// Package hostdeploypolicy holds the registry strategy of HostDeployPolicies (Metal3's kind:
// which namespaces' HostClaims may claim the hosts of the policy's namespace). Its status is
// empty, so it is served without a status subresource.
package hostdeploypolicy

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

type hdpStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// Strategy is the strategy of HostDeployPolicies.
var Strategy = hdpStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}

var (
	_ rest.RESTCreateStrategy = hdpStrategy{}
	_ rest.RESTUpdateStrategy = hdpStrategy{}
	_ rest.RESTDeleteStrategy = hdpStrategy{}
)

func (hdpStrategy) NamespaceScoped() bool { return true }

func (hdpStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	hdp := obj.(*baremetal.HostDeployPolicy)
	hdp.Status = baremetal.HostDeployPolicyStatus{}
	hdp.Generation = 1
}

// PrepareForUpdate bumps the generation when a policy changes, so that a reconciler can tell
// which policy it last acted on.
func (hdpStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hdp, oldHDP := obj.(*baremetal.HostDeployPolicy), old.(*baremetal.HostDeployPolicy)
	hdp.Status = oldHDP.Status
	hdp.Generation = oldHDP.Generation
	if !apiequality.Semantic.DeepEqual(hdp.Spec, oldHDP.Spec) {
		hdp.Generation = oldHDP.Generation + 1
	}
}

func (hdpStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateHostDeployPolicy(obj.(*baremetal.HostDeployPolicy))
}

func (hdpStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (hdpStrategy) Canonicalize(obj runtime.Object) {}

func (hdpStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (kubectl replace);
// a stale resourceVersion still gets a 409.
func (hdpStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (hdpStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHostDeployPolicyUpdate(obj.(*baremetal.HostDeployPolicy), old.(*baremetal.HostDeployPolicy))
}

func (hdpStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and the metadata fields of a policy, for list and watch
// filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	hdp, ok := obj.(*baremetal.HostDeployPolicy)
	if !ok {
		return nil, nil, fmt.Errorf("not a HostDeployPolicy: %T", obj)
	}
	return labels.Set(hdp.Labels), generic.ObjectMetaFieldsSet(&hdp.ObjectMeta, true), nil
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
