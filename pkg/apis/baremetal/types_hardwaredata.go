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

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HardwareData is the inventory of one BareMetalHost, kept apart from the host: it has the
// host's name and namespace, is owned by it, and is written when an inspection completes. A
// host created again with the same name takes its inventory from it instead of inspecting.
type HardwareData struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec HardwareDataSpec
}

// HardwareDataSpec holds the inventory.
type HardwareDataSpec struct {
	// Hardware is what the host's inspection found.
	Hardware *HardwareDetails
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HardwareDataList is a list of HardwareData.
type HardwareDataList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []HardwareData
}
