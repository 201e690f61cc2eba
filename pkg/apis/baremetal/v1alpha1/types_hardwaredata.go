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

// HardwareDataFinalizer is on every HardwareData the reconciler writes, as Metal3 puts it there
// (its host's finalizer + "/hardwareData"): the inventory stays while its host lives, and is
// released when the host is deleted.
const HardwareDataFinalizer = BareMetalHostFinalizer + "/hardwareData"

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HardwareData is Metal3's record of one host's inventory: same name and namespace as its
// BareMetalHost, owned by it (controller reference), written when an inspection completes. A
// host created again with the same name, without an inventory of its own, takes it from here
// instead of being inspected again. It has a spec only, as in Metal3.
type HardwareData struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec holds the inventory.
	// +optional
	Spec HardwareDataSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// HardwareDataSpec holds a host's inventory.
type HardwareDataSpec struct {
	// Hardware is what the host's inspection found; the same type as the host's
	// status.hardware.
	// +optional
	Hardware *HardwareDetails `json:"hardware,omitempty" protobuf:"bytes,1,opt,name=hardware"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HardwareDataList is a list of HardwareData.
type HardwareDataList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of HardwareData.
	Items []HardwareData `json:"items" protobuf:"bytes,2,rep,name=items"`
}
