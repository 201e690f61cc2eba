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

// The internal version of Metal3's DataImage; v1alpha1/types_dataimage.go documents it.

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DataImage is an image to attach to a host as virtual media.
type DataImage struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   DataImageSpec
	Status DataImageStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DataImageList is a list of DataImages.
type DataImageList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []DataImage
}

// DataImageSpec holds the image to attach.
type DataImageSpec struct {
	URL string
}

// AttachedImageReference is the image attached to a host.
type AttachedImageReference struct {
	URL string
}

// DataImageError counts the failed attempts to attach or detach, with the last message.
type DataImageError struct {
	Count   int32
	Message string
}

// DataImageStatus holds what is attached.
type DataImageStatus struct {
	LastReconciled *metav1.Time
	AttachedImage  AttachedImageReference
	Error          DataImageError
}
