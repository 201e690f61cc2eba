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

// Package validation checks BareMetalHosts before they are stored.
//
// Metal3 enforces its rules in two places: the CRD's OpenAPI schema (enums, minimums, required
// keys) and an admission webhook (BMC addresses, RAID, images, annotations, state-dependent
// changes). This server has neither, so both sets of rules live here, in process: an invalid
// object is refused with a 422 Invalid whose causes name the offending field by its JSON path
// (spec.bmc.address, spec.raid.hardwareRAIDVolumes[0].controller, ...), instead of being stored
// and failing later in the reconciler, where the user learns about it only from the status.
//
// The rules follow Metal3's webhook and CRD so that manifests written for Metal3 are judged the
// same way. Where this package differs, the difference is explained at the rule.
package validation

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
)

// Options carries server settings that change what is valid.
type Options struct {
	// AllowTestBMCSchemes accepts the fake:// BMC scheme, which drives Ironic's fake-hardware.
	// It is for end-to-end tests only: a fake host "provisions" without touching any machine.
	AllowTestBMCSchemes bool
}

func (o Options) bmcOptions() bmc.Options {
	return bmc.Options{AllowTestSchemes: o.AllowTestBMCSchemes}
}

// Allowed values. They are spelled out here rather than derived from the types so that adding
// a constant to the API does not silently widen what is accepted.
var (
	supportedBootModes = []baremetal.BootMode{
		baremetal.BootModeUEFI, baremetal.BootModeUEFISecureBoot, baremetal.BootModeLegacy,
	}
	supportedCleaningModes = []baremetal.AutomatedCleaningMode{
		baremetal.CleaningModeMetadata, baremetal.CleaningModeDisabled,
	}
	supportedInspectionModes = []baremetal.InspectionMode{
		baremetal.InspectionModeDisabled, baremetal.InspectionModeAgent, baremetal.InspectionModeFast,
	}
	supportedChecksumTypes = []baremetal.ChecksumType{
		baremetal.ChecksumMD5, baremetal.ChecksumSHA256, baremetal.ChecksumSHA512, baremetal.ChecksumAuto,
	}
	supportedImageFormats = []string{
		baremetal.ImageFormatRaw, baremetal.ImageFormatQCOW2, baremetal.ImageFormatVDI,
		baremetal.ImageFormatVMDK, baremetal.ImageFormatLiveISO,
	}
	// supportedImageURLSchemes are those Metal3 accepts; Ironic downloads the first four itself
	// and pulls oci:// images from a registry.
	supportedImageURLSchemes = []string{"http", "https", "ftp", "gopher", "oci"}

	hardwareRAIDLevels = []string{"0", "1", "2", "5", "6", "1+0", "5+0", "6+0"}
	softwareRAIDLevels = []string{"0", "1", "1+0"}

	supportedOperationalStatuses = []baremetal.OperationalStatus{
		baremetal.OperationalStatusOK, baremetal.OperationalStatusDiscovered,
		baremetal.OperationalStatusError, baremetal.OperationalStatusDelayed,
		baremetal.OperationalStatusDetached, baremetal.OperationalStatusServicing,
	}
	supportedErrorTypes = []baremetal.ErrorType{
		baremetal.ProvisionedRegistrationError, baremetal.RegistrationError,
		baremetal.InspectionError, baremetal.PreparationError, baremetal.ProvisioningError,
		baremetal.PowerManagementError, baremetal.ServicingError, baremetal.DetachError,
	}
	supportedProvisioningStates = []baremetal.ProvisioningState{
		baremetal.StateUnmanaged, baremetal.StateRegistering, baremetal.StateMatchProfile,
		baremetal.StatePreparing, baremetal.StateReady, baremetal.StateAvailable,
		baremetal.StateProvisioning, baremetal.StateProvisioned,
		baremetal.StateExternallyProvisioned, baremetal.StateDeprovisioning,
		baremetal.StateInspecting, baremetal.StatePoweringOffBeforeDelete, baremetal.StateDeleting,
	}
	supportedRebootModes = []string{"hard", "soft"}
)

const (
	// maxSoftwareRAIDVolumes is Metal3's CRD maxItems: Ironic builds at most two md devices
	// (the root RAID-1 and one more).
	maxSoftwareRAIDVolumes = 2
	// minSoftwareRAIDPhysicalDisks is Metal3's CRD minItems: a software RAID needs two members.
	minSoftwareRAIDPhysicalDisks = 2
	// maxHardwareRAIDVolumeName is Metal3's CRD maxLength for a hardware volume's name.
	maxHardwareRAIDVolumeName = 64
	// noRAIDInterface is the Ironic RAID interface of drivers that cannot configure RAID.
	noRAIDInterface = "no-raid"
)

var (
	metadataPath    = field.NewPath("metadata")
	annotationsPath = metadataPath.Child("annotations")
	specPath        = field.NewPath("spec")
	statusPath      = field.NewPath("status")
)

// ValidateBareMetalHostName validates a host name (or, with prefix, a generateName prefix) for
// ObjectMeta validation. Names are DNS-1123 subdomains, which already keeps them within Metal3's
// [A-Za-z0-9._-], and must not be UUIDs: Ironic looks nodes up by name or UUID with the same
// call, so a name that parses as a UUID would be taken for another node's UUID.
func ValidateBareMetalHostName(name string, prefix bool) []string {
	msgs := apivalidation.NameIsDNSSubdomain(name, prefix)
	// A prefix is never the final name; the generated name is validated again in full.
	if !prefix && len(msgs) == 0 {
		if _, err := uuid.Parse(name); err == nil {
			msgs = append(msgs, "must not be a UUID")
		}
	}
	return msgs
}

