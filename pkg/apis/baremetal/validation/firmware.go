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
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// The firmware kinds' rules. Metal3 judges HostFirmwareSettings in its controller, after the
// object is stored: a setting its FirmwareSchema does not allow turns the Valid condition False
// (internal/controller/metal3.io/hostfirmwaresettings_controller.go, validateHostFirmwareSettings,
// with FirmwareSchema.ValidateSetting and SettingSchema.Validate of
// apis/metal3.io/v1alpha1/firmwareschema_types.go). Here the same rules refuse the write with a
// 422 naming the attribute and the schema's limit, so the user learns at once, not from a
// condition later. Like Metal3, a HostFirmwareSettings whose status names no schema yet (or a
// schema that does not exist) has nothing to be judged against, and its settings are accepted.
//
// HostFirmwareComponents follow Metal3's webhook (URLs, internal/webhooks/metal3.io/v1alpha1/
// hostfirmwarecomponents_validation.go) and the component names its controller checks
// (HostFirmwareComponents.ValidateHostFirmwareComponents in
// apis/metal3.io/v1alpha1/hostfirmwarecomponents_types.go), both at write time here.

var (
	supportedSettingAttributeTypes = []baremetal.SettingAttributeType{
		baremetal.SettingTypeEnumeration, baremetal.SettingTypeString, baremetal.SettingTypeInteger,
		baremetal.SettingTypeBoolean, baremetal.SettingTypePassword,
	}
	booleanSettingValues = []string{"true", "false"}
)

// passwordSettingMarker: Metal3 refuses any setting whose name contains it, schema or not, and
// keeps such attributes out of schemas and status (BMCs list encrypted password fields).
const passwordSettingMarker = "Password"

// ValidateFirmwareSchema validates a FirmwareSchema on create.
func ValidateFirmwareSchema(s *baremetal.FirmwareSchema) field.ErrorList {
	if s == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no FirmwareSchema to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&s.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateFirmwareSchemaSpec(&s.Spec, specPath)...)
}

// ValidateFirmwareSchemaUpdate validates a FirmwareSchema on update; Metal3's are not
// immutable (its controller adds owners to a shared one), so the create rules apply again.
func ValidateFirmwareSchemaUpdate(s, old *baremetal.FirmwareSchema) field.ErrorList {
	if s == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no FirmwareSchema to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateFirmwareSchemaSpec(&s.Spec, specPath)...)
}

// validateFirmwareSchemaSpec holds Metal3's CRD rules: attribute types from its enum. Bounds
// and lengths are what the BMC reported and are kept as they are.
func validateFirmwareSchemaSpec(spec *baremetal.FirmwareSchemaSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	schemaPath := fldPath.Child("schema")
	for _, name := range slices.Sorted(maps.Keys(spec.Schema)) {
		attr := spec.Schema[name]
		if name == "" {
			allErrs = append(allErrs, field.Invalid(schemaPath.Key(name), name, "attribute names must not be empty"))
		}
		if t := attr.AttributeType; t != "" && !slices.Contains(supportedSettingAttributeTypes, t) {
			allErrs = append(allErrs, field.NotSupported(schemaPath.Key(name).Child("attribute_type"), t, supportedSettingAttributeTypes))
		}
	}
	return allErrs
}

// ValidateHostFirmwareSettings validates HostFirmwareSettings on create. schema is the
// FirmwareSchema the object's status names, or nil when there is none (always on create,
// where status is dropped).
func ValidateHostFirmwareSettings(hfs *baremetal.HostFirmwareSettings, schema *baremetal.FirmwareSchema) field.ErrorList {
	if hfs == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostFirmwareSettings to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&hfs.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateDesiredSettings(hfs.Spec.Settings, nil, schema, specPath.Child("settings"))...)
}

// ValidateHostFirmwareSettingsUpdate validates HostFirmwareSettings on update of the main
// resource against schema, the FirmwareSchema its status names (nil when none).
//
// Only settings that are new or whose value changed are judged (ratcheting): a value accepted
// before stays acceptable when the schema changes under it (a BIOS update), so that a label,
// finalizer or other setting can still be changed; the reconciler reports such a value through
// the Valid condition, as Metal3 does.
func ValidateHostFirmwareSettingsUpdate(hfs, old *baremetal.HostFirmwareSettings, schema *baremetal.FirmwareSchema) field.ErrorList {
	if hfs == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostFirmwareSettings to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&hfs.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateDesiredSettings(hfs.Spec.Settings, old.Spec.Settings, schema, specPath.Child("settings"))...)
}

