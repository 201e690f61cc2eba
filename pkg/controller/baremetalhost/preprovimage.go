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
	"fmt"
	"runtime"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// PreprovisioningImages, as Metal3's host controller uses them with --build-preprov-image
// (baremetalhost_controller.go: getPreprovImage, preprovImageAvailable, registerHost):
//   - a host whose backend boots an agent image (provisioner.PreprovisioningImageBooter) has a
//     PreprovisioningImage of its name, controlled by the host and carrying its labels, that
//     asks for the formats the backend can boot behind the host's BMC, the host's architecture
//     and its preprovisioningNetworkDataName; the reconciler keeps the spec so;
//   - an image builder fills the status: the default provider (pkg/controller/preprovisioningimage)
//     or an external one. The image is usable once its status was built for the spec (the
//     architecture, a format asked for, the network data Secret at its current version) and
//     Ready is True for the current generation; it is then passed to the backend in every call
//     (provisioner.Host.PreprovisioningImage), which boots it;
//   - the host waits for it where Metal3 does, where the agent boots: before it is registered,
//     inspected (but fast inspection), prepared, deprovisioned with cleaning, and serviced. It
//     waits without polling: the image's events wake it. Where the image is only of use
//     (available, provisioning) it is passed on when usable and not waited for;
//   - an Error condition of the image is a registration error naming it, retried with backoff;
//   - the image goes with its host (deletePreprovImage), as HardwareData does.
// Not as Metal3: the host puts no finalizer of its own on the image (Metal3's keeps it usable
// while it is being deleted; here an image deleted by hand is created again and built anew),
// and an Error is read before the status's match with the spec, so that an image that cannot
// be built for its spec (Metal3's builder leaves the format unset then) is reported, not
// waited for.

// imageNeed is how much a host's state needs its preprovisioning image.
type imageNeed int

const (
	imageUnused imageNeed = iota
	// imageUseful: passed on when usable, not waited for.
	imageUseful
	// imageNeeded: waited for.
	imageNeeded
)

// preprovImageNeed is Metal3's list (registerHost, and Ironic's configureNode) of the states in
// which the agent boots.
func preprovImageNeed(h *v1alpha1.BareMetalHost) imageNeed {
	switch h.Status.Provisioning.State {
	case v1alpha1.StateRegistering:
		if h.Spec.ExternallyProvisioned {
			// Adopted as it is: no agent ever boots unless it is serviced.
			return imageUnused
		}
		return imageNeeded
	case v1alpha1.StateInspecting:
		if h.Spec.InspectionMode == v1alpha1.InspectionModeFast {
			return imageUnused
		}
		return imageNeeded
	case v1alpha1.StateMatchProfile, v1alpha1.StatePreparing:
		return imageNeeded
	case v1alpha1.StateDeprovisioning:
		if h.Spec.AutomatedCleaningMode == v1alpha1.CleaningModeDisabled {
			return imageUnused
		}
		return imageNeeded
	case v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned:
		if servicingUnderway(h) {
			return imageNeeded
		}
	case v1alpha1.StateReady, v1alpha1.StateAvailable, v1alpha1.StateProvisioning:
		return imageUseful
	}
	return imageUnused
}

// preprovisioningImage makes sure the host has the PreprovisioningImage its state needs, and
// finds the image to boot (r.preprov). ok is false when the host waits for it, or its build
// failed (recorded as a registration error).
func (r *hostReconcile) preprovisioningImage(ctx context.Context) (stepResult, bool, error) {
	h := r.host
	if !r.c.opts.BuildPreprovImage || r.c.imageFormats == nil || r.c.preprovImages == nil {
		return noRequeue, true, nil
	}
	need := preprovImageNeed(h)
	if need == imageUnused {
		return noRequeue, true, nil
	}
	access, err := bmc.ParseWithOptions(h.Spec.BMC.Address, bmc.Options{AllowTestSchemes: r.c.opts.AllowTestBMCSchemes})
	if err != nil {
		// The step reports it.
		return noRequeue, true, nil
	}
	formats := r.c.imageFormats.PreprovisioningImageFormats(access)
	if len(formats) == 0 {
		return noRequeue, true, nil
	}
	img, err := r.ensurePreprovImage(ctx, formats)
	if err != nil {
		return noRequeue, false, err
	}
	usable, msg, failed := r.preprovImageUsable(ctx, img)
	switch {
	case usable:
		r.preprov = &provisioner.PreprovisioningImage{URL: img.Status.ImageURL, KernelURL: img.Status.KernelURL,
			ExtraKernelParams: img.Status.ExtraKernelParams, Format: img.Status.Format}
		return noRequeue, true, nil
	case need == imageUseful:
		return noRequeue, true, nil
	case failed:
		return r.fail(v1alpha1.RegistrationError, preprovImageRef(h)+": "+msg), false, nil
	}
	metal3WaitingForPreprovImage.Inc()
	if h.Status.ErrorType == v1alpha1.RegistrationError && strings.HasPrefix(h.Status.ErrorMessage, preprovImageRef(h)) {
		// The image's earlier build error is over: it is being built again.
		r.clearError()
	}
	r.waitingFor = fmt.Sprintf("waiting for %s: %s", preprovImageRef(h), msg)
	// The image's events bring the host back: its creation, the builder's status write.
	return noRequeue, false, nil
}

