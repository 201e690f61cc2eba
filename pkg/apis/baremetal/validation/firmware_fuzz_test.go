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
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/install"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// FuzzValidateHostFirmwareSettings judges arbitrary settings by arbitrary schemas, both decoded
// from JSON as the server decodes them, through every entry point of the firmware kinds: any
// attribute type, bound, length and value (huge, negative, non-numeric, non-UTF-8) must give
// field errors with a path and a type, never a panic.
func FuzzValidateHostFirmwareSettings(f *testing.F) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	toJSON := func(in, out runtime.Object) []byte {
		if err := scheme.Convert(in, out, nil); err != nil {
			f.Fatal(err)
		}
		j, err := json.Marshal(out)
		if err != nil {
			f.Fatal(err)
		}
		return j
	}
	schema := toJSON(testSchema(), &v1alpha1.FirmwareSchema{})
	for _, settings := range []baremetal.DesiredSettingsMap{
		{"ProcTurboMode": str("Maybe"), "NumCores": num(300), "AssetTag": str("a-very-long-asset-tag")},
		{"NumCores": str("-9223372036854775809"), "QuietBoot": num(1), "SerialNumber": str("x"), "": str("")},
		{"AdminPassword": str("secret"), "SetupPin": num(0), "Unknown": str("\xff")},
	} {
		f.Add(toJSON(testHFS(settings), &v1alpha1.HostFirmwareSettings{}), schema)
	}
	f.Add([]byte(`{"spec":{"settings":{"NumCores":null}},"status":{"schema":{"namespace":"x"}}}`),
		[]byte(`{"spec":{"schema":{"NumCores":{"attribute_type":"Integer","lower_bound":5,"upper_bound":1}}}}`))

	f.Fuzz(func(t *testing.T, hfsJSON, schemaJSON []byte) {
		var inHFS v1alpha1.HostFirmwareSettings
		var inSchema v1alpha1.FirmwareSchema
		if json.Unmarshal(hfsJSON, &inHFS) != nil || json.Unmarshal(schemaJSON, &inSchema) != nil {
			return
		}
		hfs, s := &baremetal.HostFirmwareSettings{}, &baremetal.FirmwareSchema{}
		if scheme.Convert(&inHFS, hfs, nil) != nil || scheme.Convert(&inSchema, s, nil) != nil {
			return
		}
		hfs.Namespace, s.Namespace = testNamespace, testNamespace
		old := testHFS(nil)
		checkFieldErrors(t, "schema", ValidateFirmwareSchema(s))
		checkFieldErrors(t, "create", ValidateHostFirmwareSettings(hfs, s))
		checkFieldErrors(t, "create without schema", ValidateHostFirmwareSettings(hfs, nil))
		checkFieldErrors(t, "update", ValidateHostFirmwareSettingsUpdate(hfs, old, s))
		checkFieldErrors(t, "update from itself", ValidateHostFirmwareSettingsUpdate(hfs, hfs.DeepCopy(), s))
		checkFieldErrors(t, "status update", ValidateHostFirmwareSettingsStatusUpdate(hfs, old))
	})
}
