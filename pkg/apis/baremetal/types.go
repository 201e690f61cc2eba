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
	"k8s.io/apimachinery/pkg/types"
)

// These are the internal (hub) types: every served version converts to and from them, and
// registry code (strategies, validation, table printing) works on them only.

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BareMetalHost is a physical server managed through its baseboard management controller (BMC).
// The spec says what the host should be (online, which image, RAID, boot mode); the status says
// what it is (provisioning state, power, inventory, errors).
type BareMetalHost struct {
	metav1.TypeMeta
	// Standard object metadata.
	metav1.ObjectMeta

	// Spec is the desired state of the host.
	Spec BareMetalHostSpec
	// Status is the observed state of the host, written by the server's reconciler.
	Status BareMetalHostStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BareMetalHostList is a list of BareMetalHosts.
type BareMetalHostList struct {
	metav1.TypeMeta
	// Standard list metadata.
	metav1.ListMeta

	// Items is the list of hosts.
	Items []BareMetalHost
}

// BareMetalHostSpec is the desired state of a BareMetalHost.
type BareMetalHostSpec struct {
	// Taints to apply to the host.
	// Deprecated: not used by the server; kept so that Metal3 manifests are accepted.
	Taints []Taint

	// BMC holds how to reach the host's baseboard management controller.
	BMC BMCDetails

	// RAID is the RAID configuration to apply while preparing the host.
	RAID *RAIDConfig

	// Firmware holds BIOS settings to apply while preparing the host.
	// Deprecated: rejected by validation; use dedicated firmware settings instead.
	Firmware *FirmwareConfig

	// HardwareProfile is the name of a hardware profile to match.
	// Deprecated: not used by the server; kept so that Metal3 manifests are accepted.
	HardwareProfile string

	// RootDeviceHints selects the disk the image is written to.
	RootDeviceHints *RootDeviceHints

	// BootMode is the firmware boot mode: UEFI, UEFISecureBoot or legacy. Defaults to UEFI.
	BootMode BootMode

	// BootMACAddress is the MAC address of the NIC the host boots from. Required by BMC
	// drivers that boot over the network and when inspection is disabled; immutable once set.
	BootMACAddress string

	// Online says whether the host should be powered on. Required.
	Online bool

	// ConsumerRef names the object (for example a Machine) that has claimed this host.
	ConsumerRef *ObjectReference

	// Image is the image to provision onto the host.
	Image *Image

	// UserData references a Secret holding user data (cloud-init) for the provisioned host.
	// The Secret must be in the host's namespace.
	UserData *SecretReference

	// PreprovisioningNetworkDataName names a Secret, in the host's namespace, holding the
	// network configuration used while the host runs the deployment ramdisk.
	PreprovisioningNetworkDataName string

	// NetworkData references a Secret holding network data for the provisioned host's config
	// drive. The Secret must be in the host's namespace.
	NetworkData *SecretReference

	// MetaData references a Secret holding metadata for the provisioned host's config drive.
	// The Secret must be in the host's namespace.
	MetaData *SecretReference

	// Description is free text for people.
	Description string

	// ExternallyProvisioned says the host was provisioned by something else; the server adopts
	// it and does not write an image. It can be turned on only while the host is available.
	ExternallyProvisioned bool

	// AutomatedCleaningMode selects disk cleaning between deprovisioning and the next use:
	// metadata (wipe partition tables) or disabled. Defaults to metadata.
	AutomatedCleaningMode AutomatedCleaningMode

	// CustomDeploy provisions the host with a custom deploy step instead of an image.
	CustomDeploy *CustomDeploy

	// Architecture is the host's CPU architecture, e.g. x86_64 or aarch64.
	Architecture string

	// DisablePowerOff forbids powering the host off; reboots are done with a reset instead.
	// Requires online to be true.
	DisablePowerOff bool

	// InspectionMode selects hardware inspection: disabled, agent (in-band, through the
	// deployment ramdisk) or fast (out-of-band, through the BMC only).
	InspectionMode InspectionMode

	// NetworkInterfaces configures the host's NICs for switch port configuration, one entry
	// per NIC, each selected by name or by MAC address.
	NetworkInterfaces []NetworkInterface
}

// BMCDetails holds how to reach the host's BMC.
type BMCDetails struct {
	// Address is the BMC URL, e.g. ipmi://10.0.0.1, redfish+https://10.0.0.1/redfish/v1/Systems/1
	// or redfish-virtualmedia://bmc.example.com/redfish/v1/Systems/1. The scheme selects the driver.
	Address string

	// CredentialsName names a Secret, in the host's namespace, with the BMC's "username" and
	// "password" keys. The password is never copied into the host object.
	CredentialsName string

	// DisableCertificateVerification turns off TLS certificate verification for the BMC.
	DisableCertificateVerification bool
}

// BootMode is the firmware boot mode of a host.
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
type AutomatedCleaningMode string

const (
	// CleaningModeDisabled skips cleaning.
	CleaningModeDisabled AutomatedCleaningMode = "disabled"
	// CleaningModeMetadata wipes disk metadata (partition tables).
	CleaningModeMetadata AutomatedCleaningMode = "metadata"
)

// InspectionMode selects how hardware is inspected.
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
	DeviceName string
	// HCTL is the SCSI address, host:channel:target:lun, e.g. "0:0:0:0".
	HCTL string
	// Model is a substring of the disk's model.
	Model string
	// Vendor is a substring of the disk's vendor.
	Vendor string
	// SerialNumber is the disk's serial number.
	SerialNumber string
	// MinSizeGigabytes is the smallest disk size, in gigabytes, that matches.
	MinSizeGigabytes int32
	// WWN is the disk's unique storage identifier.
	WWN string
	// WWNWithExtension is the disk's unique storage identifier with the vendor extension.
	WWNWithExtension string
	// WWNVendorExtension is the disk's vendor-specific unique storage identifier.
	WWNVendorExtension string
	// Rotational selects spinning disks (true) or solid-state disks (false).
	Rotational *bool
}

