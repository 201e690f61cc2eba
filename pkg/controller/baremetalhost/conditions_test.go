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
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// conditionsOf renders the conditions as "Type=Status/Reason" in a fixed order, so a case
// states Metal3's expectation in one line.
func conditionsOf(h *v1alpha1.BareMetalHost, types ...string) string {
	out := []string{}
	for _, t := range types {
		c := meta.FindStatusCondition(h.Status.Conditions, t)
		if c == nil {
			out = append(out, t+"=<none>")
			continue
		}
		out = append(out, fmt.Sprintf("%s=%s/%s", t, c.Status, c.Reason))
	}
	return strings.Join(out, " ")
}

// TestComputeConditions checks the conditions against Metal3's computeConditions, state by
// state: Ready is True only for provisioned and externally provisioned hosts in a good
// operational status; AvailableForProvisioning only for available (ready) hosts.
func TestComputeConditions(t *testing.T) {
	metal3 := []string{v1alpha1.ConditionManageable, v1alpha1.ConditionAvailableForProvisioning,
		v1alpha1.ConditionProvisioned, v1alpha1.ConditionReady, v1alpha1.ConditionProgressing}
	progressing := func(reason string) string {
		return "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=True/" + reason
	}
	cases := []struct {
		state v1alpha1.ProvisioningState
		op    v1alpha1.OperationalStatus
		errT  v1alpha1.ErrorType
		want  string
	}{
		{state: v1alpha1.StateNone, want: "Manageable=False/NotManaged AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=False/NotProgressing"},
		{state: v1alpha1.StateUnmanaged, op: v1alpha1.OperationalStatusDiscovered, want: "Manageable=False/NotManaged AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=False/NotProgressing"},
		{state: v1alpha1.StateRegistering, want: "Manageable=False/Registering AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=True/Registering"},
		{state: v1alpha1.StateRegistering, op: v1alpha1.OperationalStatusError, errT: v1alpha1.RegistrationError, want: "Manageable=False/RegistrationFailed AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/Error Progressing=True/Registering"},
		{state: v1alpha1.StateInspecting, want: progressing("Inspecting")},
		{state: v1alpha1.StatePreparing, want: progressing("Preparing")},
		{state: v1alpha1.StateAvailable, want: "Manageable=True/Manageable AvailableForProvisioning=True/Available Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=False/NotProgressing"},
		{state: v1alpha1.StateProvisioning, want: progressing("Provisioning")},
		{state: v1alpha1.StateProvisioning, op: v1alpha1.OperationalStatusError, errT: v1alpha1.ProvisioningError, want: "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/Error Progressing=True/Provisioning"},
		{state: v1alpha1.StateProvisioned, want: "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned Ready=True/Provisioned Progressing=False/NotProgressing"},
		{state: v1alpha1.StateExternallyProvisioned, want: "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned Ready=True/Provisioned Progressing=False/NotProgressing"},
		{state: v1alpha1.StateProvisioned, op: v1alpha1.OperationalStatusError, errT: v1alpha1.PowerManagementError, want: "Manageable=False/PowerFailure AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned Ready=False/Error Progressing=False/NotProgressing"},
		{state: v1alpha1.StateProvisioned, op: v1alpha1.OperationalStatusDetached, want: "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned Ready=False/Detached Progressing=False/Detached"},
		{state: v1alpha1.StateProvisioned, op: v1alpha1.OperationalStatusServicing, want: "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned Ready=False/Servicing Progressing=False/NotProgressing"},
		{state: v1alpha1.StateDeprovisioning, want: progressing("Deprovisioning")},
		{state: v1alpha1.StatePoweringOffBeforeDelete, want: progressing("PoweringOffBeforeDelete")},
		{state: v1alpha1.StateDeleting, want: progressing("Deleting")},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s/%s/%s", tc.state, tc.op, tc.errT)
		t.Run(name, func(t *testing.T) {
			h := &v1alpha1.BareMetalHost{}
			h.Generation = 3
			h.Status.Provisioning.State = tc.state
			h.Status.OperationalStatus = tc.op
			h.Status.ErrorType = tc.errT
			computeConditions(h, provisioner.HealthUnknown, time.Unix(1000, 0))
			if got := conditionsOf(h, metal3...); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
			for _, c := range h.Status.Conditions {
				if c.ObservedGeneration != 3 {
					t.Errorf("%s observedGeneration %d, want 3", c.Type, c.ObservedGeneration)
				}
			}
		})
	}
}

// TestHealthyCondition: the BMC's reading sets Healthy; a pass that did not read it keeps the
// last reading, and a host never read is Unknown.
func TestHealthyCondition(t *testing.T) {
	h := &v1alpha1.BareMetalHost{}
	h.Status.Provisioning.State = v1alpha1.StateProvisioned
	steps := []struct {
		health provisioner.Health
		want   string
	}{
		{provisioner.HealthUnknown, "Healthy=Unknown/Unknown"},
		{provisioner.HealthOK, "Healthy=True/Healthy"},
		{provisioner.HealthUnknown, "Healthy=True/Healthy"},
		{provisioner.HealthWarning, "Healthy=False/Warning"},
		{provisioner.HealthCritical, "Healthy=False/CriticalError"},
	}
	for i, s := range steps {
		computeConditions(h, s.health, time.Unix(int64(1000+i), 0))
		if got := conditionsOf(h, v1alpha1.ConditionHealthy); got != s.want {
			t.Errorf("step %d (%q): got %s, want %s", i, s.health, got, s.want)
		}
	}
}

// TestConditionTransitionTimes: recomputing unchanged conditions keeps their transition time.
// A host whose state and operational status disagree (deleting while detached: Progressing
// True for the one, False for the other) is no exception.
func TestConditionTransitionTimes(t *testing.T) {
	for _, op := range []v1alpha1.OperationalStatus{v1alpha1.OperationalStatusOK, v1alpha1.OperationalStatusDetached} {
		for _, state := range []v1alpha1.ProvisioningState{v1alpha1.StateProvisioned, v1alpha1.StateDeleting} {
			h := &v1alpha1.BareMetalHost{}
			h.Status.Provisioning.State = state
			h.Status.OperationalStatus = op
			computeConditions(h, provisioner.HealthOK, time.Unix(1000, 0))
			computeConditions(h, provisioner.HealthOK, time.Unix(2000, 0))
			for _, c := range h.Status.Conditions {
				if !c.LastTransitionTime.Equal(&metav1.Time{Time: time.Unix(1000, 0)}) {
					t.Errorf("%s/%s: %s transition time moved: %+v", state, op, c.Type, c)
				}
			}
		}
	}
}
