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
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// TableConvertor prints HardwareData for kubectl get with the columns of Metal3's CRD: the
// name and the age. The inventory itself is read with -o yaml, or summarised on the host
// (kubectl get bmh -o wide).
var TableConvertor rest.TableConvertor = tableConvertor{}

type tableConvertor struct{}

var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the HardwareData, the name of its host."},
	{Name: "Age", Type: "date", Description: "Time duration since creation of HardwareData"},
}

func (tableConvertor) ConvertToTable(ctx context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		table.ColumnDefinitions = columns
	}
	now := time.Now()
	switch t := obj.(type) {
	case *baremetal.HardwareData:
		table.Rows = []metav1.TableRow{row(t, now)}
		table.ResourceVersion = t.ResourceVersion
	case *baremetal.HardwareDataList:
		table.Rows = make([]metav1.TableRow, 0, len(t.Items))
		for i := range t.Items {
			table.Rows = append(table.Rows, row(&t.Items[i], now))
		}
		if m, err := meta.ListAccessor(t); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
			table.Continue = m.GetContinue()
			table.RemainingItemCount = m.GetRemainingItemCount()
		}
	default:
		return nil, apierrors.NewGenericServerResponse(http.StatusInternalServerError, "list", baremetal.Resource("hardwaredata"), "", fmt.Sprintf("cannot print %T as a table", obj), 0, false)
	}
	return table, nil
}

func row(hd *baremetal.HardwareData, now time.Time) metav1.TableRow {
	return metav1.TableRow{
		Object: runtime.RawExtension{Object: hd},
		Cells:  []interface{}{hd.Name, age(hd.CreationTimestamp, now)},
	}
}

func age(ts metav1.Time, now time.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}
