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

package storage

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
)

// PowerREST is the storage of baremetalhosts/power: a view of the host's spec.online and
// status.poweredOn as a Power object, written back to the host atomically.
type PowerREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher = &PowerREST{}
	_ rest.Storage = &PowerREST{}

	powerFields = fieldMapping{
		parentPath:       fieldpath.MakePathOrDie("spec", "online"),
		subPath:          fieldpath.MakePathOrDie("spec", "state"),
		parentAPIVersion: "baremetal.metal3.io/v1alpha1",
		subAPIVersion:    "baremetal.metal3.io/v1alpha1",
	}
)

func (r *PowerREST) New() runtime.Object { return &baremetal.Power{} }

// Destroy does nothing: the store belongs to the main resource.
func (r *PowerREST) Destroy() {}

// Get returns the host's power.
func (r *PowerREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	host := obj.(*baremetal.BareMetalHost)
	p := powerFromHost(host)
	if p.ManagedFields, err = powerFields.toSubresource(host.ManagedFields); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return p, nil
}

// Update sets the host's desired power. The Power's resourceVersion is the host's, so a write
// based on a stale read is a 409, as for the host itself.
func (r *PowerREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	update := hostUpdate{preconditions: objInfo.Preconditions(), mutate: func(ctx context.Context, host *baremetal.BareMetalHost) error {
		old := powerFromHost(host)
		var err error
		if old.ManagedFields, err = powerFields.toSubresource(host.ManagedFields); err != nil {
			return apierrors.NewInternalError(err)
		}
		obj, err := objInfo.UpdatedObject(ctx, old)
		if err != nil {
			return err
		}
		p, ok := obj.(*baremetal.Power)
		if !ok {
			return apierrors.NewBadRequest(fmt.Sprintf("expected a Power, got %T", obj))
		}
		if p.Name != "" && p.Name != name {
			return apierrors.NewBadRequest(fmt.Sprintf("the name of the Power (%s) must be the host's (%s)", p.Name, name))
		}
		if errs := validation.ValidatePower(p); len(errs) > 0 {
			return apierrors.NewInvalid(baremetal.Kind("Power"), name, errs)
		}
		if updateValidation != nil {
			if err := updateValidation(ctx, p, old); err != nil {
				return err
			}
		}
		host.Spec.Online = p.Spec.State == baremetal.PowerOn
		// The store compares this with the stored version: stale means 409.
		host.ResourceVersion = p.ResourceVersion
		if host.ManagedFields, err = powerFields.toParent(host.ManagedFields, p.ManagedFields); err != nil {
			return apierrors.NewInternalError(err)
		}
		return nil
	}}
	obj, _, err := r.store.Update(ctx, name, update, nil, rest.ValidateAllObjectUpdateFunc, false, options)
	if err != nil {
		return nil, false, err
	}
	host := obj.(*baremetal.BareMetalHost)
	p := powerFromHost(host)
	if p.ManagedFields, err = powerFields.toSubresource(host.ManagedFields); err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	return p, false, nil
}

// powerFromHost renders a host's power intent and observation.
func powerFromHost(h *baremetal.BareMetalHost) *baremetal.Power {
	p := &baremetal.Power{
		ObjectMeta: metav1.ObjectMeta{
			Name: h.Name, Namespace: h.Namespace, UID: h.UID,
			ResourceVersion: h.ResourceVersion, CreationTimestamp: h.CreationTimestamp,
		},
		Spec: baremetal.PowerSpec{State: h.DesiredPower()},
	}
	// Until the BMC is read, the observed state is unknown (empty), not Off.
	p.Status.State, p.Status.Pending = h.ObservedPower(), h.PowerPending()
	if !h.PowerObserved() {
		return p
	}
	if c := meta.FindStatusCondition(h.Status.Conditions, v1alpha1.ConditionPoweredOn); c != nil {
		t := c.LastTransitionTime
		p.Status.LastTransitionTime = &t
	}
	if h.Status.ErrorType == baremetal.PowerManagementError {
		p.Status.Message = h.Status.ErrorMessage
	}
	return p
}
