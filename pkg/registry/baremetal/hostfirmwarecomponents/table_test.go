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

package hostfirmwarecomponents

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testHFC() *baremetal.HostFirmwareComponents {
	return &baremetal.HostFirmwareComponents{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", Generation: 2},
		Spec: baremetal.HostFirmwareComponentsSpec{Updates: []baremetal.FirmwareUpdate{
			{Component: "bios", URL: "https://fw.example.com/bios.bin"},
			{Component: "nic:NIC.Slot.1-1", URL: "https://fw.example.com/nic.bin"},
		}},
		Status: baremetal.HostFirmwareComponentsStatus{
			Conditions: []metav1.Condition{{Type: "Valid", Status: metav1.ConditionTrue}},
		},
	}
}

func TestTable(t *testing.T) {
	table, err := TableConvertor.ConvertToTable(context.Background(), testHFC(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"worker-0", "<unknown>", "bios,nic:NIC.Slot.1-1", "True", ""}
	if len(table.Rows[0].Cells) != len(want) {
		t.Fatalf("cells %v", table.Rows[0].Cells)
	}
	for i, c := range table.Rows[0].Cells {
		if c != want[i] {
			t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, want[i])
		}
	}
}
