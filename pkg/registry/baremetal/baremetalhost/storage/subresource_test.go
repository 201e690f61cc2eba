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
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func createHost(t *testing.T, s HostStorage, ctx context.Context, mutate func(*baremetal.BareMetalHost)) *baremetal.BareMetalHost {
	t.Helper()
	obj, err := s.Host.Create(ctx, validHost("foo"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host := obj.(*baremetal.BareMetalHost)
	if mutate == nil {
		return host
	}
	mutate(host)
	obj, _, err = s.Status.Update(ctx, host.Name, rest.DefaultUpdatedObjectInfo(host), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*baremetal.BareMetalHost)
}

func nsContext() context.Context {
	return genericapirequest.WithNamespace(genericapirequest.NewContext(), metav1.NamespaceDefault)
}

func TestPowerSubresource(t *testing.T) {
	s := newStorage(t)
	ctx := nsContext()
	host := createHost(t, s, ctx, func(h *baremetal.BareMetalHost) {
		h.Status.Provisioning.State = baremetal.StateAvailable
		h.Status.PoweredOn = true
	})

	obj, err := s.Power.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := obj.(*baremetal.Power)
	if p.Spec.State != baremetal.PowerOn || p.Status.State != baremetal.PowerOn || p.Status.Pending || p.ResourceVersion != host.ResourceVersion {
		t.Fatalf("power view %+v", p)
	}

	off := p.DeepCopy()
	off.Spec.State = baremetal.PowerOff
	obj, _, err = s.Power.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(off), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := obj.(*baremetal.Power); got.Spec.State != baremetal.PowerOff || !got.Status.Pending {
		t.Errorf("after power off: %+v", got)
	}
	stored, _ := s.Host.Get(ctx, "foo", &metav1.GetOptions{})
	if stored.(*baremetal.BareMetalHost).Spec.Online {
		t.Error("spec.online still true")
	}
	// A new generation is how the reconciler (on whichever replica leads) tells the request
	// from its own writes; nothing here calls it.
	gen := stored.(*baremetal.BareMetalHost).Generation
	if gen != host.Generation+1 {
		t.Errorf("generation %d after the power request, want %d", gen, host.Generation+1)
	}

	// The first Power was read before that write: writing it again is a conflict.
	_, _, err = s.Power.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(p), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) {
		t.Errorf("stale power write: %v, want conflict", err)
	}

	bad := obj.(*baremetal.Power).DeepCopy()
	bad.Spec.State = "Sideways"
	_, _, err = s.Power.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(bad), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("invalid power state: %v, want 422", err)
	}

	// Dry run changes nothing.
	on := obj.(*baremetal.Power).DeepCopy()
	on.Spec.State = baremetal.PowerOn
	if _, _, err := s.Power.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(on), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	stored, _ = s.Host.Get(ctx, "foo", &metav1.GetOptions{})
	if stored.(*baremetal.BareMetalHost).Spec.Online || stored.(*baremetal.BareMetalHost).Generation != gen {
		t.Error("dry-run power write took effect")
	}
}

func accepted202(t *testing.T, err error) {
	t.Helper()
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Code != http.StatusAccepted || status.Status().Status != metav1.StatusSuccess {
		t.Fatalf("got %v, want 202 Accepted", err)
	}
}

