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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostdeploypolicy"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// NewREST builds the storage of HostDeployPolicies on the given etcd options.
func NewREST(optsGetter generic.RESTOptionsGetter) (*specstatus.REST, error) {
	return specstatus.NewREST(optsGetter, specstatus.Resource{
		NewFunc:        func() runtime.Object { return &baremetal.HostDeployPolicy{} },
		NewListFunc:    func() runtime.Object { return &baremetal.HostDeployPolicyList{} },
		Plural:         "hostdeploypolicies",
		Singular:       "hostdeploypolicy",
		TableConvertor: hostdeploypolicy.TableConvertor,
		// No short name: Metal3 declares none for this kind, and one of our own would be a name
		// that works here and nowhere else.
	}, hostdeploypolicy.Strategy)
}
