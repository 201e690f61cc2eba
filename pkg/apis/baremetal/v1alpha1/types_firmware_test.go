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
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestDesiredSettingsFromJSON decodes settings as the server does (its JSON serializer): a null
// value is no setting, never the number 0 IntOrString alone would make of it.
func TestDesiredSettingsFromJSON(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(s).UniversalDeserializer()
	for _, tc := range []struct {
		settings string
		want     DesiredSettingsMap
		invalid  bool
	}{
		{settings: `{"ProcTurboMode":"Enabled","NumCores":8,"AssetTag":""}`,
			want: DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled"), "NumCores": intstr.FromInt32(8), "AssetTag": intstr.FromString("")}},
		{settings: `{"NumCores":null,"ProcTurboMode":"Enabled"}`, want: DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled")}},
		{settings: `{"NumCores":0}`, want: DesiredSettingsMap{"NumCores": intstr.FromInt32(0)}},
		{settings: `{}`, want: DesiredSettingsMap{}},
		{settings: `null`},
		{settings: `{"NumCores":1.5}`, invalid: true},
		{settings: `{"NumCores":true}`, invalid: true},
		{settings: `["NumCores"]`, invalid: true},
	} {
		body := `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"HostFirmwareSettings","spec":{"settings":` + tc.settings + `}}`
		obj, _, err := decoder.Decode([]byte(body), nil, nil)
		if tc.invalid {
			if err == nil {
				t.Errorf("%s: decoded to %v", tc.settings, obj.(*HostFirmwareSettings).Spec.Settings)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.settings, err)
			continue
		}
		if got := obj.(*HostFirmwareSettings).Spec.Settings; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: decoded to %#v, want %#v", tc.settings, got, tc.want)
		}
	}
}

func TestPendingFirmwareChanges(t *testing.T) {
	four := intstr.FromInt32(4)
	on := intstr.FromString("Enabled")
	hfs := &HostFirmwareSettings{Spec: HostFirmwareSettingsSpec{Settings: DesiredSettingsMap{"BootDelay": four, "SecureBoot": on}}}
	if got := hfs.PendingSettings(); got != nil {
		t.Errorf("before a reading: %v, want none", got)
	}
	hfs.Status.Settings = SettingsMap{"BootDelay": "4", "SecureBoot": "Disabled"}
	if got := hfs.PendingSettings(); !reflect.DeepEqual(got, map[string]string{"SecureBoot": "Enabled"}) {
		t.Errorf("PendingSettings = %v", got)
	}
	read := &HostFirmwareSettings{Spec: hfs.Spec, Status: HostFirmwareSettingsStatus{LastUpdated: &metav1.Time{}}}
	if got := read.PendingSettings(); len(got) != 2 {
		t.Errorf("after a reading that found no settings: %v, want both", got)
	}
	var none *HostFirmwareSettings
	if none.PendingSettings() != nil {
		t.Error("nil settings have pending changes")
	}

	bios1 := FirmwareUpdate{Component: "bios", URL: "http://x/bios-1.bin"}
	bios2 := FirmwareUpdate{Component: "bios", URL: "http://x/bios-2.bin"}
	bmc := FirmwareUpdate{Component: "bmc", URL: "http://x/bmc.bin"}
	hfc := &HostFirmwareComponents{
		Spec:   HostFirmwareComponentsSpec{Updates: []FirmwareUpdate{bios2, bmc}},
		Status: HostFirmwareComponentsStatus{Updates: []FirmwareUpdate{bios1, bmc}},
	}
	if got := hfc.PendingUpdates(); !reflect.DeepEqual(got, []FirmwareUpdate{bios2}) {
		t.Errorf("PendingUpdates = %v", got)
	}
	hfc.Status.Updates = hfc.Spec.Updates
	if got := hfc.PendingUpdates(); got != nil {
		t.Errorf("after applying: %v", got)
	}
}
