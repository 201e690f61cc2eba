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
	"testing"

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
	table, err := tableConvertor{}.ConvertToTable(context.Background(), h, &metav1.TableOptions{})
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