// RAIDConfig is the RAID configuration of a host. Hardware and software RAID exclude each other.
type RAIDConfig struct {
	// HardwareRAIDVolumes are volumes built by the RAID controller. An empty list removes them.
	HardwareRAIDVolumes []HardwareRAIDVolume
	// SoftwareRAIDVolumes are Linux software RAID volumes; at most one may be the root volume.
	SoftwareRAIDVolumes []SoftwareRAIDVolume
}

// HardwareRAIDVolume is one volume built by a RAID controller.
type HardwareRAIDVolume struct {
	// SizeGibibytes is the volume size; omitted means all the space the disks allow.
	SizeGibibytes *int32
	// Level is the RAID level: 0, 1, 2, 5, 6, 1+0, 5+0 or 6+0.
	Level string
	// Name of the volume; unique per controller.
	Name string
	// Rotational selects spinning (true) or solid-state (false) physical disks.
	Rotational *bool
	// NumberOfPhysicalDisks is how many physical disks the volume spans.
	NumberOfPhysicalDisks *int32
	// Controller names the RAID controller; required when physicalDisks is set.
	Controller string
	// PhysicalDisks names the physical disks of the volume, as the controller names them.
	PhysicalDisks []string
}

// SoftwareRAIDVolume is one Linux software RAID volume.
type SoftwareRAIDVolume struct {
	// RootVolume makes this the volume the image is written to; it must be RAID level 1.
	RootVolume bool
	// SizeGibibytes is the volume size; omitted means all the space the disks allow.
	SizeGibibytes *int32
	// Level is the RAID level: 0, 1 or 1+0.
	Level string
	// PhysicalDisks selects the member disks with root device hints.
	PhysicalDisks []RootDeviceHints
}

// FirmwareConfig holds BIOS settings.
// Deprecated: rejected by validation, kept so the field is recognised and explained.
type FirmwareConfig struct {
	// VirtualizationEnabled turns CPU virtualization support on or off.
	VirtualizationEnabled *bool
	// SimultaneousMultithreadingEnabled turns SMT (hyper-threading) on or off.
	SimultaneousMultithreadingEnabled *bool
	// SriovEnabled turns SR-IOV on or off.
	SriovEnabled *bool
}

// ChecksumType is the algorithm of an image checksum.
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
	URL string
	// Checksum of the image, or the URL of a checksum file. Required unless the image is a
	// live-iso or an oci:// image (which carries its own digest).
	Checksum string
	// ChecksumType is the checksum's algorithm: md5, sha256, sha512 or auto (the default).
	ChecksumType ChecksumType
	// Format is the image's disk format: raw, qcow2, vdi, vmdk or live-iso. A live-iso is
	// booted through virtual media instead of being written to disk.
	Format *string
	// OCIAuthSecretName names a Secret with credentials to pull an oci:// image.
	OCIAuthSecretName *string
}