// ValidateBareMetalHost validates a host on create.
func ValidateBareMetalHost(host *baremetal.BareMetalHost, opts Options) field.ErrorList {
	if host == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no BareMetalHost to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&host.ObjectMeta, true, ValidateBareMetalHostName, metadataPath)
	return append(allErrs, validateHost(host, opts.bmcOptions())...)
}

// ValidateBareMetalHostUpdate validates a host on update of the main resource: the create rules
// again, on the new object, plus the rules about what may change in the host's current state.
func ValidateBareMetalHostUpdate(host, old *baremetal.BareMetalHost, opts Options) field.ErrorList {
	if host == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no BareMetalHost to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&host.ObjectMeta, &old.ObjectMeta, metadataPath)
	allErrs = append(allErrs, validateHost(host, bmcOptionsForUpdate(host, old, opts))...)
	allErrs = append(allErrs, validateBMCAddressChange(host, old)...)
	allErrs = append(allErrs, validateBootMACAddressChange(host, old)...)
	allErrs = append(allErrs, validateExternallyProvisionedChange(host, old)...)
	return allErrs
}

// ValidateBareMetalHostStatusUpdate validates a write to the status subresource. The spec and
// annotations are not checked: the status strategy keeps them as stored.
func ValidateBareMetalHostStatusUpdate(host, old *baremetal.BareMetalHost) field.ErrorList {
	if host == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no BareMetalHost to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&host.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateStatus(&host.Status, statusPath)...)
}

// WarningsForBareMetalHost returns API warnings for deprecated fields that are accepted, for
// compatibility with Metal3 manifests, but have no effect.
func WarningsForBareMetalHost(host *baremetal.BareMetalHost) []string {
	if host == nil {
		return nil
	}
	var warnings []string
	if len(host.Spec.Taints) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: deprecated and ignored; it was never implemented",
			specPath.Child("taints")))
	}
	// "empty" is the value Metal3 tells users to set to prepare for an API without hardware
	// profiles; warning about following that advice would only be noise.
	if p := host.Spec.HardwareProfile; p != "" && p != "empty" {
		warnings = append(warnings, fmt.Sprintf("%s: deprecated and ignored; use %s and %s instead",
			specPath.Child("hardwareProfile"), specPath.Child("architecture"), specPath.Child("rootDeviceHints")))
	}
	return warnings
}

// bmcOptionsForUpdate keeps accepting a test BMC address the host already had, so that a server
// restarted without AllowTestBMCSchemes can still update hosts created while it was on (if only
// to remove their finalizer). It never lets an update introduce a test address.
func bmcOptionsForUpdate(host, old *baremetal.BareMetalHost, opts Options) bmc.Options {
	o := opts.bmcOptions()
	if host.Spec.BMC.Address == old.Spec.BMC.Address {
		o.AllowTestSchemes = true
	}
	return o
}

// validateHost holds the rules shared by create and update.
func validateHost(host *baremetal.BareMetalHost, bmcOpts bmc.Options) field.ErrorList {
	spec := &host.Spec
	access, allErrs := validateBMC(&spec.BMC, bmcOpts, specPath.Child("bmc"))
	allErrs = append(allErrs, validateBootMACAddress(host, access, specPath.Child("bootMACAddress"))...)
	allErrs = append(allErrs, validateBootMode(spec.BootMode, access, specPath.Child("bootMode"))...)
	allErrs = append(allErrs, validateRAID(spec, access, specPath.Child("raid"))...)
	allErrs = append(allErrs, validateRootDeviceHints(spec.RootDeviceHints, specPath.Child("rootDeviceHints"))...)
	allErrs = append(allErrs, validateImage(spec.Image, specPath.Child("image"))...)
	allErrs = append(allErrs, validateSecretReferences(host)...)
	allErrs = append(allErrs, validatePowerOff(spec)...)
	allErrs = append(allErrs, validateFirmware(spec.Firmware, specPath.Child("firmware"))...)
	allErrs = append(allErrs, validateAutomatedCleaningMode(spec.AutomatedCleaningMode, specPath.Child("automatedCleaningMode"))...)
	allErrs = append(allErrs, validateInspectionMode(host, access, specPath.Child("inspectionMode"))...)
	allErrs = append(allErrs, validateCustomDeploy(spec.CustomDeploy, specPath.Child("customDeploy"))...)
	allErrs = append(allErrs, validateConsumerRef(spec.ConsumerRef, specPath.Child("consumerRef"))...)
	allErrs = append(allErrs, validateNetworkInterfaces(spec.NetworkInterfaces, specPath.Child("networkInterfaces"))...)
	allErrs = append(allErrs, validateAnnotations(host)...)
	return allErrs
}

