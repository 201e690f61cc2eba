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

package ironic

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// inventoryJSON is GET /v1/nodes/{node}/inventory as Ironic returns it after agent
// inspection (trimmed from a real answer).
const inventoryJSON = `{
  "inventory": {
    "bmc_address": "192.0.2.100",
    "hostname": "worker-0.example.com",
    "cpu": {"model_name": "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", "frequency": "2100.0004",
            "count": 80, "architecture": "x86_64", "flags": ["vmx", "aes", "avx2"]},
    "memory": {"total": 202631888896, "physical_mb": 196608},
    "interfaces": [
      {"name": "eno1", "mac_address": "3c:fd:fe:aa:bb:01", "ipv4_address": "192.0.2.21",
       "ipv6_address": "2001:db8::21", "has_carrier": true, "vendor": "0x8086", "product": "0x1572",
       "speed_mbps": 25000, "pci_address": "0000:18:00.0"},
      {"name": "eno2", "mac_address": "3c:fd:fe:aa:bb:02", "ipv4_address": null, "ipv6_address": null,
       "vendor": "0x8086", "product": "", "speed_mbps": 0}
    ],
    "disks": [
      {"name": "/dev/sda", "model": "PERC H740P", "size": 479559942144, "rotational": true,
       "wwn": "0x61866da0", "serial": "SN-A", "vendor": "DELL", "wwn_with_extension": "0x61866da0ext",
       "wwn_vendor_extension": "0xext", "hctl": "0:2:0:0", "by_path": "/dev/disk/by-path/pci-0000:3b:00.0-scsi-0:2:0:0"},
      {"name": "/dev/nvme0n1", "model": "Samsung PM1733", "size": 1920383410176, "rotational": false, "serial": "SN-B"},
      {"name": "/dev/sdb", "model": "SSD", "size": 240057409536, "rotational": false}
    ],
    "system_vendor": {"product_name": "PowerEdge R640", "serial_number": "ABC1234", "manufacturer": "Dell Inc.",
                      "firmware": {"vendor": "Dell Inc.", "version": "2.11.2", "build_date": "2021-06-04"}},
    "boot": {"current_boot_mode": "uefi", "pxe_interface": "3c:fd:fe:aa:bb:01"}
  },
  "plugin_data": {
    "all_interfaces": {"eno1": {"pxe_enabled": true, "mac_address": "3c:fd:fe:aa:bb:01"},
                       "eno2": {"pxe_enabled": false, "mac_address": "3c:fd:fe:aa:bb:02"}},
    "parsed_lldp": {"eno1": {"switch_chassis_id": "64:64:9b:31:12:00", "switch_port_id": "ge-0/0/12",
                             "switch_system_name": "tor-1", "switch_port_untagged_vlan_id": 100,
                             "switch_port_vlans": [{"id": 100, "name": "prov"}, {"id": 200, "name": "data"}]}}
  }
}`

func TestDetailsFromInventory(t *testing.T) {
	var r nodes.InventoryResult
	if err := json.Unmarshal([]byte(inventoryJSON), &r.Body); err != nil {
		t.Fatal(err)
	}
	data, err := r.Extract()
	if err != nil {
		t.Fatal(err)
	}
	got := detailsFromInventory(data)

	lldp := &v1alpha1.LLDP{SwitchID: "64:64:9b:31:12:00", PortID: "ge-0/0/12", SwitchSystemName: "tor-1"}
	vlans := []v1alpha1.VLAN{{ID: 100, Name: "prov"}, {ID: 200, Name: "data"}}
	eno1 := v1alpha1.NIC{Name: "eno1", Model: "0x8086 0x1572", MAC: "3c:fd:fe:aa:bb:01", SpeedGbps: 25,
		VLANs: vlans, VLANID: 100, PXE: true, LLDP: lldp, PCIAddress: "0000:18:00.0"}
	eno1v4, eno1v6 := eno1, eno1
	eno1v4.IP, eno1v6.IP = "192.0.2.21", "2001:db8::21"
	want := &v1alpha1.HardwareDetails{
		SystemVendor: v1alpha1.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R640", SerialNumber: "ABC1234"},
		Firmware:     v1alpha1.Firmware{BIOS: v1alpha1.BIOS{Vendor: "Dell Inc.", Version: "2.11.2", Date: "2021-06-04"}},
		RAMMebibytes: 196608,
		NICs: []v1alpha1.NIC{
			eno1v4, eno1v6,
			{Name: "eno2", Model: "0x8086", MAC: "3c:fd:fe:aa:bb:02"},
		},
		Storage: []v1alpha1.Storage{
			{Name: "/dev/disk/by-path/pci-0000:3b:00.0-scsi-0:2:0:0",
				AlternateNames: []string{"/dev/sda", "/dev/disk/by-path/pci-0000:3b:00.0-scsi-0:2:0:0"},
				Rotational:     true, Type: v1alpha1.DiskTypeHDD, SizeBytes: 479559942144, Vendor: "DELL", Model: "PERC H740P",
				SerialNumber: "SN-A", WWN: "0x61866da0", WWNVendorExtension: "0xext", WWNWithExtension: "0x61866da0ext", HCTL: "0:2:0:0"},
			{Name: "/dev/nvme0n1", AlternateNames: []string{"/dev/nvme0n1"}, Type: v1alpha1.DiskTypeNVME,
				SizeBytes: 1920383410176, Model: "Samsung PM1733", SerialNumber: "SN-B"},
			{Name: "/dev/sdb", AlternateNames: []string{"/dev/sdb"}, Type: v1alpha1.DiskTypeSSD, SizeBytes: 240057409536, Model: "SSD"},
		},
		CPU: v1alpha1.CPU{Arch: "x86_64", Model: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", ClockMegahertz: 2100,
			Flags: []string{"aes", "avx2", "vmx"}, Count: 80},
		Hostname: "worker-0.example.com",
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", "  ")
		wj, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("detailsFromInventory:\n%s\nwant:\n%s", gj, wj)
	}
}

