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
	"fmt"
	"hash/fnv"
	"strconv"
)

// Inventory is the hardware of one simulated server. It depends only on the
// seed and the system id, so tests can compute what a system reports with
// GenerateInventory and compare.
type Inventory struct {
	Manufacturer string
	Model        string
	SKU          string
	SerialNumber string
	PartNumber   string
	UUID         string
	BIOSVersion  string
	BMC          BMCInfo
	Processors   []Processor
	Memory       []DIMM
	NICs         []NIC
	Controller   StorageController
	Disks        []Disk
}

// BMCInfo describes the management controller.
type BMCInfo struct {
	Model           string
	FirmwareVersion string
}

// Processor is one CPU socket.
type Processor struct {
	ID              string
	Socket          string
	Manufacturer    string
	Model           string
	Architecture    string // Redfish ProcessorArchitecture, e.g. "x86"
	InstructionSet  string // Redfish InstructionSet, e.g. "x86-64"
	VendorID        string
	EffectiveFamily string
	EffectiveModel  string
	Cores           int
	Threads         int
	MaxSpeedMHz     int
}

// DIMM is one memory module.
type DIMM struct {
	ID           string
	Locator      string
	Manufacturer string
	PartNumber   string
	SerialNumber string
	DeviceType   string
	CapacityMiB  int
	SpeedMHz     int
	Socket       int
	Channel      int
	Slot         int
}

// NIC is one Ethernet interface.
type NIC struct {
	ID              string
	Name            string
	MAC             string // lower case, colon separated
	Manufacturer    string
	Model           string
	FirmwareVersion string
	SpeedMbps       int
}

// StorageController is the system's single storage controller.
type StorageController struct {
	Name            string
	Manufacturer    string
	Model           string
	FirmwareVersion string
	SerialNumber    string
	SpeedGbps       float64
}

// Disk is one physical drive behind the storage controller.
type Disk struct {
	ID               string
	Name             string
	Manufacturer     string
	Model            string
	SerialNumber     string
	Revision         string
	MediaType        string // "SSD" or "HDD"
	Protocol         string // "SATA", "SAS" or "NVMe"
	CapacityBytes    int64
	RotationSpeedRPM int
}

// TotalMemoryGiB is the installed memory.
func (inv Inventory) TotalMemoryGiB() int {
	mib := 0
	for _, d := range inv.Memory {
		mib += d.CapacityMiB
	}
	return mib / 1024
}

// TotalCores counts physical cores over all sockets.
func (inv Inventory) TotalCores() int {
	n := 0
	for _, p := range inv.Processors {
		n += p.Cores
	}
	return n
}

// TotalThreads counts logical processors over all sockets.
func (inv Inventory) TotalThreads() int {
	n := 0
	for _, p := range inv.Processors {
		n += p.Threads
	}
	return n
}

// clone copies the slices so callers cannot reach simulator state.
func (inv Inventory) clone() Inventory {
	out := inv
	out.Processors = append([]Processor(nil), inv.Processors...)
	out.Memory = append([]DIMM(nil), inv.Memory...)
	out.NICs = append([]NIC(nil), inv.NICs...)
	out.Disks = append([]Disk(nil), inv.Disks...)
	return out
}

type platform struct {
	manufacturer, model, skuPrefix string
	bmcModel, bmcFirmware          string
	biosVersions                   []string
	controller                     StorageController
	cpuVendor                      string // "Intel" or "AMD"
}

var platforms = []platform{
	{"Dell Inc.", "PowerEdge R650", "SKU=0A8D;ModelName=PowerEdge R650", "iDRAC9", "6.10.30.00",
		[]string{"1.10.2", "1.13.2", "2.1.5"},
		StorageController{Name: "PERC H755 Front", Manufacturer: "Broadcom", Model: "PERC H755 Front", FirmwareVersion: "52.21.0-4606", SpeedGbps: 12}, "Intel"},
	{"Dell Inc.", "PowerEdge R6525", "SKU=0A6B;ModelName=PowerEdge R6525", "iDRAC9", "6.10.30.00",
		[]string{"2.9.3", "2.12.4"},
		StorageController{Name: "PERC H745 Front", Manufacturer: "Broadcom", Model: "PERC H745 Front", FirmwareVersion: "51.16.0-4076", SpeedGbps: 12}, "AMD"},
	{"HPE", "ProLiant DL360 Gen10 Plus", "P28948-B21", "iLO 5", "2.78",
		[]string{"U46 v1.72", "U46 v2.10"},
		StorageController{Name: "HPE Smart Array P408i-a SR Gen10", Manufacturer: "HPE", Model: "Smart Array P408i-a SR Gen10", FirmwareVersion: "5.32", SpeedGbps: 12}, "Intel"},
	{"Lenovo", "ThinkSystem SR650 V2", "7Z73CTO1WW", "XClarity Controller", "5.70",
		[]string{"AFE124B-1.20", "AFE126G-1.40"},
		StorageController{Name: "ThinkSystem RAID 940-8i", Manufacturer: "Lenovo", Model: "ThinkSystem RAID 940-8i 4GB Flash", FirmwareVersion: "52.20.0-4341", SpeedGbps: 12}, "Intel"},
	{"Supermicro", "SYS-1114S-WN10RT", "SYS-1114S-WN10RT", "BMC", "01.01.10",
		[]string{"2.4", "2.6"},
		StorageController{Name: "Broadcom 3908", Manufacturer: "Broadcom", Model: "MegaRAID 9540-8i", FirmwareVersion: "5.200.02-3618", SpeedGbps: 12}, "AMD"},
}