// validateBMC checks the BMC address and credentials. It returns the parsed address so that the
// rules that depend on the driver can use it, or nil when there is no usable address; like
// Metal3, those rules are then skipped rather than guessed.
func validateBMC(details *baremetal.BMCDetails, opts bmc.Options, fldPath *field.Path) (*bmc.Access, field.ErrorList) {
	var allErrs field.ErrorList
	credsPath := fldPath.Child("credentialsName")
	if details.CredentialsName != "" {
		allErrs = append(allErrs, validateSecretName(details.CredentialsName, credsPath)...)
	}
	// A host without an address is valid: Metal3 keeps it unmanaged until it gets one.
	if details.Address == "" {
		return nil, allErrs
	}
	// Metal3's webhook does not check credentialsName, but its CRD lists it as a required key
	// of bmc, so a manifest with an address and no credentials is refused there too. We cannot
	// tell an omitted key from an empty one, and an empty name is never usable (Metal3's
	// controller turns it into a registration error), so it is required whenever there is an
	// address, for every scheme.
	if details.CredentialsName == "" {
		allErrs = append(allErrs, field.Required(credsPath, "the BMC credentials Secret is required when an address is set"))
	}
	access, err := bmc.ParseWithOptions(details.Address, opts)
	if err != nil {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("address"), details.Address, bmcAddressErrorDetail(err)))
		return nil, allErrs
	}
	return access, allErrs
}

// bmcAddressErrorDetail turns a parse error into a detail that does not repeat the address,
// which field.Invalid already shows.
func bmcAddressErrorDetail(err error) string {
	var unknown *bmc.UnknownSchemeError
	var invalid *bmc.InvalidAddressError
	switch {
	case errors.As(err, &unknown):
		return fmt.Sprintf("unknown BMC type %q; supported types: %s", unknown.Scheme, strings.Join(unknown.Known, ", "))
	case errors.As(err, &invalid):
		return invalid.Reason
	default:
		return err.Error()
	}
}

// validateBootMACAddress checks the MAC's syntax and whether the host needs one.
func validateBootMACAddress(host *baremetal.BareMetalHost, access *bmc.Access, fldPath *field.Path) field.ErrorList {
	mac := host.Spec.BootMACAddress
	if mac != "" {
		hw, err := net.ParseMAC(mac)
		switch {
		case err != nil:
			return field.ErrorList{field.Invalid(fldPath, mac, "must be a MAC address, e.g. 00:11:22:33:44:55")}
		case len(hw) != 6:
			// net.ParseMAC also takes EUI-64 and InfiniBand addresses, but Metal3's CRD pattern
			// asks for six octets and Ironic ports take 48-bit addresses only.
			return field.ErrorList{field.Invalid(fldPath, mac, "must be a 48-bit MAC address, e.g. 00:11:22:33:44:55")}
		}
		return nil
	}
	if access == nil {
		return nil
	}
	switch {
	case access.NeedsMAC:
		return field.ErrorList{field.Required(fldPath, fmt.Sprintf("BMC type %q requires a boot MAC address", access.Type))}
	case inspectionDisabled(host):
		return field.ErrorList{field.Required(fldPath,
			"required when inspection is disabled: nothing else discovers the NIC the host boots from")}
	}
	return nil
}

// inspectionDisabled reports whether inspection is off through the field or Metal3's legacy
// annotation, as Metal3's BareMetalHost.InspectionDisabled does.
func inspectionDisabled(host *baremetal.BareMetalHost) bool {
	return host.Spec.InspectionMode == baremetal.InspectionModeDisabled ||
		host.Annotations[v1alpha1.InspectAnnotationPrefix] == v1alpha1.InspectAnnotationValueDisabled
}

// validateBootMode checks the boot mode, and that secure boot is asked of a driver that can turn
// it on. Empty means the default, UEFI.
func validateBootMode(mode baremetal.BootMode, access *bmc.Access, fldPath *field.Path) field.ErrorList {
	if mode == "" {
		return nil
	}
	if !slices.Contains(supportedBootModes, mode) {
		return field.ErrorList{field.NotSupported(fldPath, mode, supportedBootModes)}
	}
	if mode == baremetal.BootModeUEFISecureBoot && access != nil && !access.SupportsSecureBoot {
		return field.ErrorList{field.Invalid(fldPath, mode, fmt.Sprintf("BMC type %q does not support secure boot", access.Type))}
	}
	return nil
}

// validateRAID checks the RAID configuration against itself, the driver and the root device hints.
func validateRAID(spec *baremetal.BareMetalHostSpec, access *bmc.Access, fldPath *field.Path) field.ErrorList {
	raid := spec.RAID
	if raid == nil {
		return nil
	}
	var allErrs field.ErrorList
	hwPath, swPath := fldPath.Child("hardwareRAIDVolumes"), fldPath.Child("softwareRAIDVolumes")
	if len(raid.HardwareRAIDVolumes) > 0 && len(raid.SoftwareRAIDVolumes) > 0 {
		allErrs = append(allErrs, field.Forbidden(swPath, "may not be set together with hardwareRAIDVolumes"))
	}
	if len(raid.HardwareRAIDVolumes) > 0 && access != nil && access.RAIDInterface == noRAIDInterface {
		allErrs = append(allErrs, field.Forbidden(hwPath, fmt.Sprintf("BMC type %q does not support configuring hardware RAID", access.Type)))
	}
	for i := range raid.HardwareRAIDVolumes {
		allErrs = append(allErrs, validateHardwareRAIDVolume(&raid.HardwareRAIDVolumes[i], hwPath.Index(i))...)
	}
	allErrs = append(allErrs, validateSoftwareRAIDVolumes(raid.SoftwareRAIDVolumes, spec.RootDeviceHints != nil, swPath)...)
	return allErrs
}

