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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// testSchema is a FirmwareSchema with one attribute of each kind, like the attributes a Dell or
// HPE BMC reports.
func testSchema() *baremetal.FirmwareSchema {
	return &baremetal.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-1a2b3c4d", Namespace: testNamespace, ResourceVersion: "1"},
		Spec: baremetal.FirmwareSchemaSpec{
			HardwareVendor: "Dell Inc.",
			HardwareModel:  "PowerEdge R650",
			Schema: map[string]baremetal.SettingSchema{
				"ProcTurboMode": {AttributeType: baremetal.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}},
				"NumCores":      {AttributeType: baremetal.SettingTypeInteger, LowerBound: ptr[int64](1), UpperBound: ptr[int64](128)},
				"AssetTag":      {AttributeType: baremetal.SettingTypeString, MinLength: ptr[int64](1), MaxLength: ptr[int64](16)},
				"SerialNumber":  {AttributeType: baremetal.SettingTypeString, ReadOnly: ptr(true)},
				"QuietBoot":     {AttributeType: baremetal.SettingTypeBoolean},
				"SriovEnable":   {}, // no type: anything goes
				"SetupPin":      {AttributeType: baremetal.SettingTypePassword},
				"Unbounded":     {AttributeType: baremetal.SettingTypeInteger},
				"Writable":      {AttributeType: baremetal.SettingTypeString, ReadOnly: ptr(false)},
			},
		},
	}
}

func testHFS(settings baremetal.DesiredSettingsMap) *baremetal.HostFirmwareSettings {
	return &baremetal.HostFirmwareSettings{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
		Spec:       baremetal.HostFirmwareSettingsSpec{Settings: settings},
	}
}

func str(s string) intstr.IntOrString { return intstr.FromString(s) }
func num(n int32) intstr.IntOrString  { return intstr.FromInt32(n) }

