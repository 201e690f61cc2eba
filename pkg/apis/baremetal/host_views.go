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

// Views derived from a host's fields that the power and inspect subresources, the table, the
// reconciler and the kubectl plugin must all read the same way. The rules are written here once, on the hub
// type; the versioned type's methods of the same names delegate to them (v1alpha1/host_views.go).

// PowerObserved says whether status.poweredOn is a reading of the BMC: only once the
// reconciler has registered the host, and not while it is detached (the provisioner then holds
// no record of it). Before that nothing has read the BMC, and the field's false means
// "unknown", not Off.
func (h *BareMetalHost) PowerObserved() bool {
	switch h.Status.Provisioning.State {
	case StateNone, StateUnmanaged, StateRegistering:
		return false
	}
	return h.Status.OperationalStatus != OperationalStatusDetached
}

// ObservedPower is the power the BMC last reported, or "" while it is unknown (PowerObserved).
func (h *BareMetalHost) ObservedPower() PowerState {
	if !h.PowerObserved() {
		return ""
	}
	return powerState(h.Status.PoweredOn)
}

// DesiredPower is spec.online as the power subresource spells it.
func (h *BareMetalHost) DesiredPower() PowerState {
	return powerState(h.Spec.Online)
}

// PowerPending says whether the desired power is still to be reached: before the first
// reading, as long as the host has a BMC to read; after it, while the reading differs from
// spec.online, unless the host may not be powered off (disablePowerOff), which no reading
// will change.
func (h *BareMetalHost) PowerPending() bool {
	if !h.PowerObserved() {
		return h.Spec.BMC.Address != ""
	}
	return h.Spec.Online != h.Status.PoweredOn && !h.Spec.DisablePowerOff
}

// InspectAnnotation is Metal3's inspect.metal3.io: empty, it requests an inspection
// (v1alpha1.InspectAnnotationPrefix is this name).
const InspectAnnotation = "inspect.metal3.io"

// InspectionState is where the host's inspection stands, as baremetalhosts/inspect reports it,
// with the failure's message when it failed. A host inspecting is in progress even while the
// request is still in place (the reconciler removes it once the backend took it).
func (h *BareMetalHost) InspectionState() (InspectionState, string) {
	inspecting := h.Status.Provisioning.State == StateInspecting
	value, requested := h.Annotations[InspectAnnotation]
	switch {
	case inspecting && h.Status.ErrorType == InspectionError:
		return InspectionFailed, h.Status.ErrorMessage
	case inspecting:
		return InspectionInProgress, ""
	case requested && value == "":
		return InspectionPending, ""
	case h.Status.Hardware != nil:
		return InspectionCompleted, ""
	}
	return InspectionNone, ""
}

func powerState(on bool) PowerState {
	if on {
		return PowerOn
	}
	return PowerOff
}
