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

import "github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"

// Annotations and names Metal3 users rely on; the server honours them for compatibility, while
// the subresources (power, reboot, inspect) are the native way to ask for the same actions.
const (
	// BareMetalHostFinalizer keeps a host until its provisioner record is removed.
	BareMetalHostFinalizer = "baremetalhost.metal3.io"
	// PausedAnnotation stops reconciliation of the host while present.
	PausedAnnotation = "baremetalhost.metal3.io/paused"
	// DeleteForMoveAnnotation is what clusterctl move puts on an object it is about to delete
	// from the cluster it moves away from, replacing every other annotation (the paused one
	// included). A host carrying it is treated as paused: it is being moved, not given up.
	DeleteForMoveAnnotation = "clusterctl.cluster.x-k8s.io/delete-for-move"
	// DetachedAnnotation detaches the host from the provisioner without deprovisioning it.
	DetachedAnnotation = "baremetalhost.metal3.io/detached"
	// StatusAnnotation carries a status to restore (used when moving hosts between clusters).
	StatusAnnotation = "baremetalhost.metal3.io/status"
	// RebootAnnotationPrefix requests a reboot, as in Metal3: reboot.metal3.io powers the host
	// off and is removed once it is off (the host then follows spec.online again);
	// reboot.metal3.io/<key> keeps the host off until every such annotation is removed by
	// whoever set it (Cluster API Provider Metal3's remediation relies on that). The value is
	// empty or {"mode":"hard|soft","force":true}; hosts that are not provisioned only honour
	// annotations with force.
	RebootAnnotationPrefix = "reboot.metal3.io"
	// RebootSubresourceAnnotation records a reboot asked for through baremetalhosts/reboot:
	// one reboot (a reset, without holding the host off), after which the reconciler removes it.
	RebootSubresourceAnnotation = RebootAnnotationPrefix + "/baremetal-api"
	// InspectAnnotationPrefix requests (re)inspection, or disables it with the value "disabled".
	InspectAnnotationPrefix = baremetal.InspectAnnotation
	// HardwareDetailsAnnotation carries hardware details for hosts whose inspection is disabled.
	HardwareDetailsAnnotation = InspectAnnotationPrefix + "/hardwaredetails"
	// InspectAnnotationValueDisabled is the inspect annotation's value that disables inspection.
	InspectAnnotationValueDisabled = "disabled"
)

// BareMetalHostKind is what an owner reference to a host names (HardwareData, firmware objects).
var BareMetalHostKind = SchemeGroupVersion.WithKind("BareMetalHost")

// Condition types of a BareMetalHost: Metal3's, with Metal3's meanings (tools such as Cluster
// API Provider Metal3 and `kubectl wait --for=condition=Ready` read them), and this server's
// PoweredOn and Rebooted.
const (
	// ConditionManageable is True once the backend manages the host (registered) and its power
	// is not failing.
	ConditionManageable = "Manageable"
	// ConditionAvailableForProvisioning is True while the host waits, available, for an image.
	ConditionAvailableForProvisioning = "AvailableForProvisioning"
	// ConditionProvisioned is True when the host runs an image: provisioned, or externally
	// provisioned.
	ConditionProvisioned = "Provisioned"
	// ConditionReady is True only when the host is provisioned (or externally provisioned) and
	// in a good operational status, as in Metal3: an available host is not Ready.
	ConditionReady = "Ready"
	// ConditionProgressing is True while the host is between stable states.
	ConditionProgressing = "Progressing"
	// ConditionHealthy is the host's health as its BMC reports it.
	ConditionHealthy = "Healthy"
	// ConditionPoweredOn follows status.poweredOn; its transition time dates power changes
	// (baremetalhosts/power shows it).
	ConditionPoweredOn = "PoweredOn"
	// ConditionRebooted records the last reboot carried out for a request.
	ConditionRebooted = "Rebooted"
)

// Condition reasons, Metal3's names and values.
const (
	ReasonManageable              = "Manageable"
	ReasonNotManaged              = "NotManaged"
	ReasonRegistering             = "Registering"
	ReasonRegistrationFailed      = "RegistrationFailed"
	ReasonPowerFailure            = "PowerFailure"
	ReasonProvisioned             = "Provisioned"
	ReasonNotProvisioned          = "NotProvisioned"
	ReasonProvisioning            = "Provisioning"
	ReasonError                   = "Error"
	ReasonDetached                = "Detached"
	ReasonAvailable               = "Available"
	ReasonNotAvailable            = "NotAvailable"
	ReasonInspecting              = "Inspecting"
	ReasonPreparing               = "Preparing"
	ReasonDeprovisioning          = "Deprovisioning"
	ReasonPoweringOffBeforeDelete = "PoweringOffBeforeDelete"
	ReasonDeleting                = "Deleting"
	ReasonServicing               = "Servicing"
	ReasonNotProgressing          = "NotProgressing"
	ReasonHealthy                 = "Healthy"
	ReasonUnknownHealth           = "Unknown"
	ReasonWarningHealth           = "Warning"
	ReasonCriticalHealth          = "CriticalError"
)

// Paused says whether the annotations stop every action on a host: Metal3's paused annotation,
// or clusterctl move's delete-for-move (see DeleteForMoveAnnotation). One rule for the
// reconciler, the other controllers, the claim binder and the plugin.
func Paused(annotations map[string]string) bool {
	_, paused := annotations[PausedAnnotation]
	_, moving := annotations[DeleteForMoveAnnotation]
	return paused || moving
}