// CustomDeploy provisions a host with a custom deploy step instead of an image.
type CustomDeploy struct {
	// Method is the deploy step's name.
	Method string
}

// NetworkInterface is the network configuration of one NIC of the host. The NIC is selected by
// Name or by MACAddress, never both, as inspection reports them.
type NetworkInterface struct {
	// Name is the NIC's name, e.g. eth0 or ens1f0.
	Name string
	// MACAddress is the NIC's MAC address, e.g. 00:11:22:33:44:55.
	MACAddress string
	// HostNetworkAttachment references the switch port configuration the NIC should get.
	HostNetworkAttachment *HostNetworkAttachmentRef
	// SwitchPort names the switch port the NIC is cabled to, in place of (or overriding) what
	// LLDP reports during inspection.
	SwitchPort *SwitchPort
}

// HostNetworkAttachmentRef references a Metal3 HostNetworkAttachment, a switch port
// configuration (mode, VLANs, MTU).
type HostNetworkAttachmentRef struct {
	// Name of the HostNetworkAttachment.
	Name string
	// Namespace of the HostNetworkAttachment; empty means the host's namespace.
	Namespace string
}

// SwitchPort identifies a port on a switch.
type SwitchPort struct {
	// SwitchID is the switch's management MAC address.
	SwitchID string
	// PortID is the port's name in the switch's own configuration, e.g. Ethernet1/1.
	PortID string
}

// BareMetalHostStatus is the observed state of a BareMetalHost.
type BareMetalHostStatus struct {
	// OperationalStatus summarises the host's health: OK, discovered, error, delayed
	// (waiting for a provisioning slot), detached or servicing.
	OperationalStatus OperationalStatus

	// ErrorType is the kind of the last error, empty when there is none.
	ErrorType ErrorType

	// LastUpdated is when the status was last written.
	LastUpdated *metav1.Time

	// HardwareProfile is the name of the matched hardware profile.
	// Deprecated: kept for compatibility.
	HardwareProfile string

	// Hardware is the inventory found by inspection.
	Hardware *HardwareDetails

	// Provisioning is where the host is in its provisioning state machine, and what was
	// provisioned onto it.
	Provisioning ProvisionStatus

	// GoodCredentials references the last BMC credentials that worked.
	GoodCredentials CredentialsStatus

	// TriedCredentials references the last BMC credentials that were tried.
	TriedCredentials CredentialsStatus

	// ErrorMessage says what went wrong, empty when nothing did.
	ErrorMessage string

	// PoweredOn is the power state last read from the BMC.
	PoweredOn bool

	// OperationHistory records when each lifecycle operation started and ended.
	OperationHistory OperationHistory

	// ErrorCount counts consecutive failed attempts; it resets on success and drives backoff.
	ErrorCount int32

	// ProvisioningFailCount counts failed provisioning attempts.
	ProvisioningFailCount int32

	// LastAttemptedImage is the image of the last provisioning attempt.
	LastAttemptedImage *Image

	// Conditions are the host's conditions (Manageable, Provisioned, Ready, Progressing, ...).
	Conditions []metav1.Condition

	// PowerDraw is the host's power draw as its BMC last reported it.
	PowerDraw *PowerDraw
}

// PowerDraw is a reading of a host's power consumption.
type PowerDraw struct {
	// Watts is the power the host draws.
	Watts int32
	// ReadAt is when the BMC was read.
	ReadAt metav1.Time
}

// OperationalStatus summarises a host's health.
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
	State ProvisioningState
	// ID is the host's identifier in the provisioner (the Ironic node UUID).
	ID string
	// Image is the image provisioned onto the host.
	Image Image
	// RootDeviceHints are the hints used for the last provisioning.
	RootDeviceHints *RootDeviceHints
	// BootMode is the boot mode used for the last provisioning.
	BootMode BootMode
	// RAID is the RAID configuration applied.
	RAID *RAIDConfig
	// Firmware is the BIOS configuration applied.
	Firmware *FirmwareConfig
	// CustomDeploy is the custom deploy step used for the last provisioning.
	CustomDeploy *CustomDeploy
	// Endpoint is the provisioner endpoint (the Ironic API URL) that holds the host's record
	// (ID), recorded before the host is first registered and kept: a record lives in one
	// Ironic, so the host is never moved to another endpoint behind the user's back.
	Endpoint string
}

