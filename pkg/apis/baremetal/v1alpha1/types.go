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
	"k8s.io/apimachinery/pkg/types"
)

// The JSON names below are those of Metal3's metal3.io/v1alpha1 BareMetalHost, field for field,
// so that a Metal3 manifest is accepted here after changing only its apiVersion. Go names are
// ours and follow Kubernetes conventions (int32/int64, listType markers).

// +genclient
// +genclient:method=GetPower,verb=get,subresource=power,result=Power
// +genclient:method=UpdatePower,verb=update,subresource=power,input=Power,result=Power
// +genclient:method=Reboot,verb=create,subresource=reboot,input=RebootRequest,result=k8s.io/apimachinery/pkg/apis/meta/v1.Status
// +genclient:method=Inspect,verb=create,subresource=inspect,input=InspectRequest,result=k8s.io/apimachinery/pkg/apis/meta/v1.Status
// +genclient:method=GetInspection,verb=get,subresource=inspect,result=Inspection
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BareMetalHost is a physical server managed through its baseboard management controller (BMC).
// The spec says what the host should be (online, which image, RAID, boot mode); the status says
// what it is (provisioning state, power, inventory, errors).
type BareMetalHost struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the desired state of the host.
	// +optional
	Spec BareMetalHostSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of the host, written by the server's reconciler.
	// +optional
	Status BareMetalHostStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BareMetalHostList is a list of BareMetalHosts.
type BareMetalHostList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of hosts.
	Items []BareMetalHost `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// BareMetalHostSpec is the desired state of a BareMetalHost.
type BareMetalHostSpec struct {
	// Taints to apply to the host.
	// Deprecated: not used by the server; kept so that Metal3 manifests are accepted.
	// +optional
	// +listType=atomic
	Taints []Taint `json:"taints,omitempty" protobuf:"bytes,1,rep,name=taints"`

	// BMC holds how to reach the host's baseboard management controller.
	// +optional
	BMC BMCDetails `json:"bmc,omitempty" protobuf:"bytes,2,opt,name=bmc"`

	// RAID is the RAID configuration to apply while preparing the host.
	// +optional
	RAID *RAIDConfig `json:"raid,omitempty" protobuf:"bytes,3,opt,name=raid"`

	// Firmware holds BIOS settings to apply while preparing the host.
	// Deprecated: rejected by validation; use dedicated firmware settings instead.
	// +optional
	Firmware *FirmwareConfig `json:"firmware,omitempty" protobuf:"bytes,4,opt,name=firmware"`

	// HardwareProfile is the name of a hardware profile to match.
	// Deprecated: not used by the server; kept so that Metal3 manifests are accepted.
	// +optional
	HardwareProfile string `json:"hardwareProfile,omitempty" protobuf:"bytes,5,opt,name=hardwareProfile"`

	// RootDeviceHints selects the disk the image is written to.
	// +optional
	RootDeviceHints *RootDeviceHints `json:"rootDeviceHints,omitempty" protobuf:"bytes,6,opt,name=rootDeviceHints"`

	// BootMode is the firmware boot mode: UEFI, UEFISecureBoot or legacy. Defaults to UEFI.
	// +optional
	BootMode BootMode `json:"bootMode,omitempty" protobuf:"bytes,7,opt,name=bootMode,casttype=BootMode"`

	// BootMACAddress is the MAC address of the NIC the host boots from. Required by BMC
	// drivers that boot over the network and when inspection is disabled; immutable once set.
	// +optional
	BootMACAddress string `json:"bootMACAddress,omitempty" protobuf:"bytes,8,opt,name=bootMACAddress"`

	// Online says whether the host should be powered on. Required.
	// +required
	Online bool `json:"online" protobuf:"varint,9,opt,name=online"`

	// ConsumerRef names the object (for example a Machine) that has claimed this host.
	// +optional
	ConsumerRef *ObjectReference `json:"consumerRef,omitempty" protobuf:"bytes,10,opt,name=consumerRef"`

	// Image is the image to provision onto the host.
	// +optional
	Image *Image `json:"image,omitempty" protobuf:"bytes,11,opt,name=image"`

	// UserData references a Secret holding user data (cloud-init) for the provisioned host.
	// The Secret must be in the host's namespace.
	// +optional
	UserData *SecretReference `json:"userData,omitempty" protobuf:"bytes,12,opt,name=userData"`

	// PreprovisioningNetworkDataName names a Secret, in the host's namespace, holding the
	// network configuration used while the host runs the deployment ramdisk.
	// +optional
	PreprovisioningNetworkDataName string `json:"preprovisioningNetworkDataName,omitempty" protobuf:"bytes,13,opt,name=preprovisioningNetworkDataName"`

	// NetworkData references a Secret holding network data for the provisioned host's config
	// drive. The Secret must be in the host's namespace.
	// +optional
	NetworkData *SecretReference `json:"networkData,omitempty" protobuf:"bytes,14,opt,name=networkData"`

	// MetaData references a Secret holding metadata for the provisioned host's config drive.
	// The Secret must be in the host's namespace.
	// +optional
	MetaData *SecretReference `json:"metaData,omitempty" protobuf:"bytes,15,opt,name=metaData"`

	// Description is free text for people.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,16,opt,name=description"`

	// ExternallyProvisioned says the host was provisioned by something else; the server adopts
	// it and does not write an image. It can be turned on only while the host is available.
	// +optional
	ExternallyProvisioned bool `json:"externallyProvisioned,omitempty" protobuf:"varint,17,opt,name=externallyProvisioned"`

	// AutomatedCleaningMode selects disk cleaning between deprovisioning and the next use:
	// metadata (wipe partition tables) or disabled. Defaults to metadata.
	// +optional
	AutomatedCleaningMode AutomatedCleaningMode `json:"automatedCleaningMode,omitempty" protobuf:"bytes,18,opt,name=automatedCleaningMode,casttype=AutomatedCleaningMode"`

	// CustomDeploy provisions the host with a custom deploy step instead of an image.
	// +optional
	CustomDeploy *CustomDeploy `json:"customDeploy,omitempty" protobuf:"bytes,19,opt,name=customDeploy"`

	// Architecture is the host's CPU architecture, e.g. x86_64 or aarch64.
	// +optional
	Architecture string `json:"architecture,omitempty" protobuf:"bytes,20,opt,name=architecture"`

	// DisablePowerOff forbids powering the host off; reboots are done with a reset instead.
	// Requires online to be true.
	// +optional
	DisablePowerOff bool `json:"disablePowerOff,omitempty" protobuf:"varint,21,opt,name=disablePowerOff"`

	// InspectionMode selects hardware inspection: disabled, agent (in-band, through the
	// deployment ramdisk) or fast (out-of-band, through the BMC only).
	// +optional
	InspectionMode InspectionMode `json:"inspectionMode,omitempty" protobuf:"bytes,22,opt,name=inspectionMode,casttype=InspectionMode"`

	// NetworkInterfaces configures the host's NICs for switch port configuration: for each
	// NIC, the switch port it is cabled to and the HostNetworkAttachment it should get. A NIC is
	// selected by name or by MAC address, as inspection discovers them, and may be listed only
	// once (compared case-insensitively). The server validates and stores this list; it does not
	// configure switches.
	// +optional
	// +listType=atomic
	NetworkInterfaces []NetworkInterface `json:"networkInterfaces,omitempty" protobuf:"bytes,23,rep,name=networkInterfaces"`
}

