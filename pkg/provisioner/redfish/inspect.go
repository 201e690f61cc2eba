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
	"context"
	"math"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Inspect reads what the BMC knows of the hardware (out-of-band inspection, as Ironic's
// redfish inspect interface does): no boot, one call of a few dozen GETs. restart changes
// nothing since every call inspects afresh.
func (p *Provisioner) Inspect(ctx context.Context, host provisioner.Host, _ bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	var details *v1alpha1.HardwareDetails
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		details, err = inspect(sys)
		return err
	})
	if err != nil {
		res, err := outcome(host, err)
		return nil, res, err
	}
	return details, provisioner.Done(), nil
}

func inspect(sys *schemas.ComputerSystem) (*v1alpha1.HardwareDetails, error) {
	d := &v1alpha1.HardwareDetails{
		SystemVendor: v1alpha1.HardwareSystemVendor{
			Manufacturer: sys.Manufacturer, ProductName: sys.Model, SerialNumber: sys.SerialNumber,
		},
		Firmware: v1alpha1.Firmware{BIOS: v1alpha1.BIOS{Version: sys.BiosVersion}},
		Hostname: sys.HostName,
	}
	var err error
	if d.CPU, err = inspectCPU(sys); err != nil {
		return nil, err
	}
	if d.RAMMebibytes, err = inspectRAM(sys); err != nil {
		return nil, err
	}
	if d.NICs, err = inspectNICs(sys); err != nil {
		return nil, err
	}
	if d.Storage, err = inspectStorage(sys); err != nil {
		return nil, err
	}
	return d, nil
}

// inspectCPU sums logical CPUs over the sockets (Metal3's cpu.count) and describes the first
// socket; other processor types (GPUs, FPGAs) are not CPUs.
func inspectCPU(sys *schemas.ComputerSystem) (v1alpha1.CPU, error) {
	var cpu v1alpha1.CPU
	procs, err := sys.Processors()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return cpu, err
	}
	for _, p := range procs {
		if p.ProcessorType != "" && p.ProcessorType != schemas.CPUProcessorType {
			continue
		}
		threads := gofish.Deref(p.TotalThreads)
		if threads == 0 {
			threads = max(gofish.Deref(p.TotalCores), 1)
		}
		cpu.Count += int32(threads)
		if cpu.Model == "" {
			cpu.Model = strings.TrimSpace(p.Model)
			cpu.Arch = arch(p.InstructionSet, p.ProcessorArchitecture)
			mhz := gofish.Deref(p.MaxSpeedMHz)
			if mhz == 0 {
				mhz = gofish.Deref(p.OperatingSpeedMHz)
			}
			cpu.ClockMegahertz = float64(mhz)
		}
	}
	if summary := sys.ProcessorSummary; cpu.Count == 0 {
		cpu.Count = int32(gofish.Deref(summary.LogicalProcessorCount))
		if cpu.Count == 0 {
			cpu.Count = int32(gofish.Deref(summary.Count))
		}
		cpu.Model = summary.Model
	}
	return cpu, nil
}

// arch maps Redfish's instruction set (or, failing that, architecture) to the Linux machine
// name Metal3 reports, e.g. x86_64.
func arch(is schemas.InstructionSet, pa schemas.ProcessorArchitecture) string {
	switch is {
	case schemas.X8664InstructionSet:
		return "x86_64"
	case schemas.X86InstructionSet:
		return "i686"
	case schemas.IA64InstructionSet:
		return "ia64"
	case schemas.ARMA64InstructionSet:
		return "aarch64"
	case schemas.ARMA32InstructionSet:
		return "armv7l"
	case schemas.PowerISAInstructionSet:
		return "ppc64le"
	case schemas.RV64InstructionSet:
		return "riscv64"
	case schemas.RV32InstructionSet:
		return "riscv32"
	case schemas.MIPS64InstructionSet:
		return "mips64"
	case schemas.MIPS32InstructionSet:
		return "mips"
	}
	switch pa {
	case schemas.X86ProcessorArchitecture:
		return "x86_64"
	case schemas.ARMProcessorArchitecture:
		return "aarch64"
	case schemas.PowerProcessorArchitecture:
		return "ppc64le"
	case schemas.RISCVProcessorArchitecture:
		return "riscv64"
	case schemas.IA64ProcessorArchitecture:
		return "ia64"
	}
	return ""
}

