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
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/inventory"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// hardwareDetails reads what inspection found: the full inventory where Ironic stores one
// (API 1.81 and an inspection that produced it: agent inspection), else the node's
// properties and ports, which every inspect interface (out-of-band, fake) fills in.
func (p *Provisioner) hardwareDetails(ctx context.Context, c *apiClient, node *nodes.Node) (*v1alpha1.HardwareDetails, error) {
	_, storesNone := p.noInventory.Load(node.InspectInterface)
	if c.hasInventory() && !storesNone {
		data, err := nodes.GetInventory(ctx, c.sc, node.UUID).Extract()
		switch {
		case err == nil:
			return detailsFromInventory(data), nil
		case statusIs(err, http.StatusNotFound):
			// Out-of-band and fake inspection store no inventory. Whether an inspect
			// interface does is a property of the interface and this Ironic: after the
			// first node without one, nodes inspected the same way are not asked (in-band
			// interfaces always are: their inventory may be missing for other reasons).
			if !inBandInspection(node.InspectInterface) {
				p.noInventory.Store(node.InspectInterface, true)
			}
		default:
			return nil, fmt.Errorf("reading the inventory of Ironic node %s: %w", node.UUID, describe(err))
		}
	}
	pages, err := ports.ListDetail(c.sc, ports.ListOpts{NodeUUID: node.UUID}).AllPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the ports of Ironic node %s: %w", node.UUID, describe(err))
	}
	nodePorts, err := ports.ExtractPorts(pages)
	if err != nil {
		return nil, fmt.Errorf("listing the ports of Ironic node %s: %w", node.UUID, err)
	}
	return detailsFromProperties(node.Properties, nodePorts), nil
}

func inBandInspection(iface string) bool {
	return iface == "agent" || iface == "inspector" || iface == ""
}

// detailsFromInventory maps Ironic's inventory to HardwareDetails the way Metal3 does, so
// that status.hardware reads the same for the same machine.
func detailsFromInventory(data *nodes.InventoryData) *v1alpha1.HardwareDetails {
	inv := data.Inventory
	// Plugin data adds PXE and LLDP per interface; it is optional and its absence only
	// leaves those fields empty.
	plugin, _ := data.PluginData.AsStandardData()
	return &v1alpha1.HardwareDetails{
		SystemVendor: v1alpha1.HardwareSystemVendor{
			Manufacturer: inv.SystemVendor.Manufacturer,
			ProductName:  inv.SystemVendor.ProductName,
			SerialNumber: inv.SystemVendor.SerialNumber,
		},
		Firmware: v1alpha1.Firmware{BIOS: v1alpha1.BIOS{
			Vendor:  inv.SystemVendor.Firmware.Vendor,
			Version: inv.SystemVendor.Firmware.Version,
			Date:    inv.SystemVendor.Firmware.BuildDate,
		}},
		RAMMebibytes: clampCount(inv.Memory.PhysicalMb),
		NICs:         nicsFromInventory(inv.Interfaces, plugin),
		Storage:      storageFromInventory(inv.Disks),
		CPU:          cpuFromInventory(inv.CPU),
		Hostname:     inv.Hostname,
		GPUs:         gpusFromPluginData(data.PluginData.RawMessage),
	}
}

