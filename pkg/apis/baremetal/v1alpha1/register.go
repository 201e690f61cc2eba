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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of this version.
const GroupName = "baremetal.metal3.io"

// SchemeGroupVersion is the group version of this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

var (
	// SchemeBuilder registers this version's types, defaults and conversions.
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds this version to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	// Only hand-written functions are registered here; the generated ones register themselves
	// in the zz_generated files, so this package compiles before code generation has run.
	localSchemeBuilder.Register(addKnownTypes, addDefaultingFuncs, addConversionFuncs)
}

// Resource takes an unqualified resource and returns a group-qualified GroupResource.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&BareMetalHost{},
		&BareMetalHostList{},
		&Power{},
		&RebootRequest{},
		&InspectRequest{},
		&Inspection{},
		&HardwareData{},
		&HardwareDataList{},
		&FirmwareSchema{},
		&FirmwareSchemaList{},
		&HostFirmwareSettings{},
		&HostFirmwareSettingsList{},
		&HostFirmwareComponents{},
		&HostFirmwareComponentsList{},
		&HostUpdatePolicy{},
		&HostUpdatePolicyList{},
		&DataImage{},
		&DataImageList{},
		&BMCEventSubscription{},
		&BMCEventSubscriptionList{},
		&PreprovisioningImage{},
		&PreprovisioningImageList{},
		&HostClaim{},
		&HostClaimList{},
		&HostClaimBinding{},
		&HostDeployPolicy{},
		&HostDeployPolicyList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
