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

package redfish

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

func ptr[T any](v T) *T { return &v }

// TestSettingValue: the type of a PATCHed value is the registry's, else the type of the value
// in effect, else string.
func TestSettingValue(t *testing.T) {
	integer := provisioner.SettingSchema{AttributeType: "Integer"}
	boolean := provisioner.SettingSchema{AttributeType: "Boolean"}
	enum := provisioner.SettingSchema{AttributeType: "Enumeration", AllowableValues: []string{"Enabled", "Disabled"}}
	cases := []struct {
		name    string
		value   string
		rule    *provisioner.SettingSchema
		current any
		want    any
		err     string
	}{
		{name: "registry integer", value: "7", rule: &integer, current: float64(0), want: int64(7)},
		{name: "registry integer over a string served", value: "7", rule: &integer, current: "0", want: int64(7)},
		{name: "registry integer, spaces", value: " 12 ", rule: &integer, want: int64(12)},
		{name: "registry integer, negative", value: "-3", rule: &integer, want: int64(-3)},
		{name: "registry integer, not one", value: "7.5", rule: &integer, err: `is an integer, not "7.5"`},
		{name: "registry boolean", value: "true", rule: &boolean, current: false, want: true},
		{name: "registry boolean, Go spellings", value: "False", rule: &boolean, want: false},
		{name: "registry boolean, not one", value: "yes", rule: &boolean, err: "is a boolean"},
		{name: "registry enumeration", value: "Enabled", rule: &enum, current: "Disabled", want: "Enabled"},
		{name: "registry enumeration of digits stays a string", value: "1", rule: &enum, current: "0", want: "1"},
		{name: "no registry, number served", value: "30", current: float64(5), want: int64(30)},
		{name: "no registry, boolean served", value: "true", current: false, want: true},
		{name: "no registry, string served", value: "0x10", current: "0x00", want: "0x10"},
		{name: "no registry, null served", value: "abc", current: nil, want: "abc"},
		{name: "registry without type falls back", value: "4", rule: &provisioner.SettingSchema{}, current: float64(1), want: int64(4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rule provisioner.SettingSchema
			if tc.rule != nil {
				rule = *tc.rule
			}
			got, err := settingValue("X", tc.value, rule, tc.rule != nil, tc.current)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("settingValue = %#v, %v; want an error saying %q", got, err, tc.err)
				}
			case err != nil || got != tc.want:
				t.Fatalf("settingValue = %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}

// TestCheckSetting: the registry's rules, as the BMC would apply them.
func TestCheckSetting(t *testing.T) {
	rules := map[string]provisioner.SettingSchema{
		"Delay":  {AttributeType: "Integer", LowerBound: ptr[int64](0), UpperBound: ptr[int64](60)},
		"Mode":   {AttributeType: "Enumeration", AllowableValues: []string{"A", "B"}},
		"Name":   {AttributeType: "String", MinLength: ptr[int64](1), MaxLength: ptr[int64](4)},
		"Serial": {AttributeType: "String", ReadOnly: true},
		"Admin":  {AttributeType: "Password"},
	}
	current := map[string]any{"Delay": float64(0), "Mode": "A", "Name": "x", "Serial": "s", "Admin": nil, "Extra": "e"}
	body, err := settingsBody(map[string]string{"Delay": "60", "Mode": "B", "Name": "abcd", "Extra": "f"}, rules, current)
	if err != nil || body["Delay"] != int64(60) || body["Mode"] != "B" || body["Name"] != "abcd" || body["Extra"] != "f" {
		t.Fatalf("settingsBody = %v, %v", body, err)
	}
	_, err = settingsBody(map[string]string{"Delay": "61", "Mode": "C", "Name": "abcde", "Serial": "t", "Admin": "pw", "Gone": "1"}, rules, current)
	for _, want := range []string{
		"Delay must be within [0, 60], not 61", "Mode must be one of A, B, not \"C\"", "Name must be [1, 4] characters long, not 5",
		"Serial is read-only", "Admin is a password", "the BMC knows no BIOS setting Gone",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("settingsBody: %v; want it to say %q", err, want)
		}
	}
	var re *refusedError
	if !errors.As(err, &re) {
		t.Errorf("settingsBody's error %T is not a refusal", err)
	}
}

// TestSettingsBodyFromRealBMCCaptures: for every capture of a real BMC with a BIOS resource,
// each attribute's value in effect, as Metal3 stores it (a string), becomes in a PATCH body
// the JSON type the BMC serves, and the type its registry says where the BMC serves one
// (Gigabyte's 549 attributes). The PATCH goes to the settings object where there is one.
func TestSettingsBodyFromRealBMCCaptures(t *testing.T) {
	root := "../../../../shared/redfish-mockups"
	cases := []struct {
		mockup string
		// settingsObject: @Redfish.Settings names one; schema: the registry is served.
		settingsObject, schema bool
	}{
		{mockup: "dmtf/public-rackmount1", settingsObject: true},
		{mockup: "dmtf/public-tower", settingsObject: true},
		{mockup: "hpe-csm/Gigabyte", schema: true},
		{mockup: "hpe-csm/Intel", settingsObject: true},
		{mockup: "hpe-csm/OpenBMC-stock"},
	}
	jsonType := map[string]string{"Integer": "float64", "Boolean": "bool", "Enumeration": "string", "String": "string"}
	for _, tc := range cases {
		t.Run(tc.mockup, func(t *testing.T) {
			client := &treeClient{tree: mockupTree(t, filepath.Join(root, tc.mockup))}
			systems, err := schemas.ListReferencedComputerSystems(client, "/redfish/v1/Systems")
			if err != nil || len(systems) == 0 {
				t.Fatalf("no system in the capture: %v", err)
			}
			client.gets.Store(0)
			b, err := readBIOSResource(client, systems[0], true)
			if err != nil {
				t.Fatal(err)
			}
			if (b.Schema != nil) != tc.schema {
				t.Fatalf("registry served: %v, want %v", b.Schema != nil, tc.schema)
			}
			bios, _ := systems[0].Bios()
			if got := b.SettingsURI != bios.ODataID; got != tc.settingsObject {
				t.Errorf("PATCH goes to %s (the BIOS is %s)", b.SettingsURI, bios.ODataID)
			}

			wanted := map[string]string{}
			types := map[string]int{}
			for name, cur := range b.Attributes {
				rule, hasRule := b.Schema[name]
				if cur == nil || rule.AttributeType == "Password" {
					continue // write-only: the BMC serves no value to compare with
				}
				v, err := settingValue(name, b.Settings[name], rule, hasRule, cur)
				if err != nil {
					t.Errorf("%s = %#v (%q): %v", name, cur, b.Settings[name], err)
					continue
				}
				// What the BMC receives once the body is marshalled.
				var sent map[string]any
				raw, _ := json.Marshal(map[string]any{name: v})
				if err := json.Unmarshal(raw, &sent); err != nil {
					t.Fatal(err)
				}
				got, served := fmt.Sprintf("%T", sent[name]), fmt.Sprintf("%T", cur)
				if got != served {
					t.Errorf("%s: PATCH carries %s %s, the BMC serves %s %v", name, got, raw, served, cur)
				}
				if hasRule && jsonType[rule.AttributeType] != "" && got != jsonType[rule.AttributeType] {
					t.Errorf("%s: PATCH carries %s, the registry says %s", name, got, rule.AttributeType)
				}
				if !rule.ReadOnly {
					wanted[name] = b.Settings[name]
				}
				types[got]++
			}
			// The whole body at once, checked against the registry: the values in effect pass,
			// and read back as they were.
			body, err := settingsBody(wanted, b.Schema, b.Attributes)
			if err != nil {
				t.Fatalf("settingsBody of the values in effect: %v", err)
			}
			for name, s := range attributeStrings(body) {
				if s != wanted[name] {
					t.Errorf("%s: %q in the body, %q in effect", name, s, wanted[name])
				}
			}
			t.Logf("%d attributes (%d writable) by JSON type %v; registry rules %d", len(b.Attributes), len(wanted), types, len(b.Schema))
		})
	}
}

// TestUpdateTargetFromRealBMCCaptures: the firmware inventory entry a real BMC's update of
// bios or bmc targets, despite versions written differently in the inventory and in the
// system or manager, inventories without RelatedItem, and backup banks at the same version.
func TestUpdateTargetFromRealBMCCaptures(t *testing.T) {
	root := "../../../../shared/redfish-mockups"
	inv := "/redfish/v1/UpdateService/FirmwareInventory/"
	cases := []struct {
		mockup    string
		bios, bmc string
	}{
		// "P79 v1.45 (12/06/2017)" in the system, "P79 v1.45" in the inventory.
		{mockup: "dmtf/public-rackmount1", bios: inv + "BIOS", bmc: inv + "BMC"},
		// The inventory's BIOS version is stale: its RelatedItem and name tell.
		{mockup: "dmtf/public-tower", bios: inv + "BIOS", bmc: inv + "BMC"},
		// No RelatedItem at all.
		{mockup: "hpe-csm/Gigabyte", bios: inv + "BIOS", bmc: inv + "BMC"},
		// No BIOS version; the one entry.
		{mockup: "hpe-csm/OpenBMC-stock", bmc: inv + "5d0869c4"},
		// "iLO 5 v2.46" and "2.46 May 11 2021"; the Redundant System ROM is not the BIOS.
		{mockup: "hpe-csm/DL325", bios: inv + "2", bmc: inv + "1"},
		{mockup: "hpe-csm/XL675d_A100", bios: inv + "2/", bmc: inv + "1/"},
	}
	for _, tc := range cases {
		t.Run(tc.mockup, func(t *testing.T) {
			client := &treeClient{tree: mockupTree(t, filepath.Join(root, tc.mockup))}
			systems, err := schemas.ListReferencedComputerSystems(client, "/redfish/v1/Systems")
			if err != nil || len(systems) == 0 {
				t.Fatalf("no system in the capture: %v", err)
			}
			sys := systems[0]
			us, err := schemas.GetObject[schemas.UpdateService](client, "/redfish/v1/UpdateService")
			if err != nil {
				t.Fatal(err)
			}
			client.gets.Store(0)
			scope, err := readUpdateScope(client, us, sys)
			if err != nil {
				t.Fatal(err)
			}
			versions := componentVersions(sys)
			for component, want := range map[string]string{"bios": tc.bios, "bmc": tc.bmc} {
				if want == "" {
					continue
				}
				if got := scope.target(component, versions[component]); got != want {
					t.Errorf("%s at %q: target %s, want %s", component, versions[component], got, want)
				}
			}
		})
	}
}

func TestVersionMatch(t *testing.T) {
	cases := []struct {
		entry, version string
		want           int
	}{
		{"C27", "C27", 3},
		{"P79 v1.45", "P79 v1.45 (12/06/2017)", 2},
		{"2.46 May 11 2021", "iLO 5 v2.46", 1},
		{"A43 v2.40 (02/23/2021)", "A43 v2.52 (10/29/2021)", 0},
		{"1.0", "", 0},
		{"ff", "ff0", 0},
	}
	for _, tc := range cases {
		if got := versionMatch(tc.entry, tc.version); got != tc.want {
			t.Errorf("versionMatch(%q, %q) = %d, want %d", tc.entry, tc.version, got, tc.want)
		}
	}
}
