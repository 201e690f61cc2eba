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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The internal versions of Metal3's firmware kinds; v1alpha1/types_firmware.go documents them.

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FirmwareSchema describes the BIOS attributes of one kind of hardware.
type FirmwareSchema struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec FirmwareSchemaSpec
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FirmwareSchemaList is a list of FirmwareSchemas.
type FirmwareSchemaList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []FirmwareSchema
}

// FirmwareSchemaSpec is the content of a FirmwareSchema.
type FirmwareSchemaSpec struct {
	HardwareVendor string
	HardwareModel  string
	// Schema maps each attribute's name to what it may be set to.
	Schema map[string]SettingSchema
}

// SettingAttributeType is the type of a firmware attribute.
type SettingAttributeType string

const (
	SettingTypeEnumeration SettingAttributeType = "Enumeration"
	SettingTypeString      SettingAttributeType = "String"
	SettingTypeInteger     SettingAttributeType = "Integer"
	SettingTypeBoolean     SettingAttributeType = "Boolean"
	SettingTypePassword    SettingAttributeType = "Password"
)

// SettingSchema is what one firmware attribute may be set to.
type SettingSchema struct {
	AttributeType   SettingAttributeType
	AllowableValues []string
	LowerBound      *int64
	UpperBound      *int64
	MinLength       *int64
	MaxLength       *int64
	ReadOnly        *bool
	Unique          *bool
}

// SettingsMap holds firmware settings as the BMC reports them.
type SettingsMap map[string]string

// DesiredSettingsMap holds desired firmware settings; a value is a string or an integer.
type DesiredSettingsMap map[string]intstr.IntOrString

// SchemaReference names a FirmwareSchema.
type SchemaReference struct {
	Namespace string
	Name      string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareSettings holds the BIOS settings of a host, wanted and actual.
type HostFirmwareSettings struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   HostFirmwareSettingsSpec
	Status HostFirmwareSettingsStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareSettingsList is a list of HostFirmwareSettings.
type HostFirmwareSettingsList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []HostFirmwareSettings
}

// HostFirmwareSettingsSpec holds the desired firmware settings of a host.
type HostFirmwareSettingsSpec struct {
	Settings DesiredSettingsMap
}

// HostFirmwareSettingsStatus holds the firmware settings a host has.
type HostFirmwareSettingsStatus struct {
	// Schema names the schema that judges spec.settings.
	Schema      *SchemaReference
	Settings    SettingsMap
	LastUpdated *metav1.Time
	Conditions  []metav1.Condition
}

// Firmware components that can be updated.
const (
	FirmwareComponentBIOS = "bios"
	FirmwareComponentBMC  = "bmc"
	NICComponentPrefix    = "nic:"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareComponents holds the firmware updates wanted for a host and its components'
// versions.
type HostFirmwareComponents struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   HostFirmwareComponentsSpec
	Status HostFirmwareComponentsStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostFirmwareComponentsList is a list of HostFirmwareComponents.
type HostFirmwareComponentsList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []HostFirmwareComponents
}

// FirmwareUpdate is one firmware image to flash onto one component.
type FirmwareUpdate struct {
	Component string
	URL       string
}

// FirmwareComponentStatus is the firmware of one component of a host.
type FirmwareComponentStatus struct {
	Component          string
	InitialVersion     string
	CurrentVersion     string
	LastVersionFlashed string
	UpdatedAt          *metav1.Time
}

// HostFirmwareComponentsSpec holds the firmware updates wanted for a host.
type HostFirmwareComponentsSpec struct {
	Updates []FirmwareUpdate
}

// HostFirmwareComponentsStatus holds the firmware a host's components have.
type HostFirmwareComponentsStatus struct {
	Updates     []FirmwareUpdate
	Components  []FirmwareComponentStatus
	LastUpdated *metav1.Time
	Conditions  []metav1.Condition
}
