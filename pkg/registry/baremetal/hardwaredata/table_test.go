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

package hardwaredata

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// TestTable: Metal3's printer columns (the name, and the age of the object).
func TestTable(t *testing.T) {
	created := metav1.NewTime(time.Now().Add(-90 * time.Minute))
	hd := baremetal.HardwareData{ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "ns", CreationTimestamp: created, ResourceVersion: "7"}}
	for _, tc := range []struct {
		name    string
		obj     runtime.Object
		opts    *metav1.TableOptions
		rows    [][]interface{}
		headers []string
		rv      string
	}{
		{name: "one", obj: hd.DeepCopy(), rows: [][]interface{}{{"worker-0", "90m"}}, headers: []string{"Name", "Age"}, rv: "7"},
		{name: "no age yet", obj: &baremetal.HardwareData{ObjectMeta: metav1.ObjectMeta{Name: "new"}},
			rows: [][]interface{}{{"new", "<unknown>"}}, headers: []string{"Name", "Age"}},
		{name: "list without headers", obj: &baremetal.HardwareDataList{ListMeta: metav1.ListMeta{ResourceVersion: "9", Continue: "next"},
			Items: []baremetal.HardwareData{hd, {ObjectMeta: metav1.ObjectMeta{Name: "worker-1", CreationTimestamp: created}}}},
			opts: &metav1.TableOptions{NoHeaders: true}, rows: [][]interface{}{{"worker-0", "90m"}, {"worker-1", "90m"}}, rv: "9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if opts == nil {
				opts = &metav1.TableOptions{}
			}
			table, err := TableConvertor.ConvertToTable(context.Background(), tc.obj, opts)
			if err != nil {
				t.Fatal(err)
			}
			var headers []string
			for _, c := range table.ColumnDefinitions {
				headers = append(headers, c.Name)
			}
			if !slices.Equal(headers, tc.headers) {
				t.Errorf("headers %v, want %v", headers, tc.headers)
			}
			if len(table.Rows) != len(tc.rows) {
				t.Fatalf("%d rows, want %d", len(table.Rows), len(tc.rows))
			}
			for i, r := range table.Rows {
				for j, cell := range r.Cells {
					if cell != tc.rows[i][j] {
						t.Errorf("row %d cell %d = %v, want %v", i, j, cell, tc.rows[i][j])
					}
				}
			}
			if table.ResourceVersion != tc.rv {
				t.Errorf("resourceVersion %q, want %q", table.ResourceVersion, tc.rv)
			}
		})
	}
	if _, err := TableConvertor.ConvertToTable(context.Background(), &baremetal.BareMetalHost{}, nil); err == nil {
		t.Error("a host printed as HardwareData")
	}
}
