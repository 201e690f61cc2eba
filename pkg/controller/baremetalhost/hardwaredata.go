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
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	typedclient "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/typed/baremetal/v1alpha1"
)

// HardwareData, as Metal3's host controller keeps it (baremetalhost_controller.go:
// actionInspecting, reconcileHostData, updateHardwareDetails):
//   - every completed inspection writes the inventory into the HardwareData of the host's name,
//     with the host as its controller owner and the HardwareDataFinalizer;
//   - a host without an inventory (created again, or its status restored without one) takes
//     the HardwareData's instead of being inspected, and a host whose inspection is disabled
//     follows it on every pass; the HardwareData wins over the restored status's inventory;
//   - when the host is deleted (not paused; detached or not) the finalizer is released and the
//     HardwareData goes with the host. Metal3 leaves that last step to the Kubernetes garbage
//     collector, through the owner reference; this server deletes it itself once the host is
//     let go, because a standalone server has no garbage collector (and a cluster has one only
//     where kube-controller-manager runs), so the result is the same everywhere.
// A paused host is not looked at, so its HardwareData stays as it is: a host moved by
// clusterctl move is paused, copied with its HardwareData, and deleted, and the copy reads it.

// hardwareDataOf returns the host's HardwareData, or nil when there is none: from the cache
// the first time in a pass, then as this pass last wrote it, so that a second write in the
// same pass does not start from a copy its first made stale.
func (r *hostReconcile) hardwareDataOf() *v1alpha1.HardwareData {
	if !r.hdRead {
		r.hdRead = true
		if hd, err := r.c.hardwareData.HardwareData(r.host.Namespace).Get(r.host.Name); err == nil {
			r.hd = hd
		}
	}
	return r.hd
}

// wroteHardwareData records what a write of this pass left stored (nil: nothing).
func (r *hostReconcile) wroteHardwareData(hd *v1alpha1.HardwareData) {
	r.hdRead, r.hd = true, hd
}

// ownedByHost reports whether hd's controller is this host (this incarnation of the name).
func ownedByHost(hd metav1.Object, h *v1alpha1.BareMetalHost) bool {
	ref := metav1.GetControllerOfNoCopy(hd)
	return ref != nil && ref.UID == h.UID
}

// adoptable reports whether hd belongs to no one else: it has no controller, or its controller
// is a BareMetalHost of the same name that no longer exists (this host's predecessor, or the
// Metal3 host it was copied from, whatever the group).
func adoptable(hd metav1.Object, h *v1alpha1.BareMetalHost) bool {
	ref := metav1.GetControllerOfNoCopy(hd)
	return ref == nil || (ref.Kind == v1alpha1.BareMetalHostKind.Kind && ref.Name == h.Name && ref.UID != h.UID)
}

// ownAs makes hd the host's, as Metal3 creates it: the host as its only controller (other,
// non-controller owners are kept), and the finalizer. It reports whether it changed hd.
func ownAs(hd *v1alpha1.HardwareData, h *v1alpha1.BareMetalHost) bool {
	before := hd.DeepCopy()
	refs := slices.DeleteFunc(hd.OwnerReferences, func(ref metav1.OwnerReference) bool {
		return (ref.Controller != nil && *ref.Controller) || ref.UID == h.UID
	})
	hd.OwnerReferences = append(refs, *metav1.NewControllerRef(h, v1alpha1.BareMetalHostKind))
	if !slices.Contains(hd.Finalizers, v1alpha1.HardwareDataFinalizer) {
		hd.Finalizers = append(hd.Finalizers, v1alpha1.HardwareDataFinalizer)
	}
	return !apiequality.Semantic.DeepEqual(before.ObjectMeta, hd.ObjectMeta)
}

// hardwareDataClient is where the reconciler writes HardwareData: the loopback client, so the
// writes go through the same validation and admission as any client's.
func (r *hostReconcile) hardwareDataClient() typedclient.HardwareDataInterface {
	return r.c.client.BaremetalV1alpha1().HardwareData(r.host.Namespace)
}

