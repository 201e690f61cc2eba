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
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/dockerconfig"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/async"
)

// callInProgressRecheck is when a host whose hardware call outlived the call budget is looked
// at again if the call's end has not woken it before.
const callInProgressRecheck = 30 * time.Second

func labelsEverything() labels.Selector { return labels.Everything() }

// hostReconcile is one reconciliation of one host: it works on a copy, and writes status once
// at the end, only when it changed.
type hostReconcile struct {
	c      *Controller
	key    string
	host   *v1alpha1.BareMetalHost
	orig   *v1alpha1.BareMetalHost
	logger logr.Logger
	// acquired is set when this pass took a provisioning slot.
	acquired bool
	// wroteRV is the resourceVersion of this pass's last write, if it wrote.
	wroteRV string
	// passSecrets are the Secrets this pass read (secrets).
	passSecrets *passSecrets
	// health is what the BMC said of the host's health in this pass, if it was asked.
	health provisioner.Health
	// hd is the host's HardwareData as this pass last saw it (hardwareDataOf), once hdRead.
	hd     *v1alpha1.HardwareData
	hdRead bool
	// preprov is the host's preprovisioning image, when this pass found it usable
	// (preprovimage.go); the backend boots it.
	preprov *provisioner.PreprovisioningImage
	// waitingFor says why the host waits, when it waits for its preprovisioning image.
	waitingFor string
}

// stepResult is what a state handler decided: when to come back.
type stepResult struct {
	requeue time.Duration
}

var (
	now_      = stepResult{requeue: time.Millisecond}
	noRequeue = stepResult{}
)

func after(d time.Duration) stepResult { return stepResult{requeue: d} }

// secrets reads the Secrets of this pass, each once.
func (r *hostReconcile) secrets() SecretSource {
	if r.passSecrets == nil {
		r.passSecrets = &passSecrets{src: r.c.secrets}
	}
	return r.passSecrets
}

func (r *hostReconcile) run(ctx context.Context) (time.Duration, error) {
	h := r.host
	if v1alpha1.Paused(h.Annotations) {
		return 0, nil
	}
	if h.DeletionTimestamp == nil && !hasFinalizer(h) {
		// The finalizer keeps the object until the backend forgot the host. Adding it is a
		// write of its own; the watch event brings the host back here.
		h.Finalizers = append(h.Finalizers, v1alpha1.BareMetalHostFinalizer)
		updated, err := r.c.client.BaremetalV1alpha1().BareMetalHosts(h.Namespace).Update(ctx, h, metav1.UpdateOptions{FieldManager: fieldManager})
		r.wrote(updated, err)
		return 0, err
	}

	if h.DeletionTimestamp == nil {
		hd := r.hardwareDataOf()
		if r.restore(hd) && !apiequality.Semantic.DeepEqual(r.orig.Status, h.Status) {
			// The restored status is written before the annotations go: a crash in
			// between must not leave a provisioned host without its record.
			return now_.requeue, r.writeStatus(ctx)
		}
		if keys := consumedAnnotations(h); len(keys) > 0 {
			return now_.requeue, r.removeAnnotation(ctx, keys...)
		}
		if err := r.adoptHardwareData(ctx, hd); err != nil {
			return 0, err
		}
	} else if err := r.releaseHardwareData(ctx, r.hardwareDataOf()); err != nil {
		// Metal3 releases the HardwareData as soon as its host is being deleted.
		return 0, err
	}

	if r.c.endpoints != nil && h.Status.Provisioning.Endpoint == "" && h.Status.Provisioning.ID != "" {
		// Registered before endpoints were recorded (when the server had one Ironic): the
		// record is where the backend says (the first endpoint), and now the status says so.
		h.Status.Provisioning.Endpoint = r.c.endpoints.EndpointFor(provisioner.Host{UID: h.UID, ID: h.Status.Provisioning.ID})
	}

	var res stepResult
	var err error
	switch {
	case h.DeletionTimestamp != nil:
		res, err = r.handleDelete(ctx)
	case detachRequested(h) && (h.DetachAllowed() || h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached):
		res, err = r.handleDetach(ctx)
	default:
		// A host asked to detach in the middle of an operation finishes it first (Metal3's
		// rule; {"force":true} detaches at once).
		if h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached && !detachRequested(h) {
			// Reattached: register again before anything else.
			h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
			h.Status.Provisioning.ID = ""
		}
		res, err = r.handleState(ctx)
	}
	if err != nil {
		return 0, err
	}
	r.transitioned(r.orig.Status.Provisioning.State)
	computeConditions(h, r.health, r.c.clock.Now())
	if r.waitingFor != "" {
		r.noteWaiting()
	}
	if werr := r.writeStatus(ctx); werr != nil {
		if r.acquired {
			r.c.wake(r.c.slots.release(r.key))
		}
		return 0, werr
	}
	// The status now says where the host is: a slot is given back once it says the host
	// left the long states, never before.
	if isLongState(r.orig.Status.Provisioning.State) && !isLongState(h.Status.Provisioning.State) {
		r.c.wake(r.c.slots.release(r.key))
	}
	if h.DeletionTimestamp != nil && h.Status.Provisioning.State == v1alpha1.StateDeleting && res == noRequeue {
		// The HardwareData and the PreprovisioningImage go first: if that fails the host
		// keeps its finalizer, and the next pass tries again.
		if err := r.deleteHardwareData(ctx); err != nil {
			return 0, err
		}
		if err := r.deletePreprovImage(ctx); err != nil {
			return 0, err
		}
		return 0, r.removeFinalizer(ctx)
	}
	return res.requeue, nil
}

const fieldManager = "baremetal-reconciler"

// wrote records a successful write, so this host is not acted on again until the cache has it.
func (r *hostReconcile) wrote(updated *v1alpha1.BareMetalHost, err error) {
	if err == nil && updated != nil {
		// The version this write replaced: the cache is behind the write exactly while it
		// still shows that version (or an older one this pass replaced).
		base := r.host.ResourceVersion
		if r.wroteRV != "" {
			base = r.wroteRV
		}
		r.c.expect.wrote(r.key, base, updated.ResourceVersion)
		r.wroteRV = updated.ResourceVersion
	}
}

func hasFinalizer(h *v1alpha1.BareMetalHost) bool {
	for _, f := range h.Finalizers {
		if f == v1alpha1.BareMetalHostFinalizer {
			return true
		}
	}
	return false
}

func detachRequested(h *v1alpha1.BareMetalHost) bool {
	_, ok := h.Annotations[v1alpha1.DetachedAnnotation]
	return ok
}

// stateHandler is the step of one provisioning state: it may call the backend, change the
// host's status (its state among it) and say when to come back. The bookkeeping of a state
// change is not its business (transitioned does it once per pass).
type stateHandler func(r *hostReconcile, ctx context.Context) (stepResult, error)

