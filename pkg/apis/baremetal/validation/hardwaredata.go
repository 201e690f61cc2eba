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
	"regexp"
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// HardwareData has no webhook in Metal3: its rules are those of its CRD schema, which are
// the ones below. The name is a host's name (the reconciler gives each host the HardwareData
// of its own name), so it follows the host's rules.

var (
	// nicMACPattern is the CRD's pattern for nics[].mac. OpenAPI patterns are not anchored, so
	// the CRD accepts any value that holds a colon-separated MAC; so does this server, so that
	// whatever Metal3 stored can be stored here too.
	nicMACPattern = regexp.MustCompile(`[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}`)

	supportedDiskTypes = []baremetal.DiskType{baremetal.DiskTypeHDD, baremetal.DiskTypeSSD, baremetal.DiskTypeNVME}
)

// maxVLANID is the CRD's maximum of a VLAN ID (12 bits, 4095 reserved).
const maxVLANID = 4094

// ValidateHardwareData validates a HardwareData on create.
func ValidateHardwareData(hd *baremetal.HardwareData) field.ErrorList {
	if hd == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HardwareData to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&hd.ObjectMeta, true, ValidateBareMetalHostName, metadataPath)
	return append(allErrs, validateHardwareDetails(hd.Spec.Hardware, specPath.Child("hardware"))...)
}

// ValidateHardwareDataUpdate validates a HardwareData on update: the create rules on the new
// object. The inventory may change (a new inspection replaces it), as in Metal3.
func ValidateHardwareDataUpdate(hd, old *baremetal.HardwareData) field.ErrorList {
	if hd == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HardwareData to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&hd.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateHardwareDetails(hd.Spec.Hardware, specPath.Child("hardware"))...)
}

// validateHardwareDetails applies the CRD's constraints on an inventory: the disk type enum,
// the NIC MAC pattern and the VLAN ID range. Empty values are absent ones (every field is
// optional and omitted when empty), which the CRD does not check either.
func validateHardwareDetails(hw *baremetal.HardwareDetails, fldPath *field.Path) field.ErrorList {
	if hw == nil {
		return nil
	}
	var allErrs field.ErrorList
	for i, disk := range hw.Storage {
		if disk.Type != "" && !slices.Contains(supportedDiskTypes, disk.Type) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("storage").Index(i).Child("type"), disk.Type, supportedDiskTypes))
		}
	}
	for i := range hw.NICs {
		nic := &hw.NICs[i]
		p := fldPath.Child("nics").Index(i)
		if nic.MAC != "" && !nicMACPattern.MatchString(nic.MAC) {
			allErrs = append(allErrs, field.Invalid(p.Child("mac"), nic.MAC, "must hold a MAC address of six colon-separated pairs of hex digits, e.g. 00:11:22:33:44:55"))
		}
		allErrs = append(allErrs, validateVLANID(nic.VLANID, p.Child("vlanId"))...)
		for j, vlan := range nic.VLANs {
			allErrs = append(allErrs, validateVLANID(vlan.ID, p.Child("vlans").Index(j).Child("id"))...)
		}
	}
	// GPUs are not in Metal3's CRD: their rules are ours, the type enum and a memory size.
	for i, gpu := range hw.GPUs {
		p := fldPath.Child("gpus").Index(i)
		if gpu.Type != "" && !slices.Contains(supportedAcceleratorTypes, gpu.Type) {
			allErrs = append(allErrs, field.NotSupported(p.Child("type"), gpu.Type, supportedAcceleratorTypes))
		}
		if gpu.MemoryMebibytes < 0 {
			allErrs = append(allErrs, field.Invalid(p.Child("memoryMebibytes"), gpu.MemoryMebibytes, "must not be negative"))
		}
	}
	return allErrs
}

var supportedAcceleratorTypes = []baremetal.AcceleratorType{baremetal.AcceleratorTypeGPU, baremetal.AcceleratorTypeFPGA, baremetal.AcceleratorTypeOther}

func validateVLANID(id int32, fldPath *field.Path) field.ErrorList {
	if id < 0 || id > maxVLANID {
		return field.ErrorList{field.Invalid(fldPath, id, "must be between 0 and 4094, inclusive")}
	}
	return nil
}
