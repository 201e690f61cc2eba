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

// DetachedAnnotationArguments is the optional JSON value of the detached annotation (Metal3's).
// An annotation's content, not an API type.
// +k8s:deepcopy-gen=false
// +k8s:openapi-gen=false
// +protobuf=false
type DetachedAnnotationArguments struct {
	// DeleteAction "delay" keeps a detached host that is deleted until it is attached again
	// (the annotation removed); "delete" (the default) lets it go at once, forgotten.
	DeleteAction string `json:"deleteAction,omitempty"`
	// Force detaches the host whatever its state; without it only provisioned, externally
	// provisioned, ready and available hosts are detached, others once their operation ends.
	Force bool `json:"force,omitempty"`
}

// Detached delete actions.
const (
	DetachedDeleteActionDelay  = "delay"
	DetachedDeleteActionDelete = "delete"
)

// DetachedArguments reads the detached annotation: nil without it; Metal3's defaults (an empty
// value, or a value that is not the JSON arguments, which Metal3 documents as allowed) otherwise,
// with the parse error for the caller to report.
func (h *BareMetalHost) DetachedArguments() (*DetachedAnnotationArguments, error) {
	value, ok := h.Annotations[DetachedAnnotation]
	if !ok {
		return nil, nil
	}
	args := &DetachedAnnotationArguments{}
	if value == "" {
		return args, nil
	}
	if err := json.Unmarshal([]byte(value), args); err != nil {
		return &DetachedAnnotationArguments{}, fmt.Errorf("the %s annotation is not {\"deleteAction\":..,\"force\":..}: %w", DetachedAnnotation, err)
	}
	return args, nil
}

// DetachAllowed says whether the host may be detached now (Metal3's rule): at rest in
// provisioned, externally provisioned, ready or available, or anywhere with force; never
// while it is being deleted.
func (h *BareMetalHost) DetachAllowed() bool {
	args, _ := h.DetachedArguments()
	if args == nil {
		return false
	}
	switch h.Status.Provisioning.State {
	case StateProvisioned, StateExternallyProvisioned, StateReady, StateAvailable:
		return true
	case StateDeleting:
		return false
	}
	return args.Force
}

// DelayDeleteForDetached says whether deleting this detached (or detaching) host waits
// (Metal3's rule): while the annotation asks deleteAction "delay", or while the host is still
// detached after the annotation was removed, so that it can be attached again first.
func (h *BareMetalHost) DelayDeleteForDetached() bool {
	args, err := h.DetachedArguments()
	if args == nil && err == nil {
		return h.Status.OperationalStatus == OperationalStatusDetached
	}
	return args.DeleteAction == DetachedDeleteActionDelay
}
