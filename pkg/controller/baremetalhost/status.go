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
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// setState moves the host to state; transitioned records the change once the step is done.
func (r *hostReconcile) setState(state v1alpha1.ProvisioningState, res stepResult) stepResult {
	r.host.Status.Provisioning.State = state
	return res
}

// transitioned is the one transition hook (Metal3's updateHostStateFrom): the bookkeeping of a
// state change, after the step and before the status is written: log, metrics, event,
// operational status and operation history. Conditions follow (computeConditions) and the
// provisioning slot is given back once the status is written (run).
func (r *hostReconcile) transitioned(from v1alpha1.ProvisioningState) {
	h := r.host
	to := h.Status.Provisioning.State
	if h.Status.OperationalStatus == "" {
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	}
	if from == to {
		return
	}
	r.logger.Info("State change", "from", string(from), "to", string(to))
	stateChangesTotal.WithLabelValues(string(from), string(to)).Inc()
	metal3StateChanges.WithLabelValues(string(from), string(to)).Inc()
	if ev, ok := stateEvents[to]; ok {
		r.event(corev1.EventTypeNormal, ev[0], ev[1])
	}
	if to == v1alpha1.StateUnmanaged {
		metal3Unmanaged.Inc()
		h.Status.OperationalStatus = v1alpha1.OperationalStatusDiscovered
	}
	r.endOperation(from)
	r.startOperation(to)
}

// fail records an error in status and asks to come back after the backoff of the error count.
func (r *hostReconcile) fail(errType v1alpha1.ErrorType, msg string) stepResult {
	h := r.host
	if h.Status.ErrorType != errType || h.Status.ErrorMessage != msg {
		r.logger.Info("Host error", "errorType", string(errType), "message", msg)
		// One event per distinct error, not per retry: the count is in status.errorCount.
		r.event(corev1.EventTypeWarning, errorReason(errType), msg)
	}
	hostErrorsTotal.WithLabelValues(string(errType)).Inc()
	metal3HostErrors.WithLabelValues(string(errType)).Inc()
	h.Status.ErrorType = errType
	h.Status.ErrorMessage = msg
	h.Status.ErrorCount++
	h.Status.OperationalStatus = v1alpha1.OperationalStatusError
	return after(r.c.backoff(string(h.UID), h.Status.ErrorCount))
}

// clearError resets the error once a step made progress.
func (r *hostReconcile) clearError() {
	h := r.host
	if h.Status.ErrorType == "" && h.Status.ErrorCount == 0 && h.Status.OperationalStatus != v1alpha1.OperationalStatusError {
		return
	}
	h.Status.ErrorType = ""
	h.Status.ErrorMessage = ""
	h.Status.ErrorCount = 0
	if h.Status.OperationalStatus == v1alpha1.OperationalStatusError {
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	}
}

// errorReason turns an error type into an event reason, e.g. "RegistrationError".
func errorReason(t v1alpha1.ErrorType) string {
	out := []byte{}
	upper := true
	for _, c := range []byte(string(t)) {
		if c == ' ' {
			upper = true
			continue
		}
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = false
		out = append(out, c)
	}
	return string(out)
}

func (r *hostReconcile) metric(state v1alpha1.ProvisioningState) *v1alpha1.OperationMetric {
	hist := &r.host.Status.OperationHistory
	switch state {
	case v1alpha1.StateRegistering:
		return &hist.Register
	case v1alpha1.StateInspecting:
		return &hist.Inspect
	case v1alpha1.StateProvisioning:
		return &hist.Provision
	case v1alpha1.StateDeprovisioning:
		return &hist.Deprovision
	}
	return nil
}

// startOperation records the start of the operation of a state the host enters.
func (r *hostReconcile) startOperation(state v1alpha1.ProvisioningState) {
	m := r.metric(state)
	if m == nil {
		return
	}
	m.Start = metav1.NewTime(r.c.clock.Now())
	m.End = metav1.Time{}
}

// endOperation records the end of the operation of a state the host leaves.
func (r *hostReconcile) endOperation(state v1alpha1.ProvisioningState) {
	m := r.metric(state)
	if m == nil || m.Start.IsZero() || !m.End.IsZero() {
		return
	}
	m.End = metav1.NewTime(r.c.clock.Now())
	if !m.Start.IsZero() {
		d := m.End.Sub(m.Start.Time).Seconds()
		operationDuration.WithLabelValues(operationName(state)).Observe(d)
		if h, ok := metal3Durations[state]; ok {
			h.WithLabelValues(r.host.Namespace, r.host.Name).Observe(d)
		}
	}
}