func TestValidateHostFirmwareSettingsAgainstSchema(t *testing.T) {
	cases := []struct {
		name     string
		settings baremetal.DesiredSettingsMap
		noSchema bool
		want     []wantErr
		// message is the whole error of a single-error case, as a client reads it.
		message string
	}{
		{name: "no settings"},
		{name: "every kind within its limits", settings: baremetal.DesiredSettingsMap{
			"ProcTurboMode": str("Disabled"), "NumCores": num(128), "AssetTag": str("rack-1"),
			"QuietBoot": str("true"), "SriovEnable": str("whatever"), "Unbounded": num(-5), "Writable": str("x"),
		}},
		{name: "integer given as text", settings: baremetal.DesiredSettingsMap{"NumCores": str("64")}},
		{name: "lower bound is allowed", settings: baremetal.DesiredSettingsMap{"NumCores": num(1)}},
		{name: "enumeration value given as a number is compared as text", settings: baremetal.DesiredSettingsMap{"ProcTurboMode": num(1)},
			want: []wantErr{notSupported("spec.settings[ProcTurboMode]")}},
		{name: "unsupported enumeration value", settings: baremetal.DesiredSettingsMap{"ProcTurboMode": str("Maybe")},
			want:    []wantErr{notSupported("spec.settings[ProcTurboMode]")},
			message: `spec.settings[ProcTurboMode]: Unsupported value: "Maybe": supported values: "Enabled", "Disabled"`},
		{name: "integer above the upper bound", settings: baremetal.DesiredSettingsMap{"NumCores": num(300)},
			want:    []wantErr{invalid("spec.settings[NumCores]")},
			message: `spec.settings[NumCores]: Invalid value: 300: must be at most 128`},
		{name: "integer text below the lower bound", settings: baremetal.DesiredSettingsMap{"NumCores": str("0")},
			want:    []wantErr{invalid("spec.settings[NumCores]")},
			message: `spec.settings[NumCores]: Invalid value: "0": must be at least 1`},
		{name: "integer that is not a number", settings: baremetal.DesiredSettingsMap{"NumCores": str("many")},
			want: []wantErr{invalid("spec.settings[NumCores]").saying("must be an integer")}},
		{name: "string too long", settings: baremetal.DesiredSettingsMap{"AssetTag": str("a-very-long-asset-tag")},
			want: []wantErr{invalid("spec.settings[AssetTag]").saying("must be at most 16 bytes long")}},
		{name: "string too short", settings: baremetal.DesiredSettingsMap{"AssetTag": str("")},
			want: []wantErr{invalid("spec.settings[AssetTag]").saying("must be at least 1 byte long")}},
		{name: "read-only attribute", settings: baremetal.DesiredSettingsMap{"SerialNumber": str("ABC123")},
			want:    []wantErr{forbidden("spec.settings[SerialNumber]")},
			message: `spec.settings[SerialNumber]: Forbidden: read-only attribute in FirmwareSchema metal3/schema-1a2b3c4d`},
		{name: "not a boolean", settings: baremetal.DesiredSettingsMap{"QuietBoot": str("Enabled")},
			want: []wantErr{notSupported("spec.settings[QuietBoot]").saying(`"true", "false"`)}},
		{name: "password type", settings: baremetal.DesiredSettingsMap{"SetupPin": str("1234")},
			want: []wantErr{forbidden("spec.settings[SetupPin]")}},
		{name: "unknown attribute", settings: baremetal.DesiredSettingsMap{"IceCream": str("Vanilla")},
			want:    []wantErr{invalid("spec.settings[IceCream]")},
			message: `spec.settings[IceCream]: Invalid value: "Vanilla": no such attribute in FirmwareSchema metal3/schema-1a2b3c4d`},
		{name: "every bad setting is reported, in name order", settings: baremetal.DesiredSettingsMap{
			"ProcTurboMode": str("Maybe"), "NumCores": num(0), "IceCream": str("x"), "AssetTag": str("ok"),
		}, want: []wantErr{invalid("spec.settings[IceCream]"), invalid("spec.settings[NumCores]"), notSupported("spec.settings[ProcTurboMode]")}},

		// Without a schema only the rules that need none apply, as Metal3 accepts any settings
		// until its controller has a schema.
		{name: "no schema: any attribute and value", noSchema: true, settings: baremetal.DesiredSettingsMap{
			"IceCream": str("Vanilla"), "NumCores": num(300), "SerialNumber": str("x"),
		}},
		{name: "password names are refused even without a schema", noSchema: true,
			settings: baremetal.DesiredSettingsMap{"AdminPassword": str("secret")},
			want:     []wantErr{forbidden("spec.settings[AdminPassword]")},
			message:  `spec.settings[AdminPassword]: Forbidden: password attributes cannot be set`},
		{name: "empty attribute name", noSchema: true, settings: baremetal.DesiredSettingsMap{"": str("x")},
			want: []wantErr{invalid("spec.settings[]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schema := testSchema()
			if tc.noSchema {
				schema = nil
			}
			got := ValidateHostFirmwareSettings(testHFS(tc.settings), schema)
			checkErrors(t, got, tc.want)
			if tc.message != "" && (len(got) != 1 || got[0].Error() != tc.message) {
				t.Errorf("message:\n got  %v\n want %s", got.ToAggregate(), tc.message)
			}
			if len(tc.want) > 1 {
				for i, w := range tc.want {
					if got[i].Field != w.field {
						t.Errorf("error %d is for %s, want %s (name order)", i, got[i].Field, w.field)
					}
				}
			}
		})
	}
}

func TestValidateHostFirmwareSettingsUpdate(t *testing.T) {
	cases := []struct {
		name     string
		old, new baremetal.DesiredSettingsMap
		noSchema bool
		want     []wantErr
	}{
		{name: "new valid setting", new: baremetal.DesiredSettingsMap{"NumCores": num(8)}},
		{name: "new invalid setting", new: baremetal.DesiredSettingsMap{"NumCores": num(300)},
			want: []wantErr{invalid("spec.settings[NumCores]")}},
		{name: "changed to an invalid value", old: baremetal.DesiredSettingsMap{"NumCores": num(8)}, new: baremetal.DesiredSettingsMap{"NumCores": num(129)},
			want: []wantErr{invalid("spec.settings[NumCores]")}},
		{name: "same number as text is a change, judged", old: baremetal.DesiredSettingsMap{"NumCores": num(300)}, new: baremetal.DesiredSettingsMap{"NumCores": str("300")},
			want: []wantErr{invalid("spec.settings[NumCores]")}},
		// A value stored before the schema forbade it (a new schema after a BIOS update) does
		// not block other changes, nor removing it.
		{name: "unchanged invalid value is kept", old: baremetal.DesiredSettingsMap{"NumCores": num(300)},
			new: baremetal.DesiredSettingsMap{"NumCores": num(300), "QuietBoot": str("false")}},
		{name: "invalid value removed", old: baremetal.DesiredSettingsMap{"NumCores": num(300)}, new: baremetal.DesiredSettingsMap{}},
		{name: "unchanged invalid value beside a new invalid one", old: baremetal.DesiredSettingsMap{"NumCores": num(300)},
			new:  baremetal.DesiredSettingsMap{"NumCores": num(300), "ProcTurboMode": str("Maybe")},
			want: []wantErr{notSupported("spec.settings[ProcTurboMode]")}},
		{name: "no schema", noSchema: true, new: baremetal.DesiredSettingsMap{"NumCores": num(300)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schema := testSchema()
			if tc.noSchema {
				schema = nil
			}
			checkErrors(t, ValidateHostFirmwareSettingsUpdate(testHFS(tc.new), testHFS(tc.old), schema), tc.want)
		})
	}
}

func TestValidateHostFirmwareSettingsStatusUpdate(t *testing.T) {
	now := metav1.Now()
	cases := []struct {
		name   string
		status baremetal.HostFirmwareSettingsStatus
		want   []wantErr
	}{
		{name: "empty"},
		{name: "as Metal3's controller writes it", status: baremetal.HostFirmwareSettingsStatus{
			Schema:      &baremetal.SchemaReference{Namespace: testNamespace, Name: "schema-1a2b3c4d"},
			Settings:    baremetal.SettingsMap{"NumCores": "64", "ProcTurboMode": "Enabled"},
			LastUpdated: &now,
			Conditions: []metav1.Condition{
				{Type: "Valid", Status: metav1.ConditionTrue, Reason: "Success", LastTransitionTime: now},
				{Type: "ChangeDetected", Status: metav1.ConditionFalse, Reason: "Success", LastTransitionTime: now},
			},
		}},
		{name: "schema without a name or namespace", status: baremetal.HostFirmwareSettingsStatus{Schema: &baremetal.SchemaReference{}},
			want: []wantErr{required("status.schema.name"), required("status.schema.namespace")}},
		{name: "schema in another namespace", status: baremetal.HostFirmwareSettingsStatus{
			Schema: &baremetal.SchemaReference{Namespace: "other", Name: "schema-1a2b3c4d"}},
			want: []wantErr{invalid("status.schema.namespace")}},
		{name: "schema name that is no object name", status: baremetal.HostFirmwareSettingsStatus{
			Schema: &baremetal.SchemaReference{Namespace: testNamespace, Name: "Schema_1"}},
			want: []wantErr{invalid("status.schema.name")}},
		{name: "condition without a reason", status: baremetal.HostFirmwareSettingsStatus{
			Conditions: []metav1.Condition{{Type: "Valid", Status: metav1.ConditionTrue, LastTransitionTime: now}}},
			want: []wantErr{required("status.conditions[0].reason")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hfs := testHFS(baremetal.DesiredSettingsMap{"IceCream": str("not judged here")})
			hfs.Status = tc.status
			checkErrors(t, ValidateHostFirmwareSettingsStatusUpdate(hfs, testHFS(nil)), tc.want)
		})
	}
}

func TestValidateFirmwareSchema(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*baremetal.FirmwareSchema)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*baremetal.FirmwareSchema) {}},
		{name: "empty schema", mutate: func(s *baremetal.FirmwareSchema) { s.Spec = baremetal.FirmwareSchemaSpec{} }},
		{name: "unknown attribute type", mutate: func(s *baremetal.FirmwareSchema) {
			s.Spec.Schema["Fan"] = baremetal.SettingSchema{AttributeType: "Float"}
		}, want: []wantErr{notSupported("spec.schema[Fan].attribute_type")}},
		{name: "empty attribute name", mutate: func(s *baremetal.FirmwareSchema) { s.Spec.Schema[""] = baremetal.SettingSchema{} },
			want: []wantErr{invalid("spec.schema[]")}},
		{name: "invalid name", mutate: func(s *baremetal.FirmwareSchema) { s.Name = "Schema_1" },
			want: []wantErr{invalid("metadata.name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testSchema()
			tc.mutate(s)
			checkErrors(t, ValidateFirmwareSchema(s), tc.want)
			if tc.want == nil || tc.want[0].field != "metadata.name" {
				checkErrors(t, ValidateFirmwareSchemaUpdate(s, testSchema()), tc.want)
			}
		})
	}
}

