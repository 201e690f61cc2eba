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

package provisioner

import (
	"context"
	"sort"
)

// The firmware a backend reads from a host's BMC, in the shapes Metal3's firmware kinds hold
// them (HostFirmwareSettings' settings, FirmwareSchema's schema, HostFirmwareComponents'
// components), without depending on those API types.

// BIOS is a system's BIOS as its BMC reports it.
type BIOS struct {
	// Settings are the values in effect, each as a string (Metal3 keeps them so: an integer
	// attribute "4", a boolean "true").
	Settings map[string]string
	// Pending are the values staged for the next reset, none when nothing is staged.
	Pending map[string]string
	// RegistryID names the attribute registry of these settings (vendor and model specific,
	// e.g. "BiosAttributeRegistryA43.v1_2_52"); empty when the BMC names none.
	RegistryID string
	// Schema is the registry's rules, by attribute name; nil when the BMC does not serve the
	// registry it names (many keep it only in an offline registry store).
	Schema map[string]SettingSchema
}

// SettingSchema is the rules of one BIOS attribute (Metal3's SettingSchema).
type SettingSchema struct {
	// AttributeType is Enumeration, String, Integer, Boolean or Password.
	AttributeType string
	// AllowableValues are an Enumeration's values.
	AllowableValues []string
	// LowerBound and UpperBound bound an Integer.
	LowerBound, UpperBound *int64
	// MinLength and MaxLength bound a String's length.
	MinLength, MaxLength *int64
	// ReadOnly attributes cannot be set; ResetRequired ones apply at the next reset; a
	// Unique one's value belongs to one system only.
	ReadOnly, ResetRequired, Unique bool
}

// Firmware components, named as Metal3 (and Ironic's firmware interface) name them.
const (
	FirmwareComponentBIOS = "bios"
	FirmwareComponentBMC  = "bmc"
	// FirmwareComponentNICPrefix is followed by the network adapter's id: "nic:<id>".
	FirmwareComponentNICPrefix = "nic:"
)

// FirmwareComponent is the firmware version of one component of a host.
type FirmwareComponent struct {
	// Component is bios, bmc or nic:<adapter id>.
	Component string
	Version   string
}

// FirmwareReader is implemented by backends that read a host's BIOS and firmware versions.
type FirmwareReader interface {
	ReadBIOS(ctx context.Context, host Host) (BIOS, error)
	FirmwareComponents(ctx context.Context, host Host) ([]FirmwareComponent, error)
}

// FirmwareReading is one reading of a host's firmware; a part the backend could not read is
// left nil with its error.
type FirmwareReading struct {
	BIOS          *BIOS
	BIOSErr       error
	Components    []FirmwareComponent
	ComponentsErr error
}

// FirmwareSnapshotReader is implemented by backends that read a host's BIOS and firmware
// versions together for less than the two FirmwareReader calls cost apart (a Redfish BMC: one
// session, the system read once). The reading is the same.
type FirmwareSnapshotReader interface {
	ReadFirmware(ctx context.Context, host Host) FirmwareReading
}

// FirmwareChanges are the firmware changes preparing or servicing applies to one host.
type FirmwareChanges struct {
	// Settings are the wanted values of the BIOS attributes whose value on the BMC differs,
	// each as a string (as HostFirmwareSettings holds them).
	Settings map[string]string
	// Updates are the firmware images to install, in the order given.
	Updates []FirmwareUpdate
}

// FirmwareUpdate is one firmware image to install on one component.
type FirmwareUpdate struct {
	// Component is bios, bmc or nic:<adapter id>.
	Component string
	URL       string
}

// Empty says that nothing is to change.
func (c FirmwareChanges) Empty() bool { return len(c.Settings) == 0 && len(c.Updates) == 0 }

// SettingNames are the names of the settings to change, sorted (for messages and logs).
func (c FirmwareChanges) SettingNames() []string {
	names := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