// BMCDetails holds how to reach the host's BMC.
type BMCDetails struct {
	// Address is the BMC URL, e.g. ipmi://10.0.0.1, redfish+https://10.0.0.1/redfish/v1/Systems/1
	// or redfish-virtualmedia://bmc.example.com/redfish/v1/Systems/1. The scheme selects the driver.
	Address string `json:"address" protobuf:"bytes,1,opt,name=address"`

	// CredentialsName names a Secret, in the host's namespace, with the BMC's "username" and
	// "password" keys. The password is never copied into the host object.
	CredentialsName string `json:"credentialsName" protobuf:"bytes,2,opt,name=credentialsName"`

	// DisableCertificateVerification turns off TLS certificate verification for the BMC.
	// +optional
	DisableCertificateVerification bool `json:"disableCertificateVerification,omitempty" protobuf:"varint,3,opt,name=disableCertificateVerification"`
}

// BootMode is the firmware boot mode of a host.
// +enum
type BootMode string

const (
	// BootModeUEFI boots through UEFI firmware.
	BootModeUEFI BootMode = "UEFI"
	// BootModeUEFISecureBoot boots through UEFI firmware with secure boot on.
	BootModeUEFISecureBoot BootMode = "UEFISecureBoot"
	// BootModeLegacy boots through BIOS firmware.
	BootModeLegacy BootMode = "legacy"
	// DefaultBootMode is the boot mode of a host that does not set one.
	DefaultBootMode BootMode = BootModeUEFI
)

// AutomatedCleaningMode selects disk cleaning between uses of a host.
// +enum
type AutomatedCleaningMode string

const (
	// CleaningModeDisabled skips cleaning.
	CleaningModeDisabled AutomatedCleaningMode = "disabled"
	// CleaningModeMetadata wipes disk metadata (partition tables).
	CleaningModeMetadata AutomatedCleaningMode = "metadata"
)

// InspectionMode selects how hardware is inspected.
// +enum
type InspectionMode string

const (
	// InspectionModeDisabled skips inspection.
	InspectionModeDisabled InspectionMode = "disabled"
	// InspectionModeAgent inspects in-band through the deployment ramdisk.
	InspectionModeAgent InspectionMode = "agent"
	// InspectionModeFast inspects out-of-band through the BMC.
	InspectionModeFast InspectionMode = "fast"
)

// RootDeviceHints select the disk an image is written to. Every hint given must match.
type RootDeviceHints struct {
	// DeviceName is a Linux device path, /dev/... or /dev/disk/by-path/...
	// +optional
	DeviceName string `json:"deviceName,omitempty" protobuf:"bytes,1,opt,name=deviceName"`
	// HCTL is the SCSI address, host:channel:target:lun, e.g. "0:0:0:0".
	// +optional
	HCTL string `json:"hctl,omitempty" protobuf:"bytes,2,opt,name=hctl"`
	// Model is a substring of the disk's model.
	// +optional
	Model string `json:"model,omitempty" protobuf:"bytes,3,opt,name=model"`
	// Vendor is a substring of the disk's vendor.
	// +optional
	Vendor string `json:"vendor,omitempty" protobuf:"bytes,4,opt,name=vendor"`
	// SerialNumber is the disk's serial number.
	// +optional
	SerialNumber string `json:"serialNumber,omitempty" protobuf:"bytes,5,opt,name=serialNumber"`
	// MinSizeGigabytes is the smallest disk size, in gigabytes, that matches.
	// +optional
	MinSizeGigabytes int32 `json:"minSizeGigabytes,omitempty" protobuf:"varint,6,opt,name=minSizeGigabytes"`
	// WWN is the disk's unique storage identifier.
	// +optional
	WWN string `json:"wwn,omitempty" protobuf:"bytes,7,opt,name=wwn"`
	// WWNWithExtension is the disk's unique storage identifier with the vendor extension.
	// +optional
	WWNWithExtension string `json:"wwnWithExtension,omitempty" protobuf:"bytes,8,opt,name=wwnWithExtension"`
	// WWNVendorExtension is the disk's vendor-specific unique storage identifier.
	// +optional
	WWNVendorExtension string `json:"wwnVendorExtension,omitempty" protobuf:"bytes,9,opt,name=wwnVendorExtension"`
	// Rotational selects spinning disks (true) or solid-state disks (false).
	// +optional
	Rotational *bool `json:"rotational,omitempty" protobuf:"varint,10,opt,name=rotational"`
}

