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
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
)

// RebootAnnotation is where a reboot requested through baremetalhosts/reboot is recorded: a
// reboot.metal3.io/<key> annotation that the reconciler, unlike Metal3's own ones, carries out
// as one reboot and removes; the subresource is the API, the annotation only the record of
// intent.
const RebootAnnotation = v1alpha1.RebootSubresourceAnnotation

// RebootREST is the storage of baremetalhosts/reboot: POST a RebootRequest. A RebootRequest
// with no spec is a soft reboot (the default mode). A body that is empty or JSON/YAML null
// decodes into that same zero RebootRequest, which this storage cannot tell from a deliberate
// one, so the server refuses such a body (400) before it gets here: see pkg/apiserver's
// request checks.
type RebootREST struct {
	store *genericregistry.Store
}

var (
	_ rest.NamedCreater = &RebootREST{}
	_ rest.Storage      = &RebootREST{}
)

func (r *RebootREST) New() runtime.Object { return &baremetal.RebootRequest{} }

// Destroy does nothing: the store belongs to the main resource.
func (r *RebootREST) Destroy() {}

// Create records the reboot on the host and answers 202; 409 when the host cannot reboot now.
func (r *RebootREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*baremetal.RebootRequest)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected a RebootRequest, got %T", obj))
	}
	if errs := validation.ValidateRebootRequest(req); len(errs) > 0 {
		return nil, apierrors.NewInvalid(baremetal.Kind("RebootRequest"), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, req); err != nil {
			return nil, err
		}
	}
	value, _ := json.Marshal(map[string]string{"mode": string(req.Spec.Mode)})
	if err := recordAction(ctx, r.store, name, "reboot", RebootAnnotation, string(value), rebootForbidden, options); err != nil {
		return nil, err
	}
	return nil, accepted("%s reboot of %s accepted", req.Spec.Mode, name)
}

// rebootForbidden says why the host cannot be rebooted now, or "" when it can.
func rebootForbidden(h *baremetal.BareMetalHost) string {
	switch {
	case h.DeletionTimestamp != nil:
		return "the host is being deleted"
	case h.Status.OperationalStatus == baremetal.OperationalStatusDetached:
		return "the host is detached"
	}
	switch s := h.Status.Provisioning.State; s {
	case baremetal.StateAvailable, baremetal.StateReady, baremetal.StateProvisioned, baremetal.StateExternallyProvisioned:
	case baremetal.StateNone:
		return "the host is not registered yet"
	default:
		return fmt.Sprintf("the host is %s", s)
	}
	if !h.Spec.Online || !h.Status.PoweredOn {
		return "the host is powered off; power it on through baremetalhosts/power"
	}
	return ""
}
