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
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Inspect reads what the BMC knows of the hardware (out-of-band inspection, as Ironic's
// redfish inspect interface does): no boot, one call of a few dozen GETs. restart changes
// nothing since every call inspects afresh. A part of the inventory the BMC fails to give
// (a member that is missing or does not decode) is skipped: the inventory is returned
// without it and the Result carries a warning, which the reconciler makes an event.
func (p *Provisioner) Inspect(ctx context.Context, host provisioner.Host, _ bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	var details *v1alpha1.HardwareDetails
	var warnings []string
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		details, warnings, err = inspect(c, sys)
		return err
	})
	if err != nil {
		res, err := outcome(host, err)
		return nil, res, err
	}
	res := provisioner.Done()
	res.Warnings = warnings
	res, err = finish(host, res, nil)
	for _, w := range res.Warnings {
		klog.FromContext(ctx).Info("Inspection skipped part of the inventory", "host", hostKey(host), "warning", w)
	}
	return details, res, err
}

// inspection gathers one system's inventory and the warnings of the parts it skipped.
type inspection struct {
	c        schemas.Client
	sys      *schemas.ComputerSystem
	warnings []string
	// warned are the URIs warned about: one warning per resource however often it is met.
	warned map[string]bool
	// chassis are the system's chassis, read once (nil: not yet).
	chassis []*schemas.Chassis
}

func inspect(c schemas.Client, sys *schemas.ComputerSystem) (*v1alpha1.HardwareDetails, []string, error) {
	in := &inspection{c: c, sys: sys, warned: map[string]bool{}}
	d := &v1alpha1.HardwareDetails{
		SystemVendor: v1alpha1.HardwareSystemVendor{
			Manufacturer: strings.TrimSpace(sys.Manufacturer), ProductName: strings.TrimSpace(sys.Model),
			SerialNumber: strings.TrimSpace(sys.SerialNumber),
		},
		Firmware: v1alpha1.Firmware{BIOS: v1alpha1.BIOS{Version: sys.BiosVersion}},
		Hostname: sys.HostName,
	}
	procs, err := sys.Processors()
	if err := in.partial("processors", sys.ODataID+"/Processors", err); err != nil {
		return nil, nil, err
	}
	d.CPU = inspectCPU(sys, procs)
	if d.RAMMebibytes, err = in.ram(); err != nil {
		return nil, nil, err
	}
	if d.NICs, err = in.nics(); err != nil {
		return nil, nil, err
	}
	if d.Storage, err = in.storage(); err != nil {
		return nil, nil, err
	}
	if d.GPUs, err = in.gpus(procs); err != nil {
		return nil, nil, err
	}
	return d, in.warnings, nil
}

// partial sorts out the error of reading a part of the inventory. A collection the system
// links to but the BMC does not have (404) is no inventory, quietly (BMCs advertise what they
// do not implement); a member that is missing or does not decode is skipped with a warning;
// only a failure to talk to the BMC at all fails the inspection.
func (in *inspection) partial(what, uri string, err error) error {
	if err == nil {
		return nil
	}
	var ce *schemas.CollectionError
	if errors.As(err, &ce) {
		for _, link := range slices.Sorted(maps.Keys(ce.Failures)) {
			e := ce.Failures[link]
			if fatal(e) {
				return err
			}
			if sameURI(link, uri) && isStatus(e, http.StatusNotFound) {
				continue
			}
			in.warn(what, link, e)
		}
		return nil
	}
	if fatal(err) {
		return err
	}
	if isStatus(err, http.StatusNotFound) && uri != "" {
		return nil
	}
	in.warn(what, uri, err)
	return nil
}

func (in *inspection) warn(what, uri string, err error) {
	key := strings.TrimSuffix(uri, "/")
	if in.warned[key] {
		return
	}
	in.warned[key] = true
	in.warnings = append(in.warnings, fmt.Sprintf("%s: skipped %s: %s", what, uri, describe(err)))
}

