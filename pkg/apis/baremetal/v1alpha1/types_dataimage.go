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

// DataImageFinalizer is Metal3's finalizer on a DataImage: the image stays until it is detached
// from its host.
const DataImageFinalizer = "dataimage.metal3.io"

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DataImage is Metal3's image to attach to a host as virtual media (e.g. a configuration ISO),
// next to what it provisions. Metal3 reads the DataImage named after the host, in the host's
// namespace, and attaches spec.url; status says what is attached.
type DataImage struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec holds the image to attach.
	// +optional
	Spec DataImageSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status holds what is attached, written by the reconciler.
	// +optional
	Status DataImageStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DataImageList is a list of DataImages.
type DataImageList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of DataImages.
	Items []DataImage `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// DataImageSpec holds the image to attach to the host.
type DataImageSpec struct {
	// URL is the address of the image to attach to the BareMetalHost: http, https, ftp, gopher
	// or oci.
	URL string `json:"url" protobuf:"bytes,1,opt,name=url"`
}

// AttachedImageReference is the image attached to the host.
type AttachedImageReference struct {
	// URL of the attached image.
	URL string `json:"url" protobuf:"bytes,1,opt,name=url"`
}

// DataImageError counts the failed attempts to attach or detach the image, with the last
// message.
type DataImageError struct {
	// Count of consecutive failed attempts.
	Count int32 `json:"count" protobuf:"varint,1,opt,name=count"`
	// Message of the last failure.
	Message string `json:"message" protobuf:"bytes,2,opt,name=message"`
}

// DataImageStatus holds what is attached to the host.
type DataImageStatus struct {
	// LastReconciled is when the image was last reconciled.
	// +optional
	LastReconciled *metav1.Time `json:"lastReconciled,omitempty" protobuf:"bytes,1,opt,name=lastReconciled"`

	// AttachedImage is the image attached to the host.
	// +optional
	AttachedImage AttachedImageReference `json:"attachedImage,omitempty" protobuf:"bytes,2,opt,name=attachedImage"`

	// Error counts the failed attempts to attach or detach, with the last message.
	// +optional
	Error DataImageError `json:"error,omitempty" protobuf:"bytes,3,opt,name=error"`
}
