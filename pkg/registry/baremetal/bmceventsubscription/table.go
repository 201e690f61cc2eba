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

package bmceventsubscription

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/table"
)

// TableConvertor prints BMCEventSubscriptions for kubectl get with the columns of Metal3's CRD
// (Error, Age); -o wide adds the host, the destination and the BMC's subscription ID.
var TableConvertor rest.TableConvertor = table.Convertor[*baremetal.BMCEventSubscription]{
	Resource: baremetal.Resource("bmceventsubscriptions"),
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the BMCEventSubscription."},
		{Name: "Error", Type: "string", Description: "The most recent error message."},
		{Name: "Age", Type: "string", Description: "Time duration since creation of BMCEventSubscription."},
		{Name: "Host", Type: "string", Priority: 1, Description: "BareMetalHost whose BMC sends the events (spec.hostName)."},
		{Name: "Destination", Type: "string", Priority: 1, Description: "Webhook URL the events go to (spec.destination)."},
		{Name: "SubscriptionID", Type: "string", Priority: 1, Description: "The BMC's ID of the subscription (status.subscriptionID)."},
	},
	Cells: func(s *baremetal.BMCEventSubscription, now time.Time) []any {
		return []any{
			s.Name,
			s.Status.Error,
			table.Age(s.CreationTimestamp, now),
			s.Spec.HostName,
			s.Spec.Destination,
			s.Status.SubscriptionID,
		}
	},
}
