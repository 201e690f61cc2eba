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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group served by this server. It differs from Metal3's metal3.io so that
// both can live in one cluster while hosts move over.
const GroupName = "baremetal.metal3.io"

// SchemeGroupVersion is the internal version of the group.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: runtime.APIVersionInternal}

var (
	// SchemeBuilder registers the internal types.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the internal types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Kind takes an unqualified kind and returns a group-qualified GroupKind.
func Kind(kind string) schema.GroupKind {
	return SchemeGroupVersion.WithKind(kind).GroupKind()
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
	return nil
}
