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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// Metal3 moves hosts between clusters (clusterctl move, pivoting) by writing each host's status
// into the baremetalhost.metal3.io/status annotation of the copy it creates; hosts inspected by
// other means carry inspect.metal3.io/hardwaredetails. A host restored that way must carry on
// from where it was: a provisioned host is adopted, never inspected, cleaned or deployed again.

// restoreFromAnnotations applies the status and hardware-details annotations as Metal3 does:
// the status annotation on a host that has no status yet, the hardware details when the host
// has none or its inspection is disabled. It reports whether it changed the host's status;
// the caller writes it, and only then are the annotations removed (removeConsumedAnnotations),
// so a crash in between loses nothing.
func (r *hostReconcile) restoreFromAnnotations() bool {
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
			h.Status = restored
			if h.Status.Conditions == nil {
				h.Status.Conditions = conditions
			}
			r.logger.Info("Status restored from annotation", "state", h.Status.Provisioning.State)
			r.event(corev1.EventTypeNormal, "StatusRestored",
				fmt.Sprintf("status restored from %s: %s", v1alpha1.StatusAnnotation, h.Status.Provisioning.State))
			changed = true
		}
	}
	if v, ok := h.Annotations[v1alpha1.HardwareDetailsAnnotation]; ok && v != "" &&
		(h.Status.Hardware == nil || h.InspectionDisabled()) {
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