// stateHandlers is Metal3's state machine (host_state_machine.go), one step per state.
// registered says whether the step needs the backend to know the host first.
var stateHandlers = map[v1alpha1.ProvisioningState]struct {
	step       stateHandler
	registered bool
}{
	v1alpha1.StateNone:                    {step: startRegistering},
	v1alpha1.StateUnmanaged:               {step: startRegistering},
	v1alpha1.StateRegistering:             {step: (*hostReconcile).registering},
	v1alpha1.StateInspecting:              {step: (*hostReconcile).inspecting, registered: true},
	v1alpha1.StateMatchProfile:            {step: (*hostReconcile).preparing, registered: true},
	v1alpha1.StatePreparing:               {step: (*hostReconcile).preparing, registered: true},
	v1alpha1.StateReady:                   {step: (*hostReconcile).available, registered: true},
	v1alpha1.StateAvailable:               {step: (*hostReconcile).available, registered: true},
	v1alpha1.StateProvisioning:            {step: (*hostReconcile).provisioning, registered: true},
	v1alpha1.StateProvisioned:             {step: (*hostReconcile).provisioned, registered: true},
	v1alpha1.StateDeprovisioning:          {step: deprovisioningToAvailable, registered: true},
	v1alpha1.StateExternallyProvisioned:   {step: (*hostReconcile).externallyProvisioned, registered: true},
	v1alpha1.StatePoweringOffBeforeDelete: {step: awaitDeletion},
	v1alpha1.StateDeleting:                {step: awaitDeletion},
}

func startRegistering(r *hostReconcile, _ context.Context) (stepResult, error) {
	r.chooseEndpoint()
	return r.setState(v1alpha1.StateRegistering, now_), nil
}

// chooseEndpoint records the endpoint that is to hold the host's record, when the backend
// has several and the status names none yet. It is chosen with the state change to
// registering, in the same write: the record must be durable before any Ironic has a
// record of the host (a crash after the record is made, or an endpoint added meanwhile,
// cannot then make the next pass look for, and make, the record elsewhere), and one write
// per host less matters with thousands of hosts registering at once.
func (r *hostReconcile) chooseEndpoint() bool {
	h := r.host
	if r.c.endpoints == nil || h.Status.Provisioning.Endpoint != "" {
		return false
	}
	h.Status.Provisioning.Endpoint = r.c.endpoints.EndpointFor(provisioner.Host{UID: h.UID, ID: h.Status.Provisioning.ID})
	return true
}

func deprovisioningToAvailable(r *hostReconcile, ctx context.Context) (stepResult, error) {
	return r.deprovisioning(ctx, v1alpha1.StateAvailable)
}

// awaitDeletion: a host in a deletion state without a deletion timestamp cannot leave it
// (deletion cannot be cancelled); the timestamp brings it to handleDelete.
func awaitDeletion(*hostReconcile, context.Context) (stepResult, error) { return noRequeue, nil }

// handleState runs the step of the host's provisioning state.
func (r *hostReconcile) handleState(ctx context.Context) (stepResult, error) {
	h := r.host
	if h.Spec.BMC.Address == "" {
		metal3NoBMCAccess.Inc()
		return r.setState(v1alpha1.StateUnmanaged, noRequeue), nil
	}
	handler, ok := stateHandlers[h.Status.Provisioning.State]
	if !ok {
		return r.fail(v1alpha1.RegistrationError, fmt.Sprintf("unknown provisioning state %q", h.Status.Provisioning.State)), nil
	}
	// The agent image the state boots, before the backend is called (Metal3 makes sure of it
	// as it registers the host, in every pass).
	if res, ok, err := r.preprovisioningImage(ctx); !ok || err != nil {
		return res, err
	}
	if handler.registered {
		if res, ok, err := r.ensureRegistered(ctx); !ok || err != nil {
			return res, err
		}
	}
	return handler.step(r, ctx)
}

// providerHost builds the backend's view of the host for a step whose failures are recorded
// as errType, reading its BMC credentials. A failure of that step already in status asks the
// backend to retry it rather than report it again (RestartOnFailure).
func (r *hostReconcile) providerHost(ctx context.Context, errType v1alpha1.ErrorType) (provisioner.Host, string, error) {
	ph, version, err := ProviderHost(ctx, r.host, r.secrets(), r.c.opts.AllowTestBMCSchemes)
	ph.RestartOnFailure = r.host.Status.ErrorType == errType
	ph.PreprovisioningImage = r.preprov
	if m := r.metric(r.host.Status.Provisioning.State); m != nil {
		ph.OperationStarted = m.Start.Time
	}
	return ph, version, err
}

// ProviderHost is a backend's view of a host: its BMC, parsed, and its credentials, read from
// their Secret (with the Secret's version). The one place that builds it, for every controller
// that calls a backend.
func ProviderHost(ctx context.Context, h *v1alpha1.BareMetalHost, secrets SecretSource, allowTestSchemes bool) (provisioner.Host, string, error) {
	access, err := bmc.ParseWithOptions(h.Spec.BMC.Address, bmc.Options{AllowTestSchemes: allowTestSchemes})
	if err != nil {
		return provisioner.Host{}, "", err
	}
	creds, version, err := credentials(ctx, secrets, h.Namespace, h.Spec.BMC.CredentialsName)
	if err != nil {
		countCredentialsError(err)
		return provisioner.Host{}, "", err
	}
	return provisioner.Host{
		Namespace: h.Namespace, Name: h.Name, UID: h.UID, ID: h.Status.Provisioning.ID,
		Endpoint: h.Status.Provisioning.Endpoint,
		BMC:      access, Credentials: creds,
		DisableCertificateVerification: h.Spec.BMC.DisableCertificateVerification,
		BootMACAddress:                 h.Spec.BootMACAddress,
		BootMode:                       bootMode(h),
		Architecture:                   h.Spec.Architecture,
		InspectionMode:                 h.Spec.InspectionMode,
		AutomatedCleaningMode:          h.Spec.AutomatedCleaningMode,
		DisablePowerOff:                h.Spec.DisablePowerOff,
		LiveISO:                        liveISO(h),
	}, version, nil
}

// liveISO is the live ISO the host was provisioned with, "" when it runs anything else.
func liveISO(h *v1alpha1.BareMetalHost) string {
	img := h.Status.Provisioning.Image
	if img.Format == nil || *img.Format != v1alpha1.ImageFormatLiveISO {
		return ""
	}
	return img.URL
}

func bootMode(h *v1alpha1.BareMetalHost) v1alpha1.BootMode {
	if h.Spec.BootMode == "" {
		return v1alpha1.DefaultBootMode
	}
	return h.Spec.BootMode
}

