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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints HostUpdatePolicies for kubectl get. By default the columns are
// Metal3's (its CRD declares none: NAME and AGE); -o wide adds the two policies.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.HostUpdatePolicy]{
	Resource: baremetal.Resource("hostupdatepolicies"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the HostUpdatePolicy, Metal3 reads the one named after its host."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
		{Name: "FirmwareSettings", Type: "string", Priority: 1, Description: "Policy for changing firmware settings (spec.firmwareSettings)."},
		{Name: "FirmwareUpdates", Type: "string", Priority: 1, Description: "Policy for updating firmware (spec.firmwareUpdates)."},
	},
	Cells: func(hup *baremetal.HostUpdatePolicy, now time.Time) []any {
		return []any{
			hup.Name,
			table.Age(hup.CreationTimestamp, now),
			string(hup.Spec.FirmwareSettings),
			string(hup.Spec.FirmwareUpdates),
		}
	},
}
