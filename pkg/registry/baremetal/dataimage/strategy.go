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

// Package dataimage holds the registry strategies of DataImages (Metal3's kind): the image to
// attach to a host as virtual media in spec, what is attached in status.
package dataimage

import (
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

var (
	// Strategy is the strategy of DataImages.
	Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.DataImage]{
		Name: "DataImage",
		// Another image is a new generation.
		Spec: specstatus.FieldOf(func(img *baremetal.DataImage) *baremetal.DataImageSpec { return &img.Spec }),
		// Whoever may write status (the reconciler) must not be able to choose the image that
		// is attached.
		Status: specstatus.FieldOf(func(img *baremetal.DataImage) *baremetal.DataImageStatus { return &img.Status }),

		Validate:             validation.ValidateDataImage,
		ValidateUpdate:       validation.ValidateDataImageUpdate,
		ValidateStatusUpdate: validation.ValidateDataImageStatusUpdate,
	})
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = specstatus.NewStatusStrategy(Strategy)
)
