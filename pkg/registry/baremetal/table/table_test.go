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

package table

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

var testConvertor = Convertor[*baremetal.FirmwareSchema]{
	Resource: baremetal.Resource("firmwareschemas"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Vendor", Type: "string"},
	},
	Cells: func(s *baremetal.FirmwareSchema, now time.Time) []any { return []any{s.Name, s.Spec.HardwareVendor} },
}

func testSchema(name, vendor string) baremetal.FirmwareSchema {
	return baremetal.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "7"},
		Spec:       baremetal.FirmwareSchemaSpec{HardwareVendor: vendor},
	}
}

func TestConvertToTable(t *testing.T) {
	one := testSchema("a", "Dell Inc.")
	remaining := int64(3)
	list := &baremetal.FirmwareSchemaList{
		ListMeta: metav1.ListMeta{ResourceVersion: "9", Continue: "next", RemainingItemCount: &remaining},
		Items:    []baremetal.FirmwareSchema{testSchema("a", "Dell Inc."), testSchema("b", "HPE")},
	}
	cases := []struct {
		name    string
		obj     runtime.Object
		opts    runtime.Object
		rows    [][]any
		rv      string
		cont    string
		headers bool
	}{
		{name: "one object", obj: &one, rows: [][]any{{"a", "Dell Inc."}}, rv: "7", headers: true},
		{name: "a list", obj: list, rows: [][]any{{"a", "Dell Inc."}, {"b", "HPE"}}, rv: "9", cont: "next", headers: true},
		{name: "an empty list", obj: &baremetal.FirmwareSchemaList{}, rows: [][]any{}, headers: true},
		{name: "no headers", obj: &one, opts: &metav1.TableOptions{NoHeaders: true}, rows: [][]any{{"a", "Dell Inc."}}, rv: "7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := testConvertor.ConvertToTable(context.Background(), tc.obj, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if (len(got.ColumnDefinitions) == 2) != tc.headers {
				t.Errorf("columns %v, headers wanted: %v", got.ColumnDefinitions, tc.headers)
			}
			if len(got.Rows) != len(tc.rows) {
				t.Fatalf("%d rows, want %d", len(got.Rows), len(tc.rows))
			}
			for i, row := range got.Rows {
				if len(row.Cells) != 2 || row.Cells[0] != tc.rows[i][0] || row.Cells[1] != tc.rows[i][1] {
					t.Errorf("row %d: %v, want %v", i, row.Cells, tc.rows[i])
				}
				if s, ok := row.Object.Object.(*baremetal.FirmwareSchema); !ok || s.Name != tc.rows[i][0] {
					t.Errorf("row %d object %v", i, row.Object.Object)
				}
			}
			if got.ResourceVersion != tc.rv || got.Continue != tc.cont {
				t.Errorf("resourceVersion %q continue %q", got.ResourceVersion, got.Continue)
			}
		})
	}
}

func TestConvertToTableOfAnotherKind(t *testing.T) {
	for _, obj := range []runtime.Object{&baremetal.BareMetalHost{}, &baremetal.BareMetalHostList{Items: []baremetal.BareMetalHost{{}}}} {
		if _, err := testConvertor.ConvertToTable(context.Background(), obj, nil); !apierrors.IsInternalError(err) {
			t.Errorf("%T: %v, want an internal error", obj, err)
		}
	}
}

func TestAgeAndConditionStatus(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	if got := Age(metav1.NewTime(now.Add(-90*time.Minute)), now); got != "90m" {
		t.Errorf("age %q", got)
	}
	if got := Age(metav1.Time{}, now); got != "<unknown>" {
		t.Errorf("age of no time %q", got)
	}
	conditions := []metav1.Condition{{Type: "Valid", Status: metav1.ConditionFalse}}
	if got := ConditionStatus(conditions, "Valid"); got != "False" {
		t.Errorf("Valid %q", got)
	}
	if got := ConditionStatus(conditions, "ChangeDetected"); got != "" {
		t.Errorf("ChangeDetected %q", got)
	}
}