// registering registers the host with the backend, then moves it on.
func (r *hostReconcile) registering(ctx context.Context) (stepResult, error) {
	h := r.host
	// A host delayed here registered already and waits for an inspection slot: it must not
	// ask the backend again on each pass, unless its credentials or its BMC changed since (the
	// API server forgets good credentials when the BMC address changes); new credentials are
	// looked for when its turn comes (waitsForInspection).
	if h.Status.OperationalStatus != v1alpha1.OperationalStatusDelayed || !(r.waitsForInspection() || r.registeredWithCurrentCredentials(ctx)) {
		res, ok, err := r.register(ctx, v1alpha1.RegistrationError)
		if !ok || err != nil {
			return res, err
		}
	}
	switch {
	case h.Spec.ExternallyProvisioned:
		return r.setState(v1alpha1.StateExternallyProvisioned, now_), nil
	case needsInspection(h):
		return r.enterLongState(v1alpha1.StateInspecting)
	default:
		return r.setState(v1alpha1.StatePreparing, now_), nil
	}
}

// ensureRegistered registers again when the backend has no ID for the host or the credentials
// changed since they last worked.
func (r *hostReconcile) ensureRegistered(ctx context.Context) (stepResult, bool, error) {
	h := r.host
	if r.registeredWithCurrentCredentials(ctx) {
		return noRequeue, true, nil
	}
	errType := v1alpha1.RegistrationError
	if h.Status.Provisioning.State == v1alpha1.StateProvisioned || h.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned {
		errType = v1alpha1.ProvisionedRegistrationError
	}
	return r.register(ctx, errType)
}

// registeredWithCurrentCredentials reports that the backend knows the host and that the
// credentials it last accepted are those the spec names, at the same Secret version.
func (r *hostReconcile) registeredWithCurrentCredentials(ctx context.Context) bool {
	h := r.host
	if !registeredWithCredentialsOf(h) {
		return false
	}
	_, version, err := r.secrets().Get(ctx, h.Namespace, h.Spec.BMC.CredentialsName)
	return err == nil && version == h.Status.GoodCredentials.CredentialsVersion
}

// registeredWithCredentialsOf says, from the host alone, that the backend knows it and that its
// last good credentials came from the Secret the spec names (at some version).
func registeredWithCredentialsOf(h *v1alpha1.BareMetalHost) bool {
	return h.Status.Provisioning.ID != "" && h.Status.GoodCredentials.Credentials != nil &&
		h.Status.GoodCredentials.Credentials.Name == h.Spec.BMC.CredentialsName
}

// waitsForInspection says that a host delayed in registering is still registered and in line
// for an inspection slot: the pass can only wait on. Such a host asks nothing of its BMC, so
// new credentials can wait for its turn, and its Secret is not read: the pass offered the slot
// is no longer in line, reads it, and registers again before taking the slot. Reading it on
// every pass of every waiting host was most of what waiting cost (10,000 hosts enrolled at
// once: ~170 reads/s).
func (r *hostReconcile) waitsForInspection() bool {
	h := r.host
	return !h.Spec.ExternallyProvisioned && needsInspection(h) && registeredWithCredentialsOf(h) && r.c.slots.inLine(r.key)
}

func (r *hostReconcile) register(ctx context.Context, errType v1alpha1.ErrorType) (stepResult, bool, error) {
	h := r.host
	ph, version, err := r.providerHost(ctx, errType)
	if err != nil {
		return r.fail(errType, err.Error()), false, nil
	}
	if good := h.Status.GoodCredentials; good.Credentials != nil && good.CredentialsVersion != version {
		metal3CredsUpdated.Inc()
	}
	h.Status.TriedCredentials = v1alpha1.CredentialsStatus{
		Credentials:        &v1alpha1.SecretReference{Name: h.Spec.BMC.CredentialsName, Namespace: h.Namespace},
		CredentialsVersion: version,
	}
	if r.chooseEndpoint() {
		// A host that reached registering without one (from an older server, or
		// registering again): written before the backend is called, as startRegistering.
		return now_, false, nil
	}
	id, res, err := r.c.prov.Register(ctx, ph)
	if id != "" {
		// Known as soon as the backend created its record, as in Metal3: deletion and
		// detachment of a host still registering undo the record by its ID, and the next
		// call finds the record by ID instead of searching for it.
		h.Status.Provisioning.ID = id
	}
	if done, out := r.outcome(errType, res, err); !done {
		return out, false, nil
	}
	h.Status.Provisioning.ID = id
	h.Status.GoodCredentials = h.Status.TriedCredentials
	return noRequeue, true, nil
}

// outcome turns a backend answer into (done, what to do otherwise). Errors and failures are
// recorded in status with backoff; ErrNeedsRegistration sends the host back to registering.
func (r *hostReconcile) outcome(errType v1alpha1.ErrorType, res provisioner.Result, err error) (bool, stepResult) {
	switch {
	case errors.Is(err, async.ErrInProgress):
		// A call to this host's hardware is still running (a slow or unresponsive BMC): nothing
		// is known yet, so the status stays as it is. The call's end wakes the host; the
		// timer is only a safety net.
		return false, after(callInProgressRecheck)
	case errors.Is(err, provisioner.ErrNeedsRegistration):
		metal3RegRequired.Inc()
		r.logger.Info("Provisioner lost the host; registering again")
		r.host.Status.Provisioning.ID = ""
		r.host.Status.GoodCredentials = v1alpha1.CredentialsStatus{}
		return false, now_
	case err != nil:
		return false, r.fail(errType, err.Error())
	case res.ErrorMessage != "":
		return false, r.fail(errType, res.ErrorMessage)
	case !res.Done:
		r.clearError()
		if res.RequeueAfter <= 0 {
			return false, now_
		}
		return false, after(res.RequeueAfter)
	}
	r.clearError()
	return true, noRequeue
}

func needsInspection(h *v1alpha1.BareMetalHost) bool {
	return !h.InspectionDisabled() && h.Status.Hardware == nil
}

// maxInspectionWarnings bounds the Warning events of one inspection; the backend logs them all.
const maxInspectionWarnings = 10

