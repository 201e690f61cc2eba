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

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// DataImage follows Metal3's webhook (internal/webhooks/metal3.io/v1alpha1/
// dataimage_validation.go): spec.url must be a URL Ironic can fetch, on create and on every
// update. Its CRD requires spec.url. The URL rule is the one images and firmware updates get
// here (validateImageURL: Metal3's schemes, and a host).

// ValidateDataImage validates a DataImage on create.
func ValidateDataImage(img *baremetal.DataImage) field.ErrorList {
	if img == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no DataImage to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&img.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateImageURL(img.Spec.URL, specPath.Child("url"))...)
}

// ValidateDataImageUpdate validates a DataImage on update of the main resource: the create
// rules again, as Metal3's webhook does. The URL may change (the reconciler detaches the old
// image and attaches the new one).
func ValidateDataImageUpdate(img, old *baremetal.DataImage) field.ErrorList {
	if img == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no DataImage to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&img.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateImageURL(img.Spec.URL, specPath.Child("url"))...)
}

// ValidateDataImageStatusUpdate validates a write to the status subresource: a count of
// failures is never negative.
func ValidateDataImageStatusUpdate(img, old *baremetal.DataImage) field.ErrorList {
	if img == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no DataImage to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&img.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, apivalidation.ValidateNonnegativeField(int64(img.Status.Error.Count), statusPath.Child("error", "count"))...)
}