// TestGPUsFromPluginData: IPA's pci-devices collector lists every PCI function; the GPUs and
// accelerators are found by class, the BMC's VGA and other devices left out.
func TestGPUsFromPluginData(t *testing.T) {
	for _, tc := range []struct {
		name, plugin string
		want         []v1alpha1.GPU
	}{
		{name: "no plugin data", plugin: `null`},
		{name: "no pci-devices collector", plugin: `{"all_interfaces": {}}`},
		{name: "an HGX node as the agent lists it", plugin: `{"pci_devices": [
			{"vendor_id": "102b", "product_id": "0538", "class": "030000", "revision": "02", "bus": "0000:c1:00.1"},
			{"vendor_id": "10de", "product_id": "20b0", "class": "030200", "revision": "a1", "bus": "0000:05:00.0"},
			{"vendor_id": "10de", "product_id": "1af1", "class": "068000", "revision": "a1", "bus": "0000:a5:00.0"},
			{"vendor_id": "15b3", "product_id": "1017", "class": "020000", "revision": null, "bus": "0000:45:00.0"},
			{"vendor_id": "1da3", "product_id": "1020", "class": "120000", "revision": "01", "bus": "0000:c6:00.0"},
			{"vendor_id": "8086", "product_id": "0b30", "class": "0b4000", "bus": "0000:80:00.0"},
			{"vendor_id": "10de", "product_id": "20b0", "class": "bogus", "bus": "0000:09:00.0"}
		]}`, want: []v1alpha1.GPU{
			{Type: v1alpha1.AcceleratorTypeGPU, Vendor: "NVIDIA", PCIAddress: "0000:05:00.0", VendorID: "0x10de", DeviceID: "0x20b0"},
			{Type: v1alpha1.AcceleratorTypeOther, Vendor: "Habana Labs", PCIAddress: "0000:c6:00.0", VendorID: "0x1da3", DeviceID: "0x1020"},
			{Type: v1alpha1.AcceleratorTypeOther, Vendor: "Intel", PCIAddress: "0000:80:00.0", VendorID: "0x8086", DeviceID: "0x0b30"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r nodes.InventoryResult
			if err := json.Unmarshal([]byte(`{"inventory": {"cpu": {"count": 2}}, "plugin_data": `+tc.plugin+`}`), &r.Body); err != nil {
				t.Fatal(err)
			}
			data, err := r.Extract()
			if err != nil {
				t.Fatal(err)
			}
			if got := detailsFromInventory(data).GPUs; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GPUs %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDetailsFromInventoryWithoutPluginData(t *testing.T) {
	var r nodes.InventoryResult
	if err := json.Unmarshal([]byte(`{"inventory": {"cpu": {"count": 2, "frequency": null}, "interfaces": [{"name": "eth0", "mac_address": "52:54:00:00:00:01"}]}, "plugin_data": null}`), &r.Body); err != nil {
		t.Fatal(err)
	}
	data, err := r.Extract()
	if err != nil {
		t.Fatal(err)
	}
	got := detailsFromInventory(data)
	if got.CPU.Count != 2 || got.CPU.ClockMegahertz != 0 || len(got.NICs) != 1 || got.NICs[0].PXE || got.NICs[0].LLDP != nil {
		t.Errorf("details = %+v", got)
	}
}

func TestDetailsFromProperties(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props map[string]any
		ports []ports.Port
		want  *v1alpha1.HardwareDetails
	}{
		{name: "empty (fake inspection)", props: map[string]any{}, want: &v1alpha1.HardwareDetails{}},
		{
			name:  "out-of-band inspection, numbers",
			props: map[string]any{"cpus": float64(16), "memory_mb": float64(65536), "cpu_arch": "x86_64", "local_gb": float64(446)},
			ports: []ports.Port{{Address: "52:54:00:00:00:01", PXEEnabled: true}, {Address: "52:54:00:00:00:02"}},
			want: &v1alpha1.HardwareDetails{
				RAMMebibytes: 65536, CPU: v1alpha1.CPU{Arch: "x86_64", Count: 16},
				NICs: []v1alpha1.NIC{{MAC: "52:54:00:00:00:01", PXE: true}, {MAC: "52:54:00:00:00:02"}},
			},
		},
		{
			name:  "older inspectors write strings",
			props: map[string]any{"cpus": "8", "memory_mb": "16384.0", "cpu_arch": "aarch64"},
			want:  &v1alpha1.HardwareDetails{RAMMebibytes: 16384, CPU: v1alpha1.CPU{Arch: "aarch64", Count: 8}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := detailsFromProperties(tc.props, tc.ports); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("detailsFromProperties = %+v, want %+v", got, tc.want)
			}
		})
	}
}