func (r *hostReconcile) inspecting(ctx context.Context) (stepResult, error) {
	h := r.host
	ph, _, err := r.providerHost(ctx, v1alpha1.InspectionError)
	if err != nil {
		return r.fail(v1alpha1.InspectionError, err.Error()), nil
	}
	// Only a requested re-inspection restarts one the backend completed before; a first
	// inspection, or one under way, is continued. The request (Metal3's inspect annotation,
	// or the inspect subresource's) is consumed once the backend took it, as in Metal3: until
	// then a restart or another replica asks again.
	restart := inspectionRequested(h)
	details, res, err := r.c.prov.Inspect(ctx, ph, restart)
	if restart && err == nil && res.ErrorMessage == "" {
		if err := r.removeAnnotation(ctx, v1alpha1.InspectAnnotationPrefix); err != nil {
			return noRequeue, err
		}
	}
	if done, out := r.outcome(v1alpha1.InspectionError, res, err); !done {
		return out, nil
	}
	for i, w := range res.Warnings {
		if i == maxInspectionWarnings {
			r.event(corev1.EventTypeWarning, "InspectionWarning", fmt.Sprintf("%d more warnings (see the server's log)", len(res.Warnings)-i))
			break
		}
		r.event(corev1.EventTypeWarning, "InspectionWarning", w)
	}
	if details != nil {
		// Metal3 keeps every inspection's result in the host's HardwareData too, where a host
		// created again with this name finds it.
		if err := r.recordHardwareData(ctx, details); apierrors.IsInvalid(err) {
			// The API refuses this inventory (HardwareData has Metal3's CRD rules, e.g. on
			// how a MAC is spelt, and a BMC may report otherwise). Metal3 would keep the host
			// inspecting, retrying in vain; here it goes on with the inventory in its status,
			// and only a host created again under its name will not find it.
			r.event(corev1.EventTypeWarning, "HardwareDataInvalid", "inventory not kept in HardwareData: "+err.Error())
		} else if err != nil {
			return noRequeue, err
		}
	}
	h.Status.Hardware = details
	return r.setState(v1alpha1.StatePreparing, now_), nil
}

func (r *hostReconcile) preparing(ctx context.Context) (stepResult, error) {
	h := r.host
	ph, _, err := r.providerHost(ctx, v1alpha1.PreparationError)
	if err != nil {
		return r.fail(v1alpha1.PreparationError, err.Error()), nil
	}
	// The spec's hints are applied now; the profile's default only reaches the backend with
	// the deploy (instance_info), which is where it matters, saving Ironic a node update
	// per host (the lifecycle benchmark measured 1.27 with it, against 1.07).
	profile, hints := hardwareProfile(h, ph.BMC)
	fw, err := r.firmwareWork()
	if err != nil {
		return noRequeue, err
	}
	res, err := r.c.prov.Prepare(ctx, ph, provisioner.PrepareData{RAID: h.Spec.RAID, RootDeviceHints: h.Spec.RootDeviceHints, Firmware: fw.changes})
	if done, out := r.outcome(v1alpha1.PreparationError, res, err); !done {
		return out, nil
	}
	if out, done, err := r.firmwareApplied(ctx, ph, fw, v1alpha1.PreparationError); !done || err != nil {
		return out, err
	}
	h.Status.Provisioning.RAID = h.Spec.RAID.DeepCopy()
	h.Status.Provisioning.RootDeviceHints = hints
	h.Status.HardwareProfile = profile
	return r.setState(v1alpha1.StateAvailable, now_), nil
}

// hardwareProfile is Metal3's hardware profile of the host and the root device hints it
// implies: the spec's hints when given; otherwise the profile's default device, /dev/vda for
// libvirt (virtio) hosts and /dev/sda for the others (Metal3's "unknown" profile), so the image
// goes to the disk Metal3 would write it to. A software RAID root volume needs no hint: the
// RAID device is the root.
func hardwareProfile(h *v1alpha1.BareMetalHost, access *bmc.Access) (string, *v1alpha1.RootDeviceHints) {
	profile, device := "unknown", "/dev/sda"
	if access != nil && access.Type == "libvirt" {
		profile, device = "libvirt", "/dev/vda"
	}
	if h.Spec.HardwareProfile != "" {
		profile = h.Spec.HardwareProfile
	}
	switch {
	case h.Spec.RootDeviceHints != nil:
		return profile, h.Spec.RootDeviceHints.DeepCopy()
	case h.Spec.RAID != nil && len(h.Spec.RAID.SoftwareRAIDVolumes) > 0:
		return profile, nil
	}
	return profile, &v1alpha1.RootDeviceHints{DeviceName: device}
}

// available is a host at rest waiting for work: provisioning, adoption or re-inspection.
func (r *hostReconcile) available(ctx context.Context) (stepResult, error) {
	h := r.host
	switch {
	case h.Spec.ExternallyProvisioned:
		return r.setState(v1alpha1.StateExternallyProvisioned, now_), nil
	case inspectionRequested(h):
		// A one-shot trigger (Metal3's contract), consumed once the backend started the
		// inspection (inspecting).
		h.Status.Hardware = nil
		return r.enterLongState(v1alpha1.StateInspecting)
	}
	// Firmware changes come before provisioning, as in Metal3: the host is prepared again.
	if fw, err := r.firmwareWork(); err != nil {
		return noRequeue, err
	} else if !fw.changes.Empty() {
		r.logger.Info("Firmware changes requested; preparing the host again", "changes", fw.describe())
		return r.setState(v1alpha1.StatePreparing, now_), nil
	}
	if needsProvisioning(h) {
		if !apiequality.Semantic.DeepEqual(h.Spec.Image, h.Status.LastAttemptedImage) {
			// A new image is a new start (Metal3's rule).
			h.Status.ProvisioningFailCount = 0
		}
		if limit := r.c.opts.MaxProvisioningRetries; limit > 0 && int(h.Status.ProvisioningFailCount) >= limit {
			return r.fail(v1alpha1.ProvisioningError, fmt.Sprintf(
				"provisioning failed %d times, retry limit (%d) reached; change the image or reset status.provisioningFailCount to retry",
				h.Status.ProvisioningFailCount, limit)), nil
		}
		res, err := r.enterLongState(v1alpha1.StateProvisioning)
		if h.Status.Provisioning.State == v1alpha1.StateProvisioning && h.Spec.Image != nil {
			// The attempt starts with the state change, and is recorded in the same write
			// (provisioning would otherwise write it alone as it calls the backend).
			h.Status.LastAttemptedImage = h.Spec.Image.DeepCopy()
		}
		return res, err
	}
	if h.Spec.Image == nil || h.Spec.Image.URL == "" {
		h.Status.ProvisioningFailCount = 0
		h.Status.LastAttemptedImage = nil
	}
	return r.managePower(ctx)
}

func inspectionRequested(h *v1alpha1.BareMetalHost) bool {
	v, ok := h.Annotations[v1alpha1.InspectAnnotationPrefix]
	return ok && v == ""
}

func needsProvisioning(h *v1alpha1.BareMetalHost) bool {
	if !h.Spec.Online {
		return false
	}
	return (h.Spec.Image != nil && h.Spec.Image.URL != "") || (h.Spec.CustomDeploy != nil && h.Spec.CustomDeploy.Method != "")
}