func TestValidateHostFirmwareComponents(t *testing.T) {
	update := func(component, url string) baremetal.FirmwareUpdate {
		return baremetal.FirmwareUpdate{Component: component, URL: url}
	}
	cases := []struct {
		name    string
		updates []baremetal.FirmwareUpdate
		want    []wantErr
	}{
		{name: "no updates"},
		{name: "bios, bmc and NICs", updates: []baremetal.FirmwareUpdate{
			update("bios", "https://fw.example.com/bios.exe"),
			update("bmc", "http://fw.example.com/bmc.bin"),
			update("nic:NIC.Slot.1-1", "ftp://fw.example.com/nic.bin"),
			update("nic:AD007", "oci://registry.example.com/fw/nic:1.2"),
		}},
		{name: "the same component twice (a staged upgrade)", updates: []baremetal.FirmwareUpdate{
			update("bmc", "https://fw.example.com/bmc-5.x.bin"), update("bmc", "https://fw.example.com/bmc-6.x.bin"),
		}},
		{name: "unknown component", updates: []baremetal.FirmwareUpdate{update("something", "https://fw.example.com/x")},
			want: []wantErr{invalid("spec.updates[0].component").saying(`"bios", "bmc", or a NIC's name prefixed with "nic:"`)}},
		{name: "component names are case sensitive, as in Metal3", updates: []baremetal.FirmwareUpdate{update("BIOS", "https://fw.example.com/x")},
			want: []wantErr{invalid("spec.updates[0].component")}},
		{name: "missing component and URL", updates: []baremetal.FirmwareUpdate{update("", "")},
			want: []wantErr{required("spec.updates[0].component"), required("spec.updates[0].url")}},
		{name: "URL that is not one", updates: []baremetal.FirmwareUpdate{update("bios", "abc")},
			want: []wantErr{invalid("spec.updates[0].url")}},
		{name: "URL scheme not allowed", updates: []baremetal.FirmwareUpdate{update("bios", "https://ok.example.com/a"), update("bmc", "unix://example.com")},
			want: []wantErr{invalid("spec.updates[1].url").saying(`scheme "unix" is not supported`)}},
		{name: "URL without a host", updates: []baremetal.FirmwareUpdate{update("bmc", "http:///bmc.bin")},
			want: []wantErr{invalid("spec.updates[0].url")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hfc := &baremetal.HostFirmwareComponents{
				ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
				Spec:       baremetal.HostFirmwareComponentsSpec{Updates: tc.updates},
			}
			checkErrors(t, ValidateHostFirmwareComponents(hfc), tc.want)
			old := hfc.DeepCopy()
			old.Spec.Updates = nil
			checkErrors(t, ValidateHostFirmwareComponentsUpdate(hfc, old), tc.want)
		})
	}
}

