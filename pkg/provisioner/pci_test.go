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
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func TestAcceleratorClass(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		class, subclass, vendor int
		want                    v1alpha1.AcceleratorType
	}{
		{"NVIDIA 3D controller", 0x03, 0x02, 0x10de, v1alpha1.AcceleratorTypeGPU},
		{"AMD VGA", 0x03, 0x00, 0x1002, v1alpha1.AcceleratorTypeGPU},
		{"display class only (HPE's ClassCode)", 0x03, -1, 0x10de, v1alpha1.AcceleratorTypeGPU},
		{"iLO's Matrox VGA", 0x03, 0x00, 0x102b, ""},
		{"ASPEED BMC VGA", 0x03, 0x00, 0x1a03, ""},
		{"processing accelerator", 0x12, 0x00, 0x1da3, v1alpha1.AcceleratorTypeOther},
		{"co-processor", 0x0b, 0x40, 0x8086, v1alpha1.AcceleratorTypeOther},
		{"processor (not a co-processor)", 0x0b, 0x00, 0x8086, ""},
		{"NVSwitch bridge", 0x06, 0x80, 0x10de, ""},
		{"NIC", 0x02, 0x00, 0x15b3, ""},
	} {
		got, ok := AcceleratorClass(tc.class, tc.subclass, tc.vendor)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
	if PCIID(0x10de) != "0x10de" || PCIID(-1) != "" || PCIVendorName(0x10de) != "NVIDIA" || PCIVendorName(0x1234) != "" {
		t.Error("PCIID or PCIVendorName")
	}
}