// systemChassis are the chassis the system links to, read once.
func (in *inspection) systemChassis() ([]*schemas.Chassis, error) {
	if in.chassis != nil {
		return in.chassis, nil
	}
	chassis, err := in.sys.Chassis()
	if err := in.partial("chassis", "", err); err != nil {
		return nil, err
	}
	in.chassis = append([]*schemas.Chassis{}, chassis...)
	return in.chassis, nil
}

// fatal tells a failure to reach the BMC (a connection error, a cancelled request) from an
// answer that was not the resource wanted.
func fatal(err error) bool {
	if statusOf(err) != 0 {
		return false
	}
	var ne net.Error
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne)
}

func sameURI(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

// inspectCPU sums logical CPUs over the sockets (Metal3's cpu.count) and describes the first
// socket; other processor types (GPUs, FPGAs) are not CPUs, and empty sockets are skipped.
func inspectCPU(sys *schemas.ComputerSystem, procs []*schemas.Processor) v1alpha1.CPU {
	var cpu v1alpha1.CPU
	for _, p := range procs {
		if p.ProcessorType != "" && p.ProcessorType != schemas.CPUProcessorType || absent(p.Status) {
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
		cpu.Model = strings.TrimSpace(summary.Model)
	}
	return cpu
}

func absent(st schemas.Status) bool { return st.State == schemas.AbsentState }

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

// ram takes the system's memory summary, as Ironic does, and adds up the DIMMs only when
// the BMC gives no summary: that costs one request per DIMM.
func (in *inspection) ram() (int32, error) {
	if gib := gofish.Deref(in.sys.MemorySummary.TotalSystemMemoryGiB); gib > 0 {
		return int32(math.Round(gib * 1024)), nil
	}
	dimms, err := in.sys.Memory()
	if err := in.partial("memory", in.sys.ODataID+"/Memory", err); err != nil {
		return 0, err
	}
	var mib int
	for _, m := range dimms {
		if (m.MemoryType == "" || m.MemoryType == schemas.DRAMMemoryType) && !absent(m.Status) {
			mib += gofish.Deref(m.CapacityMiB)
		}
	}
	return int32(mib), nil
}

// nics lists every Ethernet interface of the system once: interfaces with the MAC of one
// listed before (a VLAN interface, a BMC that lists a port twice) are the same NIC.
func (in *inspection) nics() ([]v1alpha1.NIC, error) {
	ifaces, err := in.sys.EthernetInterfaces()
	if err := in.partial("network interfaces", in.sys.ODataID+"/EthernetInterfaces", err); err != nil {
		return nil, err
	}
	var nics []v1alpha1.NIC
	seen := map[string]bool{}
	for _, e := range ifaces {
		mac := e.MACAddress
		if mac == "" || mac == "00:00:00:00:00:00" {
			mac = e.PermanentMACAddress
		}
		mac = strings.ToLower(strings.TrimSpace(mac))
		if mac == "" || mac == "00:00:00:00:00:00" || seen[mac] {
			continue
		}
		seen[mac] = true
		name := e.ID
		if name == "" {
			name = e.Name
		}
		nic := v1alpha1.NIC{Name: name, MAC: mac, SpeedGbps: int32(gofish.Deref(e.SpeedMbps) / 1000)}
		if e.VLAN.VLANEnable {
			nic.VLANID = int32(e.VLAN.VLANID)
		}
		nics = append(nics, nic)
	}
	return nics, nil
}

// storage lists every drive once, wherever the BMC puts it: the drives of the Storage
// subsystems, then those of the system's chassis not already found (some BMCs list drives
// only there). SimpleStorage and vendor paths (HPE's SmartStorage) describe the same drives
// again, so they are read only when the standard places hold none. Empty bays (no capacity)
// are skipped.
func (in *inspection) storage() ([]v1alpha1.Storage, error) {
	var disks []v1alpha1.Storage
	seen := map[string]bool{}
	// add keeps the drives read, in the BMC's order; a drive gofish cannot decode (a
	// property of a type the schema does not allow) is decoded again for what inspection
	// needs before it is given up with a warning.
	add := func(what, uri string, drives []*schemas.Drive, err error) error {
		var ce *schemas.CollectionError
		if errors.As(err, &ce) {
			for _, link := range slices.Sorted(maps.Keys(ce.Failures)) {
				if e := ce.Failures[link]; statusOf(e) != 0 || fatal(e) || sameURI(link, uri) {
					continue
				}
				var d schemas.Drive
				if rawDrive(in.c, link, &d) == nil {
					d.ODataID = link
					drives = append(drives, &d)
					delete(ce.Failures, link)
				}
			}
			if ce.Empty() {
				err = nil
			}
		}
		if err := in.partial(what, uri, err); err != nil {
			return err
		}
		for _, d := range drives {
			key := strings.TrimSuffix(d.ODataID, "/")
			if seen[key] || absent(d.Status) || gofish.Deref(d.CapacityBytes) <= 0 {
				seen[key] = true
				continue
			}
			seen[key] = true
			disks = append(disks, storageOf(d))
		}
		return nil
	}
	subsystems, err := in.sys.Storage()
	if err := in.partial("storage", in.sys.ODataID+"/Storage", err); err != nil {
		return nil, err
	}
	for _, st := range subsystems {
		drives, err := st.Drives()
		if err := add("storage "+st.ID, st.ODataID, drives, err); err != nil {
			return nil, err
		}
	}
	chassis, err := in.systemChassis()
	if err != nil {
		return nil, err
	}
	for _, ch := range chassis {
		drives, err := ch.Drives()
		if err := add("chassis "+ch.ID+" drives", ch.ODataID+"/Drives", drives, err); err != nil {
			return nil, err
		}
	}
	if len(disks) > 0 {
		return disks, nil
	}
	simple, err := in.sys.SimpleStorage()
	if err := in.partial("simple storage", in.sys.ODataID+"/SimpleStorage", err); err != nil {
		return nil, err
	}
	for _, s := range simple {
		for _, dev := range s.Devices {
			size := gofish.Deref(dev.CapacityBytes)
			if size == 0 || absent(dev.Status) {
				continue // an empty bay
			}
			disks = append(disks, v1alpha1.Storage{
				Name: dev.Name, SizeBytes: int64(min(size, math.MaxInt64)), Model: strings.TrimSpace(dev.Model),
				Vendor: strings.TrimSpace(dev.Manufacturer),
			})
		}
	}
	if len(disks) > 0 {
		return disks, nil
	}
	return in.hpeSmartStorage()
}

// rawDrive decodes the properties of a drive inspection reads, for a drive whose other
// properties gofish cannot decode.
func rawDrive(c schemas.Client, uri string, d *schemas.Drive) error {
	var raw struct {
		ID               string `json:"Id"`
		Name             string
		Model            string
		Manufacturer     string
		SerialNumber     string
		CapacityBytes    *int
		MediaType        string
		Protocol         string
		RotationSpeedRPM *float64
		Status           schemas.Status
	}
	if err := getJSON(c, uri, &raw); err != nil {
		return err
	}
	d.ID, d.Name, d.Model, d.Manufacturer, d.SerialNumber = raw.ID, raw.Name, raw.Model, raw.Manufacturer, raw.SerialNumber
	d.CapacityBytes, d.RotationSpeedRPM, d.Status = raw.CapacityBytes, raw.RotationSpeedRPM, raw.Status
	d.MediaType, d.Protocol = schemas.MediaType(raw.MediaType), schemas.Protocol(raw.Protocol)
	return nil
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
	s.Type = diskType(string(d.Protocol), string(d.MediaType), s.Rotational)
	for _, id := range d.Identifiers {
		if id.DurableNameFormat == schemas.NAADurableNameFormat && id.DurableName != "" {
			s.WWN = "0x" + strings.ToLower(strings.TrimPrefix(id.DurableName, "0x"))
			break
		}
	}
	return s
}

func diskType(protocol, media string, rotational bool) v1alpha1.DiskType {
	switch {
	case protocol == string(schemas.NVMeProtocol):
		return v1alpha1.DiskTypeNVME
	case media == string(schemas.SSDMediaType):
		return v1alpha1.DiskTypeSSD
	case rotational:
		return v1alpha1.DiskTypeHDD
	}
	return ""
}