// gpusFromPluginData finds the GPUs and accelerators among the PCI devices the agent lists in
// the plugin data ("pci_devices", from IPA's pci-devices inspection collector: hex vendor and
// product ids, the 24-bit class, the bus address), by PCI class as the Redfish backend does.
// Without that collector Ironic's inventory names no PCI device, and there are none.
func gpusFromPluginData(raw []byte) []v1alpha1.GPU {
	var plugin struct {
		PCIDevices []struct {
			VendorID  string `json:"vendor_id"`
			ProductID string `json:"product_id"`
			Class     string `json:"class"`
			Bus       string `json:"bus"`
		} `json:"pci_devices"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &plugin) != nil {
		return nil
	}
	hex := func(s string, bits int) int {
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x"), 16, bits)
		if err != nil {
			return -1
		}
		return int(v)
	}
	var gpus []v1alpha1.GPU
	for _, d := range plugin.PCIDevices {
		vendor, product, class := hex(d.VendorID, 16), hex(d.ProductID, 16), hex(d.Class, 24)
		if class < 0 {
			continue
		}
		typ, ok := provisioner.AcceleratorClass(class>>16, class>>8&0xff, vendor)
		if !ok {
			continue
		}
		gpus = append(gpus, v1alpha1.GPU{
			Type: typ, Vendor: provisioner.PCIVendorName(vendor), PCIAddress: d.Bus,
			VendorID: provisioner.PCIID(vendor), DeviceID: provisioner.PCIID(product),
		})
	}
	return gpus
}

func cpuFromInventory(cpu inventory.CPUType) v1alpha1.CPU {
	var mhz float64
	// An agent writes this text: NaN, Inf or a negative clock would make the status
	// unwritable (JSON has no NaN) or invalid, and the host would be stuck on it.
	if f, err := strconv.ParseFloat(strings.TrimSpace(cpu.Frequency), 64); err == nil && f > 0 && !math.IsInf(f, 0) {
		mhz = math.Round(f)
	}
	flags := slices.Clone(cpu.Flags)
	slices.Sort(flags)
	return v1alpha1.CPU{
		Arch:           cpu.Architecture,
		Model:          cpu.ModelName,
		ClockMegahertz: mhz,
		Flags:          flags,
		Count:          clampCount(cpu.Count),
	}
}

// nicsFromInventory lists one NIC per interface and address family: an interface with
// both an IPv4 and an IPv6 address appears twice, as in Metal3.
func nicsFromInventory(ifaces []inventory.InterfaceType, plugin inventory.StandardPluginData) []v1alpha1.NIC {
	var nics []v1alpha1.NIC
	for _, iface := range ifaces {
		lldp := plugin.ParsedLLDP[iface.Name]
		vlans, vlanID := vlansFromLLDP(lldp)
		nic := v1alpha1.NIC{
			Name:       iface.Name,
			Model:      strings.TrimSpace(iface.Vendor + " " + iface.Product),
			MAC:        iface.MACAddress,
			SpeedGbps:  clampCount(iface.SpeedMbps / 1000),
			VLANs:      vlans,
			VLANID:     vlanID,
			PXE:        plugin.AllInterfaces[iface.Name].PXEEnabled,
			LLDP:       lldpFromPlugin(lldp),
			PCIAddress: iface.PCIAddress,
		}
		if iface.IPV4Address != "" || iface.IPV6Address == "" {
			v4 := nic
			v4.IP = iface.IPV4Address
			nics = append(nics, v4)
		}
		if iface.IPV6Address != "" {
			v6 := nic
			v6.IP = iface.IPV6Address
			nics = append(nics, v6)
		}
	}
	return nics
}

// vlansFromLLDP reads the VLANs the switch port reported. The values come from JSON, so
// numbers are float64 and lists are []any.
func vlansFromLLDP(lldp map[string]any) ([]v1alpha1.VLAN, int32) {
	var vlans []v1alpha1.VLAN
	if list, ok := lldp["switch_port_vlans"].([]any); ok {
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			name, _ := m["name"].(string)
			vlans = append(vlans, v1alpha1.VLAN{ID: clampInt32(toInt(m["id"])), Name: name})
		}
	}
	return vlans, clampInt32(toInt(lldp["switch_port_untagged_vlan_id"]))
}

func lldpFromPlugin(lldp map[string]any) *v1alpha1.LLDP {
	str := func(k string) string { s, _ := lldp[k].(string); return s }
	out := v1alpha1.LLDP{
		SwitchID:         str("switch_chassis_id"),
		PortID:           str("switch_port_id"),
		SwitchSystemName: str("switch_system_name"),
	}
	if out == (v1alpha1.LLDP{}) {
		return nil
	}
	return &out
}

func storageFromInventory(disks []inventory.RootDiskType) []v1alpha1.Storage {
	var out []v1alpha1.Storage
	for _, d := range disks {
		name := d.Name
		var names []string
		if d.Name != "" {
			names = append(names, d.Name)
		}
		if d.ByPath != "" {
			// by-path names survive reboots and disk reordering, unlike /dev/sdX.
			name = d.ByPath
			names = append(names, d.ByPath)
		}
		out = append(out, v1alpha1.Storage{
			Name:               name,
			AlternateNames:     names,
			Rotational:         d.Rotational,
			Type:               diskType(d),
			SizeBytes:          max(d.Size, 0),
			Vendor:             d.Vendor,
			Model:              d.Model,
			SerialNumber:       d.Serial,
			WWN:                d.Wwn,
			WWNVendorExtension: d.WwnVendorExtension,
			WWNWithExtension:   d.WwnWithExtension,
			HCTL:               d.Hctl,
		})
	}
	return out
}

func diskType(d inventory.RootDiskType) v1alpha1.DiskType {
	switch {
	case d.Rotational:
		return v1alpha1.DiskTypeHDD
	case strings.HasPrefix(d.Name, "/dev/nvme"):
		return v1alpha1.DiskTypeNVME
	default:
		return v1alpha1.DiskTypeSSD
	}
}

// detailsFromProperties is the inventory of Ironic without one: properties (cpus,
// memory_mb, cpu_arch) and the ports inspection created. local_gb is not turned into a
// disk: it is the size of the root disk only, and a made-up disk would mislead root
// device hints.
func detailsFromProperties(props map[string]any, nodePorts []ports.Port) *v1alpha1.HardwareDetails {
	arch, _ := props["cpu_arch"].(string)
	details := &v1alpha1.HardwareDetails{
		RAMMebibytes: clampCount(toInt(props["memory_mb"])),
		CPU:          v1alpha1.CPU{Arch: arch, Count: clampCount(toInt(props["cpus"]))},
	}
	for _, port := range nodePorts {
		details.NICs = append(details.NICs, v1alpha1.NIC{MAC: port.Address, PXE: port.PXEEnabled})
	}
	return details
}

// toInt reads a JSON number or a numeric string (Ironic properties are free-form: older
// inspectors wrote "4", newer ones 4).
func toInt(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		if err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
			return int(f)
		}
	}
	return 0
}

// clampCount bounds a count or size the hardware reported to what the API holds: never
// negative (a garbled inventory must not make the host's status invalid), at most MaxInt32.
func clampCount(n int) int32 {
	return max(clampInt32(n), 0)
}

func clampInt32(n int) int32 {
	switch {
	case n > math.MaxInt32:
		return math.MaxInt32
	case n < math.MinInt32:
		return math.MinInt32
	}
	return int32(n)
}
