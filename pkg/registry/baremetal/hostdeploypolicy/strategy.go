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
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// Strategy is the strategy of HostDeployPolicies.
var Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.HostDeployPolicy]{
	Name: "HostDeployPolicy",
	// A changed policy is a new generation, so that a reconciler can tell which policy it last
	// acted on.
	Spec: specstatus.FieldOf(func(hdp *baremetal.HostDeployPolicy) *baremetal.HostDeployPolicySpec { return &hdp.Spec }),
	// The status is empty, and no write sets it.
	Status: specstatus.FieldOf(func(hdp *baremetal.HostDeployPolicy) *baremetal.HostDeployPolicyStatus { return &hdp.Status }),

	Validate:       validation.ValidateHostDeployPolicy,
	ValidateUpdate: validation.ValidateHostDeployPolicyUpdate,
})