// ValidateHostFirmwareSettingsStatusUpdate validates a write to the status subresource.
func ValidateHostFirmwareSettingsStatusUpdate(hfs, old *baremetal.HostFirmwareSettings) field.ErrorList {
	if hfs == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostFirmwareSettings to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&hfs.ObjectMeta, &old.ObjectMeta, metadataPath)
	if ref := hfs.Status.Schema; ref != nil {
		refPath := statusPath.Child("schema")
		if ref.Name == "" {
			allErrs = append(allErrs, field.Required(refPath.Child("name"), ""))
		} else {
			for _, msg := range apivalidation.NameIsDNSSubdomain(ref.Name, false) {
				allErrs = append(allErrs, field.Invalid(refPath.Child("name"), ref.Name, msg))
			}
		}
		// Metal3's controller always puts the schema beside the settings. Holding to that keeps
		// the settings' 422s, which quote the schema, from reading objects of other namespaces.
		switch ref.Namespace {
		case "":
			allErrs = append(allErrs, field.Required(refPath.Child("namespace"), ""))
		case hfs.Namespace:
		default:
			allErrs = append(allErrs, field.Invalid(refPath.Child("namespace"), ref.Namespace,
				fmt.Sprintf("must be the HostFirmwareSettings' own namespace, %q", hfs.Namespace)))
		}
	}
	return append(allErrs, metav1validation.ValidateConditions(hfs.Status.Conditions, statusPath.Child("conditions"))...)
}

// validateDesiredSettings judges each setting that old does not hold with the same value.
func validateDesiredSettings(settings, old baremetal.DesiredSettingsMap, schema *baremetal.FirmwareSchema, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	// In order, so that errors come in the same order every time.
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		value := settings[name]
		if prev, ok := old[name]; ok && prev == value {
			continue
		}
		if err := validateDesiredSetting(name, value, schema, fldPath.Key(name)); err != nil {
			allErrs = append(allErrs, err)
		}
	}
	return allErrs
}

// validateDesiredSetting applies Metal3's rules to one setting (SettingSchema.Validate), with
// the schema's limit in the message.
func validateDesiredSetting(name string, value intstr.IntOrString, schema *baremetal.FirmwareSchema, fldPath *field.Path) *field.Error {
	shown := settingValue(value)
	if name == "" {
		return field.Invalid(fldPath, shown, "attribute names must not be empty")
	}
	if strings.Contains(name, passwordSettingMarker) {
		return field.Forbidden(fldPath, "password attributes cannot be set")
	}
	if schema == nil {
		return nil
	}
	attr, ok := schema.Spec.Schema[name]
	if !ok {
		return field.Invalid(fldPath, shown, fmt.Sprintf("no such attribute in FirmwareSchema %s/%s", schema.Namespace, schema.Name))
	}
	if attr.ReadOnly != nil && *attr.ReadOnly {
		return field.Forbidden(fldPath, fmt.Sprintf("read-only attribute in FirmwareSchema %s/%s", schema.Namespace, schema.Name))
	}
	text := value.String()
	switch attr.AttributeType {
	case baremetal.SettingTypeEnumeration:
		if !slices.Contains(attr.AllowableValues, text) {
			return field.NotSupported(fldPath, shown, attr.AllowableValues)
		}
	case baremetal.SettingTypeInteger:
		n, err := settingInteger(value)
		if err != nil {
			return field.Invalid(fldPath, shown, "must be an integer")
		}
		if attr.LowerBound != nil && n < *attr.LowerBound {
			return field.Invalid(fldPath, shown, fmt.Sprintf("must be at least %d", *attr.LowerBound))
		}
		if attr.UpperBound != nil && n > *attr.UpperBound {
			return field.Invalid(fldPath, shown, fmt.Sprintf("must be at most %d", *attr.UpperBound))
		}
	case baremetal.SettingTypeString:
		// Bytes, as Metal3 counts.
		if attr.MinLength != nil && int64(len(text)) < *attr.MinLength {
			return field.Invalid(fldPath, shown, fmt.Sprintf("must be at least %s long", bytesOf(*attr.MinLength)))
		}
		if attr.MaxLength != nil && int64(len(text)) > *attr.MaxLength {
			return field.Invalid(fldPath, shown, fmt.Sprintf("must be at most %s long", bytesOf(*attr.MaxLength)))
		}
	case baremetal.SettingTypeBoolean:
		if !slices.Contains(booleanSettingValues, text) {
			return field.NotSupported(fldPath, shown, booleanSettingValues)
		}
	case baremetal.SettingTypePassword:
		return field.Forbidden(fldPath, "password attributes cannot be set")
	case "":
		// The BMC's registry gave no type: nothing to judge by, as in Metal3.
	default:
		return field.Invalid(fldPath, shown, fmt.Sprintf("FirmwareSchema %s/%s gives the attribute the unknown type %q",
			schema.Namespace, schema.Name, attr.AttributeType))
	}
	return nil
}

