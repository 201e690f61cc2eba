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

import "fmt"

// The hardware resources are read-only renderings of the inventory.

// hardwareRoute resolves Processors, Memory, EthernetInterfaces and
// SimpleStorage (segs[0]) and their members.
func (s *System) hardwareRoute(segs []string) (route, bool) {
	kind := segs[0]
	base := s.path + "/" + kind
	var ids []string
	var render func(i int) obj
	var collType, collName string
	switch kind {
	case "Processors":
		collType, collName = "ProcessorCollection", "Processors Collection"
		for _, p := range s.inv.Processors {
			ids = append(ids, p.ID)
		}
		render = s.processorObject
	case "Memory":
		collType, collName = "MemoryCollection", "Memory Collection"
		for _, d := range s.inv.Memory {
			ids = append(ids, d.ID)
		}
		render = s.memoryObject
	case "EthernetInterfaces":
		collType, collName = "EthernetInterfaceCollection", "Ethernet Interface Collection"
		for _, n := range s.inv.NICs {
			ids = append(ids, n.ID)
		}
		render = s.nicObject
	case "SimpleStorage":
		collType, collName = "SimpleStorageCollection", "Simple Storage Collection"
		ids = []string{"1"}
		render = func(int) obj { return s.simpleStorageObject() }
	}
	switch len(segs) {
	case 1:
		members := make([]string, len(ids))
		for i, id := range ids {
			members[i] = base + "/" + id
		}
		return route{sys: s, get: func(c *call) { c.resource(collection(base, collType, collName, members)) }}, true
	case 2:
		for i, id := range ids {
			if id == segs[1] {
				return route{sys: s, get: func(c *call) { c.resource(render(i)) }}, true
			}
		}
	}
	return route{}, false
}

func (s *System) processorObject(i int) obj {
	p := s.inv.Processors[i]
	return obj{
		"@odata.id":             s.path + "/Processors/" + p.ID,
		"@odata.type":           "#Processor.v1_11_0.Processor",
		"Id":                    p.ID,
		"Name":                  "Processor " + p.Socket,
		"Socket":                p.Socket,
		"ProcessorType":         "CPU",
		"ProcessorArchitecture": p.Architecture,
		"InstructionSet":        p.InstructionSet,
		"Manufacturer":          p.Manufacturer,
		"Model":                 p.Model,
		"MaxSpeedMHz":           p.MaxSpeedMHz,
		"TotalCores":            p.Cores,
		"TotalEnabledCores":     p.Cores,
		"TotalThreads":          p.Threads,
		"ProcessorId": obj{
			"VendorId":        p.VendorID,
			"EffectiveFamily": p.EffectiveFamily,
			"EffectiveModel":  p.EffectiveModel,
			"Step":            "0x6",
		},
		"Status": statusOK(),
	}
}

func (s *System) memoryObject(i int) obj {
	d := s.inv.Memory[i]
	return obj{
		"@odata.id":         s.path + "/Memory/" + d.ID,
		"@odata.type":       "#Memory.v1_14_0.Memory",
		"Id":                d.ID,
		"Name":              "DIMM " + d.Locator,
		"DeviceLocator":     d.Locator,
		"MemoryType":        "DRAM",
		"MemoryDeviceType":  d.DeviceType,
		"BaseModuleType":    "RDIMM",
		"CapacityMiB":       d.CapacityMiB,
		"OperatingSpeedMhz": d.SpeedMHz,
		"AllowedSpeedsMHz":  []int{d.SpeedMHz},
		"Manufacturer":      d.Manufacturer,
		"PartNumber":        d.PartNumber,
		"SerialNumber":      d.SerialNumber,
		"ErrorCorrection":   "MultiBitECC",
		"DataWidthBits":     64,
		"BusWidthBits":      72,
		"RankCount":         2,
		"MemoryLocation":    obj{"Socket": d.Socket, "Channel": d.Channel, "Slot": d.Slot},
		"Status":            statusOK(),
	}
}

func (s *System) nicObject(i int) obj {
	n := s.inv.NICs[i]
	return obj{
		"@odata.id":           s.path + "/EthernetInterfaces/" + n.ID,
		"@odata.type":         "#EthernetInterface.v1_8_0.EthernetInterface",
		"Id":                  n.ID,
		"Name":                n.Name,
		"Description":         n.Manufacturer + " " + n.Model,
		"MACAddress":          n.MAC,
		"PermanentMACAddress": n.MAC,
		"SpeedMbps":           n.SpeedMbps,
		"MTUSize":             1500,
		"FullDuplex":          true,
		"AutoNeg":             true,
		"InterfaceEnabled":    true,
		"LinkStatus":          "LinkUp",
		"IPv4Addresses":       []obj{},
		"IPv6Addresses":       []obj{},
		"Status":              statusOK(),
	}
}

