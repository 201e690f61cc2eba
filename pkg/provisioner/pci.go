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
	"fmt"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// PCI classes of GPUs and accelerators, shared by the backends so that the same device is a
// GPU whoever inspected it.

// AcceleratorClass says whether a PCI class (and subclass, -1 when unknown) is a GPU or
// another accelerator: display controllers (0x03) except the VGA built into BMCs, processing
// accelerators (0x12) and co-processors (0x0b40).
func AcceleratorClass(class, subclass, vendor int) (v1alpha1.AcceleratorType, bool) {
	switch {
	case class == 0x03:
		if bmcVGAVendors[vendor] {
			return "", false
		}
		return v1alpha1.AcceleratorTypeGPU, true
	case class == 0x12, class == 0x0b && subclass == 0x40:
		return v1alpha1.AcceleratorTypeOther, true
	}
	return "", false
}

// bmcVGAVendors make the VGA controllers built into BMCs (Matrox G200 on iLO and iDRAC,
// ASPEED on most others): a console, not a GPU.
var bmcVGAVendors = map[int]bool{0x102b: true, 0x1a03: true}

// pciVendors names the vendors of common GPUs and accelerators.
var pciVendors = map[int]string{
	0x10de: "NVIDIA", 0x1002: "AMD", 0x1022: "AMD", 0x8086: "Intel", 0x1172: "Intel",
	0x10ee: "AMD Xilinx", 0x1da3: "Habana Labs", 0x1e52: "Tenstorrent",
}

// PCIVendorName is the name of a PCI vendor id, "" when unknown.
func PCIVendorName(id int) string { return pciVendors[id] }

// PCIID renders a PCI id as 0x10de, "" for an unknown (negative) one.
func PCIID(id int) string {
	if id < 0 {
		return ""
	}
	return fmt.Sprintf("0x%04x", id)
}