func operationName(state v1alpha1.ProvisioningState) string {
	switch state {
	case v1alpha1.StateRegistering:
		return "register"
	case v1alpha1.StateInspecting:
		return "inspect"
	case v1alpha1.StateProvisioning:
		return "provision"
	default:
		return "deprovision"
	}
}

func (r *hostReconcile) setCondition(typ string, status metav1.ConditionStatus, reason, msg string) {
	setCondition(r.host, r.c.clock.Now(), typ, status, reason, msg)
}

func setCondition(h *v1alpha1.BareMetalHost, now time.Time, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&h.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: h.Generation,
		LastTransitionTime: metav1.NewTime(now),
	})
}

func conditionTrue(h *v1alpha1.BareMetalHost, typ string) bool {
	return meta.IsStatusConditionTrue(h.Status.Conditions, typ)
}

// conditionRow is what Metal3 says about a host in one provisioning state: whether it is
// manageable, available for provisioning, provisioned (and so Ready when nothing is wrong),
// and, for the states between stable ones, why it is progressing.
type conditionRow struct {
	manageable  bool
	available   bool
	provisioned bool
	progressing string
}

// conditionTable is Metal3's computeConditions, as a table (baremetalhost_controller.go): the
// states absent here (none, unmanaged, registering) are handled in computeConditions.
var conditionTable = map[v1alpha1.ProvisioningState]conditionRow{
	v1alpha1.StatePreparing:               {manageable: true, progressing: v1alpha1.ReasonPreparing},
	v1alpha1.StateReady:                   {manageable: true, available: true},
	v1alpha1.StateAvailable:               {manageable: true, available: true},
	v1alpha1.StateProvisioning:            {manageable: true, progressing: v1alpha1.ReasonProvisioning},
	v1alpha1.StateProvisioned:             {manageable: true, provisioned: true},
	v1alpha1.StateExternallyProvisioned:   {manageable: true, provisioned: true},
	v1alpha1.StateDeprovisioning:          {manageable: true, progressing: v1alpha1.ReasonDeprovisioning},
	v1alpha1.StateInspecting:              {manageable: true, progressing: v1alpha1.ReasonInspecting},
	v1alpha1.StateMatchProfile:            {manageable: true, progressing: v1alpha1.ReasonInspecting},
	v1alpha1.StatePoweringOffBeforeDelete: {manageable: true, progressing: v1alpha1.ReasonPoweringOffBeforeDelete},
	v1alpha1.StateDeleting:                {manageable: true, progressing: v1alpha1.ReasonDeleting},
}