func validateHardwareRAIDVolume(v *baremetal.HardwareRAIDVolume, fldPath *field.Path) field.ErrorList {
	allErrs := validateRAIDLevel(v.Level, hardwareRAIDLevels, fldPath.Child("level"))
	allErrs = append(allErrs, validateSizeGibibytes(v.SizeGibibytes, fldPath.Child("sizeGibibytes"))...)
	if len(v.Name) > maxHardwareRAIDVolumeName {
		allErrs = append(allErrs, field.TooLong(fldPath.Child("name"), v.Name, maxHardwareRAIDVolumeName))
	}
	// Disk names only mean something to a given controller.
	if len(v.PhysicalDisks) > 0 && v.Controller == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("controller"), "required when physicalDisks is set"))
	}
	if n := v.NumberOfPhysicalDisks; n != nil {
		switch {
		case *n < 1:
			allErrs = append(allErrs, field.Invalid(fldPath.Child("numberOfPhysicalDisks"), *n, "must be at least 1"))
		case len(v.PhysicalDisks) > 0 && int(*n) != len(v.PhysicalDisks):
			allErrs = append(allErrs, field.Invalid(fldPath.Child("numberOfPhysicalDisks"), *n,
				fmt.Sprintf("must equal the number of physicalDisks (%d)", len(v.PhysicalDisks))))
		}
	}
	return allErrs
}

// validateSoftwareRAIDVolumes checks the volumes and the root volume rules: at most one root
// volume, RAID-1 so that the host still boots after losing a disk, and not combined with root
// device hints, which would name a different root device.
func validateSoftwareRAIDVolumes(volumes []baremetal.SoftwareRAIDVolume, hasRootDeviceHints bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(volumes) > maxSoftwareRAIDVolumes {
		allErrs = append(allErrs, field.TooMany(fldPath, len(volumes), maxSoftwareRAIDVolumes))
	}
	sawRoot := false
	for i := range volumes {
		v, p := &volumes[i], fldPath.Index(i)
		allErrs = append(allErrs, validateRAIDLevel(v.Level, softwareRAIDLevels, p.Child("level"))...)
		allErrs = append(allErrs, validateSizeGibibytes(v.SizeGibibytes, p.Child("sizeGibibytes"))...)
		allErrs = append(allErrs, validateSoftwareRAIDPhysicalDisks(v.PhysicalDisks, p.Child("physicalDisks"))...)
		if !v.RootVolume {
			continue
		}
		rootPath := p.Child("rootVolume")
		if sawRoot {
			allErrs = append(allErrs, field.Forbidden(rootPath, "only one software RAID volume may be the root volume"))
		}
		sawRoot = true
		if v.Level != "1" && slices.Contains(softwareRAIDLevels, v.Level) {
			allErrs = append(allErrs, field.Invalid(p.Child("level"), v.Level, "the root volume must be RAID level 1"))
		}
		if hasRootDeviceHints {
			allErrs = append(allErrs, field.Forbidden(rootPath, "may not be set together with spec.rootDeviceHints"))
		}
	}
	return allErrs
}

func validateSoftwareRAIDPhysicalDisks(disks []baremetal.RootDeviceHints, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(disks) > 0 && len(disks) < minSoftwareRAIDPhysicalDisks {
		allErrs = append(allErrs, field.TooFew(fldPath, len(disks), minSoftwareRAIDPhysicalDisks))
	}
	for i := range disks {
		allErrs = append(allErrs, validateRootDeviceHints(&disks[i], fldPath.Index(i))...)
	}
	return allErrs
}

func validateRAIDLevel(level string, supported []string, fldPath *field.Path) field.ErrorList {
	switch {
	case level == "":
		return field.ErrorList{field.Required(fldPath, "")}
	case !slices.Contains(supported, level):
		return field.ErrorList{field.NotSupported(fldPath, level, supported)}
	}
	return nil
}

// validateSizeGibibytes allows 0, which means "all the space the disks allow".
func validateSizeGibibytes(size *int32, fldPath *field.Path) field.ErrorList {
	if size != nil && *size < 0 {
		return field.ErrorList{field.Invalid(fldPath, *size, "must be greater than or equal to 0")}
	}
	return nil
}

// validateRootDeviceHints checks the hints that have a syntax. Only /dev/<name> and
// /dev/disk/by-path/<name> are accepted as device names because Ironic resolves the hint on the
// ramdisk, where other /dev/disk/ links (by-id, by-uuid) are not stable or not there at all.
func validateRootDeviceHints(hints *baremetal.RootDeviceHints, fldPath *field.Path) field.ErrorList {
	if hints == nil {
		return nil
	}
	var allErrs field.ErrorList
	if hints.DeviceName != "" && !isRootDeviceName(hints.DeviceName) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("deviceName"), hints.DeviceName,
			"must be a path in /dev/ or /dev/disk/by-path/, e.g. /dev/sda"))
	}
	if hints.MinSizeGigabytes < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("minSizeGigabytes"), hints.MinSizeGigabytes,
			"must be greater than or equal to 0"))
	}
	return allErrs
}