// inspectRAM takes the system's memory summary, as Ironic does, and adds up the DIMMs only
// when the BMC gives no summary: that costs one request per DIMM.
func inspectRAM(sys *schemas.ComputerSystem) (int32, error) {
	if gib := gofish.Deref(sys.MemorySummary.TotalSystemMemoryGiB); gib > 0 {
		return int32(math.Round(gib * 1024)), nil
	}
	dimms, err := sys.Memory()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return 0, err
	}
	var mib int
	for _, m := range dimms {
		if m.MemoryType == "" || m.MemoryType == schemas.DRAMMemoryType {
			mib += gofish.Deref(m.CapacityMiB)
		}
	}
	return int32(mib), nil
}

func inspectNICs(sys *schemas.ComputerSystem) ([]v1alpha1.NIC, error) {
	ifaces, err := sys.EthernetInterfaces()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return nil, err
	}
	var nics []v1alpha1.NIC
	for _, e := range ifaces {
		mac := e.MACAddress
		if mac == "" {
			mac = e.PermanentMACAddress
		}
		if mac == "" {
			continue
		}
		name := e.ID
		if name == "" {
			name = e.Name
		}
		nic := v1alpha1.NIC{Name: name, MAC: strings.ToLower(mac), SpeedGbps: int32(gofish.Deref(e.SpeedMbps) / 1000)}
		if e.VLAN.VLANEnable {
			nic.VLANID = int32(e.VLAN.VLANID)
		}
		nics = append(nics, nic)
	}
	return nics, nil
}

// inspectStorage lists the drives of every storage subsystem, or the devices of
// SimpleStorage on BMCs without Storage.
func inspectStorage(sys *schemas.ComputerSystem) ([]v1alpha1.Storage, error) {
	subsystems, err := sys.Storage()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return nil, err
	}
	var disks []v1alpha1.Storage
	for _, st := range subsystems {
		drives, err := st.Drives()
		if err != nil {
			return nil, err
		}
		for _, d := range drives {
			disks = append(disks, storageOf(d))
		}
	}
	if len(disks) > 0 {
		return disks, nil
	}
	simple, err := sys.SimpleStorage()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return nil, err
	}
	for _, s := range simple {
		for _, dev := range s.Devices {
			size := gofish.Deref(dev.CapacityBytes)
			if size == 0 {
				continue // an empty bay
			}
			disks = append(disks, v1alpha1.Storage{
				Name: dev.Name, SizeBytes: int64(min(size, math.MaxInt64)), Model: dev.Model, Vendor: dev.Manufacturer,
			})
		}
	}
	return disks, nil
}

func storageOf(d *schemas.Drive) v1alpha1.Storage {
	name := d.Name
	if name == "" {
		name = d.ID
	}
	s := v1alpha1.Storage{
		Name:         name,
		SizeBytes:    int64(gofish.Deref(d.CapacityBytes)),
		Model:        strings.TrimSpace(d.Model),
		Vendor:       strings.TrimSpace(d.Manufacturer),
		SerialNumber: strings.TrimSpace(d.SerialNumber),
		Rotational:   d.MediaType == schemas.HDDMediaType || gofish.Deref(d.RotationSpeedRPM) > 0,
	}
	switch {
	case d.Protocol == schemas.NVMeProtocol:
		s.Type = v1alpha1.DiskTypeNVME
	case d.MediaType == schemas.SSDMediaType:
		s.Type = v1alpha1.DiskTypeSSD
	case s.Rotational:
		s.Type = v1alpha1.DiskTypeHDD
	}
	for _, id := range d.Identifiers {
		if id.DurableNameFormat == schemas.NAADurableNameFormat && id.DurableName != "" {
			s.WWN = "0x" + strings.ToLower(strings.TrimPrefix(id.DurableName, "0x"))
			break
		}
	}
	return s
}