// RAIDConfig is the RAID configuration of a host. Hardware and software RAID exclude each other.
type RAIDConfig struct {
	// HardwareRAIDVolumes are volumes built by the RAID controller. An empty list removes them.
	// +optional
	// +listType=atomic
	HardwareRAIDVolumes []HardwareRAIDVolume `json:"hardwareRAIDVolumes" protobuf:"bytes,1,rep,name=hardwareRAIDVolumes"`
	// SoftwareRAIDVolumes are Linux software RAID volumes; at most one may be the root volume.
	// +optional
	// +listType=atomic
	SoftwareRAIDVolumes []SoftwareRAIDVolume `json:"softwareRAIDVolumes" protobuf:"bytes,2,rep,name=softwareRAIDVolumes"`
}

// HardwareRAIDVolume is one volume built by a RAID controller.
type HardwareRAIDVolume struct {
	// SizeGibibytes is the volume size; omitted means all the space the disks allow.
	// +optional
	SizeGibibytes *int32 `json:"sizeGibibytes,omitempty" protobuf:"varint,1,opt,name=sizeGibibytes"`
	// Level is the RAID level: 0, 1, 2, 5, 6, 1+0, 5+0 or 6+0.
	Level string `json:"level" protobuf:"bytes,2,opt,name=level"`
	// Name of the volume; unique per controller.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,3,opt,name=name"`
	// Rotational selects spinning (true) or solid-state (false) physical disks.
	// +optional
	Rotational *bool `json:"rotational,omitempty" protobuf:"varint,4,opt,name=rotational"`
	// NumberOfPhysicalDisks is how many physical disks the volume spans.
	// +optional
	NumberOfPhysicalDisks *int32 `json:"numberOfPhysicalDisks,omitempty" protobuf:"varint,5,opt,name=numberOfPhysicalDisks"`
	// Controller names the RAID controller; required when physicalDisks is set.
	// +optional
	Controller string `json:"controller,omitempty" protobuf:"bytes,6,opt,name=controller"`
	// PhysicalDisks names the physical disks of the volume, as the controller names them.
	// +optional
	// +listType=atomic
	PhysicalDisks []string `json:"physicalDisks,omitempty" protobuf:"bytes,7,rep,name=physicalDisks"`
}

// SoftwareRAIDVolume is one Linux software RAID volume.
type SoftwareRAIDVolume struct {
	// RootVolume makes this the volume the image is written to; it must be RAID level 1.
	// +optional
	RootVolume bool `json:"rootVolume,omitempty" protobuf:"varint,1,opt,name=rootVolume"`
	// SizeGibibytes is the volume size; omitted means all the space the disks allow.
	// +optional
	SizeGibibytes *int32 `json:"sizeGibibytes,omitempty" protobuf:"varint,2,opt,name=sizeGibibytes"`
	// Level is the RAID level: 0, 1 or 1+0.
	Level string `json:"level" protobuf:"bytes,3,opt,name=level"`
	// PhysicalDisks selects the member disks with root device hints.
	// +optional
	// +listType=atomic
	PhysicalDisks []RootDeviceHints `json:"physicalDisks,omitempty" protobuf:"bytes,4,rep,name=physicalDisks"`
}

// FirmwareConfig holds BIOS settings.
// Deprecated: rejected by validation, kept so the field is recognised and explained.
type FirmwareConfig struct {
	// VirtualizationEnabled turns CPU virtualization support on or off.
	// +optional
	VirtualizationEnabled *bool `json:"virtualizationEnabled,omitempty" protobuf:"varint,1,opt,name=virtualizationEnabled"`
	// SimultaneousMultithreadingEnabled turns SMT (hyper-threading) on or off.
	// +optional
	SimultaneousMultithreadingEnabled *bool `json:"simultaneousMultithreadingEnabled,omitempty" protobuf:"varint,2,opt,name=simultaneousMultithreadingEnabled"`
	// SriovEnabled turns SR-IOV on or off.
	// +optional
	SriovEnabled *bool `json:"sriovEnabled,omitempty" protobuf:"varint,3,opt,name=sriovEnabled"`
}

// ChecksumType is the algorithm of an image checksum.
// +enum
type ChecksumType string

const (
	// ChecksumMD5 is an MD5 checksum.
	ChecksumMD5 ChecksumType = "md5"
	// ChecksumSHA256 is a SHA-256 checksum.
	ChecksumSHA256 ChecksumType = "sha256"
	// ChecksumSHA512 is a SHA-512 checksum.
	ChecksumSHA512 ChecksumType = "sha512"
	// ChecksumAuto detects the algorithm from the checksum's length.
	ChecksumAuto ChecksumType = "auto"
)

// The disk formats of an Image (a host's spec.image.format). A PreprovisioningImage's formats
// are another thing, of type ImageFormat.
const (
	ImageFormatRaw     = "raw"
	ImageFormatQCOW2   = "qcow2"
	ImageFormatVDI     = "vdi"
	ImageFormatVMDK    = "vmdk"
	ImageFormatLiveISO = "live-iso"
)

// Image is an image to provision onto a host.
type Image struct {
	// URL of the image: http, https, ftp, gopher or oci.
	URL string `json:"url" protobuf:"bytes,1,opt,name=url"`
	// Checksum of the image, or the URL of a checksum file. Required unless the image is a
	// live-iso or an oci:// image (which carries its own digest).
	// +optional
	Checksum string `json:"checksum,omitempty" protobuf:"bytes,2,opt,name=checksum"`
	// ChecksumType is the checksum's algorithm: md5, sha256, sha512 or auto (the default).
	// +optional
	ChecksumType ChecksumType `json:"checksumType,omitempty" protobuf:"bytes,3,opt,name=checksumType,casttype=ChecksumType"`
	// Format is the image's disk format: raw, qcow2, vdi, vmdk or live-iso. A live-iso is
	// booted through virtual media instead of being written to disk.
	// +optional
	Format *string `json:"format,omitempty" protobuf:"bytes,4,opt,name=format"`
	// OCIAuthSecretName names a Secret with credentials to pull an oci:// image.
	// +optional
	OCIAuthSecretName *string `json:"ociAuthSecretName,omitempty" protobuf:"bytes,5,opt,name=ociAuthSecretName"`
}