func isRootDeviceName(name string) bool {
	rest, ok := strings.CutPrefix(name, "/dev/")
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, "disk/by-path/")
	return rest != "" && !strings.Contains(rest, "/")
}

// validateImage checks the image URL and the checksum rules: every image needs a checksum except
// a live ISO (booted, not written) and an oci:// image, whose digest is its checksum; giving one
// for an oci:// image would be ignored, so it is refused.
func validateImage(img *baremetal.Image, fldPath *field.Path) field.ErrorList {
	if img == nil {
		return nil
	}
	allErrs := validateImageURL(img.URL, fldPath.Child("url"))
	if t := img.ChecksumType; t != "" && !slices.Contains(supportedChecksumTypes, t) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("checksumType"), t, supportedChecksumTypes))
	}
	if f := img.Format; f != nil && !slices.Contains(supportedImageFormats, *f) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("format"), *f, supportedImageFormats))
	}
	isOCI := isOCIImage(img.URL)
	isLiveISO := img.Format != nil && *img.Format == baremetal.ImageFormatLiveISO
	switch {
	case isOCI && img.Checksum != "":
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("checksum"),
			"must be empty for oci:// images, which carry their own digest"))
	case !isOCI && !isLiveISO && img.Checksum == "":
		allErrs = append(allErrs, field.Required(fldPath.Child("checksum"),
			"required unless the image is a live-iso or an oci:// image"))
	}
	if name := img.OCIAuthSecretName; name != nil && *name != "" {
		allErrs = append(allErrs, validateSecretName(*name, fldPath.Child("ociAuthSecretName"))...)
	}
	return allErrs
}

// validateImageURL checks that the URL is absolute, with a scheme Ironic can fetch and a host.
func validateImageURL(raw string, fldPath *field.Path) field.ErrorList {
	if raw == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	u, err := url.ParseRequestURI(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return field.ErrorList{field.Invalid(fldPath, raw, fmt.Sprintf("must be an absolute URL: %v", err))}
	}
	if !slices.Contains(supportedImageURLSchemes, u.Scheme) {
		return field.ErrorList{field.Invalid(fldPath, raw, fmt.Sprintf("scheme %q is not supported; supported schemes: %s",
			u.Scheme, strings.Join(supportedImageURLSchemes, ", ")))}
	}
	// Metal3 accepts host-less forms such as "http:image.qcow2" or "http:///image.qcow2", which
	// parse but can never be downloaded.
	if u.Host == "" {
		return field.ErrorList{field.Invalid(fldPath, raw, "must name a host, e.g. http://images.example.com/image.qcow2")}
	}
	return nil
}

// isOCIImage matches Metal3's Image.IsOCI, which looks at the text rather than the parsed URL,
// so that the checksum rules apply even when the URL is otherwise invalid.
func isOCIImage(raw string) bool {
	return strings.HasPrefix(strings.ToLower(raw), "oci://")
}

// validateSecretReferences checks the Secrets the host names besides its BMC credentials.
func validateSecretReferences(host *baremetal.BareMetalHost) field.ErrorList {
	spec := &host.Spec
	allErrs := validateSecretReference(spec.UserData, host.Namespace, specPath.Child("userData"))
	allErrs = append(allErrs, validateSecretReference(spec.NetworkData, host.Namespace, specPath.Child("networkData"))...)
	allErrs = append(allErrs, validateSecretReference(spec.MetaData, host.Namespace, specPath.Child("metaData"))...)
	if name := spec.PreprovisioningNetworkDataName; name != "" {
		allErrs = append(allErrs, validateSecretName(name, specPath.Child("preprovisioningNetworkDataName"))...)
	}
	return allErrs
}

// validateSecretReference refuses references to other namespaces: the server reads the Secret
// with its own rights, so anyone allowed to write hosts in one namespace could otherwise have
// Secrets from any namespace written onto a machine they control.
func validateSecretReference(ref *baremetal.SecretReference, hostNamespace string, fldPath *field.Path) field.ErrorList {
	if ref == nil {
		return nil
	}
	var allErrs field.ErrorList
	if ref.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		allErrs = append(allErrs, validateSecretName(ref.Name, fldPath.Child("name"))...)
	}
	if ref.Namespace != "" && ref.Namespace != hostNamespace {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("namespace"), "cross-namespace Secret references are not allowed"))
	}
	return allErrs
}

