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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints HardwareData for kubectl get with the columns of Metal3's CRD: the
// name and the age. The inventory itself is read with -o yaml, or summarised on the host
// (kubectl get bmh -o wide).
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.HardwareData]{
	Resource: baremetal.Resource("hardwaredata"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the HardwareData, the name of its host."},
		{Name: "Age", Type: "date", Description: "Time duration since creation of HardwareData"},
	},
	Cells: func(hd *baremetal.HardwareData, now time.Time) []any {
		return []any{hd.Name, table.Age(hd.CreationTimestamp, now)}
	},
}
