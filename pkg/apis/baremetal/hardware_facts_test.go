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
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func inventory() *HardwareDetails {
	return &HardwareDetails{
		SystemVendor: HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R750 (SKU=090F;ModelName=PowerEdge R750)"},
		Firmware:     Firmware{BIOS: BIOS{Version: "1.8.2"}},
		RAMMebibytes: 262144 + 512,
		NICs:         []NIC{{Name: "eno1"}, {Name: "eno2"}},
		Storage:      []Storage{{Name: "/dev/sda"}},
		CPU:          CPU{Arch: "x86_64", Model: "Intel(R) Xeon(R) Gold 6338", Count: 128},
	}
}

func TestFactsOf(t *testing.T) {
	want := map[string]string{
		"cpu.arch": "x86_64", "cpu.model": "Intel(R) Xeon(R) Gold 6338", "cpu.count": "128", "ramGiB": "256",
		"vendor": "Dell Inc.", "model": "PowerEdge R750 (SKU=090F;ModelName=PowerEdge R750)", "firmware.version": "1.8.2",
		"nic.count": "2", "disk.count": "1", "gpu.count": "0", "gpu.model": "",
	}
	if got := FactsOf(inventory()); !reflect.DeepEqual(got, want) {
		t.Errorf("facts\n got %v\nwant %v", got, want)
	}
	for fact, v := range FactsOf(nil) {
		if v != "" {
			t.Errorf("a host not inspected has %s=%q", fact, v)
		}
	}
	if len(FactsOf(nil)) != len(HardwareFacts) {
		t.Errorf("not every fact present for a host not inspected")
	}

	// GPUs: accelerators of type GPU counted, their distinct models listed; an FPGA is not one.
	a100 := GPU{Type: AcceleratorTypeGPU, Vendor: "NVIDIA", Model: "A100-SXM4-40GB"}
	hw := inventory()
	hw.GPUs = []GPU{a100, a100, {Type: AcceleratorTypeFPGA, Model: "Stratix 10"}, {Type: AcceleratorTypeGPU, Model: "T4"}}
	if f := FactsOf(hw); f["gpu.count"] != "3" || f["gpu.model"] != "A100-SXM4-40GB,T4" {
		t.Errorf("GPU facts %s, %q", f["gpu.count"], f["gpu.model"])
	}
}

func TestHardwareLabels(t *testing.T) {
	got := HardwareLabels(inventory())
	want := map[string]string{
		"hardware.baremetal.metal3.io/cpu-arch": "x86_64", "hardware.baremetal.metal3.io/cpu-model": "Intel-R--Xeon-R--Gold-6338",
		"hardware.baremetal.metal3.io/cpu-count": "128", "hardware.baremetal.metal3.io/ramGiB": "256",
		"hardware.baremetal.metal3.io/vendor": "Dell-Inc", "hardware.baremetal.metal3.io/model": "PowerEdge-R750--SKU-090F-ModelName-PowerEdge-R750",
		"hardware.baremetal.metal3.io/firmware-version": "1.8.2", "hardware.baremetal.metal3.io/nic-count": "2",
		"hardware.baremetal.metal3.io/disk-count": "1", "hardware.baremetal.metal3.io/gpu-count": "0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("labels\n got %v\nwant %v", got, want)
	}
	for k, v := range got {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			t.Errorf("key %q: %v", k, errs)
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("value %q: %v", v, errs)
		}
	}
	if HardwareLabels(nil) != nil {
		t.Error("labels for a host not inspected")
	}
}

func TestHardwareLabelValue(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"...":       "",
		"Dell Inc.": "Dell-Inc",
		"  HPE ":    "HPE",
		"x86_64":    "x86_64",
		"é1":        "1",
		string(make([]byte, 0)) + "a" + string(repeat('b', 80)): "a" + string(repeat('b', 62)),
	} {
		if got := HardwareLabelValue(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestSetHardwareLabels(t *testing.T) {
	user := map[string]string{"rack": "b", "hardware.baremetal.metal3.io/cpu-count": "9999"}
	got := SetHardwareLabels(user, &HardwareDetails{CPU: CPU{Arch: "aarch64", Count: 80}})
	want := map[string]string{"rack": "b", "hardware.baremetal.metal3.io/cpu-arch": "aarch64",
		"hardware.baremetal.metal3.io/cpu-count": "80", "hardware.baremetal.metal3.io/ramGiB": "0",
		"hardware.baremetal.metal3.io/nic-count": "0", "hardware.baremetal.metal3.io/disk-count": "0",
		"hardware.baremetal.metal3.io/gpu-count": "0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if got := SetHardwareLabels(user, nil); !reflect.DeepEqual(got, map[string]string{"rack": "b"}) {
		t.Errorf("a label claiming hardware on a host not inspected kept: %v", got)
	}
	if got := SetHardwareLabels(nil, nil); got != nil {
		t.Errorf("labels out of nothing: %v", got)
	}
}
