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

package integration

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1apply "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	applyv1alpha1 "github.com/metal3-community/baremetal-apiserver/pkg/generated/applyconfiguration/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestMetal3Kinds drives Metal3's other kinds (served API only) through the real server with
// the generated clientset, which talks protobuf: create, read, update, list by field selector,
// server-side apply, status writes where Metal3 has a status subresource, and Metal3's rules
// as 422s whose causes name the field.
func TestMetal3Kinds(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cs := srv.Clientset(t)
	ctx := ctxFor(t)

	t.Run("HostUpdatePolicy", func(t *testing.T) { testHostUpdatePolicy(t, ctx, cs) })
	t.Run("DataImage", func(t *testing.T) { testDataImage(t, ctx, cs) })
	t.Run("BMCEventSubscription", func(t *testing.T) { testBMCEventSubscription(t, ctx, cs) })
	t.Run("PreprovisioningImage", func(t *testing.T) { testPreprovisioningImage(t, ctx, cs) })
	t.Run("values of the wrong type are 4xx", func(t *testing.T) { testKindsBadBodies(t, ctx, cs) })
}

func testHostUpdatePolicy(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	policies := cs.BaremetalV1alpha1().HostUpdatePolicies(ns)
	hup, err := policies.Create(ctx, &v1alpha1.HostUpdatePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0"},
		Spec:       v1alpha1.HostUpdatePolicySpec{FirmwareSettings: v1alpha1.HostUpdatePolicyOnReboot},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hup.Generation != 1 || hup.Spec.FirmwareSettings != v1alpha1.HostUpdatePolicyOnReboot || hup.UID == "" {
		t.Errorf("created %+v", hup)
	}
	hup.Spec.FirmwareUpdates = v1alpha1.HostUpdatePolicyOnReboot
	if hup, err = policies.Update(ctx, hup, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if hup.Generation != 2 {
		t.Errorf("generation after a policy changed: %d", hup.Generation)
	}

	// Metal3's CRD enum, as a 422 naming the field; nothing is stored.
	bad := hup.DeepCopy()
	bad.Spec.FirmwareUpdates = "OnReboot"
	_, err = policies.Update(ctx, bad, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.firmwareUpdates": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.firmwareUpdates",
			Message: `Unsupported value: "OnReboot": supported values: "onPreparing", "onReboot"`},
	})
	_, err = policies.Create(ctx, &v1alpha1.HostUpdatePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-9"},
		Spec:       v1alpha1.HostUpdatePolicySpec{FirmwareSettings: "never"},
	}, metav1.CreateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.firmwareSettings": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.firmwareSettings",
			Message: `Unsupported value: "never": supported values: "onPreparing", "onReboot"`},
	})

	// Server-side apply: two managers, one field each.
	apply := func(manager string, spec *applyv1alpha1.HostUpdatePolicySpecApplyConfiguration) {
		t.Helper()
		if _, err := policies.Apply(ctx, applyv1alpha1.HostUpdatePolicy("worker-1", ns).WithSpec(spec),
			metav1.ApplyOptions{FieldManager: manager}); err != nil {
			t.Fatal(err)
		}
	}
	apply("bios-team", applyv1alpha1.HostUpdatePolicySpec().WithFirmwareSettings(v1alpha1.HostUpdatePolicyOnReboot))
	apply("fw-team", applyv1alpha1.HostUpdatePolicySpec().WithFirmwareUpdates(v1alpha1.HostUpdatePolicyOnPreparing))
	got, err := policies.Get(ctx, "worker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.FirmwareSettings != v1alpha1.HostUpdatePolicyOnReboot || got.Spec.FirmwareUpdates != v1alpha1.HostUpdatePolicyOnPreparing ||
		len(got.ManagedFields) != 2 {
		t.Errorf("applied by two managers: %+v, managed fields %d", got.Spec, len(got.ManagedFields))
	}

	list, err := policies.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=worker-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "worker-1" {
		t.Errorf("list by name: %+v", list.Items)
	}
	for _, name := range []string{"worker-0", "worker-1"} {
		if err := policies.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func testDataImage(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	images := cs.BaremetalV1alpha1().DataImages(ns)
	// A status sent on create is dropped: status is observed, never requested.
	img, err := images.Create(ctx, &v1alpha1.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Finalizers: []string{v1alpha1.DataImageFinalizer}},
		Spec:       v1alpha1.DataImageSpec{URL: "http://images.example.com/config.iso"},
		Status:     v1alpha1.DataImageStatus{AttachedImage: v1alpha1.AttachedImageReference{URL: "http://images.example.com/config.iso"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Generation != 1 || img.Status.AttachedImage.URL != "" {
		t.Errorf("created %+v", img)
	}

	// The reconciler's write: status only, whatever else the object it sends says.
	now := metav1.Now()
	img.Status = v1alpha1.DataImageStatus{LastReconciled: &now,
		AttachedImage: v1alpha1.AttachedImageReference{URL: img.Spec.URL},
		Error:         v1alpha1.DataImageError{Count: 1, Message: "virtual media was busy"}}
	img.Spec.URL = "http://elsewhere.example.com/other.iso"
	if img, err = images.UpdateStatus(ctx, img, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if img.Spec.URL != "http://images.example.com/config.iso" || img.Status.AttachedImage.URL != img.Spec.URL ||
		img.Status.Error.Count != 1 || img.Status.LastReconciled == nil {
		t.Errorf("after a status write: %+v", img)
	}
	// A user's write: the spec only, and a new generation.
	img.Spec.URL = "https://images.example.com/config-2.iso"
	img.Status = v1alpha1.DataImageStatus{}
	if img, err = images.Update(ctx, img, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if img.Generation != 2 || img.Status.Error.Count != 1 {
		t.Errorf("after a spec write: generation %d, status %+v", img.Generation, img.Status)
	}

	// Metal3's webhook rule on the URL, on create and on update, as 422s naming spec.url.
	bad := img.DeepCopy()
	bad.Spec.URL = "nfs://images.example.com/config.iso"
	_, err = images.Update(ctx, bad, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.url": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.url",
			Message: `Invalid value: "nfs://images.example.com/config.iso": scheme "nfs" is not supported; supported schemes: http, https, ftp, gopher, oci`},
	})
	_, err = images.Create(ctx, &v1alpha1.DataImage{ObjectMeta: metav1.ObjectMeta{Name: "worker-9"}}, metav1.CreateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.url": {Type: metav1.CauseTypeFieldValueRequired, Field: "spec.url", Message: "Required value"},
	})
	bad = img.DeepCopy()
	bad.Status.Error.Count = -1
	_, err = images.UpdateStatus(ctx, bad, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"status.error.count": {Type: metav1.CauseTypeFieldValueInvalid, Field: "status.error.count",
			Message: "Invalid value: -1: must be greater than or equal to 0"},
	})

	// Server-side apply of the spec, and of the status through its subresource.
	applied, err := images.Apply(ctx, applyv1alpha1.DataImage("worker-1", ns).
		WithSpec(applyv1alpha1.DataImageSpec().WithURL("oci://registry.example.com/config:1")),
		metav1.ApplyOptions{FieldManager: "user"})
	if err != nil {
		t.Fatal(err)
	}
	if applied.Spec.URL != "oci://registry.example.com/config:1" {
		t.Errorf("applied %+v", applied.Spec)
	}
	applied, err = images.ApplyStatus(ctx, applyv1alpha1.DataImage("worker-1", ns).
		WithStatus(applyv1alpha1.DataImageStatus().WithAttachedImage(applyv1alpha1.AttachedImageReference().WithURL("oci://registry.example.com/config:1"))),
		metav1.ApplyOptions{FieldManager: "reconciler"})
	if err != nil {
		t.Fatal(err)
	}
	if applied.Status.AttachedImage.URL != "oci://registry.example.com/config:1" || applied.Spec.URL != "oci://registry.example.com/config:1" {
		t.Errorf("status applied: %+v", applied)
	}

	// The finalizer holds the image until whoever attached it lets go, as in Metal3.
	if err := images.Delete(ctx, "worker-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	held, err := images.Get(ctx, "worker-0", metav1.GetOptions{})
	if err != nil || held.DeletionTimestamp == nil {
		t.Fatalf("deleted with a finalizer: %v %+v", err, held)
	}
	held.Finalizers = nil
	if _, err := images.Update(ctx, held, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := images.Get(ctx, "worker-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after its finalizer is removed: %v, want NotFound", err)
	}
	if err := images.Delete(ctx, "worker-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func testBMCEventSubscription(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	subscriptions := cs.BaremetalV1alpha1().BMCEventSubscriptions(ns)
	s, err := subscriptions.Create(ctx, &v1alpha1.BMCEventSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0-events"},
		Spec: v1alpha1.BMCEventSubscriptionSpec{
			HostName:       "worker-0",
			Destination:    "https://events.example.com/bmc",
			Context:        "rack 4",
			HTTPHeadersRef: &v1alpha1.SecretReference{Name: "event-headers", Namespace: ns},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Metal3's webhook on create: both required fields, the trailing slash, the namespace.
	_, err = subscriptions.Create(ctx, &v1alpha1.BMCEventSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Spec: v1alpha1.BMCEventSubscriptionSpec{
			Destination:    "https://events.example.com",
			HTTPHeadersRef: &v1alpha1.SecretReference{Name: "event-headers", Namespace: "kube-system"},
		},
	}, metav1.CreateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.hostName": {Type: metav1.CauseTypeFieldValueRequired, Field: "spec.hostName",
			Message: "Required value: the name of the BareMetalHost whose BMC sends the events"},
		"spec.destination": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.destination",
			Message: `Invalid value: "https://events.example.com": must have a path: a destination of a host only must end with a slash`},
		"spec.httpHeadersRef.namespace": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.httpHeadersRef.namespace",
			Message: `Invalid value: "kube-system": must be the BMCEventSubscription's own namespace, "default"`},
	})

	// Immutable, as Metal3's webhook has it; metadata still changes.
	changed := s.DeepCopy()
	changed.Spec.Destination = "https://elsewhere.example.com/"
	_, err = subscriptions.Update(ctx, changed, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.destination": {Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.destination",
			Message: `Invalid value: "https://elsewhere.example.com/": field is immutable: a subscription cannot be updated, delete it and create another`},
	})
	_, err = subscriptions.Apply(ctx, applyv1alpha1.BMCEventSubscription("worker-0-events", ns).
		WithSpec(applyv1alpha1.BMCEventSubscriptionSpec().WithContext("rack 5")),
		metav1.ApplyOptions{FieldManager: "user", Force: true})
	if !apierrors.IsInvalid(err) {
		t.Errorf("changing the context by apply: %v, want 422", err)
	}
	s.Labels = map[string]string{"team": "sre"}
	if s, err = subscriptions.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("a label: %v", err)
	}

	// The reconciler's status write.
	s.Status = v1alpha1.BMCEventSubscriptionStatus{SubscriptionID: "3"}
	if s, err = subscriptions.UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Status.SubscriptionID != "3" || s.Generation != 1 || s.Spec.HTTPHeadersRef == nil {
		t.Errorf("after a status write: %+v", s)
	}
	if err := subscriptions.Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func testPreprovisioningImage(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	images := cs.BaremetalV1alpha1().PreprovisioningImages(ns)
	img, err := images.Create(ctx, &v1alpha1.PreprovisioningImage{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0"},
		Spec: v1alpha1.PreprovisioningImageSpec{Architecture: "x86_64", NetworkDataName: "worker-0-network-data",
			AcceptFormats: []v1alpha1.ImageFormat{v1alpha1.ImageFormatISO, v1alpha1.ImageFormatInitRD}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The image builder's status write, with Metal3's conditions.
	now := metav1.Now()
	img.Status = v1alpha1.PreprovisioningImageStatus{
		ImageURL: "http://images.example.com/worker-0.initramfs", KernelURL: "http://images.example.com/vmlinuz",
		ExtraKernelParams: "console=ttyS0", Format: v1alpha1.ImageFormatInitRD, Architecture: "x86_64",
		NetworkData: v1alpha1.SecretStatus{Name: "worker-0-network-data", Version: "1234"},
		Conditions: []metav1.Condition{
			{Type: string(v1alpha1.ConditionImageReady), Status: metav1.ConditionTrue, Reason: "ImageSuccess", Message: "Generated image", LastTransitionTime: now},
			{Type: string(v1alpha1.ConditionImageError), Status: metav1.ConditionFalse, Reason: "ImageSuccess", LastTransitionTime: now},
		},
	}
	if img, err = images.UpdateStatus(ctx, img, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if img.Status.KernelURL != "http://images.example.com/vmlinuz" || len(img.Status.Conditions) != 2 || img.Status.NetworkData.Version != "1234" {
		t.Errorf("after a status write: %+v", img.Status)
	}

	// Metal3's CRD enum, in spec and status, as 422s naming the field.
	bad := img.DeepCopy()
	bad.Spec.AcceptFormats = []v1alpha1.ImageFormat{"pxe"}
	_, err = images.Update(ctx, bad, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"spec.acceptFormats[0]": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.acceptFormats[0]",
			Message: `Unsupported value: "pxe": supported values: "iso", "initrd"`},
	})
	bad = img.DeepCopy()
	bad.Status.Format = "qcow2"
	_, err = images.UpdateStatus(ctx, bad, metav1.UpdateOptions{})
	wantCauses(t, err, map[string]metav1.StatusCause{
		"status.format": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "status.format",
			Message: `Unsupported value: "qcow2": supported values: "iso", "initrd"`},
	})

	// A new spec (Metal3 changes the network data): a new generation, the status kept.
	img.Spec.NetworkDataName = "worker-0-network-data-2"
	if img, err = images.Update(ctx, img, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if img.Generation != 2 || img.Status.ImageURL == "" {
		t.Errorf("after a spec write: generation %d, status %+v", img.Generation, img.Status)
	}

	// Server-side apply of conditions merges them by type, as for built-in kinds.
	applied, err := images.ApplyStatus(ctx, applyv1alpha1.PreprovisioningImage("worker-0", ns).
		WithStatus(applyv1alpha1.PreprovisioningImageStatus().WithConditions(
			metav1apply.Condition().WithType(string(v1alpha1.ConditionImageReady)).WithStatus(metav1.ConditionFalse).
				WithReason("NetworkDataChanged").WithMessage("rebuilding").WithLastTransitionTime(now))),
		metav1.ApplyOptions{FieldManager: "image-builder", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := meta.FindStatusCondition(applied.Status.Conditions, string(v1alpha1.ConditionImageReady)); c == nil || c.Status != metav1.ConditionFalse ||
		len(applied.Status.Conditions) != 2 {
		t.Errorf("conditions after apply: %+v", applied.Status.Conditions)
	}
	if err := images.Delete(ctx, "worker-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// testKindsBadBodies sends values JSON can carry but the types cannot hold: each is the
// client's mistake, answered 400 or 422 and never stored, never a 5xx.
func testKindsBadBodies(t *testing.T, ctx context.Context, cs *clientset.Clientset) {
	kinds := map[string]string{"hostupdatepolicies": "HostUpdatePolicy", "dataimages": "DataImage",
		"bmceventsubscriptions": "BMCEventSubscription", "preprovisioningimages": "PreprovisioningImage"}
	for _, tc := range []struct{ resource, spec, status string }{
		{resource: "hostupdatepolicies", spec: `{"firmwareSettings":true}`},
		{resource: "hostupdatepolicies", spec: `{"firmwareUpdates":["onReboot"]}`},
		{resource: "hostupdatepolicies", spec: `"onReboot"`},
		{resource: "dataimages", spec: `{"url":{"href":"http://x/"}}`},
		{resource: "dataimages", spec: `{"url":"http://images.example.com/a.iso"}`, status: `{"error":{"count":"two"}}`},
		{resource: "dataimages", spec: `{"url":"http://images.example.com/a.iso"}`, status: `{"error":{"count":3000000000}}`},
		{resource: "bmceventsubscriptions", spec: `{"hostName":"w","destination":"https://e.example.com/","httpHeadersRef":"headers"}`},
		{resource: "bmceventsubscriptions", spec: `{"hostName":["w"],"destination":"https://e.example.com/"}`},
		{resource: "preprovisioningimages", spec: `{"acceptFormats":"iso"}`},
		{resource: "preprovisioningimages", spec: `{"acceptFormats":[1]}`},
		{resource: "preprovisioningimages", spec: `{}`, status: `{"conditions":{"type":"Ready"}}`},
	} {
		status := ""
		if tc.status != "" {
			status = `,"status":` + tc.status
		}
		body := `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"` + kinds[tc.resource] + `","metadata":{"name":"bad-body"},"spec":` + tc.spec + status + `}`
		result := cs.BaremetalV1alpha1().RESTClient().Post().Namespace(ns).Resource(tc.resource).
			SetHeader("Content-Type", jsonType).SetHeader("Accept", jsonType).Body([]byte(body)).Do(ctx)
		var code int
		result.StatusCode(&code)
		raw, err := result.Raw()
		if err == nil {
			t.Errorf("%s %s: accepted: %s", tc.resource, body, raw)
			if err := cs.BaremetalV1alpha1().RESTClient().Delete().Namespace(ns).Resource(tc.resource).Name("bad-body").Do(ctx).Error(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if code < 400 || code >= 500 {
			t.Errorf("%s %s: %d %v", tc.resource, body, code, err)
		}
	}
}