type cpuModel struct {
	vendor, manufacturer, model string
	vendorID, family, model2    string
	cores, maxMHz               int
}

var cpuModels = []cpuModel{
	{"Intel", "Intel(R) Corporation", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "GenuineIntel", "0x6", "0x6A", 32, 3200},
	{"Intel", "Intel(R) Corporation", "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz", "GenuineIntel", "0x6", "0x6A", 16, 3400},
	{"Intel", "Intel(R) Corporation", "Intel(R) Xeon(R) Gold 5318Y CPU @ 2.10GHz", "GenuineIntel", "0x6", "0x6A", 24, 3400},
	{"AMD", "Advanced Micro Devices, Inc.", "AMD EPYC 7543 32-Core Processor", "AuthenticAMD", "0x19", "0x1", 32, 3700},
	{"AMD", "Advanced Micro Devices, Inc.", "AMD EPYC 7313 16-Core Processor", "AuthenticAMD", "0x19", "0x1", 16, 3700},
}

type dimmModel struct {
	manufacturer, part string
	mib                int
}

var dimmModels = []dimmModel{
	{"Samsung", "M393A2K40DB3-CWE", 16384},
	{"Samsung", "M393A4K40DB3-CWE", 32768},
	{"Micron Technology", "36ASF4G72PZ-3G2E7", 32768},
	{"SK Hynix", "HMAA8GR7AJR4N-XN", 65536},
}

type nicModel struct {
	manufacturer, model, firmware string
	speed                         int
}

var onboardNICs = []nicModel{
	{"Broadcom", "BCM57416 NetXtreme-E 10GBASE-T", "22.31.6", 10000},
	{"Intel", "Ethernet Controller X710 for 10GbE SFP+", "9.20", 10000},
}

var addonNICs = []nicModel{
	{"Mellanox", "ConnectX-5 EN 25GbE SFP28", "16.35.2000", 25000},
	{"Intel", "Ethernet Controller E810-XXV for SFP", "4.20", 25000},
	{"Broadcom", "BCM57414 NetXtreme-E 25Gb", "22.31.6", 25000},
}

type diskModel struct {
	manufacturer, model, revision, media, protocol string
	bytes                                          int64
	rpm                                            int
}

var bootDisks = []diskModel{
	{"Micron", "MTFDDAK480TDS", "D3MU001", "SSD", "SATA", 480103981056, 0},
	{"Intel", "SSDSC2KB480G8", "XCV10132", "SSD", "SATA", 480103981056, 0},
}

var dataDisks = []diskModel{
	{"Samsung", "MZ7L3960HCJR", "JXTC104Q", "SSD", "SATA", 960197124096, 0},
	{"Kioxia", "KPM6XRUG1T92", "0102", "SSD", "SAS", 1920383410176, 0},
	{"Seagate", "ST4000NM017B", "CSL5", "HDD", "SAS", 4000787030016, 7200},
	{"Toshiba", "MG06ACA800E", "4304", "HDD", "SATA", 8001563222016, 7200},
	{"Samsung", "MZWLJ3T2HBLS", "EPK9CB5Q", "SSD", "NVMe", 3200631791616, 0},
}

