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

import "encoding/json"

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
