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

// Metal3GroupName is Metal3's own group. With --serve-metal3-io the server serves the same
// kinds, the same stored objects, under it as well, so that Metal3's consumers work unmodified
// (Kubernetes served Deployments in extensions and apps the same way). It is registered in a
// scheme only on demand (AddToGroup): a server that does not serve it must not claim its kinds,
// e.g. in the OpenAPI it publishes beside Metal3's own CRDs.
const Metal3GroupName = "metal3.io"

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
	scheme.AddKnownTypes(SchemeGroupVersion, knownTypes()...)
	return nil
}

// AddToGroup registers the internal types under the internal version of another group too, as
// the one hub both groups' versions convert to and from.
func AddToGroup(scheme *runtime.Scheme, group string) error {
	scheme.AddKnownTypes(schema.GroupVersion{Group: group, Version: runtime.APIVersionInternal}, knownTypes()...)
	return nil
}

// knownTypes are the kinds of the group, in one list for every group they are registered in.
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