func (r *hostReconcile) provisioning(ctx context.Context) (stepResult, error) {
	h := r.host
	if !needsProvisioning(h) {
		// The image went away before provisioning finished: undo what was started.
		return r.enterLongState(v1alpha1.StateDeprovisioning)
	}
	ph, _, err := r.providerHost(ctx, v1alpha1.ProvisioningError)
	if err != nil {
		return r.fail(v1alpha1.ProvisioningError, err.Error()), nil
	}
	// The hints preparing settled on (the spec's, or the profile's default) unless the spec
	// names some since.
	hints := h.Spec.RootDeviceHints
	if hints == nil {
		hints = h.Status.Provisioning.RootDeviceHints
	}
	data := provisioner.ProvisionData{Image: h.Spec.Image, CustomDeploy: h.Spec.CustomDeploy, RootDeviceHints: hints}
	if data.UserData, data.NetworkData, data.MetaData, err = r.configDrive(ctx); err != nil {
		return r.fail(v1alpha1.ProvisioningError, err.Error()), nil
	}
	if data.ImagePullSecret, err = r.imagePullSecret(ctx); err != nil {
		return r.fail(v1alpha1.ProvisioningError, err.Error()), nil
	}
	if h.Spec.Image != nil {
		h.Status.LastAttemptedImage = h.Spec.Image.DeepCopy()
	}
	res, err := r.c.prov.Provision(ctx, ph, data)
	if err == nil && res.ErrorMessage != "" {
		// As in Metal3: a failed attempt is counted and undone (deprovisioned, so the disks
		// are cleaned) before any next one; available decides whether there is one
		// (--max-provisioning-retries). A backend that could not be reached is no attempt:
		// that is retried here, uncounted.
		h.Status.ProvisioningFailCount++
		return r.setState(v1alpha1.StateDeprovisioning, r.fail(v1alpha1.ProvisioningError, res.ErrorMessage)), nil
	}
	if done, out := r.outcome(v1alpha1.ProvisioningError, res, err); !done {
		return out, nil
	}
	h.Status.ProvisioningFailCount = 0
	if h.Spec.Image != nil {
		h.Status.Provisioning.Image = *h.Spec.Image.DeepCopy()
	}
	h.Status.Provisioning.CustomDeploy = h.Spec.CustomDeploy.DeepCopy()
	h.Status.Provisioning.RootDeviceHints = hints.DeepCopy()
	h.Status.Provisioning.BootMode = bootMode(h)
	// status.poweredOn is left to the power check that follows at once: a deploy usually
	// ends with the host on, but only the BMC can say so.
	return r.setState(v1alpha1.StateProvisioned, now_), nil
}

// imagePullSecret reads the registry credentials of an oci:// image from the Docker-config
// Secret spec.image.ociAuthSecretName names, as Metal3 does; "" when there is none to read.
func (r *hostReconcile) imagePullSecret(ctx context.Context) (string, error) {
	img := r.host.Spec.Image
	if img == nil || img.OCIAuthSecretName == nil || *img.OCIAuthSecretName == "" || !strings.HasPrefix(strings.ToLower(img.URL), "oci://") {
		return "", nil
	}
	name := *img.OCIAuthSecretName
	data, _, err := r.secrets().Get(ctx, r.host.Namespace, name)
	if err != nil {
		return "", fmt.Errorf("image pull Secret (spec.image.ociAuthSecretName): %w", err)
	}
	creds, err := dockerconfig.Credentials(data, img.URL)
	if err != nil {
		return "", fmt.Errorf("image pull Secret %s/%s: %w", r.host.Namespace, name, err)
	}
	return creds, nil
}

// configDrive reads the Secrets the config drive is built from.
func (r *hostReconcile) configDrive(ctx context.Context) (user, network, meta string, err error) {
	h := r.host
	read := func(ref *v1alpha1.SecretReference, key string) (string, error) {
		if ref == nil || ref.Name == "" {
			return "", nil
		}
		data, _, err := r.secrets().Get(ctx, h.Namespace, ref.Name)
		if err != nil {
			metal3ConfigDataError.WithLabelValues(key).Inc()
			return "", err
		}
		if v, ok := data[key]; ok {
			return string(v), nil
		}
		return string(data["value"]), nil
	}
	if user, err = read(h.Spec.UserData, "userData"); err != nil {
		return
	}
	if network, err = read(h.Spec.NetworkData, "networkData"); err != nil {
		return
	}
	meta, err = read(h.Spec.MetaData, "metaData")
	return
}

// provisioned keeps a provisioned host as the spec says: power, reboots, or deprovisioning
// when its image is removed or changed.
func (r *hostReconcile) provisioned(ctx context.Context) (stepResult, error) {
	h := r.host
	if imageChanged(h) {
		return r.enterLongState(v1alpha1.StateDeprovisioning)
	}
	// The backend may not know the host as deployed: it registered it again after losing its
	// record, or the host was restored from Metal3's status annotation. Adoption tells it,
	// without deploying, cleaning or power-cycling anything; for a host it knows as deployed
	// it is a read (Metal3 adopts in every steady-state reconcile too).
	if out, done := r.adopt(ctx); !done {
		return out, nil
	}
	return r.managePower(ctx)
}

// adopt makes the backend hold the host as deployed without touching it; done once it does.
func (r *hostReconcile) adopt(ctx context.Context) (stepResult, bool) {
	ph, _, err := r.providerHost(ctx, v1alpha1.ProvisionedRegistrationError)
	if err != nil {
		return r.fail(v1alpha1.ProvisionedRegistrationError, err.Error()), false
	}
	res, err := r.c.prov.Adopt(ctx, ph)
	done, out := r.outcome(v1alpha1.ProvisionedRegistrationError, res, err)
	return out, done
}

func imageChanged(h *v1alpha1.BareMetalHost) bool {
	if h.Spec.CustomDeploy != nil || h.Status.Provisioning.CustomDeploy != nil {
		return !apiequality.Semantic.DeepEqual(h.Spec.CustomDeploy, h.Status.Provisioning.CustomDeploy)
	}
	return h.Spec.Image == nil || h.Spec.Image.URL != h.Status.Provisioning.Image.URL
}

// deprovisioning removes the image (the backend cleans the disks as automatedCleaningMode says),
// then moves the host to next: available, or powering off before delete when it is deleted.
func (r *hostReconcile) deprovisioning(ctx context.Context, next v1alpha1.ProvisioningState) (stepResult, error) {
	h := r.host
	ph, _, err := r.providerHost(ctx, v1alpha1.ProvisioningError)
	if err != nil {
		return r.fail(v1alpha1.ProvisioningError, err.Error()), nil
	}
	res, err := r.c.prov.Deprovision(ctx, ph)
	if done, out := r.outcome(v1alpha1.ProvisioningError, res, err); !done {
		return out, nil
	}
	h.Status.Provisioning.Image = v1alpha1.Image{}
	h.Status.Provisioning.CustomDeploy = nil
	h.Status.PoweredOn = false
	return r.setState(next, now_), nil
}

