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

package validation

import (
	"errors"
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// PreprovisioningImage has no webhook in Metal3: its rules are its CRD's, the image format enum
// (spec.acceptFormats[*], status.format) and the conditions' schema
// (apis/metal3.io/v1alpha1/preprovisioningimage_types.go). Like a host's
// preprovisioningNetworkDataName, spec.networkDataName must be able to name a Secret, so that a
// typo is reported now rather than as a Secret that is never found.

// supportedPreprovisioningImageFormats is the CRD's enum of ImageFormat.
var supportedPreprovisioningImageFormats = []baremetal.ImageFormat{baremetal.ImageFormatISO, baremetal.ImageFormatInitRD}

// ValidatePreprovisioningImage validates a PreprovisioningImage on create.
func ValidatePreprovisioningImage(img *baremetal.PreprovisioningImage) field.ErrorList {
	if img == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no PreprovisioningImage to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&img.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validatePreprovisioningImageSpec(&img.Spec, specPath)...)
}

// ValidatePreprovisioningImageUpdate validates a PreprovisioningImage on update of the main
// resource: the create rules on the new object. The spec may change (Metal3 updates it when
// the host's network data or architecture change).
func ValidatePreprovisioningImageUpdate(img, old *baremetal.PreprovisioningImage) field.ErrorList {
	if img == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no PreprovisioningImage to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&img.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validatePreprovisioningImageSpec(&img.Spec, specPath)...)
}

// ValidatePreprovisioningImageStatusUpdate validates a write to the status subresource: the
// CRD's format enum and conditions.
func ValidatePreprovisioningImageStatusUpdate(img, old *baremetal.PreprovisioningImage) field.ErrorList {
	if img == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no PreprovisioningImage to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&img.ObjectMeta, &old.ObjectMeta, metadataPath)
	if f := img.Status.Format; f != "" && !slices.Contains(supportedPreprovisioningImageFormats, f) {
		allErrs = append(allErrs, field.NotSupported(statusPath.Child("format"), f, supportedPreprovisioningImageFormats))
	}
	return append(allErrs, metav1validation.ValidateConditions(img.Status.Conditions, statusPath.Child("conditions"))...)
}

func validatePreprovisioningImageSpec(spec *baremetal.PreprovisioningImageSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, f := range spec.AcceptFormats {
		if !slices.Contains(supportedPreprovisioningImageFormats, f) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("acceptFormats").Index(i), f, supportedPreprovisioningImageFormats))
		}
	}
	if name := spec.NetworkDataName; name != "" {
		allErrs = append(allErrs, validateSecretName(name, fldPath.Child("networkDataName"))...)
	}
	return allErrs
}
