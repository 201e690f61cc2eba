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

// HostClaim conditions and reasons (Metal3's, plus the ones this server adds to say why a
// claim waits).
const (
	// HostClaimAssociatedCondition says whether the claim holds a host.
	HostClaimAssociatedCondition = "Associated"
	// HostClaimBareMetalHostAssociatedReason: the claim holds the host status.bareMetalHost names.
	HostClaimBareMetalHostAssociatedReason = "BareMetalHostAssociated"
	// HostClaimNoBareMetalHostReason: no host matches the claim's selector (in the namespaces it may use).
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

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostClaim asks for one BareMetalHost matching a selector (labels, including the
// server-maintained hardware labels), and provisions it with the claim's image.
type HostClaim struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   HostClaimSpec
	Status HostClaimStatus
}

// HostClaimSpec is what a claim asks for.
type HostClaimSpec struct {
	// PoweredOn is whether the claimed host should be on.
	PoweredOn bool
	// Image to provision onto the claimed host.
	Image *Image
	// UserData, NetworkData and MetaData reference Secrets for the host's config drive.
	UserData    *SecretReference
	NetworkData *SecretReference
	MetaData    *SecretReference
	// CustomDeploy is a custom deploy procedure instead of an image.
	CustomDeploy *CustomDeploy
	// HostSelector says which hosts may be claimed.
	HostSelector HostSelector
	// ConsumerRef names what uses the claim (a Machine), informational.
	ConsumerRef *ObjectReference
	// FailureDomain prefers hosts labelled infrastructure.cluster.x-k8s.io/failure-domain=<it>.
	FailureDomain string
}

// HostSelector says which hosts a claim may take.
type HostSelector struct {
	// MatchLabels are labels the host must have.
	MatchLabels map[string]string
	// MatchExpressions are label requirements the host must meet.
	MatchExpressions []HostSelectorRequirement
	// InNamespace is the one namespace to take a host from; empty means the claim's own
	// namespace and every namespace whose HostDeployPolicy lets the claim's namespace in.
	InNamespace string
}

// HostSelectorRequirement is one label requirement: Key Operator Values.
type HostSelectorRequirement struct {
	Key      string
	Operator string
	Values   []string
}

// HostClaimStatus is what the claim holds.
type HostClaimStatus struct {
	// LastUpdated is when the status was last written.
	LastUpdated *metav1.Time
	// Conditions: Associated.
	Conditions []metav1.Condition
	// BareMetalHost is the host the claim holds.
	BareMetalHost *ObjectReference
	// HardwareData is the HardwareData of the host held.
	HardwareData *ObjectReference
	// PoweredOn is the held host's power state.
	PoweredOn bool
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostClaimList is a list of HostClaims.
type HostClaimList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []HostClaim
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostClaimBinding asks the server to bind a claim to a host now: POST it to
// hostclaims/NAME/binding. The answer is the claim with its Associated condition.
type HostClaimBinding struct {
	metav1.TypeMeta
	metav1.ObjectMeta
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostDeployPolicy lets HostClaims of other namespaces claim the hosts of its namespace.
type HostDeployPolicy struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   HostDeployPolicySpec
	Status HostDeployPolicyStatus
}

// HostDeployPolicySpec says which namespaces' claims may take this namespace's hosts.
type HostDeployPolicySpec struct {
	HostClaimNamespaces *HostClaimNamespaces
}

// HostClaimNamespaces: a claim's namespace is allowed when it meets every constraint given:
// it is one of Names, it matches NameMatches, it has every label of HasLabels. A policy
// without constraints allows nobody.
type HostClaimNamespaces struct {
	Names       []string
	NameMatches string
	HasLabels   []NameValuePair
}

// NameValuePair is a label name and, when Value is not empty, its value.
type NameValuePair struct {
	Name  string
	Value string
}

// HostDeployPolicyStatus is empty, as in Metal3.
type HostDeployPolicyStatus struct{}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HostDeployPolicyList is a list of HostDeployPolicies.
type HostDeployPolicyList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []HostDeployPolicy
}