func (r *hostReconcile) externallyProvisioned(ctx context.Context) (stepResult, error) {
	h := r.host
	if !h.Spec.ExternallyProvisioned {
		// As in Metal3: the host keeps what someone else provisioned when it is given an
		// image (the one it is taken to run); without one it is deprovisioned, so cleaned,
		// and becomes available. Preparing it as is would clean nothing and fail on a
		// backend that holds it as deployed.
		if (h.Spec.Image != nil && h.Spec.Image.URL != "") || (h.Spec.CustomDeploy != nil && h.Spec.CustomDeploy.Method != "") {
			if h.Spec.Image != nil {
				h.Status.Provisioning.Image = *h.Spec.Image.DeepCopy()
			}
			h.Status.Provisioning.CustomDeploy = h.Spec.CustomDeploy.DeepCopy()
			h.Status.Provisioning.RootDeviceHints = h.Spec.RootDeviceHints.DeepCopy()
			h.Status.Provisioning.BootMode = bootMode(h)
			return r.setState(v1alpha1.StateProvisioned, now_), nil
		}
		return r.enterLongState(v1alpha1.StateDeprovisioning)
	}
	// Adopted in every pass, as provisioned hosts are: a read when the backend holds it so.
	if out, done := r.adopt(ctx); !done {
		return out, nil
	}
	return r.managePower(ctx)
}

// managePower makes the power state match spec.online, as Metal3 does with its reboot
// annotations (reboot.go): any that applies keeps the host off; reboot.metal3.io is removed
// once the host is off, so the host comes back as spec.online says; reboot.metal3.io/<key>
// keeps it off until its owner removes it. A reboot asked through baremetalhosts/reboot is one
// reset. Then the power state is polled at PowerPollInterval so status.poweredOn follows
// changes made outside.
func (r *hostReconcile) managePower(ctx context.Context) (stepResult, error) {
	h := r.host
	ph, _, err := r.providerHost(ctx, v1alpha1.PowerManagementError)
	if err != nil {
		return r.fail(v1alpha1.PowerManagementError, err.Error()), nil
	}
	req := readRebootRequests(h)
	provisioned := h.Status.Provisioning.State == v1alpha1.StateProvisioned || h.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned
	if provisioned && (servicingUnderway(h) || req.once) {
		// A reboot through baremetalhosts/reboot is a reboot too: servicing applies what the
		// policy lets through with the reset(s) it needs, and that is the reboot asked for.
		if out, done, err := r.service(ctx, req.once); !done || err != nil {
			return out, err
		}
	}
	if req.once {
		var read *provisioner.PowerState
		if _, recorded := recordedReboot(h, []string{v1alpha1.RebootSubresourceAnnotation}); !recorded {
			// The reboot's record needs the BMC's last reset: read before the DataImage's
			// calls, which, being actions, would drop a read answered in the background.
			state, err := r.c.prov.PowerState(ctx, ph)
			if done, out := r.outcome(v1alpha1.PowerManagementError, provisioner.Done(), err); !done {
				return out, nil
			}
			read = &state
		}
		if provisioned && h.Spec.Online {
			// The reset is this reboot's power-on: the host's DataImage goes in first.
			if out, done, err := r.dataImage(ctx, ph); !done || err != nil {
				return out, err
			}
		}
		return r.rebootOnce(ctx, ph, read, req.onceMode, v1alpha1.RebootSubresourceAnnotation)
	}
	state, err := r.c.prov.PowerState(ctx, ph)
	if done, out := r.outcome(v1alpha1.PowerManagementError, provisioner.Done(), err); !done {
		return out, nil
	}
	r.health = state.Health
	if state.Known {
		r.observePower(state.PoweredOn)
	}
	if provisioned && h.Spec.Online && state.Known && !state.PoweredOn {
		// Off, and to be powered on (once the reboot annotations that hold it off go): the
		// moment Metal3 attaches or detaches the host's DataImage, before anything else.
		if out, done, err := r.dataImage(ctx, ph); !done || err != nil {
			return out, err
		}
	}
	if state.Known && !state.PoweredOn && req.suffixless {
		// The power-off of a plain reboot is done: from here spec.online decides again.
		if err := r.removeAnnotation(ctx, v1alpha1.RebootAnnotationPrefix); err != nil {
			return noRequeue, err
		}
		return now_, nil
	}
	want := h.Spec.Online || h.Spec.DisablePowerOff
	mode := provisioner.RebootModeSoft
	if len(req.hold) > 0 {
		if h.Spec.DisablePowerOff {
			// The host may not be powered off: a reset is the closest Metal3 gets, and
			// nothing can be held off, so the annotations are consumed.
			return r.rebootOnce(ctx, ph, &state, req.holdMode, req.hold...)
		}
		want, mode = false, req.holdMode
		r.setCondition(v1alpha1.ConditionRebooted, metav1.ConditionFalse, "PoweredOffForReboot",
			"kept off while these reboot annotations remain: "+strings.Join(req.hold, ", "))
	}
	if provisioned && want && len(req.hold) == 0 && state.Known && !state.PoweredOn {
		// On its way back on: the moment Metal3 services a host.
		if out, done, err := r.service(ctx, false); !done || err != nil {
			return out, err
		}
	}
	// A power state the backend cannot tell yet (Ironic's fake hardware before its first power
	// action, a BMC that says nothing) leaves the recorded one standing, as in Metal3: a host
	// restored as on is not powered on again on the backend's "don't know".
	on := h.Status.PoweredOn
	if state.Known {
		on = state.PoweredOn
	}
	if on == want {
		if want && meta.IsStatusConditionFalse(h.Status.Conditions, v1alpha1.ConditionRebooted) {
			r.setCondition(v1alpha1.ConditionRebooted, metav1.ConditionTrue, "Rebooted", "powered on again after the reboot")
			r.event(corev1.EventTypeNormal, "Rebooted", "powered on again after the reboot")
		}
		// At rest, polled: the moment to read the power draw too.
		r.readPowerDraw(ctx, ph)
		return after(r.c.opts.PowerPollInterval), nil
	}
	var res provisioner.Result
	if want {
		res, err = r.c.prov.PowerOn(ctx, ph)
	} else {
		if h.Status.ErrorCount > 0 {
			// A power-off that failed before is not tried softly again (Metal3 does the same).
			mode = provisioner.RebootModeHard
		}
		res, err = r.c.prov.PowerOff(ctx, ph, mode)
	}
	if done, out := r.outcome(v1alpha1.PowerManagementError, res, err); !done {
		return out, nil
	}
	onOff := "off"
	if want {
		onOff = "on"
	}
	metal3PowerChanges.WithLabelValues(h.Namespace, h.Name, onOff).Inc()
	r.observePower(want)
	return after(r.c.opts.PowerPollInterval), nil
}

