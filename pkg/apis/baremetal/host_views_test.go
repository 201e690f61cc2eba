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

import "testing"

func TestPowerViews(t *testing.T) {
	const bmc = "redfish://192.0.2.1/redfish/v1/Systems/1"
	for _, tc := range []struct {
		name              string
		state             ProvisioningState
		status            OperationalStatus
		bmc               string
		online, poweredOn bool
		disablePowerOff   bool

		observed      bool
		observedPower PowerState
		desired       PowerState
		pending       bool
	}{
		{name: "new host: nothing read yet", bmc: bmc, online: true, desired: PowerOn, pending: true},
		{name: "new host without a BMC", online: true, desired: PowerOn},
		{name: "unmanaged", state: StateUnmanaged, desired: PowerOff},
		{name: "registering: poweredOn false means unknown", state: StateRegistering, bmc: bmc, desired: PowerOff, pending: true},
		{name: "available, on as wanted", state: StateAvailable, status: OperationalStatusOK, bmc: bmc, online: true, poweredOn: true,
			observed: true, observedPower: PowerOn, desired: PowerOn},
		{name: "available, off while on is wanted", state: StateAvailable, bmc: bmc, online: true,
			observed: true, observedPower: PowerOff, desired: PowerOn, pending: true},
		{name: "provisioned, power-off not allowed", state: StateProvisioned, bmc: bmc, poweredOn: true, disablePowerOff: true,
			observed: true, observedPower: PowerOn, desired: PowerOff},
		{name: "inspecting, error", state: StateInspecting, status: OperationalStatusError, bmc: bmc, poweredOn: true,
			observed: true, observedPower: PowerOn, desired: PowerOff, pending: true},
		{name: "detached: the provisioner reads nothing", state: StateProvisioned, status: OperationalStatusDetached, bmc: bmc, online: true, poweredOn: true,
			desired: PowerOn, pending: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &BareMetalHost{}
			h.Status.Provisioning.State, h.Status.OperationalStatus, h.Status.PoweredOn = tc.state, tc.status, tc.poweredOn
			h.Spec.BMC.Address, h.Spec.Online, h.Spec.DisablePowerOff = tc.bmc, tc.online, tc.disablePowerOff
			if got := h.PowerObserved(); got != tc.observed {
				t.Errorf("PowerObserved() = %v, want %v", got, tc.observed)
			}
			if got := h.ObservedPower(); got != tc.observedPower {
				t.Errorf("ObservedPower() = %q, want %q", got, tc.observedPower)
			}
			if got := h.DesiredPower(); got != tc.desired {
				t.Errorf("DesiredPower() = %q, want %q", got, tc.desired)
			}
			if got := h.PowerPending(); got != tc.pending {
				t.Errorf("PowerPending() = %v, want %v", got, tc.pending)
			}
		})
	}
}

func TestInspectionState(t *testing.T) {
	hw := &HardwareDetails{}
	for _, tc := range []struct {
		name        string
		state       ProvisioningState
		annotations map[string]string
		errType     ErrorType
		hardware    *HardwareDetails
		want        InspectionState
		message     string
	}{
		{name: "never inspected", state: StateRegistering, want: InspectionNone},
		{name: "inventoried", state: StateAvailable, hardware: hw, want: InspectionCompleted},
		{name: "requested", state: StateAvailable, hardware: hw, annotations: map[string]string{InspectAnnotation: ""}, want: InspectionPending},
		{name: "disabled is no request", state: StateAvailable, annotations: map[string]string{InspectAnnotation: "disabled"}, want: InspectionNone},
		{name: "inspecting, request still in place", state: StateInspecting, annotations: map[string]string{InspectAnnotation: ""}, want: InspectionInProgress},
		{name: "inspection failed", state: StateInspecting, errType: InspectionError, want: InspectionFailed, message: "no IPA"},
		{name: "another error while inspecting", state: StateInspecting, errType: PowerManagementError, want: InspectionInProgress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &BareMetalHost{}
			h.Annotations = tc.annotations
			h.Status.Provisioning.State, h.Status.ErrorType, h.Status.Hardware = tc.state, tc.errType, tc.hardware
			if tc.errType != "" {
				h.Status.ErrorMessage = "no IPA"
			}
			if st, msg := h.InspectionState(); st != tc.want || msg != tc.message {
				t.Errorf("InspectionState() = %q, %q; want %q, %q", st, msg, tc.want, tc.message)
			}
		})
	}
}