// CredentialsStatus references a version of the BMC credentials Secret.
type CredentialsStatus struct {
	// Credentials references the Secret.
	Credentials *SecretReference
	// CredentialsVersion is the Secret's resourceVersion.
	CredentialsVersion string
}

// OperationMetric is when one operation started and ended.
type OperationMetric struct {
	// Start is when the operation started.
	Start metav1.Time
	// End is when the operation ended.
	End metav1.Time
}

// OperationHistory records the timing of the host's lifecycle operations.
type OperationHistory struct {
	// Register is the last registration with the provisioner.
	Register OperationMetric
	// Inspect is the last hardware inspection.
	Inspect OperationMetric
	// Provision is the last provisioning.
	Provision OperationMetric
	// Deprovision is the last deprovisioning.
	Deprovision OperationMetric
}

// HardwareDetails is a host's inventory, as found by inspection.
type HardwareDetails struct {
	// SystemVendor is the system's manufacturer, product and serial number.
	SystemVendor HardwareSystemVendor
	// Firmware is the system firmware (BIOS) information.
	Firmware Firmware
	// RAMMebibytes is the installed memory in MiB.
	RAMMebibytes int32
	// NICs are the network interfaces.
	NICs []NIC
	// Storage are the disks.
	Storage []Storage
	// CPU is the processor information.
	CPU CPU
	// Hostname is the host name the inspection found.
	Hostname string
	// GPUs are the host's GPUs and other accelerators, one entry per device.
	GPUs []GPU
}

// AcceleratorType is the kind of an accelerator.
type AcceleratorType string

const (
	AcceleratorTypeGPU   AcceleratorType = "GPU"
	AcceleratorTypeFPGA  AcceleratorType = "FPGA"
	AcceleratorTypeOther AcceleratorType = "Accelerator"
)

// GPU describes one GPU or other accelerator of the host.
type GPU struct {
	// Type is GPU, FPGA or Accelerator.
	Type AcceleratorType
	// Vendor of the device.
	Vendor string
	// Model of the device.
	Model string
	// PCIAddress is the device's PCI address, when known.
	PCIAddress string
	// MemoryMebibytes is the device's own memory in MiB, when known.
	MemoryMebibytes int32
	// VendorID and DeviceID are the PCI IDs, when known.
	VendorID string
	DeviceID string
}

// HardwareSystemVendor identifies the system.
type HardwareSystemVendor struct {
	// Manufacturer of the system.
	Manufacturer string
	// ProductName of the system.
	ProductName string
	// SerialNumber of the system.
	SerialNumber string
}

// Firmware is the system firmware information.
type Firmware struct {
	// BIOS is the BIOS information.
	BIOS BIOS
}

// BIOS describes the system's BIOS.
type BIOS struct {
	// Date is the release date.
	Date string
	// Vendor is the BIOS vendor.
	Vendor string
	// Version is the BIOS version.
	Version string
}

// CPU describes the host's processors.
type CPU struct {
	// Arch is the architecture, e.g. x86_64.
	Arch string
	// Model is the processor model.
	Model string
	// ClockMegahertz is the clock speed in MHz. A float for compatibility with Metal3.
	ClockMegahertz float64
	// Flags are the processor's feature flags.
	Flags []string
	// Count is the number of logical CPUs.
	Count int32
}

// DiskType is the kind of a disk.
type DiskType string

const (
	DiskTypeHDD  DiskType = "HDD"
	DiskTypeSSD  DiskType = "SSD"
	DiskTypeNVME DiskType = "NVME"
)

// Storage describes one disk.
type Storage struct {
	// Name is the Linux device name, e.g. /dev/sda.
	Name string
	// AlternateNames are other names of the disk, e.g. /dev/disk/by-path/... links.
	AlternateNames []string
	// Rotational is true for spinning disks.
	Rotational bool
	// Type is HDD, SSD or NVME.
	Type DiskType
	// SizeBytes is the disk's size in bytes.
	SizeBytes int64
	// Vendor of the disk.
	Vendor string
	// Model of the disk.
	Model string
	// SerialNumber of the disk.
	SerialNumber string
	// WWN is the disk's unique storage identifier.
	WWN string
	// WWNVendorExtension is the disk's vendor-specific unique identifier.
	WWNVendorExtension string
	// WWNWithExtension is the WWN with the vendor extension appended.
	WWNWithExtension string
	// HCTL is the SCSI address, host:channel:target:lun.
	HCTL string
}