// rebootOnce resets the host through the backend once for the annotations that asked for it,
// and removes them when done. The reset is sent in the pass that records, in those
// annotations, that it is about to go out (recordReboot); later passes hand the record to
// the backend, which resumes from it and the BMC when it has no memory of the reboot (the
// rule is beside rebootRecord). read is the power state this pass read already, if it did.
func (r *hostReconcile) rebootOnce(ctx context.Context, ph provisioner.Host, read *provisioner.PowerState, mode provisioner.RebootMode, annotations ...string) (stepResult, error) {
	rec, recorded := recordedReboot(r.host, annotations)
	if !recorded {
		var out stepResult
		var done bool
		var err error
		if rec, out, done, err = r.recordReboot(ctx, ph, read, mode, annotations); !done || err != nil {
			return out, err
		}
		ph.OperationRecordedNow = true
	}
	ph.OperationStarted, ph.LastResetBefore = rec.Started, rec.LastReset
	res, err := r.c.prov.Reboot(ctx, ph, mode)
	if done, out := r.outcome(v1alpha1.PowerManagementError, res, err); !done {
		return out, nil
	}
	powerChangesTotal.WithLabelValues("reboot").Inc()
	if len(res.Warnings) > 0 {
		// Ended without knowing whether the host restarted: said as such, not as a reboot.
		msg := strings.Join(res.Warnings, "; ")
		r.event(corev1.EventTypeWarning, "RebootUnconfirmed", msg)
		r.setCondition(v1alpha1.ConditionRebooted, metav1.ConditionUnknown, "RebootUnconfirmed", msg)
	} else {
		r.event(corev1.EventTypeNormal, "Rebooted", string(mode)+" reboot carried out")
		// Rebooting (False) since the record, True now: the transition time dates the reboot.
		r.setCondition(v1alpha1.ConditionRebooted, metav1.ConditionTrue, "Rebooted", string(mode)+" reboot carried out")
	}
	r.host.Status.PoweredOn = true
	if err := r.removeAnnotation(ctx, annotations...); err != nil {
		return noRequeue, err
	}
	return now_, nil
}

// recordReboot writes the reboot's record into its annotations before any reset is sent: when
// it was taken on, and the BMC's LastResetTime read now. done is false when that could not be
// done in this pass (out says when to come back). A failed write (a conflict: the request
// changed meanwhile) is returned: the next pass reads the request again.
func (r *hostReconcile) recordReboot(ctx context.Context, ph provisioner.Host, read *provisioner.PowerState, mode provisioner.RebootMode, annotations []string) (rebootRecord, stepResult, bool, error) {
	if read == nil {
		state, err := r.c.prov.PowerState(ctx, ph)
		if done, out := r.outcome(v1alpha1.PowerManagementError, provisioner.Done(), err); !done {
			return rebootRecord{}, out, false, nil
		}
		read = &state
	}
	state := *read
	// Written with nanoseconds (RFC 3339), so that later passes read back exactly the start
	// this pass hands the backend, which tells its memory of this reboot by it.
	rec := rebootRecord{Started: r.c.clock.Now().UTC(), LastReset: state.LastReset}
	values := map[string]string{}
	for _, k := range annotations {
		values[k] = withRebootRecord(r.host.Annotations[k], rec)
	}
	if err := r.setAnnotations(ctx, values); err != nil {
		return rebootRecord{}, noRequeue, false, err
	}
	r.logger.Info("Rebooting the host", "mode", mode, "requestedBy", annotations)
	// False from the record until the reboot is done; the record is the authority, this only
	// shows it.
	meta.RemoveStatusCondition(&r.host.Status.Conditions, v1alpha1.ConditionRebooted)
	r.setCondition(v1alpha1.ConditionRebooted, metav1.ConditionFalse, "Rebooting", string(mode)+" reboot requested")
	return rec, noRequeue, true, nil
}

// observePower records the power state the BMC reached, counting changes.
func (r *hostReconcile) observePower(on bool) {
	if r.host.Status.PoweredOn != on {
		target, reason := "off", "PoweredOff"
		if on {
			target, reason = "on", "PoweredOn"
		}
		powerChangesTotal.WithLabelValues(target).Inc()
		r.event(corev1.EventTypeNormal, reason, "the BMC reports power "+target)
	}
	r.host.Status.PoweredOn = on
}

// removeAnnotation deletes annotations with a merge patch, leaving every other field alone.
func (r *hostReconcile) removeAnnotation(ctx context.Context, keys ...string) error {
	remove := map[string]interface{}{}
	for _, k := range keys {
		remove[k] = nil
	}
	return r.patchAnnotations(ctx, remove)
}

// setAnnotations sets annotations' values with a merge patch, leaving every other field alone.
func (r *hostReconcile) setAnnotations(ctx context.Context, values map[string]string) error {
	set := map[string]interface{}{}
	for k, v := range values {
		set[k] = v
	}
	return r.patchAnnotations(ctx, set)
}

// patchAnnotations merges annotations (a nil value removes one) into the stored host, on the
// condition that it is still the version this pass read.
func (r *hostReconcile) patchAnnotations(ctx context.Context, annotations map[string]interface{}) error {
	// The resourceVersion makes the patch fail on a stale copy, like an update would.
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"annotations": annotations, "resourceVersion": r.host.ResourceVersion}})
	updated, err := r.c.client.BaremetalV1alpha1().BareMetalHosts(r.host.Namespace).Patch(ctx, r.host.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
	r.wrote(updated, err)
	if err == nil {
		// Later writes in this pass (status) must carry the new version.
		r.host.ResourceVersion = updated.ResourceVersion
		r.host.Annotations = updated.Annotations
	}
	return err
}

// handleDetach makes the backend forget the host, leaving the hardware as it is.
func (r *hostReconcile) handleDetach(ctx context.Context) (stepResult, error) {
	h := r.host
	if h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached {
		return noRequeue, nil
	}
	if h.Status.Provisioning.ID != "" {
		ph, _, err := r.providerHost(ctx, v1alpha1.DetachError)
		if err != nil {
			return r.fail(v1alpha1.DetachError, err.Error()), nil
		}
		res, err := r.c.prov.Detach(ctx, ph)
		if done, out := r.outcome(v1alpha1.DetachError, res, err); !done {
			return out, nil
		}
		for _, w := range res.Warnings {
			r.event(corev1.EventTypeWarning, "DetachWarning", w)
		}
	}
	h.Status.Provisioning.ID = ""
	// Forgotten by its endpoint: attached again, it is assigned one afresh (the way to move
	// a host off an endpoint that is to be removed).
	h.Status.Provisioning.Endpoint = ""
	h.Status.OperationalStatus = v1alpha1.OperationalStatusDetached
	return noRequeue, nil
}

