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
	"fmt"
	"strconv"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// gpus lists the GPUs and other accelerators. The same card may be described in several
// places (a GPU Processor, a PCIe device, a vendor's PCI list) with nothing linking them, so
// the first place that has any is taken: the standard Processors (GPU, Accelerator, FPGA),
// then the PCIe functions of the system's and its chassis' PCIe devices by device class, then
// vendor paths (HPE iLO's PCIDevices, where iLO 5 lists its GPUs).
func (in *inspection) gpus(procs []*schemas.Processor) ([]v1alpha1.GPU, error) {
	var out []v1alpha1.GPU
	for _, p := range procs {
		var typ v1alpha1.AcceleratorType
		switch p.ProcessorType {
		case schemas.GPUProcessorType:
			typ = v1alpha1.AcceleratorTypeGPU
		case schemas.FPGAProcessorType:
			typ = v1alpha1.AcceleratorTypeFPGA
		case schemas.AcceleratorProcessorType:
			typ = v1alpha1.AcceleratorTypeOther
		default:
			continue
		}
		if absent(p.Status) {
			continue
		}
		g := v1alpha1.GPU{Type: typ, Vendor: vendorName(-1, p.Manufacturer), Model: strings.TrimSpace(p.Model)}
		mib := gofish.Deref(p.MemorySummary.TotalMemorySizeMiB)
		if mib == 0 {
			for _, m := range p.ProcessorMemory {
				mib += gofish.Deref(m.CapacityMiB)
			}
		}
		g.MemoryMebibytes = int32(mib)
		out = append(out, g)
	}
	if len(out) > 0 {
		return out, nil
	}
	out, err := in.pcieAccelerators()
	if err != nil || len(out) > 0 {
		return out, err
	}
	return in.hpePCIDevices()
}

// pcieAccelerators reads the PCIe devices the system links to and those of its chassis.
func (in *inspection) pcieAccelerators() ([]v1alpha1.GPU, error) {
	devices, err := in.sys.PCIeDevices()
	if err := in.partial("PCIe devices", "", err); err != nil {
		return nil, err
	}
	chassis, err := in.systemChassis()
	if err != nil {
		return nil, err
	}
	for _, ch := range chassis {
		more, err := ch.PCIeDevices()
		if err := in.partial("chassis "+ch.ID+" PCIe devices", ch.ODataID+"/PCIeDevices", err); err != nil {
			return nil, err
		}
		devices = append(devices, more...)
	}
	var out []v1alpha1.GPU
	seen := map[string]bool{}
	for _, dev := range devices {
		key := strings.TrimSuffix(dev.ODataID, "/")
		if seen[key] {
			continue
		}
		seen[key] = true
		fns, err := dev.PCIeFunctions()
		if err := in.partial("PCIe device "+dev.ID, "", err); err != nil {
			return nil, err
		}
		for _, fn := range fns {
			class, sub := classOf(fn)
			typ, ok := provisioner.AcceleratorClass(class, sub, pciID(fn.VendorID))
			if !ok {
				continue
			}
			model := strings.TrimSpace(dev.Model)
			if model == "" {
				model = strings.TrimSpace(dev.Name)
			}
			out = append(out, v1alpha1.GPU{
				Type: typ, Vendor: vendorName(pciID(fn.VendorID), dev.Manufacturer), Model: model,
				VendorID: provisioner.PCIID(pciID(fn.VendorID)), DeviceID: provisioner.PCIID(pciID(fn.DeviceID)),
			})
			break // one entry per device, whatever its functions
		}
	}
	return out, nil
}

// classOf is a PCIe function's class and subclass: from ClassCode (0x030200, or HPE's
// decimal "3" for the class alone) or, failing that, its DeviceClass.
func classOf(fn *schemas.PCIeFunction) (class, sub int) {
	cc := strings.TrimSpace(fn.ClassCode)
	switch {
	case strings.HasPrefix(strings.ToLower(cc), "0x"):
		if v, err := strconv.ParseUint(cc[2:], 16, 32); err == nil {
			return int(v >> 16), int(v>>8) & 0xff
		}
	case cc != "":
		if v, err := strconv.Atoi(cc); err == nil {
			return v, -1
		}
	}
	switch fn.DeviceClass {
	case schemas.DisplayControllerDeviceClass:
		return 0x03, -1
	case schemas.ProcessingAcceleratorsDeviceClass:
		return 0x12, -1
	case schemas.CoprocessorDeviceClass:
		return 0x0b, 0x40
	}
	return -1, -1
}

func vendorName(id int, manufacturer string) string {
	if n := provisioner.PCIVendorName(id); n != "" {
		return n
	}
	// BMCs spell the vendor as they like ("Nvidia(R) Corporation", "Intel(R) Corporation",
	// "Advanced Micro Devices, Inc."): the usual names, so that equal devices read alike.
	m := strings.TrimSpace(manufacturer)
	switch l := strings.ToLower(m); {
	case strings.HasPrefix(l, "nvidia"):
		return "NVIDIA"
	case strings.HasPrefix(l, "intel"):
		return "Intel"
	case strings.HasPrefix(l, "advanced micro devices"), strings.HasPrefix(l, "amd"):
		return "AMD"
	}
	return m
}

