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

// Package preprovisioningimage holds the registry strategies of PreprovisioningImages (Metal3's
// kind): the image a host should boot before provisioning in spec, the image built in status.
package preprovisioningimage

import (
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

var (
	// Strategy is the strategy of PreprovisioningImages.
	Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.PreprovisioningImage]{
		Name: "PreprovisioningImage",
		// Another image wanted is a new generation, so that an image builder can tell its
		// status is for an older spec.
		Spec: specstatus.FieldOf(func(img *baremetal.PreprovisioningImage) *baremetal.PreprovisioningImageSpec { return &img.Spec }),
		// Whoever may write status (the image builder) must not be able to change the image
		// wanted.
		Status: specstatus.FieldOf(func(img *baremetal.PreprovisioningImage) *baremetal.PreprovisioningImageStatus { return &img.Status }),

		Validate:             validation.ValidatePreprovisioningImage,
		ValidateUpdate:       validation.ValidatePreprovisioningImageUpdate,
		ValidateStatusUpdate: validation.ValidatePreprovisioningImageStatusUpdate,
	})
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = specstatus.NewStatusStrategy(Strategy)
)
