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

// HostClaim conditions and reasons: Metal3's, plus the ones this server adds to say why a
// claim waits.
const (
	// HostClaimAssociatedCondition says whether the claim holds a host.
	HostClaimAssociatedCondition = "Associated"
	// HostClaimBareMetalHostAssociatedReason: the claim holds the host status.bareMetalHost names.
	HostClaimBareMetalHostAssociatedReason = "BareMetalHostAssociated"
	// HostClaimNoBareMetalHostReason: no host matches the claim's selector in the namespaces
	// it may use.
	HostClaimNoBareMetalHostReason = "NoBareMetalHost"
	// HostClaimAllBareMetalHostsClaimedReason: hosts match, but every one is claimed or not
	// available; the claim waits for one to be returned to the pool.
	HostClaimAllBareMetalHostsClaimedReason = "AllBareMetalHostsClaimed"
	// HostClaimNamespaceNotAllowedReason: the namespace the claim asks for has no
	// HostDeployPolicy letting claims of the claim's namespace use its hosts.
	HostClaimNamespaceNotAllowedReason = "NamespaceNotAllowed"
	// HostClaimMissingBareMetalHostReason: the host the claim held is gone or was taken back.
	HostClaimMissingBareMetalHostReason = "MissingBareMetalHost"

	// HostClaimKind is the kind a host's consumerRef names when a HostClaim holds it.
	HostClaimKind = "HostClaim"
)

// +genclient
// +genclient:method=Bind,verb=create,subresource=binding,input=HostClaimBinding,result=HostClaim
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostClaim is Metal3's claim on one BareMetalHost: the server binds it to one available host
// matching spec.hostSelector (labels, including the server-maintained hardware labels
// hardware.baremetal.metal3.io/...), in the claim's namespace or one whose HostDeployPolicy
// lets it in, by setting the host's consumerRef; the claim's image, power and config drive
// go to the host. Deleting the claim returns the host to the pool (deprovisioned, cleaned).
type HostClaim struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is what the claim asks for.
	// +optional
	Spec HostClaimSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is what the claim holds.
	// +optional
	Status HostClaimStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostClaimList is a list of HostClaims.
