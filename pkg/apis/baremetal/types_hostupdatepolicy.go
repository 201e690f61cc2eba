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

package baremetal

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The internal version of Metal3's HostUpdatePolicy; v1alpha1/types_hostupdatepolicy.go
// documents it.

// UpdatePolicy says when a change may be applied to a host.
type UpdatePolicy string

const (
	HostUpdatePolicyOnPreparing UpdatePolicy = "onPreparing"
	HostUpdatePolicyOnReboot    UpdatePolicy = "onReboot"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostUpdatePolicy says how a provisioned host may take firmware changes.
type HostUpdatePolicy struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   HostUpdatePolicySpec
	Status HostUpdatePolicyStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostUpdatePolicyList is a list of HostUpdatePolicies.
type HostUpdatePolicyList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []HostUpdatePolicy
}

// HostUpdatePolicySpec holds the policies.
type HostUpdatePolicySpec struct {
	FirmwareSettings UpdatePolicy
	FirmwareUpdates  UpdatePolicy
}

// HostUpdatePolicyStatus is empty, as in Metal3.
type HostUpdatePolicyStatus struct{}