// NIC describes one network interface.
type NIC struct {
	// Name is the interface name, e.g. eth0.
	Name string
	// Model is the vendor and product IDs, e.g. "0x8086 0x1572".
	Model string
	// MAC is the interface's MAC address.
	MAC string
	// IP is the interface's IP address, if any.
	IP string
	// SpeedGbps is the link speed in Gbit/s.
	SpeedGbps int32
	// VLANs are the VLANs seen on the interface.
	VLANs []VLAN
	// VLANID is the untagged VLAN.
	VLANID int32
	// PXE is true when the interface is PXE-capable.
	PXE bool
	// LLDP is what the interface's LLDP neighbour reported.
	LLDP *LLDP
	// PCIAddress is the interface's PCI address.
	PCIAddress string
}

// VLAN is a VLAN seen on an interface.
type VLAN struct {
	// ID is the VLAN ID.
	ID int32
	// Name of the VLAN.
	Name string
}

// LLDP is what an interface's LLDP neighbour reported.
type LLDP struct {
	// SwitchID is the switch's chassis ID.
	SwitchID string
	// PortID is the switch port's ID.
	PortID string
	// SwitchSystemName is the switch's system name.
	SwitchSystemName string
}

// ObjectReference names another object, as core/v1 ObjectReference does (same JSON), without
// making this API depend on the core group's types.
type ObjectReference struct {
	// Kind of the referent.
	Kind string
	// Namespace of the referent.
	Namespace string
	// Name of the referent.
	Name string
	// UID of the referent.
	UID types.UID
	// APIVersion of the referent.
	APIVersion string
	// ResourceVersion of the referent, if a specific version is meant.
	ResourceVersion string
	// FieldPath names a piece of the referent, e.g. spec.containers{name}.
	FieldPath string
}

// SecretReference names a Secret, as core/v1 SecretReference does (same JSON).
type SecretReference struct {
	// Name of the Secret.
	Name string
	// Namespace of the Secret; it must be the host's own.
	Namespace string
}

// Taint is a core/v1 Taint (same JSON), kept for Metal3 compatibility.
type Taint struct {
	// Key of the taint.
	Key string
	// Value of the taint.
	Value string
	// Effect of the taint: NoSchedule, PreferNoSchedule or NoExecute.
	Effect string
	// TimeAdded is when a NoExecute taint was added.
	TimeAdded *metav1.Time
}

// PowerState is the power state of a host, as the power subresource says it.
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
	metav1.TypeMeta
	// Standard object metadata; the name, namespace and resourceVersion are the host's.
	metav1.ObjectMeta

	// Spec is the desired power state.
	Spec PowerSpec
	// Status is the observed power state.
	Status PowerStatus
}

// PowerSpec is the desired power state.
type PowerSpec struct {
	// State is On or Off.
	State PowerState
}

// PowerStatus is the observed power state.
type PowerStatus struct {
	// State is what the BMC last reported: On or Off.
	State PowerState
	// Pending is true while the desired state has not been reached yet.
	Pending bool
	// LastTransitionTime is when the observed state last changed.
	LastTransitionTime *metav1.Time
	// Message explains why the desired state is not reached, e.g. a power management error.
	Message string
}

// RebootMode is how a host is rebooted.
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
	metav1.TypeMeta
	// Standard object metadata.
	metav1.ObjectMeta

	// Spec says how to reboot.
	Spec RebootRequestSpec
}

// RebootRequestSpec says how to reboot.
type RebootRequestSpec struct {
	// Mode is soft (the default) or hard.
	Mode RebootMode
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InspectRequest asks for a new hardware inspection: POST it to baremetalhosts/NAME/inspect.
// The server answers 202 Accepted; 409 when the host's state forbids it.
type InspectRequest struct {
	metav1.TypeMeta
	// Standard object metadata.
	metav1.ObjectMeta
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Inspection is what GET baremetalhosts/NAME/inspect returns: the latest inventory with the
// inspection's state and times.
type Inspection struct {
	metav1.TypeMeta
	// Standard object metadata; the name, namespace and resourceVersion are the host's.
	metav1.ObjectMeta

	// Status is the state of the latest inspection.
	Status InspectionStatus
}

// InspectionState is the state of a host's inspection.
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
	State InspectionState
	// StartTime is when the latest inspection started.
	StartTime *metav1.Time
	// CompletionTime is when it completed.
	CompletionTime *metav1.Time
	// Message says why an inspection failed.
	Message string
	// Hardware is the inventory found.
	Hardware *HardwareDetails
}