// recordHardwareData keeps what an inspection found in the host's HardwareData: created when
// there is none, else replaced in place (Metal3 deletes and creates it again; one update says
// the same without a moment in which a watcher sees the host's inventory gone). It is written
// before the host's status, so a failure leaves the host inspecting, and the next pass (which
// gets the same inventory from the backend) writes it again.
func (r *hostReconcile) recordHardwareData(ctx context.Context, details *v1alpha1.HardwareDetails) error {
	h := r.host
	hds := r.hardwareDataClient()
	current := r.hardwareDataOf()
	if current != nil && current.DeletionTimestamp != nil {
		// Someone deleted it while the host lives: the finalizer held it. Released here, it
		// goes, and a new one is created below (a finalizer of someone else's keeps it, and
		// the create fails until that is gone).
		if err := r.releaseHardwareData(ctx, current); err != nil {
			return err
		}
		current = nil
	}
	if current == nil {
		hd := &v1alpha1.HardwareData{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace},
			Spec:       v1alpha1.HardwareDataSpec{Hardware: details.DeepCopy()},
		}
		ownAs(hd, h)
		// AlreadyExists means the cache is behind: the retry reads the one that exists.
		created, err := hds.Create(ctx, hd, metav1.CreateOptions{FieldManager: fieldManager})
		if err == nil {
			r.wroteHardwareData(created)
			r.logger.Info("HardwareData created")
		}
		return err
	}
	hd := current.DeepCopy()
	owned := ownAs(hd, h)
	if !owned && apiequality.Semantic.DeepEqual(hd.Spec.Hardware, details) {
		return nil
	}
	hd.Spec.Hardware = details.DeepCopy()
	updated, err := hds.Update(ctx, hd, metav1.UpdateOptions{FieldManager: fieldManager})
	if err == nil {
		r.wroteHardwareData(updated)
		r.logger.Info("HardwareData updated")
	}
	return err
}

// adoptHardwareData makes a HardwareData that belongs to no other object the host's: one left
// by the host's predecessor of the same name (copied with its host, or kept while that host was
// paused and deleted), or created for it. Metal3 relies on clusterctl move rewriting owner
// references; here the host itself takes it, so the HardwareData goes with this host.
func (r *hostReconcile) adoptHardwareData(ctx context.Context, current *v1alpha1.HardwareData) error {
	if current == nil || current.DeletionTimestamp != nil || !adoptable(current, r.host) {
		return nil
	}
	hd := current.DeepCopy()
	if !ownAs(hd, r.host) {
		return nil
	}
	updated, err := r.hardwareDataClient().Update(ctx, hd, metav1.UpdateOptions{FieldManager: fieldManager})
	if err == nil {
		r.wroteHardwareData(updated)
		r.logger.Info("HardwareData adopted")
	}
	return err
}

// releaseHardwareData removes the reconciler's finalizer from hd, as Metal3 does as soon as its
// host is being deleted, so that nothing holds it once it is deleted.
func (r *hostReconcile) releaseHardwareData(ctx context.Context, current *v1alpha1.HardwareData) error {
	if current == nil || !slices.Contains(current.Finalizers, v1alpha1.HardwareDataFinalizer) {
		return nil
	}
	hd := current.DeepCopy()
	hd.Finalizers = slices.DeleteFunc(hd.Finalizers, func(f string) bool { return f == v1alpha1.HardwareDataFinalizer })
	updated, err := r.hardwareDataClient().Update(ctx, hd, metav1.UpdateOptions{FieldManager: fieldManager})
	if apierrors.IsNotFound(err) {
		r.wroteHardwareData(nil)
		return nil
	}
	if err == nil {
		if updated.DeletionTimestamp != nil && len(updated.Finalizers) == 0 {
			// It was being deleted and nothing else held it: it is gone.
			updated = nil
		}
		r.wroteHardwareData(updated)
	}
	return err
}

// deleteHardwareData deletes the host's HardwareData as the host is let go, which is what the
// garbage collector does in a cluster with Metal3 (the owner is gone, so its dependents go).
// Only the one this host owns: a HardwareData of the same name that is someone else's is left.
// It reads the API, not the cache: this runs once per host, and a HardwareData written just
// before the deletion must not be missed.
func (r *hostReconcile) deleteHardwareData(ctx context.Context) error {
	hds := r.hardwareDataClient()
	hd, err := hds.Get(ctx, r.host.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ownedByHost(hd, r.host) {
		return nil
	}
	if err := r.releaseHardwareData(ctx, hd); err != nil {
		return err
	}
	err = hds.Delete(ctx, hd.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &hd.UID}})
	if err == nil {
		r.wroteHardwareData(nil)
		r.logger.Info("HardwareData deleted with its host")
	}
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// Gone already, or replaced by another (a UID precondition that fails is a conflict).
		return nil
	}
	return err
}
