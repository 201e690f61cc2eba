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
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/firmwarestatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/async"
)

// Firmware changes, as Metal3 makes them: a host's HostFirmwareSettings and
// HostFirmwareComponents (the objects of its name) say which BIOS settings and firmware
// updates it should have; an available host goes through preparing to get them, a provisioned
// one through servicing when its HostUpdatePolicy allows. Both are read from the caches.

// firmwareWork is the firmware changes a host is to go through, and the desired updates that
// status.updates records once they are carried out.
type firmwareWork struct {
	changes provisioner.FirmwareChanges
	updates []v1alpha1.FirmwareUpdate
}

// firmwareWork reads what the host's HostFirmwareSettings and HostFirmwareComponents ask for
// and the BMC did not show at the last reading.
func (r *hostReconcile) firmwareWork() (firmwareWork, error) {
	h := r.host
	var w firmwareWork
	hfs, err := r.c.firmwareSettings.HostFirmwareSettings(h.Namespace).Get(h.Name)
	switch {
	case err == nil:
		w.changes.Settings = hfs.PendingSettings()
	case !apierrors.IsNotFound(err):
		return w, err
	}
	hfc, err := r.c.firmwareComponents.HostFirmwareComponents(h.Namespace).Get(h.Name)
	switch {
	case err == nil:
		for _, u := range hfc.PendingUpdates() {
			w.changes.Updates = append(w.changes.Updates, provisioner.FirmwareUpdate{Component: u.Component, URL: u.URL})
		}
		if len(w.changes.Updates) > 0 {
			w.updates = hfc.Spec.Updates
		}
	case !apierrors.IsNotFound(err):
		return w, err
	}
	return w, nil
}

// firmwareApplied finishes a change the backend reports carried out: the firmware is read
// again, so that the status of HostFirmwareSettings and HostFirmwareComponents shows what the
// host has now, and the updates are recorded as applied. A wanted setting the BIOS does not
// show fails the step: a change is never taken as applied on the backend's word alone.
func (r *hostReconcile) firmwareApplied(ctx context.Context, ph provisioner.Host, w firmwareWork, errType v1alpha1.ErrorType) (stepResult, bool, error) {
	if w.changes.Empty() {
		return noRequeue, true, nil
	}
	if r.c.firmware == nil {
		return r.fail(errType, fmt.Sprintf("the %s provisioner cannot read the firmware back to confirm the change", r.c.prov.Name())), false, nil
	}
	reading := firmwarestatus.Read(ctx, r.c.firmware, ph)
	if errors.Is(reading.BIOSErr, async.ErrInProgress) || errors.Is(reading.ComponentsErr, async.ErrInProgress) {
		// A slow BMC: the read goes on in the background and wakes the host when it ends.
		return after(callInProgressRecheck), false, nil
	}
	if len(w.changes.Settings) > 0 {
		if reading.BIOSErr != nil {
			return noRequeue, false, fmt.Errorf("reading the BIOS back after changing it: %w", reading.BIOSErr)
		}
		var missing []string
		for _, name := range w.changes.SettingNames() {
			if got := reading.BIOS.Settings[name]; got != w.changes.Settings[name] {
				missing = append(missing, fmt.Sprintf("%s=%s (has %q)", name, w.changes.Settings[name], got))
			}
		}
		if len(missing) > 0 {
			return r.fail(errType, "the BIOS does not show the settings applied: "+strings.Join(missing, ", ")), false, nil
		}
	}
	if err := (firmwarestatus.Writer{Client: r.c.client}).Write(ctx, r.host, reading, w.updates, metav1.NewTime(r.c.clock.Now())); err != nil {
		return noRequeue, false, err
	}
	r.event(corev1.EventTypeNormal, "FirmwareChanged", "applied "+w.describe())
	return noRequeue, true, nil
}

