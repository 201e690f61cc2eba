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
	"sort"
	"strings"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// rebootRequests is what a host's reboot annotations ask for, read as Metal3 reads them
// (its manageHostPower), plus the one-shot reboot of baremetalhosts/reboot.
type rebootRequests struct {
	// once is a reboot asked for through the subresource: one reset, then its annotation goes.
	once     bool
	onceMode provisioner.RebootMode
	// hold lists the Metal3 annotations that apply: while any remains the host is kept off.
	hold     []string
	holdMode provisioner.RebootMode
	// suffixless is set when reboot.metal3.io is present: it is removed once the host is off,
	// which turns "keep off" into "off, then on again": Metal3's plain reboot.
	suffixless bool
}

// readRebootRequests reads the annotations of h. A host that is not provisioned (available,
// say) only honours annotations with "force": true, as in Metal3; the hard mode wins when any
// annotation asks for it. Values that do not parse count as a soft reboot (validation refuses
// them on write; an older object may still hold one).
func readRebootRequests(h *v1alpha1.BareMetalHost) rebootRequests {
	provisioned := h.Status.Provisioning.State == v1alpha1.StateProvisioned ||
		h.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned
	req := rebootRequests{onceMode: provisioner.RebootModeSoft, holdMode: provisioner.RebootModeSoft}
	for k, v := range h.Annotations {
		if k != v1alpha1.RebootAnnotationPrefix && !strings.HasPrefix(k, v1alpha1.RebootAnnotationPrefix+"/") {
			continue
		}
		mode, force, _ := v1alpha1.ParseRebootAnnotation(v)
		hard := mode == string(provisioner.RebootModeHard)
		switch {
		case k == v1alpha1.RebootSubresourceAnnotation:
			req.once = true
			if hard {
				req.onceMode = provisioner.RebootModeHard
			}
			continue
		case k == v1alpha1.RebootAnnotationPrefix:
			req.suffixless = true
		}
		if !provisioned && !force {
			continue
		}
		req.hold = append(req.hold, k)
		if hard {
			req.holdMode = provisioner.RebootModeHard
		}
	}
	sort.Strings(req.hold)
	return req
}