// CustomDeploy provisions a host with a custom deploy step instead of an image.
type CustomDeploy struct {
	// Method is the deploy step's name.
	Method string `json:"method" protobuf:"bytes,1,opt,name=method"`
}

// NetworkInterface is the network configuration of one NIC of the host.
type NetworkInterface struct {
	// Name selects the NIC by the name inspection reports for it, e.g. eth0 or ens1f0: letters,
	// digits, '.', '_' and '-'. Exactly one of name and macAddress must be set.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`

	// MACAddress selects the NIC by its MAC address, six colon-separated octets such as
	// 00:11:22:33:44:55. Exactly one of name and macAddress must be set.
	// +optional
	MACAddress string `json:"macAddress,omitempty" protobuf:"bytes,2,opt,name=macAddress"`

	// HostNetworkAttachment references the HostNetworkAttachment (switch port mode, VLANs, MTU)
	// the NIC's switch port should get.
	// +optional
	HostNetworkAttachment *HostNetworkAttachmentRef `json:"hostNetworkAttachment,omitempty" protobuf:"bytes,3,opt,name=hostNetworkAttachment"`

	// SwitchPort is the switch port the NIC is cabled to, for switches without LLDP or hosts
	// that are not inspected. When inspection also finds LLDP data, this value wins, so a wrong
	// one sends configuration to the wrong port.
	// +optional
	SwitchPort *SwitchPort `json:"switchPort,omitempty" protobuf:"bytes,4,opt,name=switchPort"`
}

// HostNetworkAttachmentRef references a HostNetworkAttachment, Metal3's switch port
// configuration kind.
type HostNetworkAttachmentRef struct {
	// Name of the HostNetworkAttachment. Required when namespace is set.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`

	// Namespace of the HostNetworkAttachment. Defaults to the host's namespace.
	// +optional
	Namespace string `json:"namespace,omitempty" protobuf:"bytes,2,opt,name=namespace"`
}

// SwitchPort identifies a port on a switch.
type SwitchPort struct {
	// SwitchID is the switch's management MAC address, e.g. 00:11:22:33:44:55.
	SwitchID string `json:"switchID" protobuf:"bytes,1,opt,name=switchID"`

	// PortID is the port's name in the switch's management system, e.g. Ethernet1/1.
	PortID string `json:"portID" protobuf:"bytes,2,opt,name=portID"`
}

// BareMetalHostStatus is the observed state of a BareMetalHost.
type BareMetalHostStatus struct {
	// OperationalStatus summarises the host's health: OK, discovered, error, delayed
	// (waiting for a provisioning slot), detached or servicing.
	OperationalStatus OperationalStatus `json:"operationalStatus" protobuf:"bytes,1,opt,name=operationalStatus,casttype=OperationalStatus"`

	// ErrorType is the kind of the last error, empty when there is none.
	// +optional
	ErrorType ErrorType `json:"errorType,omitempty" protobuf:"bytes,2,opt,name=errorType,casttype=ErrorType"`

	// LastUpdated is when the status was last written.
	// +optional
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty" protobuf:"bytes,3,opt,name=lastUpdated"`

	// HardwareProfile is the name of the matched hardware profile.
	// Deprecated: kept for compatibility.
	// +optional
	HardwareProfile string `json:"hardwareProfile,omitempty" protobuf:"bytes,4,opt,name=hardwareProfile"`

	// Hardware is the inventory found by inspection.
	// +optional
	Hardware *HardwareDetails `json:"hardware,omitempty" protobuf:"bytes,5,opt,name=hardware"`

	// Provisioning is where the host is in its provisioning state machine, and what was
	// provisioned onto it.
	Provisioning ProvisionStatus `json:"provisioning" protobuf:"bytes,6,opt,name=provisioning"`

	// GoodCredentials references the last BMC credentials that worked.
	// +optional
	GoodCredentials CredentialsStatus `json:"goodCredentials,omitempty" protobuf:"bytes,7,opt,name=goodCredentials"`

	// TriedCredentials references the last BMC credentials that were tried.
	// +optional
	TriedCredentials CredentialsStatus `json:"triedCredentials,omitempty" protobuf:"bytes,8,opt,name=triedCredentials"`

	// ErrorMessage says what went wrong, empty when nothing did.
	ErrorMessage string `json:"errorMessage" protobuf:"bytes,9,opt,name=errorMessage"`

	// PoweredOn is the power state last read from the BMC.
	PoweredOn bool `json:"poweredOn" protobuf:"varint,10,opt,name=poweredOn"`

	// OperationHistory records when each lifecycle operation started and ended.
	// +optional
	OperationHistory OperationHistory `json:"operationHistory,omitempty" protobuf:"bytes,11,opt,name=operationHistory"`

	// ErrorCount counts consecutive failed attempts; it resets on success and drives backoff.
	ErrorCount int32 `json:"errorCount" protobuf:"varint,12,opt,name=errorCount"`

	// ProvisioningFailCount counts failed provisioning attempts.
	ProvisioningFailCount int32 `json:"provisioningFailCount" protobuf:"varint,13,opt,name=provisioningFailCount"`

	// LastAttemptedImage is the image of the last provisioning attempt.
	// +optional
	LastAttemptedImage *Image `json:"lastAttemptedImage,omitempty" protobuf:"bytes,14,opt,name=lastAttemptedImage"`

	// Conditions are the host's conditions (Manageable, Provisioned, Ready, Progressing, ...).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" protobuf:"bytes,15,rep,name=conditions"`

	// PowerDraw is the host's power draw as its BMC last reported it, refreshed on the power
	// poll when it moved by 5% (at least 5 W) or is 10 minutes old. Not in Metal3; absent
	// when the backend or the BMC does not report it.
	// +optional
	PowerDraw *PowerDraw `json:"powerDraw,omitempty" protobuf:"bytes,16,opt,name=powerDraw"`
}

