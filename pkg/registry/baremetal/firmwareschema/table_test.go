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

package firmwareschema

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testSchema() *baremetal.FirmwareSchema {
	return &baremetal.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-1", Namespace: "ns", Generation: 3},
		Spec: baremetal.FirmwareSchemaSpec{HardwareVendor: "HPE", HardwareModel: "ProLiant DL360 Gen10",
			Schema: map[string]baremetal.SettingSchema{"A": {}, "B": {}}},
	}
}

func TestTable(t *testing.T) {
	table, err := TableConvertor.ConvertToTable(context.Background(), testSchema(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(table.ColumnDefinitions); n != 5 || table.ColumnDefinitions[1].Name != "Age" || table.ColumnDefinitions[2].Priority != 1 {
		t.Errorf("columns %+v", table.ColumnDefinitions)
	}
	want := []any{"schema-1", "<unknown>", "HPE", "ProLiant DL360 Gen10", int64(2)}
	for i, c := range table.Rows[0].Cells {
		if c != want[i] {
			t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, want[i])
		}
	}
}
