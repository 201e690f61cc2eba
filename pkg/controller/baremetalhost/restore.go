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

package baremetalhost

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// Metal3 moves hosts between clusters (clusterctl move, pivoting) by writing each host's status
// into the baremetalhost.metal3.io/status annotation of the copy it creates, and copying its
// HardwareData along; hosts inspected by other means carry inspect.metal3.io/hardwaredetails.
// A host restored that way must carry on from where it was: a provisioned host is adopted,
// never inspected, cleaned or deployed again, and a host with an inventory is not inspected.

// restore applies the status annotation, the host's HardwareData (hd, nil when there is none)
// and the hardware-details annotation as Metal3 does (reconcileHostData, updateHardwareDetails):
// the status annotation on a host that has no status yet, with the HardwareData's inventory
// in place of the annotation's; then, when the host has no inventory or its inspection is
// disabled, the HardwareData's inventory, or else the annotation's. It reports whether it
// changed the host's status; the caller writes it, and only then are the annotations removed
// (consumedAnnotations), so a crash in between loses nothing.
func (r *hostReconcile) restore(hd *v1alpha1.HardwareData) bool {
	h := r.host
	changed := false
	if v, ok := h.Annotations[v1alpha1.StatusAnnotation]; ok && v != "" && h.Status.LastUpdated == nil &&
		h.Status.Provisioning.State == v1alpha1.StateNone {
		var restored v1alpha1.BareMetalHostStatus
		if err := json.Unmarshal([]byte(v), &restored); err != nil {
			// Validation refuses such a value on write; an older object may still hold one.
			r.event(corev1.EventTypeWarning, "InvalidStatusAnnotation", fmt.Sprintf("status annotation ignored: %v", err))
		} else {
			conditions := h.Status.Conditions
			if hd != nil && hd.Spec.Hardware != nil {
				// Metal3: "hardwareData takes precedence over statusAnnotation data".
				restored.Hardware = hd.Spec.Hardware.DeepCopy()
			}
			h.Status = restored
			if e := h.Status.Provisioning.Endpoint; e != "" && (r.c.endpoints == nil || !r.c.endpoints.HasEndpoint(e)) {
				// Written by another server (a pivot, a migration): its Ironic is not one of
				// this server's. The host is then as one registered before endpoints were
				// recorded: on the first endpoint, where a record it lacks is made again
				// (Metal3's pivot registers the hosts with the new Ironic as well).
				h.Status.Provisioning.Endpoint = ""
			}
			if h.Status.Conditions == nil {
				h.Status.Conditions = conditions
			}
			r.logger.Info("Status restored from annotation", "state", h.Status.Provisioning.State)
			r.event(corev1.EventTypeNormal, "StatusRestored",
				fmt.Sprintf("status restored from %s: %s", v1alpha1.StatusAnnotation, h.Status.Provisioning.State))
			changed = true
		}
	}
	if h.Status.Hardware != nil && !h.InspectionDisabled() {
		return changed
	}
	if hd != nil && hd.Spec.Hardware != nil {
		// A host being inspected (again) is about to write its own inventory: the one it
		// had, in its HardwareData, must not come back meanwhile.
		if !h.InspectionDisabled() && (h.Status.Provisioning.State == v1alpha1.StateInspecting || inspectionRequested(h)) {
			return changed
		}
		if !apiequality.Semantic.DeepEqual(h.Status.Hardware, hd.Spec.Hardware) {
			h.Status.Hardware = hd.Spec.Hardware.DeepCopy()
			r.event(corev1.EventTypeNormal, "HardwareDetailsSet", "hardware details set from its HardwareData")
			changed = true
		}
		return changed
	}
	if v, ok := h.Annotations[v1alpha1.HardwareDetailsAnnotation]; ok && v != "" {
		var details v1alpha1.HardwareDetails
		if err := json.Unmarshal([]byte(v), &details); err != nil {
			r.event(corev1.EventTypeWarning, "InvalidHardwareDetailsAnnotation", fmt.Sprintf("hardware details annotation ignored: %v", err))
		} else {
			h.Status.Hardware = &details
			r.event(corev1.EventTypeNormal, "HardwareDetailsSet", "hardware details set from "+v1alpha1.HardwareDetailsAnnotation)
			changed = true
		}
	}
	return changed
}

// consumedAnnotations are the restore annotations present on the host; once its status no
// longer needs them (written, or not applicable) they are removed, as Metal3 does.
func consumedAnnotations(h *v1alpha1.BareMetalHost) []string {
	var keys []string
	for _, k := range []string{v1alpha1.StatusAnnotation, v1alpha1.HardwareDetailsAnnotation} {
		if _, ok := h.Annotations[k]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}
