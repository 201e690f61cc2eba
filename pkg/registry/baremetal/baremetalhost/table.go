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

package baremetalhost

import (
	"sort"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints BareMetalHosts for kubectl get (and kubectl baremetal list, which asks
// for this table): the columns a fleet operator scans (state, consumer, power intent, error),
// with inventory, BMC and the power read from it in -o wide. It replaces Metal3's CRD printer
// columns and, unlike those, can summarise nested data (cpu/ram).
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.BareMetalHost]{
	Resource: baremetal.Resource("baremetalhosts"),
	Columns:  columns,
	Cells:    hostCells,
}

// Priority 0 columns show by default, priority 1 only with -o wide.
var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the host."},
	{Name: "State", Type: "string", Description: "Provisioning state (status.provisioning.state)."},
	{Name: "Consumer", Type: "string", Description: "Name of the object that claimed the host (spec.consumerRef.name)."},
	{Name: "Online", Type: "boolean", Description: "Whether the host should be powered on (spec.online)."},
	{Name: "Error", Type: "string", Description: "Kind of the last error (status.errorType)."},
	{Name: "Age", Type: "string", Description: "Time since the host was created."},
	{Name: "Status", Type: "string", Priority: 1, Description: "Operational status (status.operationalStatus)."},
	{Name: "BMC", Type: "string", Priority: 1, Description: "BMC address (spec.bmc.address)."},
	{Name: "Powered", Type: "string", Priority: 1, Description: "Power read from the BMC, On or Off; <unknown> until the host is registered, and while it is detached (baremetalhosts/power status.state)."},
	{Name: "Hardware", Type: "string", Priority: 1, Description: "Inspected CPUs and memory (status.hardware)."},
	{Name: "GPUs", Type: "string", Priority: 1, Description: "Inspected GPUs and accelerators by model (status.hardware.gpus)."},
	{Name: "Power Draw", Type: "string", Priority: 1, Description: "Power the host draws, as its BMC last reported it (status.powerDraw.watts)."},
}

func hostCells(h *baremetal.BareMetalHost, now time.Time) []any {
	consumer := ""
	if h.Spec.ConsumerRef != nil {
		consumer = h.Spec.ConsumerRef.Name
	}
	// status.poweredOn is false before anything read the BMC: the column says so rather
	// than claim the host is off.
	powered := string(h.ObservedPower())
	if powered == "" {
		powered = "<unknown>"
	}
	return []any{
		h.Name,
		string(h.Status.Provisioning.State),
		consumer,
		h.Spec.Online,
		string(h.Status.ErrorType),
		table.Age(h.CreationTimestamp, now),
		string(h.Status.OperationalStatus),
		h.Spec.BMC.Address,
		powered,
		hardwareSummary(h.Status.Hardware),
		gpuSummary(h.Status.Hardware),
		powerDraw(h.Status.PowerDraw),
	}
}

// powerDraw renders a reading as "287 W", "" without one.
func powerDraw(d *baremetal.PowerDraw) string {
	if d == nil {
		return ""
	}
	return strconv.Itoa(int(d.Watts)) + " W"
}

// hardwareSummary renders inventory as "<cpus> CPU, <ram> GiB", e.g. "32 CPU, 256 GiB".
func hardwareSummary(hw *baremetal.HardwareDetails) string {
	if hw == nil {
		return ""
	}
	gib := float64(hw.RAMMebibytes) / 1024
	return strconv.Itoa(int(hw.CPU.Count)) + " CPU, " + strconv.FormatFloat(gib, 'f', -1, 64) + " GiB"
}

// gpuSummary counts the GPUs and accelerators by model, most numerous first, e.g.
// "8x NVIDIA A100-SXM4-40GB" or "2x NVIDIA T4, 1x Intel Stratix 10".
func gpuSummary(hw *baremetal.HardwareDetails) string {
	if hw == nil || len(hw.GPUs) == 0 {
		return ""
	}
	counts := map[string]int{}
	var models []string
	for _, g := range hw.GPUs {
		name := strings.TrimSpace(g.Model)
		if v := strings.TrimSpace(g.Vendor); v != "" && !strings.HasPrefix(strings.ToLower(name), strings.ToLower(v)) {
			name = strings.TrimSpace(v + " " + name)
		}
		if name == "" {
			name = string(g.Type)
		}
		if counts[name] == 0 {
			models = append(models, name)
		}
		counts[name]++
	}
	sort.SliceStable(models, func(i, j int) bool { return counts[models[i]] > counts[models[j]] })
	parts := make([]string, len(models))
	for i, m := range models {
		parts[i] = strconv.Itoa(counts[m]) + "x " + m
	}
	return strings.Join(parts, ", ")
}