// PowerDraw is a reading of a host's power consumption.
type PowerDraw struct {
	// Watts is the power the host draws.
	Watts int32 `json:"watts" protobuf:"varint,1,opt,name=watts"`
	// ReadAt is when the BMC was read.
	ReadAt metav1.Time `json:"readAt" protobuf:"bytes,2,opt,name=readAt"`
}

// OperationalStatus summarises a host's health.
// +enum
type OperationalStatus string

const (
	// OperationalStatusOK: the host is healthy.
	OperationalStatusOK OperationalStatus = "OK"
	// OperationalStatusDiscovered: the host is known but lacks BMC details.
	OperationalStatusDiscovered OperationalStatus = "discovered"
	// OperationalStatusError: the last operation failed; see errorType and errorMessage.
	OperationalStatusError OperationalStatus = "error"
	// OperationalStatusDelayed: the host waits for a provisioning slot.
	OperationalStatusDelayed OperationalStatus = "delayed"
	// OperationalStatusDetached: the host is not managed by the provisioner for now.
	OperationalStatusDetached OperationalStatus = "detached"
	// OperationalStatusServicing: the host is being serviced (firmware, settings).
	OperationalStatusServicing OperationalStatus = "servicing"
)

// ErrorType is the kind of a host's last error.
// +enum
type ErrorType string

const (
	// ProvisionedRegistrationError: a provisioned host could not be registered again.
	ProvisionedRegistrationError ErrorType = "provisioned registration error"
	// RegistrationError: the BMC could not be reached or its credentials were refused.
	RegistrationError ErrorType = "registration error"
	// InspectionError: hardware inspection failed.
	InspectionError ErrorType = "inspection error"
	// PreparationError: cleaning or RAID/BIOS configuration failed.
	PreparationError ErrorType = "preparation error"
	// ProvisioningError: writing or booting the image failed.
	ProvisioningError ErrorType = "provisioning error"
	// PowerManagementError: a power action failed.
	PowerManagementError ErrorType = "power management error"
	// ServicingError: servicing failed.
	ServicingError ErrorType = "servicing error"
	// DetachError: detaching from the provisioner failed.
	DetachError ErrorType = "detach error"
)

// ProvisioningState is a state of Metal3's host provisioning state machine.
// +enum
type ProvisioningState string

const (
	StateNone                    ProvisioningState = ""
	StateUnmanaged               ProvisioningState = "unmanaged"
	StateRegistering             ProvisioningState = "registering"
	StateMatchProfile            ProvisioningState = "match profile"
	StatePreparing               ProvisioningState = "preparing"
	StateReady                   ProvisioningState = "ready"
	StateAvailable               ProvisioningState = "available"
	StateProvisioning            ProvisioningState = "provisioning"
	StateProvisioned             ProvisioningState = "provisioned"
	StateExternallyProvisioned   ProvisioningState = "externally provisioned"
	StateDeprovisioning          ProvisioningState = "deprovisioning"
	StateInspecting              ProvisioningState = "inspecting"
	StatePoweringOffBeforeDelete ProvisioningState = "powering off before delete"
	StateDeleting                ProvisioningState = "deleting"
)

// ProvisionStatus is where a host is in its provisioning state machine and what was provisioned.
type ProvisionStatus struct {
	// State is the provisioning state.
	State ProvisioningState `json:"state" protobuf:"bytes,1,opt,name=state,casttype=ProvisioningState"`
	// ID is the host's identifier in the provisioner (the Ironic node UUID).
	ID string `json:"ID" protobuf:"bytes,2,opt,name=ID"`
	// Image is the image provisioned onto the host.
	// +optional
	Image Image `json:"image,omitempty" protobuf:"bytes,3,opt,name=image"`
	// RootDeviceHints are the hints used for the last provisioning.
	// +optional
	RootDeviceHints *RootDeviceHints `json:"rootDeviceHints,omitempty" protobuf:"bytes,4,opt,name=rootDeviceHints"`
	// BootMode is the boot mode used for the last provisioning.
	// +optional
	BootMode BootMode `json:"bootMode,omitempty" protobuf:"bytes,5,opt,name=bootMode,casttype=BootMode"`
	// RAID is the RAID configuration applied.
	// +optional
	RAID *RAIDConfig `json:"raid,omitempty" protobuf:"bytes,6,opt,name=raid"`
	// Firmware is the BIOS configuration applied.
	// +optional
	Firmware *FirmwareConfig `json:"firmware,omitempty" protobuf:"bytes,7,opt,name=firmware"`
	// CustomDeploy is the custom deploy step used for the last provisioning.
	// +optional
	CustomDeploy *CustomDeploy `json:"customDeploy,omitempty" protobuf:"bytes,8,opt,name=customDeploy"`
	// Endpoint is the provisioner endpoint (the Ironic API URL, without credentials) that
	// holds the host's record (ID), recorded before the host is first registered and kept
	// while the record may exist: a record lives in one Ironic, so with several Ironic
	// endpoints the host is never moved to another one behind the user's back. Empty for
	// backends without endpoints, and for hosts registered before it was recorded (they are
	// on the first endpoint).
	// +optional
	Endpoint string `json:"endpoint,omitempty" protobuf:"bytes,9,opt,name=endpoint"`
}

// CredentialsStatus references a version of the BMC credentials Secret.
type CredentialsStatus struct {
	// Credentials references the Secret.
	// +optional
	Credentials *SecretReference `json:"credentials,omitempty" protobuf:"bytes,1,opt,name=credentials"`
	// CredentialsVersion is the Secret's resourceVersion.
	// +optional
	CredentialsVersion string `json:"credentialsVersion,omitempty" protobuf:"bytes,2,opt,name=credentialsVersion"`
}

// OperationMetric is when one operation started and ended.
type OperationMetric struct {
	// Start is when the operation started.
	// +optional
	Start metav1.Time `json:"start,omitempty" protobuf:"bytes,1,opt,name=start"`
	// End is when the operation ended.
	// +optional
	End metav1.Time `json:"end,omitempty" protobuf:"bytes,2,opt,name=end"`
}