func TestValidateHostFirmwareComponentsStatusUpdate(t *testing.T) {
	now := metav1.Now()
	cases := []struct {
		name   string
		status baremetal.HostFirmwareComponentsStatus
		want   []wantErr
	}{
		{name: "empty"},
		{name: "as Metal3's controller writes it", status: baremetal.HostFirmwareComponentsStatus{
			Updates: []baremetal.FirmwareUpdate{{Component: "bmc", URL: "https://fw.example.com/bmc.bin"}},
			Components: []baremetal.FirmwareComponentStatus{
				{Component: "bios", InitialVersion: "1.0", CurrentVersion: "1.0"},
				{Component: "bmc", InitialVersion: "1.0", CurrentVersion: "2.0", LastVersionFlashed: "2.0", UpdatedAt: &now},
			},
			LastUpdated: &now,
			Conditions:  []metav1.Condition{{Type: "Valid", Status: metav1.ConditionTrue, Reason: "OK", LastTransitionTime: now}},
		}},
		{name: "component without name or initial version", status: baremetal.HostFirmwareComponentsStatus{
			Components: []baremetal.FirmwareComponentStatus{{CurrentVersion: "1.0"}}},
			want: []wantErr{required("status.components[0].component"), required("status.components[0].initialVersion")}},
		{name: "update without component or URL", status: baremetal.HostFirmwareComponentsStatus{
			Updates: []baremetal.FirmwareUpdate{{}}},
			want: []wantErr{required("status.updates[0].component"), required("status.updates[0].url")}},
		{name: "duplicate condition", status: baremetal.HostFirmwareComponentsStatus{Conditions: []metav1.Condition{
			{Type: "Valid", Status: metav1.ConditionTrue, Reason: "OK", LastTransitionTime: now},
			{Type: "Valid", Status: metav1.ConditionFalse, Reason: "InvalidComponent", LastTransitionTime: now},
		}}, want: []wantErr{duplicate("status.conditions[1]")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hfc := &baremetal.HostFirmwareComponents{
				ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
				// The spec is the status strategy's to keep; it is not judged here.
				Spec: baremetal.HostFirmwareComponentsSpec{Updates: []baremetal.FirmwareUpdate{{Component: "nonsense"}}},
			}
			old := hfc.DeepCopy()
			hfc.Status = tc.status
			checkErrors(t, ValidateHostFirmwareComponentsStatusUpdate(hfc, old), tc.want)
		})
	}
}

func TestNilFirmwareObjects(t *testing.T) {
	for name, errs := range map[string]field.ErrorList{
		"schema":            ValidateFirmwareSchema(nil),
		"schema update":     ValidateFirmwareSchemaUpdate(nil, testSchema()),
		"settings":          ValidateHostFirmwareSettings(nil, nil),
		"settings update":   ValidateHostFirmwareSettingsUpdate(testHFS(nil), nil, nil),
		"settings status":   ValidateHostFirmwareSettingsStatusUpdate(nil, testHFS(nil)),
		"components":        ValidateHostFirmwareComponents(nil),
		"components update": ValidateHostFirmwareComponentsUpdate(nil, nil),
		"components status": ValidateHostFirmwareComponentsStatusUpdate(nil, nil),
	} {
		if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal {
			t.Errorf("%s: got %v, want one internal error", name, errs)
		}
	}
}
