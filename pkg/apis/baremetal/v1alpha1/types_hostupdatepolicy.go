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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UpdatePolicy says when a change may be applied to a host, Metal3's values.
// +enum
type UpdatePolicy string

const (
	// HostUpdatePolicyOnPreparing applies changes only while the host is being prepared (before
	// provisioning, or when it is deprovisioned), which is what happens without a policy.
	HostUpdatePolicyOnPreparing UpdatePolicy = "onPreparing"
	// HostUpdatePolicyOnReboot also applies changes to a provisioned host when it is next
	// rebooted (Metal3's servicing).
	HostUpdatePolicyOnReboot UpdatePolicy = "onReboot"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostUpdatePolicy is Metal3's policy for changing a provisioned host: whether the firmware
// settings (HostFirmwareSettings) and firmware updates (HostFirmwareComponents) of a host that
// is provisioned may be applied when it reboots. Metal3 reads the HostUpdatePolicy named after
// the host, in the host's namespace; without one, changes wait for the host to be prepared.
type HostUpdatePolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec holds the policies.
	// +optional
	Spec HostUpdatePolicySpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is empty, as in Metal3.
	// +optional
	Status HostUpdatePolicyStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostUpdatePolicyList is a list of HostUpdatePolicies.
type HostUpdatePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of HostUpdatePolicies.
	Items []HostUpdatePolicy `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// HostUpdatePolicySpec holds the policies of one host.
type HostUpdatePolicySpec struct {
	// FirmwareSettings is the policy for changing firmware settings: onReboot applies the
	// host's HostFirmwareSettings to a provisioned host when it reboots; onPreparing (or no
	// value) only while the host is prepared.
	// +optional
	FirmwareSettings UpdatePolicy `json:"firmwareSettings,omitempty" protobuf:"bytes,1,opt,name=firmwareSettings,casttype=UpdatePolicy"`

	// FirmwareUpdates is the policy for updating firmware: onReboot flashes the host's
	// HostFirmwareComponents updates onto a provisioned host when it reboots; onPreparing (or
	// no value) only while the host is prepared.
	// +optional
	FirmwareUpdates UpdatePolicy `json:"firmwareUpdates,omitempty" protobuf:"bytes,2,opt,name=firmwareUpdates,casttype=UpdatePolicy"`
}

// HostUpdatePolicyStatus is the observed state of a HostUpdatePolicy: empty, as in Metal3.
type HostUpdatePolicyStatus struct{}
