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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints FirmwareSchemas for kubectl get. By default the columns are Metal3's
// (its CRD declares none, so kubectl shows NAME and AGE); -o wide adds what tells one schema
// from another: the hardware it is for and how many attributes it describes.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.FirmwareSchema]{
	Resource: baremetal.Resource("firmwareschemas"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the schema."},
		{Name: "Age", Type: "string", Description: "Time since the schema was created."},
		{Name: "Vendor", Type: "string", Priority: 1, Description: "Hardware vendor (spec.hardwareVendor)."},
		{Name: "Model", Type: "string", Priority: 1, Description: "Hardware model (spec.hardwareModel)."},
		{Name: "Attributes", Type: "integer", Priority: 1, Description: "Number of attributes described (spec.schema)."},
	},
	Cells: func(s *baremetal.FirmwareSchema, now time.Time) []any {
		return []any{s.Name, table.Age(s.CreationTimestamp, now), s.Spec.HardwareVendor, s.Spec.HardwareModel, int64(len(s.Spec.Schema))}
	},
}