// computeConditions derives every condition but Rebooted from the host's status and the health
// its BMC reported in this pass (HealthUnknown when not read), with Metal3's types, statuses and
// reasons, so they never disagree with the state and a restart computes the same. Messages add
// what Metal3 leaves out (the error, the state).
func computeConditions(h *v1alpha1.BareMetalHost, health provisioner.Health, now time.Time) {
	// The values are settled first and written once each: a condition set twice in one pass
	// (Progressing True for the state, then False for detached) would move its transition
	// time on every pass.
	want := map[string]metav1.Condition{}
	order := []string{}
	set := func(typ string, ok bool, reason, msg string) {
		status := metav1.ConditionFalse
		if ok {
			status = metav1.ConditionTrue
		}
		if _, seen := want[typ]; !seen {
			order = append(order, typ)
		}
		want[typ] = metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}
	}
	defer func() {
		for _, typ := range order {
			c := want[typ]
			setCondition(h, now, typ, c.Status, c.Reason, c.Message)
		}
	}()
	state := h.Status.Provisioning.State
	errored := h.Status.OperationalStatus == v1alpha1.OperationalStatusError
	row, known := conditionTable[state]
	switch {
	case state == v1alpha1.StateRegistering:
		reason := v1alpha1.ReasonRegistering
		if errored {
			reason = v1alpha1.ReasonRegistrationFailed
		}
		set(v1alpha1.ConditionManageable, false, reason, "")
		set(v1alpha1.ConditionProgressing, true, v1alpha1.ReasonRegistering, "")
	case !known: // none, unmanaged
		set(v1alpha1.ConditionManageable, false, v1alpha1.ReasonNotManaged, "")
		set(v1alpha1.ConditionProgressing, false, v1alpha1.ReasonNotProgressing, "")
	default:
		set(v1alpha1.ConditionManageable, true, v1alpha1.ReasonManageable, "")
		if row.progressing != "" {
			set(v1alpha1.ConditionProgressing, true, row.progressing, "")
		} else {
			set(v1alpha1.ConditionProgressing, false, v1alpha1.ReasonNotProgressing, "")
		}
	}
	if row.available {
		set(v1alpha1.ConditionAvailableForProvisioning, true, v1alpha1.ReasonAvailable, "")
	} else {
		set(v1alpha1.ConditionAvailableForProvisioning, false, v1alpha1.ReasonNotAvailable, "")
	}
	switch {
	case row.provisioned:
		set(v1alpha1.ConditionProvisioned, true, v1alpha1.ReasonProvisioned, "")
		set(v1alpha1.ConditionReady, true, v1alpha1.ReasonProvisioned, string(state))
	default:
		set(v1alpha1.ConditionProvisioned, false, v1alpha1.ReasonNotProvisioned, "")
		set(v1alpha1.ConditionReady, false, v1alpha1.ReasonNotProvisioned, string(state))
	}
	switch h.Status.OperationalStatus {
	case v1alpha1.OperationalStatusError:
		set(v1alpha1.ConditionReady, false, v1alpha1.ReasonError, h.Status.ErrorMessage)
		if h.Status.ErrorType == v1alpha1.PowerManagementError && known {
			// Metal3 reads Ironic's "power failure" fault; here a power action or reading
			// that failed is the same news.
			set(v1alpha1.ConditionManageable, false, v1alpha1.ReasonPowerFailure, h.Status.ErrorMessage)
		}
	case v1alpha1.OperationalStatusServicing:
		set(v1alpha1.ConditionReady, false, v1alpha1.ReasonServicing, "applying firmware changes")
	case v1alpha1.OperationalStatusDetached:
		set(v1alpha1.ConditionReady, false, v1alpha1.ReasonDetached, "")
		set(v1alpha1.ConditionProgressing, false, v1alpha1.ReasonDetached, "")
	}
	switch health {
	case provisioner.HealthOK:
		set(v1alpha1.ConditionHealthy, true, v1alpha1.ReasonHealthy, "")
	case provisioner.HealthWarning:
		set(v1alpha1.ConditionHealthy, false, v1alpha1.ReasonWarningHealth, "the BMC reports a warning")
	case provisioner.HealthCritical:
		set(v1alpha1.ConditionHealthy, false, v1alpha1.ReasonCriticalHealth, "the BMC reports a critical error")
	default:
		// Not read in this pass (or not reported by the backend): the last reading stands.
		if meta.FindStatusCondition(h.Status.Conditions, v1alpha1.ConditionHealthy) == nil {
			setCondition(h, now, v1alpha1.ConditionHealthy, metav1.ConditionUnknown, v1alpha1.ReasonUnknownHealth, "")
		}
	}
	// The condition reports a reading of the BMC, as the power subresource does: none while
	// nothing reads it (before registration, or detached), so the last one stands.
	if h.PowerObserved() {
		if h.Status.PoweredOn {
			set(v1alpha1.ConditionPoweredOn, true, "PoweredOn", "the BMC reports power on")
		} else {
			set(v1alpha1.ConditionPoweredOn, false, "PoweredOff", "the BMC reports power off")
		}
	}
}

// writeStatus writes the status through the status subresource, only when it changed, so a
// host at rest costs no writes however often it is polled.
func (r *hostReconcile) writeStatus(ctx context.Context) error {
	if apiequality.Semantic.DeepEqual(r.orig.Status, r.host.Status) {
		return nil
	}
	t := metav1.NewTime(r.c.clock.Now())
	r.host.Status.LastUpdated = &t
	updated, err := r.c.client.BaremetalV1alpha1().BareMetalHosts(r.host.Namespace).UpdateStatus(ctx, r.host, metav1.UpdateOptions{FieldManager: fieldManager})
	r.wrote(updated, err)
	if err == nil {
		// A later write in this pass (the finalizer's removal) must carry the new version.
		r.host.ResourceVersion = updated.ResourceVersion
	}
	return err
}
