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

package hostfirmwarecomponents

import (
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints HostFirmwareComponents for kubectl get. By default the columns are
// Metal3's (its CRD declares none: NAME and AGE); -o wide adds the components to update and
// the two conditions.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.HostFirmwareComponents]{
	Resource: baremetal.Resource("hostfirmwarecomponents"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the HostFirmwareComponents, Metal3 names it after its host."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
		{Name: "Updates", Type: "string", Priority: 1, Description: "Components to update, in order (spec.updates[*].component)."},
		{Name: "Valid", Type: "string", Priority: 1, Description: "Status of the Valid condition."},
		{Name: "ChangeDetected", Type: "string", Priority: 1, Description: "Status of the ChangeDetected condition."},
	},
	Cells: func(hfc *baremetal.HostFirmwareComponents, now time.Time) []any {
		components := make([]string, len(hfc.Spec.Updates))
		for i, u := range hfc.Spec.Updates {
			components[i] = u.Component
		}
		return []any{
			hfc.Name,
			table.Age(hfc.CreationTimestamp, now),
			strings.Join(components, ","),
			table.ConditionStatus(hfc.Status.Conditions, v1alpha1.HostFirmwareComponentsValid),
			table.ConditionStatus(hfc.Status.Conditions, v1alpha1.HostFirmwareComponentsChangeDetected),
		}
	},
}
