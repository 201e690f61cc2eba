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
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/async"
)

// DataImages, as Metal3's handleDataImageActions (baremetalhost_controller.go) handles them: a
// provisioned host's DataImage (the one of its name, read from the cache) is attached while
// the host is off on its way back on, so that it finds the image at that power-on; a new URL
// replaces the old image (detached first), and a DataImage being deleted is detached. The
// DataImage's status records what is attached and the failures (error.count, message); a
// failure keeps the host off, retried after a backoff of the count, counted from the status
// write that recorded it (status.lastReconciled), so a restart waits the same. The finalizer
// and the owner reference are the DataImage controller's (pkg/controller/dataimage).

// dataImageRecheck is when a host whose DataImage has no finalizer yet is looked at again if
// the DataImage's update has not brought it back before.
const dataImageRecheck = 10 * time.Second

// dataImage brings the host's DataImage to what its spec says before a power-on: done says
// that the power management may go on in this pass (there is no DataImage, or it is in
// place). The backend is asked every time, even when the status says the image is attached
// (Metal3 reads the virtual media every time too): something else may have ejected it, a
// deprovisioning did, and a backend call that finds it in place changes nothing.
func (r *hostReconcile) dataImage(ctx context.Context, ph provisioner.Host) (stepResult, bool, error) {
	h := r.host
	cached, err := r.c.dataImages.DataImages(h.Namespace).Get(h.Name)
	if apierrors.IsNotFound(err) {
		return noRequeue, true, nil
	}
	if err != nil {
		return noRequeue, false, err
	}
	deleting := cached.DeletionTimestamp != nil
	switch {
	case deleting && cached.Status.AttachedImage.URL == "":
		// Nothing of it is attached: its finalizer goes, the host goes on.
		return noRequeue, true, nil
	case !deleting && !slices.Contains(cached.Finalizers, v1alpha1.DataImageFinalizer):
		// Not attached before the DataImage controller holds it with its finalizer: a
		// DataImage deleted meanwhile would be gone without being detached. Its update
		// brings the host back.
		return after(dataImageRecheck), false, nil
	}
	if wait := r.dataImageBackoff(cached); wait > 0 {
		return after(wait), false, nil
	}
	di := cached.DeepCopy()
	attacher := r.c.prov.DataImages()
	if attacher == nil {
		return r.dataImageFailed(ctx, cached, di, fmt.Sprintf("the %s provisioner cannot attach a DataImage", r.c.prov.Name()))
	}
	if old := di.Status.AttachedImage.URL; old != "" && (deleting || old != di.Spec.URL) {
		res, err := attacher.DetachDataImage(ctx, ph, old)
		if out, done, err := r.dataImageOutcome(ctx, cached, di, res, err); !done {
			return out, false, err
		}
		r.logger.Info("DataImage detached", "image", old, "deleted", deleting)
		r.event(corev1.EventTypeNormal, "DataImageDetached", "detached DataImage "+old)
		di.Status.AttachedImage.URL = ""
	}
	if !deleting {
		res, err := attacher.AttachDataImage(ctx, ph, di.Spec.URL)
		if out, done, err := r.dataImageOutcome(ctx, cached, di, res, err); !done {
			return out, false, err
		}
		if di.Status.AttachedImage.URL != di.Spec.URL {
			r.logger.Info("DataImage attached", "image", di.Spec.URL)
			r.event(corev1.EventTypeNormal, "DataImageAttached", "attached DataImage "+di.Spec.URL)
		}
		di.Status.AttachedImage.URL = di.Spec.URL
	}
	di.Status.Error = v1alpha1.DataImageError{}
	return noRequeue, true, r.writeDataImageStatus(ctx, cached, di)
}

// dataImageOutcome is outcome for a DataImage step: what is in progress waits, with what this
// pass changed recorded; a failure is recorded in the DataImage's status, not the host's.
func (r *hostReconcile) dataImageOutcome(ctx context.Context, cached, di *v1alpha1.DataImage, res provisioner.Result, err error) (stepResult, bool, error) {
	switch {
	case errors.Is(err, async.ErrInProgress):
		return after(callInProgressRecheck), false, r.writeDataImageStatus(ctx, cached, di)
	case errors.Is(err, provisioner.ErrNeedsRegistration):
		_, out := r.outcome(v1alpha1.PowerManagementError, res, err)
		return out, false, r.writeDataImageStatus(ctx, cached, di)
	case err != nil:
		return r.dataImageFailed(ctx, cached, di, err.Error())
	case res.ErrorMessage != "":
		return r.dataImageFailed(ctx, cached, di, res.ErrorMessage)
	case !res.Done:
		out := now_
		if res.RequeueAfter > 0 {
			out = after(res.RequeueAfter)
		}
		return out, false, r.writeDataImageStatus(ctx, cached, di)
	}
	return noRequeue, true, nil
}

// dataImageFailed records a failure in the DataImage's status and keeps the host off until
// the backoff of the failure count ends.
func (r *hostReconcile) dataImageFailed(ctx context.Context, cached, di *v1alpha1.DataImage, msg string) (stepResult, bool, error) {
	if di.Status.Error.Message != msg {
		// One event per distinct failure, as for the host's own errors.
		r.logger.Info("DataImage failed", "url", di.Spec.URL, "message", msg)
		r.event(corev1.EventTypeWarning, "DataImageFailed", msg)
	}
	di.Status.Error.Count++
	di.Status.Error.Message = msg
	if err := r.writeDataImageStatus(ctx, cached, di); err != nil {
		return noRequeue, false, err
	}
	return after(r.c.backoff(string(di.UID), di.Status.Error.Count)), false, nil
}

// dataImageBackoff is how long a DataImage whose last attempt failed must still wait.
func (r *hostReconcile) dataImageBackoff(di *v1alpha1.DataImage) time.Duration {
	if di.Status.Error.Count == 0 || di.Status.LastReconciled == nil {
		return 0
	}
	until := di.Status.LastReconciled.Add(r.c.backoff(string(di.UID), di.Status.Error.Count))
	return until.Sub(r.c.clock.Now())
}

// writeDataImageStatus writes the DataImage's status through its status subresource when this
// pass changed it, dated in lastReconciled.
func (r *hostReconcile) writeDataImageStatus(ctx context.Context, cached, di *v1alpha1.DataImage) error {
	if apiequality.Semantic.DeepEqual(cached.Status, di.Status) {
		return nil
	}
	now := metav1.NewTime(r.c.clock.Now())
	di.Status.LastReconciled = &now
	_, err := r.c.client.BaremetalV1alpha1().DataImages(di.Namespace).UpdateStatus(ctx, di, metav1.UpdateOptions{FieldManager: fieldManager})
	return err
}
