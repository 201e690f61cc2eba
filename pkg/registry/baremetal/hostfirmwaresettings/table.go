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

package hostfirmwaresettings

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints HostFirmwareSettings for kubectl get hfs. By default the columns are
// Metal3's (its CRD declares none: NAME and AGE); -o wide adds the schema and the two
// conditions, which say whether the desired settings can be applied and whether they differ
// from the host's.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.HostFirmwareSettings]{
	Resource: baremetal.Resource("hostfirmwaresettings"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the HostFirmwareSettings, Metal3 names it after its host."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
		{Name: "Settings", Type: "integer", Priority: 1, Description: "Number of desired settings (spec.settings)."},
		{Name: "Schema", Type: "string", Priority: 1, Description: "FirmwareSchema the settings are judged by (status.schema.name)."},
		{Name: "Valid", Type: "string", Priority: 1, Description: "Status of the Valid condition."},
		{Name: "ChangeDetected", Type: "string", Priority: 1, Description: "Status of the ChangeDetected condition."},
	},
	Cells: func(hfs *baremetal.HostFirmwareSettings, now time.Time) []any {
		schema := ""
		if hfs.Status.Schema != nil {
			schema = hfs.Status.Schema.Name
		}
		return []any{
			hfs.Name,
			table.Age(hfs.CreationTimestamp, now),
			int64(len(hfs.Spec.Settings)),
			schema,
			table.ConditionStatus(hfs.Status.Conditions, v1alpha1.FirmwareSettingsValid),
			table.ConditionStatus(hfs.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected),
		}
	},
}
