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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BMCEventSubscriptionFinalizer is Metal3's finalizer on a BMCEventSubscription: it stays until
// the subscription is removed from the BMC.
const BMCEventSubscriptionFinalizer = "bmceventsubscription.metal3.io"

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BMCEventSubscription is Metal3's subscription of a webhook to the events (Redfish alerts) of
// a host's BMC: the BMC posts its events to spec.destination. It cannot be changed once
// created; delete it and create another.
type BMCEventSubscription struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the subscription; it is immutable.
	// +optional
	Spec BMCEventSubscriptionSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the subscription as the BMC has it, written by the reconciler.
	// +optional
	Status BMCEventSubscriptionStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BMCEventSubscriptionList is a list of BMCEventSubscriptions.
type BMCEventSubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of BMCEventSubscriptions.
	Items []BMCEventSubscription `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// BMCEventSubscriptionSpec is the subscription: whose BMC, where its events go.
type BMCEventSubscriptionSpec struct {
	// HostName is the name of the BareMetalHost, in the subscription's namespace, whose BMC
	// sends the events.
	HostName string `json:"hostName,omitempty" protobuf:"bytes,1,opt,name=hostName"`

	// Destination is the webhook URL the BMC sends events to: http or https, with a host and a
	// path (a trailing slash for the root, as Metal3 asks).
	Destination string `json:"destination,omitempty" protobuf:"bytes,2,opt,name=destination"`

	// Context is arbitrary text the BMC sends along with each event.
	// +optional
	Context string `json:"context,omitempty" protobuf:"bytes,3,opt,name=context"`

	// HTTPHeadersRef names a Secret, in the subscription's namespace, whose keys and values are
	// HTTP headers the BMC sends to the destination with each event.
	// +optional
	HTTPHeadersRef *SecretReference `json:"httpHeadersRef,omitempty" protobuf:"bytes,4,opt,name=httpHeadersRef"`
}

// BMCEventSubscriptionStatus is the subscription as the BMC has it.
type BMCEventSubscriptionStatus struct {
	// SubscriptionID is the BMC's ID of the subscription.
	// +optional
	SubscriptionID string `json:"subscriptionID,omitempty" protobuf:"bytes,1,opt,name=subscriptionID"`
	// Error is the most recent error, empty when the subscription is in place.
	// +optional
	Error string `json:"error,omitempty" protobuf:"bytes,2,opt,name=error"`
}
