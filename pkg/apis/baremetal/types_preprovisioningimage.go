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

// The internal version of Metal3's PreprovisioningImage; v1alpha1/types_preprovisioningimage.go
// documents it.

// ImageFormat is the format of a preprovisioning image.
type ImageFormat string

const (
	ImageFormatISO    ImageFormat = "iso"
	ImageFormatInitRD ImageFormat = "initrd"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PreprovisioningImage is the image a host boots to be inspected and provisioned.
type PreprovisioningImage struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   PreprovisioningImageSpec
	Status PreprovisioningImageStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PreprovisioningImageList is a list of PreprovisioningImages.
type PreprovisioningImageList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []PreprovisioningImage
}

// PreprovisioningImageSpec is the image wanted.
type PreprovisioningImageSpec struct {
	NetworkDataName string
	Architecture    string
	AcceptFormats   []ImageFormat
}

// SecretStatus is the version of a Secret an image was built with.
type SecretStatus struct {
	Name    string
	Version string
}

// PreprovisioningImageStatus is the image built.
type PreprovisioningImageStatus struct {
	ImageURL          string
	KernelURL         string
	ExtraKernelParams string
	Format            ImageFormat
	NetworkData       SecretStatus
	Architecture      string
	Conditions        []metav1.Condition
}
