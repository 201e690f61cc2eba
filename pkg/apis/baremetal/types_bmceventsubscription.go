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

package baremetal

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The internal version of Metal3's BMCEventSubscription; v1alpha1/types_bmceventsubscription.go
// documents it.

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BMCEventSubscription subscribes a webhook to the events of a host's BMC.
type BMCEventSubscription struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   BMCEventSubscriptionSpec
	Status BMCEventSubscriptionStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BMCEventSubscriptionList is a list of BMCEventSubscriptions.
type BMCEventSubscriptionList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []BMCEventSubscription
}

// BMCEventSubscriptionSpec is the subscription.
type BMCEventSubscriptionSpec struct {
	HostName       string
	Destination    string
	Context        string
	HTTPHeadersRef *SecretReference
}

// BMCEventSubscriptionStatus is the subscription as the BMC has it.
type BMCEventSubscriptionStatus struct {
	SubscriptionID string
	Error          string
}
