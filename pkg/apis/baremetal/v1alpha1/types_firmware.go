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
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Metal3's firmware kinds, with Metal3's JSON names (metal3.io/v1alpha1 FirmwareSchema,
// HostFirmwareSettings, HostFirmwareComponents), so that their manifests move here by changing
// only the apiVersion. Like BareMetalHost, each is namespaced, and Metal3 names the
// HostFirmwareSettings and HostFirmwareComponents of a host after the host.

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FirmwareSchema describes the BIOS attributes of one kind of hardware: for each attribute its
// type and the values it may take. HostFirmwareSettings name the schema of their host in
// status.schema, and the server refuses desired settings the schema does not allow.
type FirmwareSchema struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the schema.
	// +optional
	Spec FirmwareSchemaSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FirmwareSchemaList is a list of FirmwareSchemas.
type FirmwareSchemaList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of schemas.
	Items []FirmwareSchema `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// FirmwareSchemaSpec is the content of a FirmwareSchema.
type FirmwareSchemaSpec struct {
	// HardwareVendor is the vendor of the hardware the schema describes.
	// +optional
	HardwareVendor string `json:"hardwareVendor,omitempty" protobuf:"bytes,1,opt,name=hardwareVendor"`

	// HardwareModel is the model of the hardware the schema describes.
	// +optional
	HardwareModel string `json:"hardwareModel,omitempty" protobuf:"bytes,2,opt,name=hardwareModel"`

	// Schema maps each firmware attribute's name to what it may be set to.
	// +optional
	Schema map[string]SettingSchema `json:"schema,omitempty" protobuf:"bytes,3,rep,name=schema"`
}

// SettingAttributeType is the type of a firmware attribute, as the BMC's attribute registry
// gives it.
// +enum
type SettingAttributeType string

const (
	// SettingTypeEnumeration takes one of allowable_values.
	SettingTypeEnumeration SettingAttributeType = "Enumeration"
	// SettingTypeString takes a string of min_length to max_length bytes.
	SettingTypeString SettingAttributeType = "String"
	// SettingTypeInteger takes an integer from lower_bound to upper_bound.
	SettingTypeInteger SettingAttributeType = "Integer"
	// SettingTypeBoolean takes "true" or "false".
	SettingTypeBoolean SettingAttributeType = "Boolean"
	// SettingTypePassword cannot be set through the API.
	SettingTypePassword SettingAttributeType = "Password"
)

// SettingSchema is what one firmware attribute may be set to. The JSON names are Metal3's
// (which are Ironic's BIOS registry names, hence snake_case).
type SettingSchema struct {
	// AttributeType is Enumeration, String, Integer, Boolean or Password. Empty when the BMC
	// gave no type; any value is then accepted.
	// +optional
	AttributeType SettingAttributeType `json:"attribute_type,omitempty" protobuf:"bytes,1,opt,name=attribute_type,casttype=SettingAttributeType"`

	// AllowableValues are the values of an Enumeration attribute.
	// +optional
	// +listType=atomic
	AllowableValues []string `json:"allowable_values,omitempty" protobuf:"bytes,2,rep,name=allowable_values"`

	// LowerBound is the smallest value of an Integer attribute.
	// +optional
	LowerBound *int64 `json:"lower_bound,omitempty" protobuf:"varint,3,opt,name=lower_bound"`

	// UpperBound is the largest value of an Integer attribute.
	// +optional
	UpperBound *int64 `json:"upper_bound,omitempty" protobuf:"varint,4,opt,name=upper_bound"`

	// MinLength is the shortest value, in bytes, of a String attribute.
	// +optional
	MinLength *int64 `json:"min_length,omitempty" protobuf:"varint,5,opt,name=min_length"`

	// MaxLength is the longest value, in bytes, of a String attribute.
	// +optional
	MaxLength *int64 `json:"max_length,omitempty" protobuf:"varint,6,opt,name=max_length"`

	// ReadOnly attributes cannot be set.
	// +optional
	ReadOnly *bool `json:"read_only,omitempty" protobuf:"varint,7,opt,name=read_only"`

	// Unique says the attribute's value is unique to the host, e.g. a serial number.
	// +optional
	Unique *bool `json:"unique,omitempty" protobuf:"varint,8,opt,name=unique"`
}

// SettingsMap holds firmware settings as names and values, as the BMC reports them.
type SettingsMap map[string]string

// DesiredSettingsMap holds desired firmware settings as names and values. A value may be given
// as a string or, for Integer attributes, as a number.
type DesiredSettingsMap map[string]intstr.IntOrString

// UnmarshalJSON reads a setting whose value is null as no setting. IntOrString alone would read
// null as the number 0, a value to write into a BIOS; Metal3's CRD prunes the null instead (its
// schema does not allow null), and so does this.
func (m *DesiredSettingsMap) UnmarshalJSON(data []byte) error {
	var values map[string]*intstr.IntOrString
	if err := json.Unmarshal(data, &values); err != nil {
		return err
	}
	if values == nil {
		*m = nil
		return nil
	}
	*m = make(DesiredSettingsMap, len(values))
	for name, v := range values {
		if v != nil {
			(*m)[name] = *v
		}
	}
	return nil
}

// SchemaReference names a FirmwareSchema.
type SchemaReference struct {
	// Namespace of the FirmwareSchema; it must be the HostFirmwareSettings' own.
	Namespace string `json:"namespace" protobuf:"bytes,1,opt,name=namespace"`
	// Name of the FirmwareSchema.
	Name string `json:"name" protobuf:"bytes,2,opt,name=name"`
}

// Condition types of HostFirmwareSettings and HostFirmwareComponents, Metal3's.
const (
	// FirmwareSettingsChangeDetected is True while the desired settings (or updates) differ
	// from what the host has.
	FirmwareSettingsChangeDetected = "ChangeDetected"
	// FirmwareSettingsValid is True when the desired settings (or updates) can be applied.
	FirmwareSettingsValid = "Valid"

	// HostFirmwareComponentsChangeDetected is FirmwareSettingsChangeDetected for components.
	HostFirmwareComponentsChangeDetected = FirmwareSettingsChangeDetected
	// HostFirmwareComponentsValid is FirmwareSettingsValid for components.
	HostFirmwareComponentsValid = FirmwareSettingsValid
)

// Condition reasons, Metal3's values.
const (
	// ReasonFirmwareSettingsSuccess: the settings are valid, or match.
	ReasonFirmwareSettingsSuccess = "Success"
	// ReasonFirmwareSettingsConfigurationError: a desired setting is invalid.
	ReasonFirmwareSettingsConfigurationError = "ConfigurationError"
	// ReasonFirmwareComponentsOK: the updates are valid.
	ReasonFirmwareComponentsOK = "OK"
	// ReasonFirmwareComponentsInvalid: an update names a component that cannot be updated.
	ReasonFirmwareComponentsInvalid = "InvalidComponent"
)

// +genclient
// +resourceName=hostfirmwaresettings
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareSettings holds the BIOS settings of a host: those wanted (spec) and those the
// host has (status), with the FirmwareSchema that says which values are valid. Metal3 names it
// after its BareMetalHost.
type HostFirmwareSettings struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec holds the desired settings.
	// +optional
	Spec HostFirmwareSettingsSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status holds the host's settings and schema, written by the server's reconciler.
	// +optional
	Status HostFirmwareSettingsStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareSettingsList is a list of HostFirmwareSettings.
type HostFirmwareSettingsList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of HostFirmwareSettings.
	Items []HostFirmwareSettings `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// HostFirmwareSettingsSpec holds the desired firmware settings of a host.
type HostFirmwareSettingsSpec struct {
	// Settings are the desired settings as names and values. Each must be allowed by the
	// FirmwareSchema that status.schema names (once there is one): a known, writable attribute
	// with a value of its type and within its limits. Names containing "Password" are refused.
	// +optional
	// +patchStrategy=merge
	Settings DesiredSettingsMap `json:"settings,omitempty" patchStrategy:"merge" protobuf:"bytes,1,rep,name=settings,casttype=DesiredSettingsMap"`
}

// HostFirmwareSettingsStatus holds the firmware settings a host has.
type HostFirmwareSettingsStatus struct {
	// Schema names the FirmwareSchema that describes the host's settings.
	// +optional
	Schema *SchemaReference `json:"schema,omitempty" protobuf:"bytes,1,opt,name=schema"`

	// Settings are the host's settings as names and values (password attributes left out).
	// +optional
	Settings SettingsMap `json:"settings,omitempty" protobuf:"bytes,2,rep,name=settings,casttype=SettingsMap"`

	// LastUpdated is when the status was last written.
	// +optional
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty" protobuf:"bytes,3,opt,name=lastUpdated"`

	// Conditions are Valid (the desired settings can be applied) and ChangeDetected (they
	// differ from the host's).
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,4,rep,name=conditions"`
}

// Firmware components that can be updated: the BIOS, the BMC, and NICs by a name that starts
// with NICComponentPrefix.
const (
	FirmwareComponentBIOS = "bios"
	FirmwareComponentBMC  = "bmc"
	NICComponentPrefix    = "nic:"
)

// +genclient
// +resourceName=hostfirmwarecomponents
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareComponents holds the firmware updates wanted for a host's components (spec) and
// the firmware versions its components have (status). Metal3 names it after its BareMetalHost.
type HostFirmwareComponents struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec holds the wanted updates.
	// +optional
	Spec HostFirmwareComponentsSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status holds the components' versions, written by the server's reconciler.
	// +optional
	Status HostFirmwareComponentsStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareComponentsList is a list of HostFirmwareComponents.
type HostFirmwareComponentsList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of HostFirmwareComponents.
	Items []HostFirmwareComponents `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// FirmwareUpdate is one firmware image to flash onto one component.
type FirmwareUpdate struct {
	// Component is bios, bmc, or a NIC as nic:<name>.
	Component string `json:"component" protobuf:"bytes,1,opt,name=component"`
	// URL of the firmware image: http, https, ftp, gopher or oci.
	URL string `json:"url" protobuf:"bytes,2,opt,name=url"`
}

// FirmwareComponentStatus is the firmware of one component of a host.
type FirmwareComponentStatus struct {
	// Component is bios, bmc, or a NIC as nic:<name>.
	Component string `json:"component" protobuf:"bytes,1,opt,name=component"`
	// InitialVersion is the version the component had when first seen.
	InitialVersion string `json:"initialVersion" protobuf:"bytes,2,opt,name=initialVersion"`
	// CurrentVersion is the version the component has.
	// +optional
	CurrentVersion string `json:"currentVersion,omitempty" protobuf:"bytes,3,opt,name=currentVersion"`
	// LastVersionFlashed is the version of the last update flashed.
	// +optional
	LastVersionFlashed string `json:"lastVersionFlashed,omitempty" protobuf:"bytes,4,opt,name=lastVersionFlashed"`
	// UpdatedAt is when the component was last updated.
	// +optional
	UpdatedAt *metav1.Time `json:"updatedAt,omitempty" protobuf:"bytes,5,opt,name=updatedAt"`
}

// HostFirmwareComponentsSpec holds the firmware updates wanted for a host.
type HostFirmwareComponentsSpec struct {
	// Updates are the firmware images to flash, in order. A component may appear more than
	// once (a staged upgrade).
	// +optional
	// +listType=atomic
	Updates []FirmwareUpdate `json:"updates,omitempty" protobuf:"bytes,1,rep,name=updates"`
}

// HostFirmwareComponentsStatus holds the firmware a host's components have.
type HostFirmwareComponentsStatus struct {
	// Updates are the updates last applied.
	// +optional
	// +listType=atomic
	Updates []FirmwareUpdate `json:"updates,omitempty" protobuf:"bytes,1,rep,name=updates"`

	// Components are the host's updatable components and their versions.
	// +optional
	// +listType=atomic
	Components []FirmwareComponentStatus `json:"components,omitempty" protobuf:"bytes,2,rep,name=components"`

	// LastUpdated is when the status was last written.
	// +optional
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty" protobuf:"bytes,3,opt,name=lastUpdated"`

	// Conditions are Valid (the updates can be applied) and ChangeDetected (they differ from
	// those last applied).
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,4,rep,name=conditions"`
}
