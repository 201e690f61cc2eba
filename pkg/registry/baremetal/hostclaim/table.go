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

package hostclaim

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints HostClaims for kubectl get: the host held, or why the claim waits.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.HostClaim]{
	Resource: baremetal.Resource("hostclaims"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the HostClaim."},
		{Name: "Host", Type: "string", Description: "The BareMetalHost held (namespace/name), status.bareMetalHost."},
		{Name: "Reason", Type: "string", Description: "Reason of the Associated condition: why the claim waits, or BareMetalHostAssociated."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
	},
	Cells: func(c *baremetal.HostClaim, now time.Time) []any {
		host, reason := "", ""
		if ref := c.Status.BareMetalHost; ref != nil {
			host = ref.Namespace + "/" + ref.Name
		}
		for _, cond := range c.Status.Conditions {
			if cond.Type == baremetal.HostClaimAssociatedCondition {
				reason = cond.Reason
			}
		}
		return []any{c.Name, host, reason, table.Age(c.CreationTimestamp, now)}
	},
}
