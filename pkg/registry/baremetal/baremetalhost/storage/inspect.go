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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// InspectREST is the storage of baremetalhosts/inspect: POST an InspectRequest to inspect the
// hardware again; GET the latest inventory with the inspection's state and times. As for
// reboot, an empty or null body is refused (400) before it gets here (pkg/apiserver's request
// checks): it would decode as an InspectRequest.
type InspectREST struct {
	store *genericregistry.Store
}

var (
	_ rest.NamedCreater    = &InspectREST{}
	_ rest.Getter          = &InspectREST{}
	_ rest.StorageMetadata = &InspectREST{}
)

func (r *InspectREST) New() runtime.Object { return &baremetal.InspectRequest{} }

// Destroy does nothing: the store belongs to the main resource.
func (r *InspectREST) Destroy() {}

// ProducesObject tells the OpenAPI and discovery that GET returns an Inspection, while POST
// takes an InspectRequest.
func (r *InspectREST) ProducesObject(verb string) interface{} {
	if verb == "GET" {
		return v1alpha1.Inspection{}
	}
	return nil
}

func (r *InspectREST) ProducesMIMETypes(verb string) []string { return nil }

// Create asks for an inspection, recorded as Metal3's inspect.metal3.io trigger, and answers
// 202; 409 when the host's state does not allow inspection.
func (r *InspectREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	if _, ok := obj.(*baremetal.InspectRequest); !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected an InspectRequest, got %T", obj))
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj); err != nil {
			return nil, err
		}
	}
	if err := recordAction(ctx, r.store, name, "inspect", v1alpha1.InspectAnnotationPrefix, "", inspectForbidden, options); err != nil {
		return nil, err
	}
	return nil, accepted("inspection of %s accepted", name)
}

func inspectForbidden(h *baremetal.BareMetalHost) string {
	switch {
	case h.DeletionTimestamp != nil:
		return "the host is being deleted"
	case h.Status.OperationalStatus == baremetal.OperationalStatusDetached:
		return "the host is detached"
	case h.Spec.InspectionMode == baremetal.InspectionModeDisabled ||
		h.Annotations[v1alpha1.InspectAnnotationPrefix] == v1alpha1.InspectAnnotationValueDisabled:
		return "inspection is disabled for this host (spec.inspectionMode)"
	}
	switch s := h.Status.Provisioning.State; s {
	case baremetal.StateAvailable, baremetal.StateReady:
		return ""
	case baremetal.StateInspecting:
		return "the host is already inspecting"
	case baremetal.StateNone:
		return "the host is not registered yet"
	default:
		return fmt.Sprintf("the host is %s; inspection needs it available", s)
	}
}

// Get returns the latest inspection.
func (r *InspectREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	return inspectionFromHost(obj.(*baremetal.BareMetalHost)), nil
}

func inspectionFromHost(h *baremetal.BareMetalHost) *baremetal.Inspection {
	in := &baremetal.Inspection{ObjectMeta: metav1.ObjectMeta{
		Name: h.Name, Namespace: h.Namespace, UID: h.UID,
		ResourceVersion: h.ResourceVersion, CreationTimestamp: h.CreationTimestamp,
	}}
	op := h.Status.OperationHistory.Inspect
	if !op.Start.IsZero() {
		t := op.Start
		in.Status.StartTime = &t
	}
	if !op.End.IsZero() {
		t := op.End
		in.Status.CompletionTime = &t
	}
	in.Status.Hardware = h.Status.Hardware.DeepCopy()
	in.Status.State, in.Status.Message = h.InspectionState()
	return in
}

func genericNamespace(ctx context.Context) string {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	return ns
}
