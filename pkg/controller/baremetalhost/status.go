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

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// setState moves the host to state, recording the transition.
func (r *hostReconcile) setState(state v1alpha1.ProvisioningState, res stepResult) stepResult {
	h := r.host
	if h.Status.Provisioning.State != state {
		r.logger.Info("State change", "from", string(h.Status.Provisioning.State), "to", string(state))
		stateChangesTotal.WithLabelValues(string(h.Status.Provisioning.State), string(state)).Inc()
		h.Status.Provisioning.State = state
		if ev, ok := stateEvents[state]; ok {
			r.event(corev1.EventTypeNormal, ev[0], ev[1])
		}
	}
	if h.Status.OperationalStatus == "" {
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	}
	if state == v1alpha1.StateUnmanaged {
		h.Status.OperationalStatus = v1alpha1.OperationalStatusDiscovered
	}
	r.updateConditions()
	return res
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
	h.Status.ErrorType = errType
	h.Status.ErrorMessage = msg
	h.Status.ErrorCount++
	h.Status.OperationalStatus = v1alpha1.OperationalStatusError
	r.setCondition(v1alpha1.ConditionReady, metav1.ConditionFalse, "Error", msg)
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
	r.updateConditions()
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

func (r *hostReconcile) markReady() {
	r.updateConditions()
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

// startOperation records the start of an operation, once per run of it.
func (r *hostReconcile) startOperation(state v1alpha1.ProvisioningState) {
	m := r.metric(state)
	if m == nil || (!m.Start.IsZero() && m.End.IsZero()) {
		return
	}
	m.Start = metav1.NewTime(r.c.now())
	m.End = metav1.Time{}
}

func (r *hostReconcile) endOperation(state v1alpha1.ProvisioningState) {
	m := r.metric(state)
	if m == nil || !m.End.IsZero() {
		return
	}
	m.End = metav1.NewTime(r.c.now())
	if !m.Start.IsZero() {
		operationDuration.WithLabelValues(operationName(state)).Observe(m.End.Sub(m.Start.Time).Seconds())
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
	meta.SetStatusCondition(&r.host.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: r.host.Generation,
		LastTransitionTime: metav1.NewTime(r.c.now()),
	})
}

func conditionTrue(h *v1alpha1.BareMetalHost, typ string) bool {
	return meta.IsStatusConditionTrue(h.Status.Conditions, typ)
}

// updateConditions derives the conditions from the state, so they never disagree with it.
func (r *hostReconcile) updateConditions() {
	h := r.host
	state := h.Status.Provisioning.State
	switch state {
	case v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned:
		if state == v1alpha1.StateProvisioned {
			r.setCondition(v1alpha1.ConditionProvisioned, metav1.ConditionTrue, "Provisioned", "the image is provisioned")
		}
	default:
		r.setCondition(v1alpha1.ConditionProvisioned, metav1.ConditionFalse, "NotProvisioned", "no image is provisioned")
	}
	progressing := isLongState(state) || state == v1alpha1.StateRegistering || state == v1alpha1.StatePreparing ||
		state == v1alpha1.StatePoweringOffBeforeDelete || state == v1alpha1.StateDeleting
	if progressing {
		r.setCondition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, "InProgress", string(state))
	} else {
		r.setCondition(v1alpha1.ConditionProgressing, metav1.ConditionFalse, "Idle", "no operation in progress")
	}
	if managedState(state) {
		if h.Status.PoweredOn {
			r.setCondition(ConditionPoweredOn, metav1.ConditionTrue, "PoweredOn", "the BMC reports power on")
		} else {
			r.setCondition(ConditionPoweredOn, metav1.ConditionFalse, "PoweredOff", "the BMC reports power off")
		}
	}
	if h.Status.ErrorType != "" {
		return
	}
	switch {
	case state == v1alpha1.StateAvailable || state == v1alpha1.StateProvisioned || state == v1alpha1.StateExternallyProvisioned:
		r.setCondition(v1alpha1.ConditionReady, metav1.ConditionTrue, "Ready", string(state))
	default:
		r.setCondition(v1alpha1.ConditionReady, metav1.ConditionFalse, "NotReady", string(state))
	}
}

// ConditionPoweredOn dates power changes; baremetalhosts/power shows its transition time.
const ConditionPoweredOn = "PoweredOn"

// ConditionRebooted records the last reboot carried out for a request.
const ConditionRebooted = "Rebooted"

func managedState(s v1alpha1.ProvisioningState) bool {
	switch s {
	case v1alpha1.StateNone, v1alpha1.StateUnmanaged, v1alpha1.StateRegistering:
		return false
	}
	return true
}

// writeStatus writes the status through the status subresource, only when it changed, so a
// host at rest costs no writes however often it is polled.
func (r *hostReconcile) writeStatus(ctx context.Context) error {
	if apiequality.Semantic.DeepEqual(r.orig.Status, r.host.Status) {
		return nil
	}
	t := metav1.NewTime(r.c.now())
	r.host.Status.LastUpdated = &t
	updated, err := r.c.client.BaremetalV1alpha1().BareMetalHosts(r.host.Namespace).UpdateStatus(ctx, r.host, metav1.UpdateOptions{FieldManager: fieldManager})
	r.wrote(updated, err)
	return err
}
