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
	"encoding/json"
	"fmt"
	"strings"
)

// Views of a host's annotations that validation (on write) and the reconciler (on action)
// must read the same way.

// ParseRebootAnnotation reads the value of a reboot annotation: empty, or JSON such as
// {"mode":"hard","force":true}. Decoding is lenient about other fields, as in Metal3, so that
// tools may add their own.
func ParseRebootAnnotation(value string) (mode string, force bool, err error) {
	if value == "" {
		return "", false, nil
	}
	var args struct {
		Mode  string `json:"mode"`
		Force bool   `json:"force"`
	}
	err = json.Unmarshal([]byte(value), &args)
	return args.Mode, args.Force, err
}

// InspectionDisabled reports whether inspection is off, through the field or Metal3's legacy
// annotation, as Metal3's BareMetalHost.InspectionDisabled does.
func (h *BareMetalHost) InspectionDisabled() bool {
	return h.Spec.InspectionMode == InspectionModeDisabled ||
		h.Annotations[InspectAnnotationPrefix] == InspectAnnotationValueDisabled
}

// Detached delete actions.
const (
	DetachedDeleteActionDelay  = "delay"
	DetachedDeleteActionDelete = "delete"
)

// DetachedArguments reads the detached annotation: present is false without it; otherwise
// Metal3's defaults apply to an empty value and to a value that is not the JSON arguments
// (Metal3 documents any value as allowed), and err says why the value was not read.
func (h *BareMetalHost) DetachedArguments() (present bool, deleteAction string, force bool, err error) {
	value, ok := h.Annotations[DetachedAnnotation]
	if !ok {
		return false, "", false, nil
	}
	if value == "" {
		return true, "", false, nil
	}
	// Metal3's DetachedAnnotationArguments; declared here, it is no API type for the generators.
	var args struct {
		// DeleteAction "delay" keeps a deleted detached host until it is attached again;
		// "delete" (the default) lets it go at once, forgotten.
		DeleteAction string `json:"deleteAction,omitempty"`
		// Force detaches the host whatever its state (see DetachAllowed).
		Force bool `json:"force,omitempty"`
	}
	if err := json.Unmarshal([]byte(value), &args); err != nil {
		return true, "", false, fmt.Errorf("the %s annotation is not {\"deleteAction\":..,\"force\":..}: %w", DetachedAnnotation, err)
	}
	return true, args.DeleteAction, args.Force, nil
}

// DetachAllowed says whether the host may be detached now (Metal3's rule): at rest in
// provisioned, externally provisioned, ready or available, or anywhere with force; never
// while it is being deleted.
func (h *BareMetalHost) DetachAllowed() bool {
	present, _, force, _ := h.DetachedArguments()
	if !present {
		return false
	}
	switch h.Status.Provisioning.State {
	case StateProvisioned, StateExternallyProvisioned, StateReady, StateAvailable:
		return true
	case StateDeleting:
		return false
	}
	return force
}

// DelayDeleteForDetached says whether deleting this detached (or detaching) host waits
// (Metal3's rule): while the annotation asks deleteAction "delay", or while the host is still
// detached after the annotation was removed, so that it can be attached again first.
func (h *BareMetalHost) DelayDeleteForDetached() bool {
	present, action, _, _ := h.DetachedArguments()
	if !present {
		return h.Status.OperationalStatus == OperationalStatusDetached
	}
	return action == DetachedDeleteActionDelay
}

// IsActionAnnotation says whether an annotation asks the reconciler to act (reboot, inspect,
// detach, pause, restore a status or an inventory): such annotations are desired state as much
// as the spec is, so a change to them is a new generation of the host, which is how the
// reconciler (whichever replica leads, after any restart) tells a new request from a retry.
func IsActionAnnotation(key string) bool {
	switch key {
	case RebootAnnotationPrefix, InspectAnnotationPrefix, DetachedAnnotation, PausedAnnotation,
		StatusAnnotation, HardwareDetailsAnnotation:
		return true
	}
	return strings.HasPrefix(key, RebootAnnotationPrefix+"/")
}

// ActionAnnotationsEqual says whether two annotation maps ask for the same actions.
func ActionAnnotationsEqual(a, b map[string]string) bool {
	for k, v := range a {
		if IsActionAnnotation(k) {
			if w, ok := b[k]; !ok || w != v {
				return false
			}
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && IsActionAnnotation(k) {
			return false
		}
	}
	return true
}