// OperationHistory records the timing of the host's lifecycle operations.
type OperationHistory struct {
	// Register is the last registration with the provisioner.
	// +optional
	Register OperationMetric `json:"register,omitempty" protobuf:"bytes,1,opt,name=register"`
	// Inspect is the last hardware inspection.
	// +optional
	Inspect OperationMetric `json:"inspect,omitempty" protobuf:"bytes,2,opt,name=inspect"`
	// Provision is the last provisioning.
	// +optional
	Provision OperationMetric `json:"provision,omitempty" protobuf:"bytes,3,opt,name=provision"`
	// Deprovision is the last deprovisioning.
	// +optional
	Deprovision OperationMetric `json:"deprovision,omitempty" protobuf:"bytes,4,opt,name=deprovision"`
}

// HardwareDetails is a host's inventory, as found by inspection.
type HardwareDetails struct {
	// SystemVendor is the system's manufacturer, product and serial number.
	// +optional
	SystemVendor HardwareSystemVendor `json:"systemVendor,omitempty" protobuf:"bytes,1,opt,name=systemVendor"`
	// Firmware is the system firmware (BIOS) information.
	// +optional
	Firmware Firmware `json:"firmware,omitempty" protobuf:"bytes,2,opt,name=firmware"`
	// RAMMebibytes is the installed memory in MiB.
	// +optional
	RAMMebibytes int32 `json:"ramMebibytes,omitempty" protobuf:"varint,3,opt,name=ramMebibytes"`
	// NICs are the network interfaces.
	// +optional
	// +listType=atomic
	NICs []NIC `json:"nics,omitempty" protobuf:"bytes,4,rep,name=nics"`
	// Storage are the disks.
	// +optional
	// +listType=atomic
	Storage []Storage `json:"storage,omitempty" protobuf:"bytes,5,rep,name=storage"`
	// CPU is the processor information.
	// +optional
	CPU CPU `json:"cpu,omitempty" protobuf:"bytes,6,opt,name=cpu"`
	// Hostname is the host name the inspection found.
	// +optional
	Hostname string `json:"hostname,omitempty" protobuf:"bytes,7,opt,name=hostname"`
	// GPUs are the host's GPUs and other accelerators (FPGAs, compute accelerators), one
	// entry per device. Not in Metal3, which has no such field: an addition of this API.
	// +optional
	// +listType=atomic
	GPUs []GPU `json:"gpus,omitempty" protobuf:"bytes,8,rep,name=gpus"`
}

// AcceleratorType is the kind of an accelerator.
// +enum
type AcceleratorType string

const (
	AcceleratorTypeGPU  AcceleratorType = "GPU"
	AcceleratorTypeFPGA AcceleratorType = "FPGA"
	// AcceleratorTypeOther is any other accelerator (AI, crypto, compression, ...).
	AcceleratorTypeOther AcceleratorType = "Accelerator"
)

// GPU describes one GPU or other accelerator of the host.
type GPU struct {
	// Type is GPU, FPGA or Accelerator.
	// +optional
	Type AcceleratorType `json:"type,omitempty" protobuf:"bytes,1,opt,name=type,casttype=AcceleratorType"`
	// Vendor of the device, e.g. NVIDIA.
	// +optional
	Vendor string `json:"vendor,omitempty" protobuf:"bytes,2,opt,name=vendor"`
	// Model of the device, e.g. NVIDIA A100-SXM4-40GB.
	// +optional
	Model string `json:"model,omitempty" protobuf:"bytes,3,opt,name=model"`
	// PCIAddress is the device's PCI address, domain:bus:device.function (0000:05:00.0),
	// when known.
	// +optional
	PCIAddress string `json:"pciAddress,omitempty" protobuf:"bytes,4,opt,name=pciAddress"`
	// MemoryMebibytes is the device's own memory in MiB, when known.
	// +optional
	MemoryMebibytes int32 `json:"memoryMebibytes,omitempty" protobuf:"varint,5,opt,name=memoryMebibytes"`
	// VendorID and DeviceID are the PCI IDs, e.g. 0x10de and 0x20b0, when known.
	// +optional
	VendorID string `json:"vendorID,omitempty" protobuf:"bytes,6,opt,name=vendorID"`
	// +optional
	DeviceID string `json:"deviceID,omitempty" protobuf:"bytes,7,opt,name=deviceID"`
}

// HardwareSystemVendor identifies the system.
type HardwareSystemVendor struct {
	// Manufacturer of the system.
	// +optional
	Manufacturer string `json:"manufacturer,omitempty" protobuf:"bytes,1,opt,name=manufacturer"`
	// ProductName of the system.
	// +optional
	ProductName string `json:"productName,omitempty" protobuf:"bytes,2,opt,name=productName"`
	// SerialNumber of the system.
	// +optional
	SerialNumber string `json:"serialNumber,omitempty" protobuf:"bytes,3,opt,name=serialNumber"`
}

// Firmware is the system firmware information.
type Firmware struct {
	// BIOS is the BIOS information.
	// +optional
	BIOS BIOS `json:"bios,omitempty" protobuf:"bytes,1,opt,name=bios"`
}

// BIOS describes the system's BIOS.
type BIOS struct {
	// Date is the release date.
	// +optional
	Date string `json:"date,omitempty" protobuf:"bytes,1,opt,name=date"`
	// Vendor is the BIOS vendor.
	// +optional
	Vendor string `json:"vendor,omitempty" protobuf:"bytes,2,opt,name=vendor"`
	// Version is the BIOS version.
	// +optional
	Version string `json:"version,omitempty" protobuf:"bytes,3,opt,name=version"`
}