// handleDelete powers the host off, removes it from the backend, then lets the object go.
func (r *hostReconcile) handleDelete(ctx context.Context) (stepResult, error) {
	h := r.host
	if !hasFinalizer(h) {
		return noRequeue, nil
	}
	state := h.Status.Provisioning.State
	if detached := h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached; (detached || detachRequested(h)) && state != v1alpha1.StateDeleting {
		if h.DelayDeleteForDetached() {
			// Metal3's deleteAction "delay": the host stays (or becomes) detached, and its
			// deletion waits until the annotation goes; a host detached without the annotation
			// any more is attached again first, then deleted like any other.
			metal3DeleteDetached.Inc()
			if detachRequested(h) {
				return r.handleDetach(ctx)
			}
			h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
			h.Status.Provisioning.ID = ""
			h.Status.GoodCredentials = v1alpha1.CredentialsStatus{}
			return now_, nil
		}
		// Deleted as detached: only forgotten, the machine untouched (never deprovisioned or
		// powered off), whatever its state.
		if !detached && h.Status.Provisioning.ID != "" {
			if res, err := r.handleDetach(ctx); err != nil || h.Status.OperationalStatus != v1alpha1.OperationalStatusDetached {
				return res, err
			}
		}
		return r.setState(v1alpha1.StateDeleting, noRequeue), nil
	}
	if h.Status.Provisioning.ID == "" && (state == v1alpha1.StateProvisioned || state == v1alpha1.StateProvisioning || state == v1alpha1.StateDeprovisioning) {
		// A host with an image whose backend record is gone (attached again, or lost) is
		// registered again to be cleaned before it is let go.
		if res, ok, err := r.ensureRegistered(ctx); !ok || err != nil {
			return res, err
		}
	}
	if h.Status.Provisioning.ID == "" || state == v1alpha1.StateUnmanaged || state == v1alpha1.StateNone ||
		h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached {
		// The backend never knew the host: nothing to undo.
		return r.setState(v1alpha1.StateDeleting, noRequeue), nil
	}
	ph, _, err := r.providerHost(ctx, v1alpha1.ProvisioningError)
	if err != nil {
		// Without credentials the host cannot be powered off, but it can still be forgotten.
		if state != v1alpha1.StateProvisioned && state != v1alpha1.StateProvisioning && state != v1alpha1.StateDeprovisioning {
			metal3DeleteNoPowerOff.Inc()
		}
		ph = provisioner.Host{Namespace: h.Namespace, Name: h.Name, UID: h.UID, ID: h.Status.Provisioning.ID, Endpoint: h.Status.Provisioning.Endpoint}
	}
	switch state {
	case v1alpha1.StateProvisioned, v1alpha1.StateProvisioning:
		// As in Metal3: a host that has (or is being given) an image is deprovisioned first,
		// so that its disks are cleaned (automatedCleaningMode) before the machine can be
		// used again; only then is it powered off and forgotten. It waits for a slot like
		// any deprovisioning.
		return r.enterLongState(v1alpha1.StateDeprovisioning)
	case v1alpha1.StateDeprovisioning:
		if err != nil {
			// Safer stuck than deleted uncleaned: the way out is explicit.
			return r.fail(v1alpha1.ProvisioningError, "cannot deprovision (clean) the host before deleting it: "+err.Error()+
				"; restore the credentials, or detach the host ("+v1alpha1.DetachedAnnotation+") to delete it without cleaning"), nil
		}
		return r.deprovisioning(ctx, v1alpha1.StatePoweringOffBeforeDelete)
	case v1alpha1.StatePoweringOffBeforeDelete, v1alpha1.StateDeleting:
	default:
		return r.setState(v1alpha1.StatePoweringOffBeforeDelete, now_), nil
	}
	if state == v1alpha1.StatePoweringOffBeforeDelete {
		if err == nil && !h.Spec.DisablePowerOff {
			ph.RestartOnFailure = h.Status.ErrorType == v1alpha1.PowerManagementError
			res, perr := r.c.prov.PowerOff(ctx, ph, provisioner.RebootModeHard)
			if errors.Is(perr, provisioner.ErrNeedsRegistration) {
				return r.setState(v1alpha1.StateDeleting, now_), nil
			}
			if done, out := r.outcome(v1alpha1.PowerManagementError, res, perr); !done {
				return out, nil
			}
			h.Status.PoweredOn = false
		}
		return r.setState(v1alpha1.StateDeleting, now_), nil
	}
	res, derr := r.c.prov.Delete(ctx, ph)
	if errors.Is(derr, provisioner.ErrNeedsRegistration) {
		return noRequeue, nil
	}
	if done, out := r.outcome(v1alpha1.RegistrationError, res, derr); !done {
		return out, nil
	}
	return noRequeue, nil
}

func (r *hostReconcile) removeFinalizer(ctx context.Context) error {
	h := r.host.DeepCopy()
	kept := h.Finalizers[:0]
	for _, f := range h.Finalizers {
		if f != v1alpha1.BareMetalHostFinalizer {
			kept = append(kept, f)
		}
	}
	h.Finalizers = kept
	updated, err := r.c.client.BaremetalV1alpha1().BareMetalHosts(h.Namespace).Update(ctx, h, metav1.UpdateOptions{FieldManager: fieldManager})
	r.wrote(updated, err)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// waitingRecheck is the safety-net pass of a host waiting for a slot. Nothing else needs a
// waiting host back on time (a freed slot is offered to the oldest waiter and wakes it, a spec
// change comes with its event, a waiting host polls no power, and one waiting for inspection
// checks its credentials when its turn comes), so it is long: 10,000 hosts waiting cost ~17
// passes/s, not the ~170/s of a minute.
const waitingRecheck = 10 * time.Minute

// enterLongState moves the host into inspecting, provisioning or deprovisioning if a slot is
// free; otherwise the host waits, shown as operationalStatus delayed, and is woken when a slot
// is released.
func (r *hostReconcile) enterLongState(state v1alpha1.ProvisioningState) (stepResult, error) {
	ok, taken := r.c.slots.acquire(r.key, r.host.Status.Provisioning.Endpoint)
	if !ok {
		switch state {
		case v1alpha1.StateProvisioning:
			metal3DelayedProv.WithLabelValues(r.host.Namespace, r.host.Name).Inc()
		case v1alpha1.StateDeprovisioning:
			metal3DelayedDeprov.WithLabelValues(r.host.Namespace, r.host.Name).Inc()
		}
		r.host.Status.OperationalStatus = v1alpha1.OperationalStatusDelayed
		r.c.updateSlotMetrics()
		// Woken when offered a slot; the timer is only a safety net.
		return after(waitingRecheck), nil
	}
	r.acquired = taken
	r.c.updateSlotMetrics()
	if r.host.Status.OperationalStatus == v1alpha1.OperationalStatusDelayed {
		r.host.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	}
	return r.setState(state, now_), nil
}