// describe lists what a change does, for events and logs.
func (w firmwareWork) describe() string {
	var parts []string
	if names := w.changes.SettingNames(); len(names) > 0 {
		parts = append(parts, "BIOS settings "+strings.Join(names, ", "))
	}
	for _, u := range w.changes.Updates {
		parts = append(parts, u.Component+" firmware from "+u.URL)
	}
	return strings.Join(parts, "; ")
}

// servicingWork is the part of the firmware work that the host's HostUpdatePolicy (the one of
// its name) lets a provisioned host go through when it reboots: none without a policy.
func (r *hostReconcile) servicingWork() (firmwareWork, error) {
	h := r.host
	hup, err := r.c.updatePolicies.HostUpdatePolicies(h.Namespace).Get(h.Name)
	if apierrors.IsNotFound(err) {
		return firmwareWork{}, nil
	}
	if err != nil {
		return firmwareWork{}, err
	}
	w, err := r.firmwareWork()
	if hup.Spec.FirmwareSettings != v1alpha1.HostUpdatePolicyOnReboot {
		w.changes.Settings = nil
	}
	if hup.Spec.FirmwareUpdates != v1alpha1.HostUpdatePolicyOnReboot {
		w.changes.Updates, w.updates = nil, nil
	}
	return w, err
}

// servicingUnderway says that servicing started and has not ended: it goes on whatever the
// power state (Metal3's rule).
func servicingUnderway(h *v1alpha1.BareMetalHost) bool {
	return h.Status.OperationalStatus == v1alpha1.OperationalStatusServicing || h.Status.ErrorType == v1alpha1.ServicingError
}

// service is Metal3's servicing: a provisioned host powered off on its way back on (a reboot
// through the reboot annotation) goes through the firmware changes its HostUpdatePolicy allows
// before it is powered on, with its disks and image untouched. operationalStatus is servicing
// meanwhile, and "servicing error" records a failure, retried with backoff until it succeeds or
// the changes are withdrawn. A reboot asked through the subresource (rebootRequested) services
// the host too, and is consumed once servicing is done: its resets were the reboot. done says
// the power management may go on in this pass.
func (r *hostReconcile) service(ctx context.Context, rebootRequested bool) (stepResult, bool, error) {
	h := r.host
	w, err := r.servicingWork()
	if err != nil {
		return noRequeue, false, err
	}
	if w.changes.Empty() {
		if servicingUnderway(h) {
			// Nothing (left) to apply: the changes were withdrawn, or applied by a pass
			// whose end was not recorded.
			r.clearError()
			h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
		}
		return noRequeue, true, nil
	}
	if !servicingUnderway(h) {
		// Recorded before the backend is asked, so a restart or another replica sees it and
		// goes on with it.
		r.logger.Info("Servicing the host", "changes", w.describe())
		r.event(corev1.EventTypeNormal, "Servicing", "applying "+w.describe())
		h.Status.OperationalStatus = v1alpha1.OperationalStatusServicing
		return now_, false, nil
	}
	ph, _, err := r.providerHost(ctx, v1alpha1.ServicingError)
	if err != nil {
		return r.fail(v1alpha1.ServicingError, err.Error()), false, nil
	}
	res, err := r.c.prov.Service(ctx, ph, w.changes)
	done, out := r.outcome(v1alpha1.ServicingError, res, err)
	if !done {
		if h.Status.OperationalStatus == v1alpha1.OperationalStatusOK {
			// Progress after a failure: still servicing.
			h.Status.OperationalStatus = v1alpha1.OperationalStatusServicing
		}
		return out, false, nil
	}
	if out, done, err := r.firmwareApplied(ctx, ph, w, v1alpha1.ServicingError); !done || err != nil {
		return out, false, err
	}
	h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	if rebootRequested {
		if err := r.removeAnnotation(ctx, v1alpha1.RebootSubresourceAnnotation); err != nil {
			return noRequeue, false, err
		}
	}
	return now_, false, nil
}