func TestRebootSubresource(t *testing.T) {
	s := newStorage(t)
	ctx := nsContext()
	createHost(t, s, ctx, func(h *baremetal.BareMetalHost) {
		h.Status.Provisioning.State = baremetal.StateProvisioning
		h.Status.PoweredOn = true
	})
	req := &baremetal.RebootRequest{Spec: baremetal.RebootRequestSpec{Mode: baremetal.RebootModeHard}}
	_, err := s.Reboot.Create(ctx, "foo", req, nil, &metav1.CreateOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("reboot while provisioning: %v, want 409", err)
	}

	obj, _ := s.Host.Get(ctx, "foo", &metav1.GetOptions{})
	host := obj.(*baremetal.BareMetalHost)
	host.Status.Provisioning.State = baremetal.StateProvisioned
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(host), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Reboot.Create(ctx, "foo", req, nil, &metav1.CreateOptions{})
	accepted202(t, err)
	obj, _ = s.Host.Get(ctx, "foo", &metav1.GetOptions{})
	if v := obj.(*baremetal.BareMetalHost).Annotations[RebootAnnotation]; v != `{"mode":"hard"}` {
		t.Errorf("reboot not recorded: %q", v)
	}
	if g := obj.(*baremetal.BareMetalHost).Generation; g != host.Generation+1 {
		t.Errorf("generation %d after the reboot request, want %d: the request is desired state", g, host.Generation+1)
	}

	_, err = s.Reboot.Create(ctx, "foo", &baremetal.RebootRequest{Spec: baremetal.RebootRequestSpec{Mode: "cold"}}, nil, &metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("bad mode: %v, want 422", err)
	}
	_, err = s.Reboot.Create(ctx, "missing", req, nil, &metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("reboot of a missing host: %v, want 404", err)
	}
}

func TestInspectSubresource(t *testing.T) {
	s := newStorage(t)
	ctx := nsContext()
	createHost(t, s, ctx, func(h *baremetal.BareMetalHost) {
		h.Status.Provisioning.State = baremetal.StateProvisioned
		h.Status.Hardware = &baremetal.HardwareDetails{RAMMebibytes: 1024}
	})
	_, err := s.Inspect.Create(ctx, "foo", &baremetal.InspectRequest{}, nil, &metav1.CreateOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("inspect while provisioned: %v, want 409", err)
	}
	obj, err := s.Inspect.Get(ctx, "foo", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in := obj.(*baremetal.Inspection); in.Status.State != baremetal.InspectionCompleted || in.Status.Hardware.RAMMebibytes != 1024 {
		t.Errorf("inspection view %+v", in.Status)
	}

	obj, _ = s.Host.Get(ctx, "foo", &metav1.GetOptions{})
	host := obj.(*baremetal.BareMetalHost)
	host.Status.Provisioning.State = baremetal.StateAvailable
	if _, _, err := s.Status.Update(ctx, "foo", rest.DefaultUpdatedObjectInfo(host), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Inspect.Create(ctx, "foo", &baremetal.InspectRequest{}, nil, &metav1.CreateOptions{})
	accepted202(t, err)
	obj, _ = s.Inspect.Get(ctx, "foo", &metav1.GetOptions{})
	if in := obj.(*baremetal.Inspection); in.Status.State != baremetal.InspectionPending {
		t.Errorf("after request: %+v", in.Status)
	}
}

func TestPowerManagedFieldsMapping(t *testing.T) {
	m := powerFields
	parent := []metav1.ManagedFieldsEntry{
		{Manager: "alice", Operation: metav1.ManagedFieldsOperationApply, APIVersion: "baremetal.metal3.io/v1alpha1", FieldsType: "FieldsV1",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:online":{},"f:description":{}}}`)}},
	}
	sub, err := m.toSubresource(parent)
	if err != nil || len(sub) != 1 || string(sub[0].FieldsV1.Raw) != `{"f:spec":{"f:state":{}}}` {
		t.Fatalf("toSubresource: %v %+v", err, sub)
	}
	// bob takes the power over through the subresource.
	bob := []metav1.ManagedFieldsEntry{{Manager: "bob", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "power",
		APIVersion: "baremetal.metal3.io/v1alpha1", FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:state":{}}}`)}}}
	merged, err := m.toParent(parent, bob)
	if err != nil || len(merged) != 2 {
		t.Fatalf("toParent: %v %+v", err, merged)
	}
	if string(merged[0].FieldsV1.Raw) != `{"f:spec":{"f:description":{}}}` || merged[1].Manager != "bob" || string(merged[1].FieldsV1.Raw) != `{"f:spec":{"f:online":{}}}` {
		t.Errorf("ownership not moved: %s / %s %s", merged[0].FieldsV1.Raw, merged[1].Manager, merged[1].FieldsV1.Raw)
	}
}
