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

// Package storage is the REST storage of HostDeployPolicies: one etcd-backed store, no
// subresources (its status is empty).
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostdeploypolicy"
)

// REST is the storage of the hostdeploypolicies resource.
type REST struct {
	*genericregistry.Store
}

// No short name: Metal3 declares none for this kind, and one of our own would be a name that
// works here and nowhere else.
var (
	_ rest.StandardStorage      = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// NewREST builds the storage of HostDeployPolicies on the given etcd options.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &baremetal.HostDeployPolicy{} },
		NewListFunc:               func() runtime.Object { return &baremetal.HostDeployPolicyList{} },
		PredicateFunc:             hostdeploypolicy.Match,
		DefaultQualifiedResource:  baremetal.Resource("hostdeploypolicies"),
		SingularQualifiedResource: baremetal.Resource("hostdeploypolicy"),

		CreateStrategy: hostdeploypolicy.Strategy,
		UpdateStrategy: hostdeploypolicy.Strategy,
		DeleteStrategy: hostdeploypolicy.Strategy,

		TableConvertor: hostdeploypolicy.TableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: hostdeploypolicy.GetAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}
