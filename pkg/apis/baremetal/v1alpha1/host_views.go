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

// The power and inspection views of a host for clients of this version (the reconciler, the kubectl plugin).
// The rules live on the hub type (pkg/apis/baremetal/host_views.go), which the server's
// subresources and table use; these methods hand them the fields they read, so both versions
// answer alike (TestHostViewsAgree checks it on random hosts).

// PowerObserved says whether status.poweredOn is a reading of the BMC; see
// baremetal.BareMetalHost.PowerObserved.
func (h *BareMetalHost) PowerObserved() bool { return h.viewFacts().PowerObserved() }

// ObservedPower is the power the BMC last reported, or "" while it is unknown.
func (h *BareMetalHost) ObservedPower() PowerState {
	return PowerState(h.viewFacts().ObservedPower())
}

// DesiredPower is spec.online as the power subresource spells it.
func (h *BareMetalHost) DesiredPower() PowerState { return PowerState(h.viewFacts().DesiredPower()) }

// PowerPending says whether the desired power is still to be reached; see
// baremetal.BareMetalHost.PowerPending.
func (h *BareMetalHost) PowerPending() bool { return h.viewFacts().PowerPending() }

// InspectionState is where the host's inspection stands, as baremetalhosts/inspect reports it,
// with the failure's message; see baremetal.BareMetalHost.InspectionState.
func (h *BareMetalHost) InspectionState() (InspectionState, string) {
	st, msg := h.viewFacts().InspectionState()
	return InspectionState(st), msg
}

// viewFacts is the host reduced to the fields the views read, as the hub type.
func (h *BareMetalHost) viewFacts() *baremetal.BareMetalHost {
	f := &baremetal.BareMetalHost{}
	if v, ok := h.Annotations[InspectAnnotationPrefix]; ok {
		f.Annotations = map[string]string{InspectAnnotationPrefix: v}
	}
	f.Status.ErrorType = baremetal.ErrorType(h.Status.ErrorType)
	f.Status.ErrorMessage = h.Status.ErrorMessage
	if h.Status.Hardware != nil {
		f.Status.Hardware = &baremetal.HardwareDetails{}
	}
	f.Spec.Online = h.Spec.Online
	f.Spec.DisablePowerOff = h.Spec.DisablePowerOff
	f.Spec.BMC.Address = h.Spec.BMC.Address
	f.Status.Provisioning.State = baremetal.ProvisioningState(h.Status.Provisioning.State)
	f.Status.OperationalStatus = baremetal.OperationalStatus(h.Status.OperationalStatus)
	f.Status.PoweredOn = h.Status.PoweredOn
	return f
}