// preprovImageRef names the host's PreprovisioningImage in messages.
func preprovImageRef(h *v1alpha1.BareMetalHost) string {
	return "PreprovisioningImage " + h.Namespace + "/" + h.Name
}

// ensurePreprovImage creates the host's PreprovisioningImage, or brings its spec, labels and
// owner up to date, and returns it as stored; nil when there is none to use yet (just created,
// or being deleted: its events bring the host back).
func (r *hostReconcile) ensurePreprovImage(ctx context.Context, formats []v1alpha1.ImageFormat) (*v1alpha1.PreprovisioningImage, error) {
	h := r.host
	want := v1alpha1.PreprovisioningImageSpec{
		NetworkDataName: h.Spec.PreprovisioningNetworkDataName,
		Architecture:    hostArchitecture(h),
		AcceptFormats:   formats,
	}
	api := r.c.client.BaremetalV1alpha1().PreprovisioningImages(h.Namespace)
	cur, err := r.c.preprovImages.PreprovisioningImages(h.Namespace).Get(h.Name)
	if apierrors.IsNotFound(err) {
		img := &v1alpha1.PreprovisioningImage{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, Labels: copyLabels(h.Labels),
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(h, v1alpha1.BareMetalHostKind)}},
			Spec: want,
		}
		_, err := api.Create(ctx, img, metav1.CreateOptions{FieldManager: fieldManager})
		switch {
		case err == nil:
			r.logger.Info("PreprovisioningImage created", "formats", formats, "architecture", want.Architecture)
			r.event(corev1.EventTypeNormal, "PreprovisioningImageCreated",
				fmt.Sprintf("asked for an agent image (%v, %s)", formats, want.Architecture))
		case apierrors.IsAlreadyExists(err):
			// The cache is behind; its event brings the host back.
			err = nil
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if cur.DeletionTimestamp != nil {
		// Deleted by someone while the host needs it: a new one once it is gone.
		return nil, nil
	}
	img := cur.DeepCopy()
	img.Spec = want
	for k, v := range h.Labels {
		if img.Labels == nil {
			img.Labels = map[string]string{}
		}
		img.Labels[k] = v
	}
	if adoptable(img, h) {
		controlledByHost(img, h)
	}
	if apiequality.Semantic.DeepEqual(cur.Spec, img.Spec) && apiequality.Semantic.DeepEqual(cur.ObjectMeta, img.ObjectMeta) {
		return cur, nil
	}
	updated, err := api.Update(ctx, img, metav1.UpdateOptions{FieldManager: fieldManager})
	if err == nil {
		r.logger.Info("PreprovisioningImage updated", "formats", formats, "architecture", want.Architecture,
			"networkDataName", want.NetworkDataName)
	}
	return updated, err
}

