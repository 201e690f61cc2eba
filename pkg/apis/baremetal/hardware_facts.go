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
	"strconv"
	"strings"
)

// Hardware facts are what a host is made of, derived from status.hardware (what inspection
// found) so that hosts can be found and claimed by it. Each fact is served twice:
//
//   - as a field selector, hardware.<fact> (e.g. hardware.cpu.arch=x86_64), computed by the
//     registry on every list and watch: nothing is written, so it can never disagree with
//     status; field selectors match exactly (=, ==, !=) only;
//   - as a label, hardware.baremetal.metal3.io/<fact with - for .> (e.g.
//     hardware.baremetal.metal3.io/cpu-count), written by the registry's strategies whenever
//     the host is written (so in the same etcd write as the status it comes from), for
//     set-based selection: in, notin, exists, and > / < on the numeric facts ("at least 64
//     CPUs" is cpu-count>63). Label values are the fact sanitised to a label value (see
//     HardwareLabelValue); the field selector carries the exact value.
//
// A host not inspected yet has every fact empty (a field selector hardware.cpu.count= finds
// it) and no hardware label.
const (
	FactCPUArch         = "cpu.arch"
	FactCPUModel        = "cpu.model"
	FactCPUCount        = "cpu.count"
	FactRAMGiB          = "ramGiB"
	FactVendor          = "vendor"
	FactModel           = "model"
	FactFirmwareVersion = "firmware.version"
	FactNICCount        = "nic.count"
	FactDiskCount       = "disk.count"
	FactGPUCount        = "gpu.count"
	FactGPUModel        = "gpu.model"

	// HardwareFieldPrefix prefixes the field selector of each fact.
	HardwareFieldPrefix = "hardware."
	// HardwareLabelPrefix prefixes the server-maintained label of each fact.
	HardwareLabelPrefix = "hardware.baremetal.metal3.io/"
)

// HardwareFacts lists every fact, in the order the documentation gives them.
var HardwareFacts = []string{
	FactCPUArch, FactCPUModel, FactCPUCount, FactRAMGiB, FactVendor, FactModel, FactFirmwareVersion,
	FactNICCount, FactDiskCount, FactGPUCount, FactGPUModel,
}

// HardwareFactFields are the field selectors of the facts (hardware.cpu.arch, ...).
func HardwareFactFields() []string {
	out := make([]string, len(HardwareFacts))
	for i, f := range HardwareFacts {
		out[i] = HardwareFieldPrefix + f
	}
	return out
}

// HardwareLabelKey is the label of a fact: hardware.baremetal.metal3.io/cpu-count for cpu.count.
func HardwareLabelKey(fact string) string {
	return HardwareLabelPrefix + strings.ReplaceAll(fact, ".", "-")
}

// FactsOf returns the facts of an inventory, every fact present (empty when unknown).
func FactsOf(hw *HardwareDetails) map[string]string {
	facts := make(map[string]string, len(HardwareFacts))
	for _, f := range HardwareFacts {
		facts[f] = ""
	}
	if hw == nil {
		return facts
	}
	facts[FactCPUArch] = hw.CPU.Arch
	facts[FactCPUModel] = hw.CPU.Model
	facts[FactCPUCount] = strconv.Itoa(int(hw.CPU.Count))
	facts[FactRAMGiB] = strconv.Itoa(int(hw.RAMMebibytes / 1024))
	facts[FactVendor] = hw.SystemVendor.Manufacturer
	facts[FactModel] = hw.SystemVendor.ProductName
	facts[FactFirmwareVersion] = hw.Firmware.BIOS.Version
	facts[FactNICCount] = strconv.Itoa(len(hw.NICs))
	facts[FactDiskCount] = strconv.Itoa(len(hw.Storage))
	count, model := gpuFacts(hw)
	facts[FactGPUCount] = strconv.Itoa(count)
	facts[FactGPUModel] = model
	return facts
}

// gpuFacts returns how many GPUs an inventory has (accelerators of type GPU; FPGAs and other
// accelerators are not counted) and their models, distinct, in inventory order, joined by
// commas for a mixed host. The one place GPU facts are read from.
func gpuFacts(hw *HardwareDetails) (count int, model string) {
	var models []string
	seen := map[string]bool{}
	for _, g := range hw.GPUs {
		if g.Type != AcceleratorTypeGPU {
			continue
		}
		count++
		if m := g.Model; m != "" && !seen[m] {
			seen[m] = true
			models = append(models, m)
		}
	}
	return count, strings.Join(models, ",")
}

// HardwareLabels returns the server-maintained hardware labels of an inventory: one per
// non-empty fact, its value sanitised to a valid label value. Nil for a host not inspected.
func HardwareLabels(hw *HardwareDetails) map[string]string {
	if hw == nil {
		return nil
	}
	out := map[string]string{}
	for fact, value := range FactsOf(hw) {
		if v := HardwareLabelValue(value); v != "" {
			out[HardwareLabelKey(fact)] = v
		}
	}
	return out
}

// HardwareLabelValue turns a fact into a label value: characters a label value may not hold
// become '-', it starts and ends with a letter or digit, and it is at most 63 characters
// ("Dell Inc." becomes Dell-Inc).
func HardwareLabelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	if len(b) > 63 {
		b = b[:63]
	}
	alnum := func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}
	return strings.TrimFunc(string(b), alnum)
}

// SetHardwareLabels makes the hardware labels of labels those of hw: the ones under
// HardwareLabelPrefix that hw does not give are removed, whoever set them. It returns the
// labels to keep (nil when there are none).
func SetHardwareLabels(labels map[string]string, hw *HardwareDetails) map[string]string {
	want := HardwareLabels(hw)
	if len(want) == 0 && !hasHardwareLabel(labels) {
		return labels
	}
	out := make(map[string]string, len(labels)+len(want))
	for k, v := range labels {
		if !strings.HasPrefix(k, HardwareLabelPrefix) {
			out[k] = v
		}
	}
	for k, v := range want {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func hasHardwareLabel(labels map[string]string) bool {
	for k := range labels {
		if strings.HasPrefix(k, HardwareLabelPrefix) {
			return true
		}
	}
	return false
}