// settingValue is what a 422 shows: the number as a number, a string quoted.
func settingValue(v intstr.IntOrString) any {
	if v.Type == intstr.Int {
		return int64(v.IntVal)
	}
	return v.StrVal
}

func bytesOf(n int64) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// settingInteger reads an Integer attribute's value, given as a number or as decimal text.
func settingInteger(v intstr.IntOrString) (int64, error) {
	if v.Type == intstr.Int {
		return int64(v.IntVal), nil
	}
	return strconv.ParseInt(v.StrVal, 10, 64)
}

// ValidateHostFirmwareComponents validates HostFirmwareComponents on create.
func ValidateHostFirmwareComponents(hfc *baremetal.HostFirmwareComponents) field.ErrorList {
	if hfc == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostFirmwareComponents to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&hfc.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateFirmwareUpdates(hfc.Spec.Updates, specPath.Child("updates"))...)
}

// ValidateHostFirmwareComponentsUpdate validates HostFirmwareComponents on update of the main
// resource: the create rules again, as Metal3's webhook does.
func ValidateHostFirmwareComponentsUpdate(hfc, old *baremetal.HostFirmwareComponents) field.ErrorList {
	if hfc == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostFirmwareComponents to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&hfc.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateFirmwareUpdates(hfc.Spec.Updates, specPath.Child("updates"))...)
}

// ValidateHostFirmwareComponentsStatusUpdate validates a write to the status subresource:
// Metal3's CRD requirements on what the reconciler reports.
func ValidateHostFirmwareComponentsStatusUpdate(hfc, old *baremetal.HostFirmwareComponents) field.ErrorList {
	if hfc == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostFirmwareComponents to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&hfc.ObjectMeta, &old.ObjectMeta, metadataPath)
	for i, u := range hfc.Status.Updates {
		p := statusPath.Child("updates").Index(i)
		if u.Component == "" {
			allErrs = append(allErrs, field.Required(p.Child("component"), ""))
		}
		if u.URL == "" {
			allErrs = append(allErrs, field.Required(p.Child("url"), ""))
		}
	}
	for i, c := range hfc.Status.Components {
		p := statusPath.Child("components").Index(i)
		if c.Component == "" {
			allErrs = append(allErrs, field.Required(p.Child("component"), ""))
		}
		if c.InitialVersion == "" {
			allErrs = append(allErrs, field.Required(p.Child("initialVersion"), ""))
		}
	}
	return append(allErrs, metav1validation.ValidateConditions(hfc.Status.Conditions, statusPath.Child("conditions"))...)
}

// validateFirmwareUpdates checks each update's component name and URL. A component may be
// listed more than once: a staged upgrade flashes the same component twice, in order.
func validateFirmwareUpdates(updates []baremetal.FirmwareUpdate, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, u := range updates {
		p := fldPath.Index(i)
		switch {
		case u.Component == "":
			allErrs = append(allErrs, field.Required(p.Child("component"), ""))
		case u.Component == baremetal.FirmwareComponentBIOS, u.Component == baremetal.FirmwareComponentBMC,
			strings.HasPrefix(u.Component, baremetal.NICComponentPrefix):
		default:
			allErrs = append(allErrs, field.Invalid(p.Child("component"), u.Component,
				fmt.Sprintf("must be %q, %q, or a NIC's name prefixed with %q", baremetal.FirmwareComponentBIOS,
					baremetal.FirmwareComponentBMC, baremetal.NICComponentPrefix)))
		}
		// Metal3's validateURL is the one its image URLs get; so is this one, which also wants
		// a host (a host-less URL parses but can never be downloaded).
		allErrs = append(allErrs, validateImageURL(u.URL, p.Child("url"))...)
	}
	return allErrs
}
