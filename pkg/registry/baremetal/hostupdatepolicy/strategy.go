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
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// Strategy is the strategy of HostUpdatePolicies.
var Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.HostUpdatePolicy]{
	Name: "HostUpdatePolicy",
	// A changed policy is a new generation, so that a reconciler can tell which policy it last
	// acted on.
	Spec: specstatus.FieldOf(func(hup *baremetal.HostUpdatePolicy) *baremetal.HostUpdatePolicySpec { return &hup.Spec }),
	// The status is empty, and no write sets it.
	Status: specstatus.FieldOf(func(hup *baremetal.HostUpdatePolicy) *baremetal.HostUpdatePolicyStatus { return &hup.Status }),

	Validate:       validation.ValidateHostUpdatePolicy,
	ValidateUpdate: validation.ValidateHostUpdatePolicyUpdate,
})