// CPU describes the host's processors.
type CPU struct {
	// Arch is the architecture, e.g. x86_64.
	// +optional
	Arch string `json:"arch,omitempty" protobuf:"bytes,1,opt,name=arch"`
	// Model is the processor model.
	// +optional
	Model string `json:"model,omitempty" protobuf:"bytes,2,opt,name=model"`
	// ClockMegahertz is the clock speed in MHz. A float for compatibility with Metal3.
	// +optional
	ClockMegahertz float64 `json:"clockMegahertz,omitempty" protobuf:"fixed64,3,opt,name=clockMegahertz"`
	// Flags are the processor's feature flags.
	// +optional
	// +listType=atomic
	Flags []string `json:"flags,omitempty" protobuf:"bytes,4,rep,name=flags"`
	// Count is the number of logical CPUs.
	// +optional
	Count int32 `json:"count,omitempty" protobuf:"varint,5,opt,name=count"`
}

// DiskType is the kind of a disk.
// +enum
type DiskType string

const (
	DiskTypeHDD  DiskType = "HDD"
	DiskTypeSSD  DiskType = "SSD"
	DiskTypeNVME DiskType = "NVME"
)

// Storage describes one disk.
type Storage struct {
	// Name is the Linux device name, e.g. /dev/sda.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`
	// AlternateNames are other names of the disk, e.g. /dev/disk/by-path/... links.
	// +optional
	// +listType=atomic
	AlternateNames []string `json:"alternateNames,omitempty" protobuf:"bytes,2,rep,name=alternateNames"`
	// Rotational is true for spinning disks.
	// +optional
	Rotational bool `json:"rotational,omitempty" protobuf:"varint,3,opt,name=rotational"`
	// Type is HDD, SSD or NVME.
	// +optional
	Type DiskType `json:"type,omitempty" protobuf:"bytes,4,opt,name=type,casttype=DiskType"`
	// SizeBytes is the disk's size in bytes.
	// +optional
	SizeBytes int64 `json:"sizeBytes,omitempty" protobuf:"varint,5,opt,name=sizeBytes"`
	// Vendor of the disk.
	// +optional
	Vendor string `json:"vendor,omitempty" protobuf:"bytes,6,opt,name=vendor"`
	// Model of the disk.
	// +optional
	Model string `json:"model,omitempty" protobuf:"bytes,7,opt,name=model"`
	// SerialNumber of the disk.
	// +optional
	SerialNumber string `json:"serialNumber,omitempty" protobuf:"bytes,8,opt,name=serialNumber"`
	// WWN is the disk's unique storage identifier.
	// +optional
	WWN string `json:"wwn,omitempty" protobuf:"bytes,9,opt,name=wwn"`
	// WWNVendorExtension is the disk's vendor-specific unique identifier.
	// +optional
	WWNVendorExtension string `json:"wwnVendorExtension,omitempty" protobuf:"bytes,10,opt,name=wwnVendorExtension"`
	// WWNWithExtension is the WWN with the vendor extension appended.
	// +optional
	WWNWithExtension string `json:"wwnWithExtension,omitempty" protobuf:"bytes,11,opt,name=wwnWithExtension"`
	// HCTL is the SCSI address, host:channel:target:lun.
	// +optional
	HCTL string `json:"hctl,omitempty" protobuf:"bytes,12,opt,name=hctl"`
}

// NIC describes one network interface.
type NIC struct {
	// Name is the interface name, e.g. eth0.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`
	// Model is the vendor and product IDs, e.g. "0x8086 0x1572".
	// +optional
	Model string `json:"model,omitempty" protobuf:"bytes,2,opt,name=model"`
	// MAC is the interface's MAC address.
	// +optional
	MAC string `json:"mac,omitempty" protobuf:"bytes,3,opt,name=mac"`
	// IP is the interface's IP address, if any.
	// +optional
	IP string `json:"ip,omitempty" protobuf:"bytes,4,opt,name=ip"`
	// SpeedGbps is the link speed in Gbit/s.
	// +optional
	SpeedGbps int32 `json:"speedGbps,omitempty" protobuf:"varint,5,opt,name=speedGbps"`
	// VLANs are the VLANs seen on the interface.
	// +optional
	// +listType=atomic
	VLANs []VLAN `json:"vlans,omitempty" protobuf:"bytes,6,rep,name=vlans"`
	// VLANID is the untagged VLAN.
	// +optional
	VLANID int32 `json:"vlanId,omitempty" protobuf:"varint,7,opt,name=vlanId"`
	// PXE is true when the interface is PXE-capable.
	// +optional
	PXE bool `json:"pxe,omitempty" protobuf:"varint,8,opt,name=pxe"`
	// LLDP is what the interface's LLDP neighbour reported.
	// +optional
	LLDP *LLDP `json:"lldp,omitempty" protobuf:"bytes,9,opt,name=lldp"`
	// PCIAddress is the interface's PCI address.
	// +optional
	PCIAddress string `json:"pciAddress,omitempty" protobuf:"bytes,10,opt,name=pciAddress"`
}

// VLAN is a VLAN seen on an interface.
type VLAN struct {
	// ID is the VLAN ID.
	// +optional
	ID int32 `json:"id,omitempty" protobuf:"varint,1,opt,name=id"`
	// Name of the VLAN.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,2,opt,name=name"`
}

// LLDP is what an interface's LLDP neighbour reported.
type LLDP struct {
	// SwitchID is the switch's chassis ID.
	// +optional
	SwitchID string `json:"switchID,omitempty" protobuf:"bytes,1,opt,name=switchID"`
	// PortID is the switch port's ID.
	// +optional
	PortID string `json:"portID,omitempty" protobuf:"bytes,2,opt,name=portID"`
	// SwitchSystemName is the switch's system name.
	// +optional
	SwitchSystemName string `json:"switchSystemName,omitempty" protobuf:"bytes,3,opt,name=switchSystemName"`
}