type HostClaimList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of HostClaims.
	Items []HostClaim `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// HostClaimSpec is what a claim asks for (Metal3's fields).
type HostClaimSpec struct {
	// PoweredOn says whether the claimed host should be powered on.
	PoweredOn bool `json:"poweredOn" protobuf:"varint,1,opt,name=poweredOn"`
	// Image is the image to provision onto the claimed host.
	// +optional
	Image *Image `json:"image,omitempty" protobuf:"bytes,2,opt,name=image"`
	// UserData references a Secret with user data for the host's config drive.
	// +optional
	UserData *SecretReference `json:"userData,omitempty" protobuf:"bytes,3,opt,name=userData"`
	// NetworkData references a Secret with network data for the host's config drive.
	// +optional
	NetworkData *SecretReference `json:"networkData,omitempty" protobuf:"bytes,4,opt,name=networkData"`
	// MetaData references a Secret with metadata for the host's config drive.
	// +optional
	MetaData *SecretReference `json:"metaData,omitempty" protobuf:"bytes,5,opt,name=metaData"`
	// CustomDeploy is a custom deploy procedure, instead of an image.
	// +optional
	CustomDeploy *CustomDeploy `json:"customDeploy,omitempty" protobuf:"bytes,6,opt,name=customDeploy"`
	// HostSelector says which hosts the claim may take.
	// +optional
	HostSelector HostSelector `json:"hostSelector,omitempty" protobuf:"bytes,7,opt,name=hostSelector"`
	// ConsumerRef names what uses the claim (a Machine); informational.
	// +optional
	ConsumerRef *ObjectReference `json:"consumerRef,omitempty" protobuf:"bytes,8,opt,name=consumerRef"`
	// FailureDomain prefers hosts labelled infrastructure.cluster.x-k8s.io/failure-domain with it.
	// +optional
	FailureDomain string `json:"failureDomain,omitempty" protobuf:"bytes,9,opt,name=failureDomain"`
}

// HostSelector says which hosts a claim may take.
type HostSelector struct {
	// MatchLabels are labels the host must have.
	// +optional
	MatchLabels map[string]string `json:"matchLabels,omitempty" protobuf:"bytes,1,rep,name=matchLabels"`
	// MatchExpressions are label requirements the host must meet (operators in, notin,
	// exists, !, gt, lt, =, ==, !=); gt and lt compare the numeric hardware labels, e.g.
	// hardware.baremetal.metal3.io/cpu-count gt 63.
	// +optional
	// +listType=atomic
	MatchExpressions []HostSelectorRequirement `json:"matchExpressions,omitempty" protobuf:"bytes,2,rep,name=matchExpressions"`
	// InNamespace is the one namespace to take a host from; empty means the claim's own
	// namespace and every namespace whose HostDeployPolicy lets the claim's namespace in.
	// +optional
	InNamespace string `json:"inNamespace,omitempty" protobuf:"bytes,3,opt,name=inNamespace"`
}

// HostSelectorRequirement is one label requirement.
type HostSelectorRequirement struct {
	// Key is the label.
	Key string `json:"key" protobuf:"bytes,1,opt,name=key"`
	// Operator is a k8s.io/apimachinery/pkg/selection operator.
	Operator string `json:"operator" protobuf:"bytes,2,opt,name=operator"`
	// Values the operator compares with.
	// +listType=atomic
	Values []string `json:"values" protobuf:"bytes,3,rep,name=values"`
}

// HostClaimStatus is what the claim holds.
type HostClaimStatus struct {
	// LastUpdated is when the status was last written.
	// +optional
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty" protobuf:"bytes,1,opt,name=lastUpdated"`
	// Conditions of the claim: Associated.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" protobuf:"bytes,2,rep,name=conditions"`
	// BareMetalHost is the host the claim holds.
	// +optional
	BareMetalHost *ObjectReference `json:"bareMetalHost,omitempty" protobuf:"bytes,3,opt,name=bareMetalHost"`
	// HardwareData is the HardwareData of the host held.
	// +optional
	HardwareData *ObjectReference `json:"hardwareData,omitempty" protobuf:"bytes,4,opt,name=hardwareData"`
	// PoweredOn is the held host's power state.
	// +optional
	PoweredOn bool `json:"poweredOn,omitempty" protobuf:"varint,5,opt,name=poweredOn"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostClaimBinding asks the server to bind a claim to a host now: POST it to
// hostclaims/NAME/binding (what the server's claim binder does for waiting claims when a
// host is returned to the pool). The answer is the claim, bound or with the reason it waits.
type HostClaimBinding struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata; the name, when given, must be the claim's.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
}

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostDeployPolicy is Metal3's policy letting HostClaims of other namespaces claim the hosts
// of the policy's namespace.
type HostDeployPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec says which namespaces' claims are allowed.
	// +optional
	Spec HostDeployPolicySpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is empty, as in Metal3.
	// +optional
	Status HostDeployPolicyStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// HostDeployPolicySpec says which namespaces' claims may take this namespace's hosts.
type HostDeployPolicySpec struct {
	// HostClaimNamespaces constrains the namespaces of the claims allowed; without it the
	// policy allows nobody.
	// +optional
	HostClaimNamespaces *HostClaimNamespaces `json:"hostClaimNamespaces,omitempty" protobuf:"bytes,1,opt,name=hostClaimNamespaces"`
}

// HostClaimNamespaces: a claim's namespace is allowed when it meets every constraint given.
type HostClaimNamespaces struct {
	// Names lists the namespaces allowed.
	// +optional
	// +listType=atomic
	Names []string `json:"names,omitempty" protobuf:"bytes,1,rep,name=names"`
	// NameMatches is a regular expression the whole namespace name must match ("prod"
	// matches "not-prod"; use "^prod$").
	// +optional
	NameMatches string `json:"nameMatches,omitempty" protobuf:"bytes,2,opt,name=nameMatches"`
	// HasLabels are labels the claim's Namespace must have (with the value, when given).
	// A standalone server has no Namespaces to read: a policy with hasLabels allows nobody there.
	// +optional
	// +listType=atomic
	HasLabels []NameValuePair `json:"hasLabels,omitempty" protobuf:"bytes,3,rep,name=hasLabels"`
}

// NameValuePair is a label name and, when Value is not empty, its value.
type NameValuePair struct {
	// Name of the label.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Value of the label, if it matters.
	// +optional
	Value string `json:"value,omitempty" protobuf:"bytes,2,opt,name=value"`
}

// HostDeployPolicyStatus is empty, as in Metal3.
type HostDeployPolicyStatus struct{}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostDeployPolicyList is a list of HostDeployPolicies.
type HostDeployPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items is the list of HostDeployPolicies.
	Items []HostDeployPolicy `json:"items" protobuf:"bytes,2,rep,name=items"`
}
