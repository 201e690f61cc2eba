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

// Package hardwaredata holds the registry strategy of HardwareData: what the server does to an
// object on create and update before it reaches etcd (generation, validation), and its table.
// HardwareData has a spec only, as in Metal3: no status, so no status subresource and no
// reset fields.
package hardwaredata

import (
	"context"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// strategy implements create, update and delete behaviour for HardwareData.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// Strategy is the one strategy of HardwareData: nothing in it depends on server options.
var Strategy = strategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator}

var (
	_ rest.RESTCreateStrategy = strategy{}
	_ rest.RESTUpdateStrategy = strategy{}
	_ rest.RESTDeleteStrategy = strategy{}
)

func (strategy) NamespaceScoped() bool { return true }

// PrepareForCreate starts the generation, as for every object with a spec.
func (strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	obj.(*baremetal.HardwareData).Generation = 1
}

// PrepareForUpdate bumps the generation when the inventory changes (a new inspection), not
// when only metadata does (owner references, finalizers, labels), as for a CRD without a
// status subresource.
func (strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	hd := obj.(*baremetal.HardwareData)
	oldHD := old.(*baremetal.HardwareData)
	if !apiequality.Semantic.DeepEqual(hd.Spec, oldHD.Spec) {
		hd.Generation = oldHD.Generation + 1
	}
}

func (strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateHardwareData(obj.(*baremetal.HardwareData))
}

func (strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (strategy) Canonicalize(obj runtime.Object) {}

func (strategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (as kubectl replace
// does); a write that carries a stale resourceVersion still gets a 409.
func (strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateHardwareDataUpdate(obj.(*baremetal.HardwareData), old.(*baremetal.HardwareData))
}

func (strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string { return nil }