// GenerateInventory returns the hardware of system id under seed.
func GenerateInventory(seed int64, id string) Inventory {
	r := newRNG(seed, id)
	p := platforms[r.intn(len(platforms))]
	inv := Inventory{
		Manufacturer: p.manufacturer,
		Model:        p.model,
		SKU:          p.skuPrefix,
		SerialNumber: r.alnum(7),
		PartNumber:   "0" + r.alnum(5),
		UUID:         r.uuid(),
		BIOSVersion:  p.biosVersions[r.intn(len(p.biosVersions))],
		BMC:          BMCInfo{Model: p.bmcModel, FirmwareVersion: p.bmcFirmware},
	}

	var cpus []cpuModel
	for _, c := range cpuModels {
		if c.vendor == p.cpuVendor {
			cpus = append(cpus, c)
		}
	}
	cpu := cpus[r.intn(len(cpus))]
	sockets := 1 + r.intn(2)
	for i := 1; i <= sockets; i++ {
		inv.Processors = append(inv.Processors, Processor{
			ID: fmt.Sprintf("CPU%d", i), Socket: fmt.Sprintf("CPU %d", i),
			Manufacturer: cpu.manufacturer, Model: cpu.model,
			Architecture: "x86", InstructionSet: "x86-64",
			VendorID: cpu.vendorID, EffectiveFamily: cpu.family, EffectiveModel: cpu.model2,
			Cores: cpu.cores, Threads: 2 * cpu.cores, MaxSpeedMHz: cpu.maxMHz,
		})
	}

	dimm := dimmModels[r.intn(len(dimmModels))]
	perSocket := []int{4, 8, 16}[r.intn(3)]
	for s := 1; s <= sockets; s++ {
		for j := 0; j < perSocket; j++ {
			bank := string(rune('A' + (s - 1)))
			inv.Memory = append(inv.Memory, DIMM{
				ID:      fmt.Sprintf("DIMM.Socket.%s%d", bank, j+1),
				Locator: fmt.Sprintf("%s%d", bank, j+1), Manufacturer: dimm.manufacturer,
				PartNumber: dimm.part, SerialNumber: r.hex(8), DeviceType: "DDR4",
				CapacityMiB: dimm.mib, SpeedMHz: 3200, Socket: s, Channel: j/2 + 1, Slot: j%2 + 1,
			})
		}
	}

	onboard := onboardNICs[r.intn(len(onboardNICs))]
	addon := addonNICs[r.intn(len(addonNICs))]
	nics := 4 + r.intn(5)
	macBase := macPrefix(seed, id)
	for i := 1; i <= nics; i++ {
		m := addon
		if i <= 2 {
			m = onboard
		}
		inv.NICs = append(inv.NICs, NIC{
			ID: fmt.Sprintf("NIC%d", i), Name: fmt.Sprintf("Ethernet Interface %d", i),
			MAC: fmt.Sprintf("%s:%02x", macBase, i), Manufacturer: m.manufacturer, Model: m.model,
			FirmwareVersion: m.firmware, SpeedMbps: m.speed,
		})
	}

	inv.Controller = p.controller
	inv.Controller.SerialNumber = r.alnum(12)
	disks := 4 + r.intn(9)
	for i := 0; i < disks; i++ {
		d := dataDisks[r.intn(len(dataDisks))]
		if i == 0 {
			d = bootDisks[r.intn(len(bootDisks))]
		}
		inv.Disks = append(inv.Disks, Disk{
			ID: fmt.Sprintf("Disk.Bay.%d", i), Name: fmt.Sprintf("Disk %d", i),
			Manufacturer: d.manufacturer, Model: d.model, SerialNumber: r.alnum(12), Revision: d.revision,
			MediaType: d.media, Protocol: d.protocol, CapacityBytes: d.bytes, RotationSpeedRPM: d.rpm,
		})
	}
	return inv
}

// macPrefix returns the first five octets of a system's MACs. Numeric ids
// (the common case) are encoded verbatim so MACs never collide inside one
// simulator; the locally administered bit keeps them off real vendors' OUIs.
func macPrefix(seed int64, id string) string {
	s := splitmix(uint64(seed) ^ 0x5bd1e995)
	if n, err := strconv.Atoi(id); err == nil && n >= 0 && n <= 0xffff && strconv.Itoa(n) == id {
		return fmt.Sprintf("02:%02x:%02x:%02x:%02x", byte(s>>8), byte(s), byte(n>>8), byte(n))
	}
	h := hashString(id) ^ s
	return fmt.Sprintf("06:%02x:%02x:%02x:%02x", byte(h>>24), byte(h>>16), byte(h>>8), byte(h))
}

// rng is splitmix64: tiny, and its output is fixed forever, unlike
// math/rand's helpers, so inventories stay the same across Go releases.
type rng struct{ state uint64 }

func newRNG(seed int64, id string) *rng {
	return &rng{state: uint64(seed)*0x9e3779b97f4a7c15 ^ hashString(id)}
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return splitmix(r.state)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) float64() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) alnum(n int) string {
	const chars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.intn(len(chars))]
	}
	return string(b)
}

func (r *rng) hex(n int) string {
	const chars = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.intn(len(chars))]
	}
	return string(b)
}

func (r *rng) uuid() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.next()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