// pciID parses a PCI ID as BMCs spell it: "0x10de", or decimal ("4318", HPE).
func pciID(s string) int {
	s = strings.TrimSpace(s)
	var v uint64
	var err error
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		v, err = strconv.ParseUint(s[2:], 16, 16)
	} else {
		v, err = strconv.ParseUint(s, 10, 16)
	}
	if err != nil {
		return -1
	}
	return int(v)
}

// hpeOEMLink is a link of HPE's system OEM section (Oem.Hpe.Links), "" on other BMCs.
func (in *inspection) hpeOEMLink(name string) string {
	var oem struct {
		Hpe struct {
			Links map[string]struct {
				ID string `json:"@odata.id"`
			}
		}
	}
	if len(in.sys.OEM) == 0 || json.Unmarshal(in.sys.OEM, &oem) != nil {
		return ""
	}
	return oem.Hpe.Links[name].ID
}

type odataLink struct {
	ID string `json:"@odata.id"`
}

type odataCollection struct {
	Members []odataLink
}

// hpePCIDevices reads iLO's PCI device list (HpeServerPciDevice), where iLO 5 lists GPUs
// its standard PCIeDevices collection leaves out.
func (in *inspection) hpePCIDevices() ([]v1alpha1.GPU, error) {
	uri := in.hpeOEMLink("PCIDevices")
	if uri == "" {
		return nil, nil
	}
	var coll odataCollection
	if err := in.partial("HPE PCI devices", uri, getJSON(in.c, uri, &coll)); err != nil {
		return nil, err
	}
	var out []v1alpha1.GPU
	for _, m := range coll.Members {
		var dev struct {
			Name                                                   string
			ClassCode, SubclassCode, VendorID, DeviceID            int
			SegmentNumber, BusNumber, DeviceNumber, FunctionNumber int
		}
		err := getJSON(in.c, m.ID, &dev)
		if err != nil {
			if err := in.partial("HPE PCI devices", "", fmt.Errorf("%s: %w", m.ID, err)); err != nil {
				return nil, err
			}
			continue
		}
		typ, ok := provisioner.AcceleratorClass(dev.ClassCode, dev.SubclassCode, dev.VendorID)
		if !ok {
			continue
		}
		out = append(out, v1alpha1.GPU{
			Type: typ, Vendor: vendorName(dev.VendorID, ""), Model: strings.TrimSpace(dev.Name),
			PCIAddress: fmt.Sprintf("%04x:%02x:%02x.%x", dev.SegmentNumber, dev.BusNumber, dev.DeviceNumber, dev.FunctionNumber),
			VendorID:   provisioner.PCIID(dev.VendorID), DeviceID: provisioner.PCIID(dev.DeviceID),
		})
	}
	return out, nil
}

// hpeSmartStorage reads the drives of iLO's SmartStorage array controllers, where iLO 5
// lists drives behind a Smart Array its Storage collection may leave out.
func (in *inspection) hpeSmartStorage() ([]v1alpha1.Storage, error) {
	uri := in.hpeOEMLink("SmartStorage")
	if uri == "" {
		return nil, nil
	}
	var smart struct {
		Links struct{ ArrayControllers odataLink }
	}
	if err := in.partial("HPE SmartStorage", uri, getJSON(in.c, uri, &smart)); err != nil || smart.Links.ArrayControllers.ID == "" {
		return nil, err
	}
	var ctrls odataCollection
	if err := in.partial("HPE SmartStorage", smart.Links.ArrayControllers.ID, getJSON(in.c, smart.Links.ArrayControllers.ID, &ctrls)); err != nil {
		return nil, err
	}
	var disks []v1alpha1.Storage
	for _, cl := range ctrls.Members {
		var ctrl struct {
			Links struct{ PhysicalDrives odataLink }
		}
		var drives odataCollection
		err := getJSON(in.c, cl.ID, &ctrl)
		if err == nil && ctrl.Links.PhysicalDrives.ID != "" {
			err = getJSON(in.c, ctrl.Links.PhysicalDrives.ID, &drives)
		}
		if err != nil {
			if err := in.partial("HPE SmartStorage", cl.ID, err); err != nil {
				return nil, err
			}
			continue
		}
		for _, dl := range drives.Members {
			var d struct {
				ID                                       string `json:"Id"`
				Location, Model, SerialNumber, MediaType string
				InterfaceType                            string
				CapacityMiB                              int64
				CapacityLogicalBlocks, BlockSizeBytes    int64
				RotationalSpeedRpm                       int
			}
			if err := getJSON(in.c, dl.ID, &d); err != nil {
				if err := in.partial("HPE SmartStorage", dl.ID, err); err != nil {
					return nil, err
				}
				continue
			}
			size := d.CapacityLogicalBlocks * d.BlockSizeBytes
			if size == 0 {
				size = d.CapacityMiB << 20
			}
			if size == 0 {
				continue
			}
			name := d.Location
			if name == "" {
				name = d.ID
			}
			rot := d.MediaType == "HDD" || d.RotationalSpeedRpm > 0
			disks = append(disks, v1alpha1.Storage{
				Name: name, SizeBytes: size, Model: strings.TrimSpace(d.Model), SerialNumber: strings.TrimSpace(d.SerialNumber),
				Rotational: rot, Type: diskType(strings.Replace(d.InterfaceType, "NVME", "NVMe", 1), d.MediaType, rot),
			})
		}
	}
	return disks, nil
}