// ObjectReference names another object, as core/v1 ObjectReference does (same JSON), without
// making this API depend on the core group's types.
type ObjectReference struct {
	// Kind of the referent.
	// +optional
	Kind string `json:"kind,omitempty" protobuf:"bytes,1,opt,name=kind"`
	// Namespace of the referent.
	// +optional
	Namespace string `json:"namespace,omitempty" protobuf:"bytes,2,opt,name=namespace"`
	// Name of the referent.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,3,opt,name=name"`
	// UID of the referent.
	// +optional
	UID types.UID `json:"uid,omitempty" protobuf:"bytes,4,opt,name=uid,casttype=k8s.io/apimachinery/pkg/types.UID"`
	// APIVersion of the referent.
	// +optional
	APIVersion string `json:"apiVersion,omitempty" protobuf:"bytes,5,opt,name=apiVersion"`
	// ResourceVersion of the referent, if a specific version is meant.
	// +optional
	ResourceVersion string `json:"resourceVersion,omitempty" protobuf:"bytes,6,opt,name=resourceVersion"`
	// FieldPath names a piece of the referent, e.g. spec.containers{name}.
	// +optional
	FieldPath string `json:"fieldPath,omitempty" protobuf:"bytes,7,opt,name=fieldPath"`
}

// SecretReference names a Secret, as core/v1 SecretReference does (same JSON).
type SecretReference struct {
	// Name of the Secret.
	// +optional
	Name string `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`
	// Namespace of the Secret; it must be the host's own.
	// +optional
	Namespace string `json:"namespace,omitempty" protobuf:"bytes,2,opt,name=namespace"`
}

// Taint is a core/v1 Taint (same JSON), kept for Metal3 compatibility.
type Taint struct {
	// Key of the taint.
	Key string `json:"key" protobuf:"bytes,1,opt,name=key"`
	// Value of the taint.
	// +optional
	Value string `json:"value,omitempty" protobuf:"bytes,2,opt,name=value"`
	// Effect of the taint: NoSchedule, PreferNoSchedule or NoExecute.
	Effect string `json:"effect" protobuf:"bytes,3,opt,name=effect"`
	// TimeAdded is when a NoExecute taint was added.
	// +optional
	TimeAdded *metav1.Time `json:"timeAdded,omitempty" protobuf:"bytes,4,opt,name=timeAdded"`
}

// PowerState is the power state of a host, as the power subresource says it.
// +enum
type PowerState string

const (
	// PowerOn is a host with power on.
	PowerOn PowerState = "On"
	// PowerOff is a host with power off.
	PowerOff PowerState = "Off"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Power is the power subresource of a BareMetalHost (baremetalhosts/power), like Scale is for
// Deployments: spec.state is the desired power (the host's spec.online), status.state what the
// BMC last reported (the host's status.poweredOn). Writing it needs only update or patch on
// baremetalhosts/power, so people can cycle machines without the right to reprovision them.
type Power struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata; the name, namespace and resourceVersion are the host's.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the desired power state.
	// +optional
	Spec PowerSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed power state.
	// +optional
	Status PowerStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// PowerSpec is the desired power state.
type PowerSpec struct {
	// State is On or Off.
	State PowerState `json:"state" protobuf:"bytes,1,opt,name=state,casttype=PowerState"`
}

// PowerStatus is the observed power state.
type PowerStatus struct {
	// State is what the BMC last reported: On or Off.
	// +optional
	State PowerState `json:"state,omitempty" protobuf:"bytes,1,opt,name=state,casttype=PowerState"`
	// Pending is true while the desired state has not been reached yet.
	// +optional
	Pending bool `json:"pending,omitempty" protobuf:"varint,2,opt,name=pending"`
	// LastTransitionTime is when the observed state last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty" protobuf:"bytes,3,opt,name=lastTransitionTime"`
	// Message explains why the desired state is not reached, e.g. a power management error.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,4,opt,name=message"`
}

// RebootMode is how a host is rebooted.
// +enum
type RebootMode string

const (
	// RebootModeSoft asks the operating system to restart (ACPI), falling back to a hard
	// reset when it does not within the server's timeout.
	RebootModeSoft RebootMode = "soft"
	// RebootModeHard resets the host at once.
	RebootModeHard RebootMode = "hard"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RebootRequest asks for a reboot: POST it to baremetalhosts/NAME/reboot. The server answers
// 202 Accepted and the reconciler carries it out; 409 when the host's state forbids it.
type RebootRequest struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec says how to reboot.
	// +optional
	Spec RebootRequestSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// RebootRequestSpec says how to reboot.
type RebootRequestSpec struct {
	// Mode is soft (the default) or hard.
	// +optional
	Mode RebootMode `json:"mode,omitempty" protobuf:"bytes,1,opt,name=mode,casttype=RebootMode"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InspectRequest asks for a new hardware inspection: POST it to baremetalhosts/NAME/inspect.
// The server answers 202 Accepted; 409 when the host's state forbids it.
type InspectRequest struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Inspection is what GET baremetalhosts/NAME/inspect returns: the latest inventory with the
// inspection's state and times.
type Inspection struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata; the name, namespace and resourceVersion are the host's.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Status is the state of the latest inspection.
	// +optional
	Status InspectionStatus `json:"status,omitempty" protobuf:"bytes,2,opt,name=status"`
}

// InspectionState is the state of a host's inspection.
// +enum
type InspectionState string

const (
	// InspectionPending: an inspection was requested and has not started.
	InspectionPending InspectionState = "Pending"
	// InspectionInProgress: the host is being inspected.
	InspectionInProgress InspectionState = "InProgress"
	// InspectionCompleted: the inventory is from a completed inspection.
	InspectionCompleted InspectionState = "Completed"
	// InspectionFailed: the last inspection failed; see message.
	InspectionFailed InspectionState = "Failed"
	// InspectionNone: the host was never inspected.
	InspectionNone InspectionState = "None"
)

// InspectionStatus is the state of a host's latest inspection.
type InspectionStatus struct {
	// State is None, Pending, InProgress, Completed or Failed.
	State InspectionState `json:"state" protobuf:"bytes,1,opt,name=state,casttype=InspectionState"`
	// StartTime is when the latest inspection started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,2,opt,name=startTime"`
	// CompletionTime is when it completed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,3,opt,name=completionTime"`
	// Message says why an inspection failed.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,4,opt,name=message"`
	// Hardware is the inventory found.
	// +optional
	Hardware *HardwareDetails `json:"hardware,omitempty" protobuf:"bytes,5,opt,name=hardware"`
}