// preprovImageUsable says whether img is built for its spec and ready, and if not why; failed
// when its builder reports an error.
func (r *hostReconcile) preprovImageUsable(ctx context.Context, img *v1alpha1.PreprovisioningImage) (usable bool, msg string, failed bool) {
	if img == nil {
		return false, "not built yet", false
	}
	if c := meta.FindStatusCondition(img.Status.Conditions, string(v1alpha1.ConditionImageError)); c != nil && c.Status == metav1.ConditionTrue &&
		(c.ObservedGeneration == img.Generation || c.ObservedGeneration == 0) {
		msg := c.Message
		if msg == "" {
			msg = c.Reason
		}
		return false, "the image could not be built: " + msg, true
	}
	ready := meta.FindStatusCondition(img.Status.Conditions, string(v1alpha1.ConditionImageReady))
	st, spec := img.Status, img.Spec
	switch {
	case ready == nil && st.ImageURL == "":
		return false, "not built yet", false
	case st.Architecture != spec.Architecture:
		return false, fmt.Sprintf("built for architecture %q, not %q", st.Architecture, spec.Architecture), false
	case !slices.Contains(spec.AcceptFormats, st.Format):
		return false, fmt.Sprintf("built as %q, not one of %v", st.Format, spec.AcceptFormats), false
	case st.NetworkData.Name != spec.NetworkDataName:
		return false, fmt.Sprintf("built with network data %q, not %q", st.NetworkData.Name, spec.NetworkDataName), false
	}
	if spec.NetworkDataName != "" {
		_, version, err := r.secrets().Get(ctx, img.Namespace, spec.NetworkDataName)
		if err != nil {
			return false, "network data: " + err.Error(), false
		}
		if version != st.NetworkData.Version {
			return false, fmt.Sprintf("built with another version of the network data Secret %s", spec.NetworkDataName), false
		}
	}
	if ready == nil || ready.Status != metav1.ConditionTrue || ready.ObservedGeneration != img.Generation || st.ImageURL == "" {
		why := "not ready for its current spec"
		if ready != nil && ready.Message != "" {
			why += " (" + ready.Message + ")"
		}
		return false, why, false
	}
	return true, "", false
}

// noteWaiting says in the Progressing condition (computed for the state just before) what the
// host waits for, and once per distinct reason in an event and the log.
func (r *hostReconcile) noteWaiting() {
	h := r.host
	c := meta.FindStatusCondition(h.Status.Conditions, v1alpha1.ConditionProgressing)
	if c == nil {
		return
	}
	r.setCondition(v1alpha1.ConditionProgressing, c.Status, c.Reason, r.waitingFor)
	if old := meta.FindStatusCondition(r.orig.Status.Conditions, v1alpha1.ConditionProgressing); old == nil || old.Message != r.waitingFor {
		r.logger.Info("Waiting for the PreprovisioningImage", "reason", r.waitingFor)
		r.event(corev1.EventTypeNormal, "WaitingForPreprovisioningImage", r.waitingFor)
	}
}

// deletePreprovImage deletes the host's PreprovisioningImage as the host is let go (a
// standalone server has no garbage collector: see deleteHardwareData). Only one the host
// controls; read from the API, so that one created just before is not missed.
func (r *hostReconcile) deletePreprovImage(ctx context.Context) error {
	api := r.c.client.BaremetalV1alpha1().PreprovisioningImages(r.host.Namespace)
	img, err := api.Get(ctx, r.host.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ownedByHost(img, r.host) {
		return nil
	}
	err = api.Delete(ctx, img.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &img.UID}})
	if err == nil {
		r.logger.Info("PreprovisioningImage deleted with its host")
	}
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// controlledByHost makes the host obj's only controller, keeping other owners.
func controlledByHost(obj metav1.Object, h *v1alpha1.BareMetalHost) {
	refs := slices.DeleteFunc(obj.GetOwnerReferences(), func(ref metav1.OwnerReference) bool {
		return (ref.Controller != nil && *ref.Controller) || ref.UID == h.UID
	})
	obj.SetOwnerReferences(append(refs, *metav1.NewControllerRef(h, v1alpha1.BareMetalHostKind)))
}

func copyLabels(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// hostArchitecture is the architecture the host's agent image is built for, Metal3's
// getHostArchitecture: the spec's, else the inventory's, else this server's (most hosts are
// of the controller's architecture; it keeps the image from being built again after
// inspection in the common case).
func hostArchitecture(h *v1alpha1.BareMetalHost) string {
	if h.Spec.Architecture != "" {
		return h.Spec.Architecture
	}
	if hw := h.Status.Hardware; hw != nil && hw.CPU.Arch != "" {
		return hw.CPU.Arch
	}
	return controllerArchitecture()
}

// controllerArchitecture is GOARCH as uname -p spells it, as Metal3 does.
func controllerArchitecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}
