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
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// TableConvertor prints BareMetalHosts for kubectl get: the columns a fleet operator scans
// (state, consumer, power intent, error), with inventory and BMC in -o wide. It replaces
// Metal3's CRD printer columns and, unlike those, can summarise nested data (cpu/ram).
var TableConvertor rest.TableConvertor = tableConvertor{}

type tableConvertor struct{}

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
	{Name: "Powered", Type: "boolean", Priority: 1, Description: "Power state read from the BMC (status.poweredOn)."},
	{Name: "Hardware", Type: "string", Priority: 1, Description: "Inspected CPUs and memory (status.hardware)."},
	{Name: "GPUs", Type: "string", Priority: 1, Description: "Inspected GPUs and accelerators by model (status.hardware.gpus)."},
	{Name: "Power Draw", Type: "string", Priority: 1, Description: "Power the host draws, as its BMC last reported it (status.powerDraw.watts)."},
}

func (tableConvertor) ConvertToTable(ctx context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		table.ColumnDefinitions = columns
	}
	now := time.Now()
	switch t := obj.(type) {
	case *baremetal.BareMetalHost:
		table.Rows = []metav1.TableRow{hostRow(t, now)}
		table.ResourceVersion = t.ResourceVersion
	case *baremetal.BareMetalHostList:
		table.Rows = make([]metav1.TableRow, 0, len(t.Items))
		for i := range t.Items {
			table.Rows = append(table.Rows, hostRow(&t.Items[i], now))
		}
		if m, err := meta.ListAccessor(t); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
			table.Continue = m.GetContinue()
			table.RemainingItemCount = m.GetRemainingItemCount()
		}
	default:
		return nil, apierrors.NewGenericServerResponse(http.StatusInternalServerError, "list", baremetal.Resource("baremetalhosts"), "", fmt.Sprintf("cannot print %T as a table", obj), 0, false)
	}
	return table, nil
}

func hostRow(h *baremetal.BareMetalHost, now time.Time) metav1.TableRow {
	consumer := ""
	if h.Spec.ConsumerRef != nil {
		consumer = h.Spec.ConsumerRef.Name
	}
	return metav1.TableRow{
		Object: runtime.RawExtension{Object: h},
		Cells: []interface{}{
			h.Name,
			string(h.Status.Provisioning.State),
			consumer,
			h.Spec.Online,
			string(h.Status.ErrorType),
			age(h.CreationTimestamp, now),
			string(h.Status.OperationalStatus),
			h.Spec.BMC.Address,
			h.Status.PoweredOn,
			hardwareSummary(h.Status.Hardware),
			gpuSummary(h.Status.Hardware),
			powerDraw(h.Status.PowerDraw),
		},
	}
}

func age(ts metav1.Time, now time.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(ts.Time))
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
