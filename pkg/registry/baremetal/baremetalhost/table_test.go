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
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func TestGPUSummary(t *testing.T) {
	a100 := baremetal.GPU{Type: baremetal.AcceleratorTypeGPU, Vendor: "NVIDIA", Model: "NVIDIA A100-SXM4-40GB"}
	fpga := baremetal.GPU{Type: baremetal.AcceleratorTypeFPGA, Vendor: "Intel", Model: "Stratix 10"}
	for _, tc := range []struct {
		hw   *baremetal.HardwareDetails
		want string
	}{
		{nil, ""},
		{&baremetal.HardwareDetails{}, ""},
		{&baremetal.HardwareDetails{GPUs: []baremetal.GPU{a100, a100, a100, a100, a100, a100, a100, a100}}, "8x NVIDIA A100-SXM4-40GB"},
		{&baremetal.HardwareDetails{GPUs: []baremetal.GPU{fpga, a100, a100}}, "2x NVIDIA A100-SXM4-40GB, 1x Intel Stratix 10"},
		{&baremetal.HardwareDetails{GPUs: []baremetal.GPU{{Type: baremetal.AcceleratorTypeOther}}}, "1x Accelerator"},
	} {
		if got := gpuSummary(tc.hw); got != tc.want {
			t.Errorf("gpuSummary(%+v) = %q, want %q", tc.hw, got, tc.want)
		}
	}
}

// TestTableWideColumns: every row has a cell per column, the GPUs and the power draw last and
// only with -o wide.
func TestTableWideColumns(t *testing.T) {
	h := &baremetal.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "gpu-host"}}
	h.Status.Hardware = &baremetal.HardwareDetails{GPUs: []baremetal.GPU{{Vendor: "NVIDIA", Model: "T4"}}}
	h.Status.PowerDraw = &baremetal.PowerDraw{Watts: 287}
	table, err := TableConvertor.ConvertToTable(context.Background(), h, &metav1.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := len(table.ColumnDefinitions)
	if gpus, power := table.ColumnDefinitions[n-2], table.ColumnDefinitions[n-1]; gpus.Name != "GPUs" || gpus.Priority != 1 ||
		power.Name != "Power Draw" || power.Priority != 1 {
		t.Errorf("last columns %+v, %+v, want GPUs and Power Draw with priority 1 (wide)", gpus, power)
	}
	row := table.Rows[0].Cells
	if len(row) != n || row[n-2] != "1x NVIDIA T4" || row[n-1] != "287 W" {
		t.Errorf("cells %v for columns %d", row, n)
	}
}

// TestTableRows: the cells of each column, the power read from the BMC unknown until the host
// is registered and while it is detached, as in baremetalhosts/power.
func TestTableRows(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	host := func(mutate func(*baremetal.BareMetalHost)) *baremetal.BareMetalHost {
		h := &baremetal.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", CreationTimestamp: metav1.NewTime(now.Add(-3 * time.Hour))}}
		h.Spec.Online = true
		h.Spec.BMC.Address = "redfish://192.0.2.1/redfish/v1/Systems/1"
		mutate(h)
		return h
	}
	for _, tc := range []struct {
		name string
		host *baremetal.BareMetalHost
		want []any
	}{
		{"new host", host(func(*baremetal.BareMetalHost) {}),
			[]any{"h", "", "", true, "", "3h", "", "redfish://192.0.2.1/redfish/v1/Systems/1", "<unknown>", "", "", ""}},
		{"registering, status.poweredOn not read yet", host(func(h *baremetal.BareMetalHost) {
			h.Status.Provisioning.State = baremetal.StateRegistering
			h.Status.OperationalStatus = baremetal.OperationalStatusError
			h.Status.ErrorType = baremetal.RegistrationError
		}), []any{"h", "registering", "", true, "registration error", "3h", "error", "redfish://192.0.2.1/redfish/v1/Systems/1", "<unknown>", "", "", ""}},
		{"provisioned, claimed, inventoried", host(func(h *baremetal.BareMetalHost) {
			h.Status.Provisioning.State = baremetal.StateProvisioned
			h.Status.OperationalStatus = baremetal.OperationalStatusOK
			h.Spec.ConsumerRef = &baremetal.ObjectReference{Name: "worker-0"}
			h.Status.PoweredOn = true
			h.Status.Hardware = &baremetal.HardwareDetails{CPU: baremetal.CPU{Count: 32}, RAMMebibytes: 262144}
			h.Status.PowerDraw = &baremetal.PowerDraw{Watts: 287}
		}), []any{"h", "provisioned", "worker-0", true, "", "3h", "OK", "redfish://192.0.2.1/redfish/v1/Systems/1", "On", "32 CPU, 256 GiB", "", "287 W"}},
		{"available, off", host(func(h *baremetal.BareMetalHost) {
			h.Status.Provisioning.State = baremetal.StateAvailable
			h.Spec.Online = false
		}), []any{"h", "available", "", false, "", "3h", "", "redfish://192.0.2.1/redfish/v1/Systems/1", "Off", "", "", ""}},
		{"detached", host(func(h *baremetal.BareMetalHost) {
			h.Status.Provisioning.State = baremetal.StateProvisioned
			h.Status.OperationalStatus = baremetal.OperationalStatusDetached
			h.Status.PoweredOn = true
		}), []any{"h", "provisioned", "", true, "", "3h", "detached", "redfish://192.0.2.1/redfish/v1/Systems/1", "<unknown>", "", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hostCells(tc.host, now); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("cells\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}