// validateSecretName checks that name can name a Secret at all, so a typo is reported now rather
// than as a Secret that is never found.
func validateSecretName(name string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range apivalidation.NameIsDNSSubdomain(name, false) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

// validatePowerOff refuses a host that should be off but may not be powered off.
func validatePowerOff(spec *baremetal.BareMetalHostSpec) field.ErrorList {
	if spec.DisablePowerOff && !spec.Online {
		return field.ErrorList{field.Forbidden(specPath.Child("disablePowerOff"),
			"may not be true while spec.online is false: a host whose power-off is disabled cannot be kept off")}
	}
	return nil
}

// validateFirmware refuses the deprecated firmware field rather than ignoring it, so that users
// do not believe their BIOS settings are applied.
func validateFirmware(fw *baremetal.FirmwareConfig, fldPath *field.Path) field.ErrorList {
	if fw != nil {
		return field.ErrorList{field.Forbidden(fldPath, "no longer supported; use firmware settings instead")}
	}
	return nil
}

func validateAutomatedCleaningMode(mode baremetal.AutomatedCleaningMode, fldPath *field.Path) field.ErrorList {
	if mode != "" && !slices.Contains(supportedCleaningModes, mode) {
		return field.ErrorList{field.NotSupported(fldPath, mode, supportedCleaningModes)}
	}
	return nil
}

// validateInspectionMode checks the mode, that fast (out-of-band) inspection is asked of a
// driver that can do it, and that the mode agrees with Metal3's legacy inspect annotation.
func validateInspectionMode(host *baremetal.BareMetalHost, access *bmc.Access, fldPath *field.Path) field.ErrorList {
	mode := host.Spec.InspectionMode
	if mode == "" {
		return nil
	}
	if !slices.Contains(supportedInspectionModes, mode) {
		return field.ErrorList{field.NotSupported(fldPath, mode, supportedInspectionModes)}
	}
	var allErrs field.ErrorList
	if mode == baremetal.InspectionModeFast && access != nil && access.InspectInterface == "" {
		allErrs = append(allErrs, field.Invalid(fldPath, mode,
			fmt.Sprintf("BMC type %q does not support fast (out-of-band) inspection", access.Type)))
	}
	// An empty annotation value asks for re-inspection and says nothing about the mode.
	annotation := host.Annotations[v1alpha1.InspectAnnotationPrefix]
	annotationDisabled := annotation == v1alpha1.InspectAnnotationValueDisabled
	if annotation != "" && annotationDisabled != (mode == baremetal.InspectionModeDisabled) {
		allErrs = append(allErrs, field.Invalid(fldPath, mode,
			fmt.Sprintf("contradicts the %s annotation %q", v1alpha1.InspectAnnotationPrefix, annotation)))
	}
	return allErrs
}

func validateCustomDeploy(cd *baremetal.CustomDeploy, fldPath *field.Path) field.ErrorList {
	if cd != nil && cd.Method == "" {
		return field.ErrorList{field.Required(fldPath.Child("method"), "")}
	}
	return nil
}

// validateConsumerRef requires a name: consumers (such as Cluster API) find their hosts by it,
// and selectors on spec.consumerRef.name treat an empty one as unclaimed.
func validateConsumerRef(ref *baremetal.ObjectReference, fldPath *field.Path) field.ErrorList {
	if ref != nil && ref.Name == "" {
		return field.ErrorList{field.Required(fldPath.Child("name"), "")}
	}
	return nil
}

// validateNetworkInterfaces applies Metal3's rules for spec.networkInterfaces, those of its
// webhook (each entry selects its NIC by name or by MAC address, not both, and no NIC twice) and
// those of its CRD schema (the syntax of names and MAC addresses, the switch port's required
// keys). Selectors are compared case-insensitively, as Metal3 does: a MAC address is the same
// in either case, and names are treated alike (Linux would tell eth0 from ETH0, but a manifest
// listing both is far likelier a mistake than a host with both). An entry that selects no NIC,
// or is ambiguous, is left out of the duplicate check: it has already been reported and has no
// single selector to compare.
func validateNetworkInterfaces(ifaces []baremetal.NetworkInterface, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := make(map[string]*field.Path, len(ifaces))
	for i := range ifaces {
		iface, p := &ifaces[i], fldPath.Index(i)
		namePath, macPath := p.Child("name"), p.Child("macAddress")
		if iface.Name != "" && !isInterfaceName(iface.Name) {
			allErrs = append(allErrs, field.Invalid(namePath, iface.Name,
				"must consist of letters, digits, '.', '_' and '-', e.g. eth0 or ens1f0"))
		}
		if iface.MACAddress != "" && !isColonMAC(iface.MACAddress) {
			allErrs = append(allErrs, field.Invalid(macPath, iface.MACAddress, colonMACDetail))
		}
		var selector string
		var selectorPath *field.Path
		switch {
		case iface.Name == "" && iface.MACAddress == "":
			allErrs = append(allErrs, field.Required(p, "name or macAddress is required to select the NIC"))
		case iface.Name != "" && iface.MACAddress != "":
			allErrs = append(allErrs, field.Forbidden(macPath, "may not be set together with name: a NIC is selected by one or the other"))
		case iface.MACAddress != "":
			selector, selectorPath = iface.MACAddress, macPath
		default:
			selector, selectorPath = iface.Name, namePath
		}
		if selectorPath != nil {
			key := strings.ToLower(selector)
			if first, ok := seen[key]; ok {
				dup := field.Duplicate(selectorPath, selector)
				dup.Detail = fmt.Sprintf("selects the same NIC as %s", first)
				allErrs = append(allErrs, dup)
			} else {
				seen[key] = selectorPath
			}
		}
		allErrs = append(allErrs, validateHostNetworkAttachmentRef(iface.HostNetworkAttachment, p.Child("hostNetworkAttachment"))...)
		allErrs = append(allErrs, validateSwitchPort(iface.SwitchPort, p.Child("switchPort"))...)
	}
	return allErrs
}

// validateHostNetworkAttachmentRef checks that a reference can name an object. Metal3's CRD only
// caps the lengths (253 and 63); those are the limits of an object name and of a namespace, so
// the syntax behind them is checked too, and a typo is reported now rather than as an
// attachment never found. A namespace without a name refers to nothing and is refused, which
// Metal3 does not do. An empty reference is what Metal3 itself writes for an interface without
// one, and is accepted. Unlike Secret references, another namespace is allowed, as in Metal3:
// this server does not read HostNetworkAttachments, so the reference discloses nothing (a
// backend that comes to resolve them must decide which namespaces a host may use).
func validateHostNetworkAttachmentRef(ref *baremetal.HostNetworkAttachmentRef, fldPath *field.Path) field.ErrorList {
	if ref == nil {
		return nil
	}
	var allErrs field.ErrorList
	namePath := fldPath.Child("name")
	switch {
	case ref.Name != "":
		for _, msg := range apivalidation.NameIsDNSSubdomain(ref.Name, false) {
			allErrs = append(allErrs, field.Invalid(namePath, ref.Name, msg))
		}
	case ref.Namespace != "":
		allErrs = append(allErrs, field.Required(namePath, "required when namespace is set"))
	}
	if ref.Namespace != "" {
		for _, msg := range apivalidation.ValidateNamespaceName(ref.Namespace, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("namespace"), ref.Namespace, msg))
		}
	}
	return allErrs
}

