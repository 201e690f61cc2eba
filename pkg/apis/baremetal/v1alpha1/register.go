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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
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
	scheme.AddKnownTypes(SchemeGroupVersion, knownTypes()...)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

// Metal3GroupVersion is this version in Metal3's own group, which the server serves too when
// asked (--serve-metal3-io; see baremetal.Metal3GroupName).
var Metal3GroupVersion = schema.GroupVersion{Group: baremetal.Metal3GroupName, Version: "v1alpha1"}

// AddToGroup registers this version's types under the same version of another group: the
// kinds, the meta types a served group version needs and the field selectors. Defaults and
// conversions belong to the Go types and come with AddToScheme, which must have run.
func AddToGroup(scheme *runtime.Scheme, group string) error {
	gv := schema.GroupVersion{Group: group, Version: SchemeGroupVersion.Version}
	scheme.AddKnownTypes(gv, knownTypes()...)
	metav1.AddToGroupVersion(scheme, gv)
	return addFieldLabelConversions(scheme, gv)
}

// knownTypes are the kinds of this version, in one list for every group they are registered in.
func knownTypes() []runtime.Object {
	return []runtime.Object{
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
	}
}
