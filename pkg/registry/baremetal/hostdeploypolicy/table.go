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

package hostdeploypolicy

import (
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints HostDeployPolicies for kubectl get: NAME and AGE (Metal3's CRD
// declares no columns); -o wide adds the namespaces allowed.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.HostDeployPolicy]{
	Resource: baremetal.Resource("hostdeploypolicies"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the HostDeployPolicy."},
		{Name: "Age", Type: "string", Description: "Time since the object was created."},
		{Name: "Names", Type: "string", Priority: 1, Description: "Namespaces whose HostClaims are allowed (spec.hostClaimNamespaces.names)."},
		{Name: "NameMatches", Type: "string", Priority: 1, Description: "Regular expression of the namespaces allowed (spec.hostClaimNamespaces.nameMatches)."},
	},
	Cells: func(hdp *baremetal.HostDeployPolicy, now time.Time) []any {
		var names, re string
		if c := hdp.Spec.HostClaimNamespaces; c != nil {
			names, re = strings.Join(c.Names, ","), c.NameMatches
		}
		return []any{hdp.Name, table.Age(hdp.CreationTimestamp, now), names, re}
	},
}