// validateSwitchPort requires both keys, as Metal3's CRD does. Its schema checks only that the
// keys are present, but an empty value identifies no switch or port, and the decoded object
// cannot tell an omitted key from an empty one anyway.
func validateSwitchPort(sp *baremetal.SwitchPort, fldPath *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	var allErrs field.ErrorList
	idPath := fldPath.Child("switchID")
	switch {
	case sp.SwitchID == "":
		allErrs = append(allErrs, field.Required(idPath, "the switch's management MAC address is required"))
	case !isColonMAC(sp.SwitchID):
		allErrs = append(allErrs, field.Invalid(idPath, sp.SwitchID, "must be the switch's management MAC address: "+colonMACDetail))
	}
	if sp.PortID == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("portID"), "the port's name in the switch's configuration is required"))
	}
	return allErrs
}

const colonMACDetail = "must be six colon-separated pairs of hex digits, e.g. 00:11:22:33:44:55"

// isColonMAC reports whether s is a 48-bit MAC address in colon notation, Metal3's CRD pattern
// ^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$. The other spellings net.ParseMAC takes (00-11-..,
// 0011.2233.4455) are refused: the duplicate check compares text, and one NIC written two
// ways would pass it.
func isColonMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i%3 == 2 {
			if s[i] != ':' {
				return false
			}
		} else if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isInterfaceName matches Metal3's CRD pattern for a NIC name, ^[a-zA-Z0-9._-]+$.
func isInterfaceName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validateAnnotations checks the values of Metal3's annotations, whose meaning the server
// honours; keys are visited in order so that errors come out the same way every time.
func validateAnnotations(host *baremetal.BareMetalHost) field.ErrorList {
	var allErrs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(host.Annotations)) {
		value, p := host.Annotations[key], annotationsPath.Key(key)
		switch {
		case key == v1alpha1.StatusAnnotation:
			allErrs = append(allErrs, validateStatusAnnotation(value, p)...)
		case key == v1alpha1.RebootAnnotationPrefix || strings.HasPrefix(key, v1alpha1.RebootAnnotationPrefix+"/"):
			allErrs = append(allErrs, validateRebootAnnotation(value, p)...)
		case key == v1alpha1.InspectAnnotationPrefix:
			allErrs = append(allErrs, validateInspectAnnotation(value, p)...)
		case key == v1alpha1.HardwareDetailsAnnotation:
			allErrs = append(allErrs, validateHardwareDetailsAnnotation(value, inspectionDisabled(host), p)...)
		}
	}
	return allErrs
}

func validateRebootAnnotation(value string, fldPath *field.Path) field.ErrorList {
	mode, _, err := v1alpha1.ParseRebootAnnotation(value)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, value,
			fmt.Sprintf(`must be empty or JSON such as {"mode":"hard","force":false}: %v`, err))}
	}
	if mode != "" && !slices.Contains(supportedRebootModes, mode) {
		return field.ErrorList{field.Invalid(fldPath, value,
			fmt.Sprintf("mode %q is not supported; supported modes: %q, %q or empty", mode, "hard", "soft"))}
	}
	return nil
}

func validateInspectAnnotation(value string, fldPath *field.Path) field.ErrorList {
	if value != "" && value != v1alpha1.InspectAnnotationValueDisabled {
		return field.ErrorList{field.NotSupported(fldPath, value, []string{"", v1alpha1.InspectAnnotationValueDisabled})}
	}
	return nil
}

// validateHardwareDetailsAnnotation accepts hardware details only for hosts that are not
// inspected, since inspection would overwrite them, and only if they decode exactly, since a
// misspelt field would otherwise vanish silently.
func validateHardwareDetailsAnnotation(value string, inspectionDisabled bool, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return nil
	}
	var allErrs field.ErrorList
	if !inspectionDisabled {
		allErrs = append(allErrs, field.Forbidden(fldPath, fmt.Sprintf(
			"hardware details may only be given when inspection is disabled (spec.inspectionMode: %s or the %s: %s annotation)",
			baremetal.InspectionModeDisabled, v1alpha1.InspectAnnotationPrefix, v1alpha1.InspectAnnotationValueDisabled)))
	}
	if err := decodeStrict(value, &v1alpha1.HardwareDetails{}); err != nil {
		allErrs = append(allErrs, field.Invalid(fldPath, field.OmitValueType{},
			fmt.Sprintf("must be hardware details in JSON: %v", err)))
	}
	return allErrs
}

