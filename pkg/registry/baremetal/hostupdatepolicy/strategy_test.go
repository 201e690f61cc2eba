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

package hostupdatepolicy

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func testHUP() *baremetal.HostUpdatePolicy {
	return &baremetal.HostUpdatePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", Generation: 2, ResourceVersion: "7"},
		Spec:       baremetal.HostUpdatePolicySpec{FirmwareSettings: baremetal.HostUpdatePolicyOnReboot},
	}
}

func TestValidate(t *testing.T) {
	bad := testHUP()
	bad.Spec.FirmwareUpdates = "now"
	if errs := Strategy.Validate(context.Background(), bad); len(errs) != 1 || errs[0].Field != "spec.firmwareUpdates" {
		t.Errorf("Validate: %v", errs)
	}
	if errs := Strategy.ValidateUpdate(context.Background(), bad, testHUP()); len(errs) != 1 || errs[0].Field != "spec.firmwareUpdates" {
		t.Errorf("ValidateUpdate: %v", errs)
	}
}

func TestTable(t *testing.T) {
	table, err := TableConvertor.ConvertToTable(context.Background(), testHUP(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(table.ColumnDefinitions); n != 4 || table.ColumnDefinitions[1].Name != "Age" ||
		table.ColumnDefinitions[1].Priority != 0 || table.ColumnDefinitions[2].Priority != 1 {
		t.Errorf("columns %+v", table.ColumnDefinitions)
	}
	want := []any{"worker-0", "<unknown>", "onReboot", ""}
	if len(table.Rows[0].Cells) != len(want) {
		t.Fatalf("cells %v", table.Rows[0].Cells)
	}
	for i, c := range table.Rows[0].Cells {
		if c != want[i] {
			t.Errorf("cell %s = %v, want %v", table.ColumnDefinitions[i].Name, c, want[i])
		}
	}
}
