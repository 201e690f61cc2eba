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
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// HostUpdatePolicy has no webhook in Metal3: its rules are its CRD's, the enum of the two
// policies (apis/metal3.io/v1alpha1/hostupdatepolicy_types.go). Metal3's controller acts on
// onReboot only; onPreparing is accepted and means what no policy means.

// supportedUpdatePolicies is the CRD's enum; an empty policy is an absent one (omitempty).
var supportedUpdatePolicies = []baremetal.UpdatePolicy{
	baremetal.HostUpdatePolicyOnPreparing, baremetal.HostUpdatePolicyOnReboot,
}

// ValidateHostUpdatePolicy validates a HostUpdatePolicy on create.
func ValidateHostUpdatePolicy(hup *baremetal.HostUpdatePolicy) field.ErrorList {
	if hup == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostUpdatePolicy to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&hup.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateHostUpdatePolicySpec(&hup.Spec, specPath)...)
}

// ValidateHostUpdatePolicyUpdate validates a HostUpdatePolicy on update: the create rules on
// the new object. The policies may change at any time, as in Metal3.
func ValidateHostUpdatePolicyUpdate(hup, old *baremetal.HostUpdatePolicy) field.ErrorList {
	if hup == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostUpdatePolicy to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&hup.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateHostUpdatePolicySpec(&hup.Spec, specPath)...)
}

func validateHostUpdatePolicySpec(spec *baremetal.HostUpdatePolicySpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateUpdatePolicy(spec.FirmwareSettings, fldPath.Child("firmwareSettings"))
	return append(allErrs, validateUpdatePolicy(spec.FirmwareUpdates, fldPath.Child("firmwareUpdates"))...)
}

func validateUpdatePolicy(policy baremetal.UpdatePolicy, fldPath *field.Path) field.ErrorList {
	if policy != "" && !slices.Contains(supportedUpdatePolicies, policy) {
		return field.ErrorList{field.NotSupported(fldPath, policy, supportedUpdatePolicies)}
	}
	return nil
}
