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

// ImageFormat is the format of a preprovisioning image, Metal3's values.
// +enum
type ImageFormat string

const (
	// ImageFormatISO is a bootable ISO, attached as virtual media.
	ImageFormatISO ImageFormat = "iso"
	// ImageFormatInitRD is an initramfs, booted over the network with a kernel.
	ImageFormatInitRD ImageFormat = "initrd"
)

// PreprovisioningImageFinalizer is Metal3's finalizer on a PreprovisioningImage: it stays until
// the built image is removed.
const PreprovisioningImageFinalizer = "preprovisioningimage.metal3.io"

// ImageStatusConditionType is a condition type of a PreprovisioningImage.
type ImageStatusConditionType string

const (
	// ConditionImageReady is True when the image is built and can be downloaded.
	ConditionImageReady ImageStatusConditionType = "Ready"
	// ConditionImageError is True when the image could not be built.
	ConditionImageError ImageStatusConditionType = "Error"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PreprovisioningImage is Metal3's request for the image a host boots before it is provisioned
// (the agent that inspects, cleans and deploys it), and the image built for it. Metal3 creates
// one per host, named after it, and an image builder fills the status.
type PreprovisioningImage struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the image wanted.
	// +optional
	Spec PreprovisioningImageSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the image built, written by the image builder.
	// +optional
	Status PreprovisioningImageStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PreprovisioningImageList is a list of PreprovisioningImages.
type PreprovisioningImageList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of PreprovisioningImages.
	Items []PreprovisioningImage `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// PreprovisioningImageSpec is the image wanted.
type PreprovisioningImageSpec struct {
	// NetworkDataName is the name of a Secret, in the image's namespace, holding network data
	// to build into the image.
	// +optional
	NetworkDataName string `json:"networkDataName,omitempty" protobuf:"bytes,1,opt,name=networkDataName"`

	// Architecture is the processor architecture to build the image for, e.g. x86_64.
	// +optional
	Architecture string `json:"architecture,omitempty" protobuf:"bytes,2,opt,name=architecture"`

	// AcceptFormats are the image formats that will do: iso, initrd.
	// +optional
	// +listType=atomic
	AcceptFormats []ImageFormat `json:"acceptFormats,omitempty" protobuf:"bytes,3,rep,name=acceptFormats,casttype=ImageFormat"`
}

// SecretStatus is the version of a Secret an image was built with.
type SecretStatus struct {
	// Name of the Secret.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`
	// Version of the Secret (its resourceVersion).
	// +optional
	Version string `json:"version,omitempty" protobuf:"bytes,2,opt,name=version"`
}

// PreprovisioningImageStatus is the image built.
type PreprovisioningImageStatus struct {
	// ImageURL is the URL the built image can be downloaded from.
	// +optional
	ImageURL string `json:"imageUrl,omitempty" protobuf:"bytes,1,opt,name=imageUrl"`

	// KernelURL is the URL the kernel of an initrd image can be downloaded from.
	// +optional
	KernelURL string `json:"kernelUrl,omitempty" protobuf:"bytes,2,opt,name=kernelUrl"`

	// ExtraKernelParams are more kernel parameters to boot an initrd image with over the
	// network.
	// +optional
	ExtraKernelParams string `json:"extraKernelParams,omitempty" protobuf:"bytes,3,opt,name=extraKernelParams"`

	// Format is the format of the image at imageUrl: iso or initrd.
	// +optional
	Format ImageFormat `json:"format,omitempty" protobuf:"bytes,4,opt,name=format,casttype=ImageFormat"`

	// NetworkData is the version of the network data Secret the image was built with.
	// +optional
	NetworkData SecretStatus `json:"networkData,omitempty" protobuf:"bytes,5,opt,name=networkData"`

	// Architecture is the processor architecture the image is built for.
	// +optional
	Architecture string `json:"architecture,omitempty" protobuf:"bytes,6,opt,name=architecture"`

	// Conditions describe the built image: Ready (it can be downloaded) and Error (it could
	// not be built).
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,7,rep,name=conditions"`
}