// validateStatusAnnotation checks a status to restore (used when hosts move between clusters):
// it must decode exactly and carry an operational status and error type the server knows, since
// it is copied into the status as is.
func validateStatusAnnotation(value string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return nil
	}
	var status v1alpha1.BareMetalHostStatus
	if err := decodeStrict(value, &status); err != nil {
		return field.ErrorList{field.Invalid(fldPath, field.OmitValueType{},
			fmt.Sprintf("must be a BareMetalHost status in JSON: %v", err))}
	}
	var allErrs field.ErrorList
	if s := baremetal.OperationalStatus(status.OperationalStatus); s != "" && !slices.Contains(supportedOperationalStatuses, s) {
		allErrs = append(allErrs, field.Invalid(fldPath, field.OmitValueType{},
			fmt.Sprintf("operationalStatus %q is not supported; supported values: %s", s, quoteAll(supportedOperationalStatuses))))
	}
	if t := baremetal.ErrorType(status.ErrorType); t != "" && !slices.Contains(supportedErrorTypes, t) {
		allErrs = append(allErrs, field.Invalid(fldPath, field.OmitValueType{},
			fmt.Sprintf("errorType %q is not supported; supported values: %s", t, quoteAll(supportedErrorTypes))))
	}
	return allErrs
}

// decodeStrict decodes exactly one JSON value with no unknown fields and nothing after it.
func decodeStrict(value string, into any) error {
	dec := json.NewDecoder(strings.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func quoteAll[T ~string](values []T) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}

// validateBMCAddressChange allows a new BMC address only while the host is registering (the old
// address may simply have been wrong) or detached (the provisioner holds no record of it).
// Anywhere else the provisioner's node would keep talking to the old BMC.
func validateBMCAddressChange(host, old *baremetal.BareMetalHost) field.ErrorList {
	if old.Spec.BMC.Address == "" || host.Spec.BMC.Address == old.Spec.BMC.Address {
		return nil
	}
	for _, s := range []*baremetal.BareMetalHostStatus{&old.Status, &host.Status} {
		if s.Provisioning.State == baremetal.StateRegistering || s.OperationalStatus == baremetal.OperationalStatusDetached {
			return nil
		}
	}
	state := fmt.Sprintf("its provisioning state is %q", old.Status.Provisioning.State)
	if s := old.Status.OperationalStatus; s != "" {
		state += fmt.Sprintf(" and its operational status %q", s)
	}
	return field.ErrorList{field.Forbidden(specPath.Child("bmc", "address"),
		"may only be changed while the host is registering or detached; "+state)}
}

// validateBootMACAddressChange keeps the boot MAC once set: the provisioner's port and the
// host's identity hang on it. Case does not matter.
func validateBootMACAddressChange(host, old *baremetal.BareMetalHost) field.ErrorList {
	if old.Spec.BootMACAddress != "" && !strings.EqualFold(host.Spec.BootMACAddress, old.Spec.BootMACAddress) {
		return field.ErrorList{field.Invalid(specPath.Child("bootMACAddress"), host.Spec.BootMACAddress,
			"field is immutable once set")}
	}
	return nil
}

// validateExternallyProvisionedChange allows adopting a host as externally provisioned only
// from available, where nothing is in flight; turning it off is always allowed.
func validateExternallyProvisionedChange(host, old *baremetal.BareMetalHost) field.ErrorList {
	if old.Spec.ExternallyProvisioned || !host.Spec.ExternallyProvisioned {
		return nil
	}
	if old.Status.Provisioning.State == baremetal.StateAvailable || host.Status.Provisioning.State == baremetal.StateAvailable {
		return nil
	}
	return field.ErrorList{field.Forbidden(specPath.Child("externallyProvisioned"), fmt.Sprintf(
		"may only be turned on while the host is %s; its provisioning state is %q",
		baremetal.StateAvailable, old.Status.Provisioning.State))}
}

// validateStatus checks what the reconciler writes, so that a bug there cannot store a state
// clients and field selectors do not know.
func validateStatus(status *baremetal.BareMetalHostStatus, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if s := status.OperationalStatus; s != "" && !slices.Contains(supportedOperationalStatuses, s) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("operationalStatus"), s, supportedOperationalStatuses))
	}
	if t := status.ErrorType; t != "" && !slices.Contains(supportedErrorTypes, t) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("errorType"), t, supportedErrorTypes))
	}
	allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(status.ErrorCount), fldPath.Child("errorCount"))...)
	allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(status.ProvisioningFailCount), fldPath.Child("provisioningFailCount"))...)
	if s := status.Provisioning.State; s != baremetal.StateNone && !slices.Contains(supportedProvisioningStates, s) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("provisioning", "state"), s, supportedProvisioningStates))
	}
	allErrs = append(allErrs, metav1validation.ValidateConditions(status.Conditions, fldPath.Child("conditions"))...)
	if status.PowerDraw != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(status.PowerDraw.Watts), fldPath.Child("powerDraw", "watts"))...)
	}
	return allErrs
}
