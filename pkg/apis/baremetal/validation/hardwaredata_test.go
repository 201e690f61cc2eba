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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// validHardwareData returns the inventory an inspection writes; each case breaks one rule.
func validHardwareData() *baremetal.HardwareData {
	return &baremetal.HardwareData{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
		Spec: baremetal.HardwareDataSpec{Hardware: &baremetal.HardwareDetails{
			RAMMebibytes: 16384,
			CPU:          baremetal.CPU{Arch: "x86_64", Count: 8},
			NICs: []baremetal.NIC{{Name: "eth0", MAC: "00:11:22:33:44:55", VLANID: 4094,
				VLANs: []baremetal.VLAN{{ID: 0}, {ID: 100, Name: "prov"}}}},
			Storage: []baremetal.Storage{{Name: "/dev/sda", Type: baremetal.DiskTypeSSD, SizeBytes: 1 << 40}, {Name: "/dev/sdb"}},
		}},
	}
}

func TestValidateHardwareData(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*baremetal.HardwareData)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*baremetal.HardwareData) {}},
		{name: "no inventory", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware = nil }},
		{name: "empty inventory", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware = &baremetal.HardwareDetails{} }},

		// metadata: a host's name
		{name: "name with upper case", mutate: func(hd *baremetal.HardwareData) { hd.Name = "Worker-0" },
			want: []wantErr{invalid("metadata.name")}},
		{name: "name is a UUID, which no host may have", mutate: func(hd *baremetal.HardwareData) { hd.Name = "6f1b2c4e-1d2a-4b3c-8d4e-5f6a7b8c9d0e" },
			want: []wantErr{invalid("metadata.name").saying("UUID")}},
		{name: "missing name", mutate: func(hd *baremetal.HardwareData) { hd.Name = "" },
			want: []wantErr{required("metadata.name")}},
		{name: "missing namespace", mutate: func(hd *baremetal.HardwareData) { hd.Namespace = "" },
			want: []wantErr{required("metadata.namespace")}},

		// spec.hardware: the CRD's schema
		{name: "unknown disk type", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.Storage[1].Type = "tape" },
			want: []wantErr{notSupported("spec.hardware.storage[1].type")}},
		{name: "disk type in lower case", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.Storage[0].Type = "ssd" },
			want: []wantErr{notSupported("spec.hardware.storage[0].type")}},
		{name: "NIC without MAC", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].MAC = "" }},
		{name: "MAC with dashes", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].MAC = "00-11-22-33-44-55" },
			want: []wantErr{invalid("spec.hardware.nics[0].mac")}},
		{name: "MAC too short", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].MAC = "00:11:22:33:44" },
			want: []wantErr{invalid("spec.hardware.nics[0].mac")}},
		{name: "MAC inside other text: the CRD's pattern is not anchored", mutate: func(hd *baremetal.HardwareData) {
			hd.Spec.Hardware.NICs[0].MAC = "mac 00:11:22:33:44:55"
		}},
		{name: "untagged VLAN above 4094", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].VLANID = 4095 },
			want: []wantErr{invalid("spec.hardware.nics[0].vlanId")}},
		{name: "negative untagged VLAN", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].VLANID = -1 },
			want: []wantErr{invalid("spec.hardware.nics[0].vlanId")}},
		{name: "VLAN above 4094", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].VLANs[1].ID = 5000 },
			want: []wantErr{invalid("spec.hardware.nics[0].vlans[1].id")}},
		{name: "a GPU", mutate: func(hd *baremetal.HardwareData) {
			hd.Spec.Hardware.GPUs = []baremetal.GPU{{Type: baremetal.AcceleratorTypeGPU, Vendor: "NVIDIA", MemoryMebibytes: 40960}, {}}
		}},
		{name: "unknown accelerator type, negative memory", mutate: func(hd *baremetal.HardwareData) {
			hd.Spec.Hardware.GPUs = []baremetal.GPU{{Type: "gpu", MemoryMebibytes: -1}}
		}, want: []wantErr{notSupported("spec.hardware.gpus[0].type"), invalid("spec.hardware.gpus[0].memoryMebibytes")}},
		{name: "several errors", mutate: func(hd *baremetal.HardwareData) {
			hd.Spec.Hardware.NICs = append(hd.Spec.Hardware.NICs, baremetal.NIC{MAC: "x", VLANs: []baremetal.VLAN{{ID: -2}}})
			hd.Spec.Hardware.Storage[0].Type = "floppy"
		}, want: []wantErr{invalid("spec.hardware.nics[1].mac"), invalid("spec.hardware.nics[1].vlans[0].id"), notSupported("spec.hardware.storage[0].type")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hd := validHardwareData()
			tc.mutate(hd)
			checkErrors(t, ValidateHardwareData(hd), tc.want)
		})
	}
}

func TestValidateHardwareDataUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*baremetal.HardwareData)
		want   []wantErr
	}{
		{name: "a new inventory", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.RAMMebibytes = 32768 }},
		{name: "inventory removed", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware = nil }},
		{name: "name changed", mutate: func(hd *baremetal.HardwareData) { hd.Name = "worker-1" },
			want: []wantErr{invalid("metadata.name")}},
		{name: "create rules are checked again", mutate: func(hd *baremetal.HardwareData) { hd.Spec.Hardware.NICs[0].VLANID = 9999 },
			want: []wantErr{invalid("spec.hardware.nics[0].vlanId")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := validHardwareData()
			hd := old.DeepCopy()
			tc.mutate(hd)
			checkErrors(t, ValidateHardwareDataUpdate(hd, old), tc.want)
		})
	}
	if errs := ValidateHardwareData(nil); len(errs) != 1 {
		t.Errorf("nil HardwareData: %v", errs)
	}
	if errs := ValidateHardwareDataUpdate(validHardwareData(), nil); len(errs) != 1 {
		t.Errorf("nil old HardwareData: %v", errs)
	}
}