func (s *System) simpleStorageObject() obj {
	devices := make([]obj, 0, len(s.inv.Disks))
	for _, d := range s.inv.Disks {
		devices = append(devices, obj{
			"Name":          d.Name,
			"Manufacturer":  d.Manufacturer,
			"Model":         d.Model,
			"CapacityBytes": d.CapacityBytes,
			"Status":        statusOK(),
		})
	}
	return obj{
		"@odata.id":      s.path + "/SimpleStorage/1",
		"@odata.type":    "#SimpleStorage.v1_3_0.SimpleStorage",
		"Id":             "1",
		"Name":           s.inv.Controller.Name,
		"Description":    "Simple view of the storage controller",
		"UefiDevicePath": "PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)",
		"Devices":        devices,
		"Links":          obj{"Chassis": link(s.chassisPath()), "Storage": link(s.path + "/Storage/1")},
		"Status":         statusOK(),
	}
}

// storageRoute resolves the segments below Systems/{id}/Storage. There is
// one storage subsystem, "1", with every drive and no volumes (JBOD).
func (s *System) storageRoute(segs []string) (route, bool) {
	base := s.path + "/Storage"
	n := len(segs)
	switch {
	case n == 0:
		return route{sys: s, get: func(c *call) {
			c.resource(collection(base, "StorageCollection", "Storage Collection", []string{base + "/1"}))
		}}, true
	case segs[0] != "1":
		return route{}, false
	case n == 1:
		return route{sys: s, get: func(c *call) { c.resource(s.locked(s.storageObject)) }}, true
	case n == 2 && segs[1] == "Volumes":
		return route{sys: s, get: func(c *call) {
			c.resource(collection(base+"/1/Volumes", "VolumeCollection", "Volume Collection", nil))
		}}, true
	case n == 3 && segs[1] == "Drives":
		for i, d := range s.inv.Disks {
			if d.ID == segs[2] {
				return route{sys: s, get: func(c *call) { c.resource(s.driveObject(i)) }}, true
			}
		}
	}
	return route{}, false
}

func (s *System) storageObject() obj {
	p := s.path + "/Storage/1"
	var drives []string
	for _, d := range s.inv.Disks {
		drives = append(drives, p+"/Drives/"+d.ID)
	}
	ctl := s.inv.Controller
	return obj{
		"@odata.id":   p,
		"@odata.type": "#Storage.v1_10_1.Storage",
		"Id":          "1",
		"Name":        ctl.Name,
		"StorageControllers": []obj{{
			"@odata.id":                    p + "#/StorageControllers/0",
			"MemberId":                     "0",
			"Name":                         ctl.Name,
			"Manufacturer":                 ctl.Manufacturer,
			"Model":                        ctl.Model,
			"FirmwareVersion":              s.firmwareVersion("Storage"),
			"SerialNumber":                 ctl.SerialNumber,
			"SpeedGbps":                    ctl.SpeedGbps,
			"SupportedControllerProtocols": []string{"PCIe"},
			"SupportedDeviceProtocols":     []string{"SAS", "SATA", "NVMe"},
			"SupportedRAIDTypes":           []string{"RAID0", "RAID1", "RAID10", "RAID5"},
			"Status":                       statusOK(),
		}},
		"StorageControllers@odata.count": 1,
		"Drives":                         links(drives...),
		"Drives@odata.count":             len(drives),
		"Volumes":                        link(p + "/Volumes"),
		"Links":                          obj{"Enclosures": links(s.chassisPath())},
		"Status":                         statusOK(),
	}
}

func (s *System) driveObject(i int) obj {
	d := s.inv.Disks[i]
	o := obj{
		"@odata.id":       s.path + "/Storage/1/Drives/" + d.ID,
		"@odata.type":     "#Drive.v1_13_0.Drive",
		"Id":              d.ID,
		"Name":            d.Name,
		"Manufacturer":    d.Manufacturer,
		"Model":           d.Model,
		"SerialNumber":    d.SerialNumber,
		"Revision":        d.Revision,
		"MediaType":       d.MediaType,
		"Protocol":        d.Protocol,
		"CapacityBytes":   d.CapacityBytes,
		"BlockSizeBytes":  512,
		"CapableSpeedGbs": 12,
		"IndicatorLED":    "Off",
		"PhysicalLocation": obj{"PartLocation": obj{
			"LocationType": "Bay", "LocationOrdinalValue": i, "ServiceLabel": fmt.Sprintf("Bay %d", i)}},
		"Status": statusOK(),
	}
	if d.RotationSpeedRPM > 0 {
		o["RotationSpeedRPM"] = d.RotationSpeedRPM
	}
	return o
}
