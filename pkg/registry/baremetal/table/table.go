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

// Package table builds the kubectl tables of kinds whose rows are a function of one object:
// the list handling, headers and metadata every kind's table convertor would otherwise repeat.
package table

import (
	"context"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Convertor prints objects of one kind, and lists of them, as tables.
type Convertor[T runtime.Object] struct {
	// Resource names the kind in the error for an object of another type.
	Resource schema.GroupResource
	// Columns are the table's columns: priority 0 shows by default, 1 only with -o wide.
	Columns []metav1.TableColumnDefinition
	// Cells returns one object's row, a cell per column; now is the same for every row.
	Cells func(obj T, now time.Time) []any
}

var _ rest.TableConvertor = Convertor[runtime.Object]{}

// ConvertToTable prints an object of type T, or a list whose items are.
func (c Convertor[T]) ConvertToTable(ctx context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	t := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		t.ColumnDefinitions = c.Columns
	}
	now := time.Now()
	if !meta.IsListType(obj) {
		row, err := c.row(obj, now)
		if err != nil {
			return nil, err
		}
		t.Rows = []metav1.TableRow{row}
		if m, err := meta.Accessor(obj); err == nil {
			t.ResourceVersion = m.GetResourceVersion()
		}
		return t, nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, c.cannotPrint(obj)
	}
	t.Rows = make([]metav1.TableRow, 0, len(items))
	for _, item := range items {
		row, err := c.row(item, now)
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, row)
	}
	if m, err := meta.ListAccessor(obj); err == nil {
		t.ResourceVersion = m.GetResourceVersion()
		t.Continue = m.GetContinue()
		t.RemainingItemCount = m.GetRemainingItemCount()
	}
	return t, nil
}

func (c Convertor[T]) row(obj runtime.Object, now time.Time) (metav1.TableRow, error) {
	typed, ok := obj.(T)
	if !ok {
		return metav1.TableRow{}, c.cannotPrint(obj)
	}
	return metav1.TableRow{Object: runtime.RawExtension{Object: obj}, Cells: c.Cells(typed, now)}, nil
}

func (c Convertor[T]) cannotPrint(obj runtime.Object) error {
	return apierrors.NewGenericServerResponse(http.StatusInternalServerError, "list", c.Resource, "",
		fmt.Sprintf("cannot print %T as a table", obj), 0, false)
}

// Age is the AGE column of an object created at ts, as kubectl prints it.
func Age(ts metav1.Time, now time.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

// ConditionStatus is a condition's status for a column, empty when the condition is not set.
func ConditionStatus(conditions []metav1.Condition, condType string) string {
	if c := meta.FindStatusCondition(conditions, condType); c != nil {
		return string(c.Status)
	}
	return ""
}
