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

package hostclaim

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// The binder decides the same from a cached (transformed) host as from the whole host.
func TestCacheTransformKeepsWhatTheBinderReads(t *testing.T) {
	claim := &v1alpha1.HostClaim{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "tenant", UID: "claim-uid"},
		Spec: v1alpha1.HostClaimSpec{HostSelector: v1alpha1.HostSelector{MatchLabels: map[string]string{"pool": "compute"}, InNamespace: "pool"}}}
	base := func() *v1alpha1.BareMetalHost {
		h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: "pool", UID: "host-uid", ResourceVersion: "7",
			Labels: map[string]string{"pool": "compute"}, Annotations: map[string]string{"note": "x"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
		h.Spec.Online = true
		h.Spec.Image = &v1alpha1.Image{URL: "http://images/os.qcow2"}
		h.Status.Provisioning.State = v1alpha1.StateAvailable
		h.Status.Provisioning.ID = "node"
		h.Status.Hardware = &v1alpha1.HardwareDetails{Hostname: "h", RAMMebibytes: 16384}
		h.Status.PoweredOn = true
		return h
	}
	now := metav1.Now()
	for _, tc := range []struct {
		name   string
		change func(*v1alpha1.BareMetalHost)
	}{
		{"available and free", func(*v1alpha1.BareMetalHost) {}},
		{"held by the claim", func(h *v1alpha1.BareMetalHost) {
			h.Spec.ConsumerRef = &v1alpha1.ObjectReference{Kind: v1alpha1.HostClaimKind, Namespace: "tenant", Name: "c", UID: types.UID("claim-uid")}
		}},
		{"held by another", func(h *v1alpha1.BareMetalHost) {
			h.Spec.ConsumerRef = &v1alpha1.ObjectReference{Kind: "Machine", Name: "m"}
		}},
		{"paused", func(h *v1alpha1.BareMetalHost) { h.Annotations[v1alpha1.PausedAnnotation] = "" }},
		{"deleted", func(h *v1alpha1.BareMetalHost) { h.DeletionTimestamp = &now }},
		{"in error", func(h *v1alpha1.BareMetalHost) { h.Status.ErrorMessage = "BMC unreachable" }},
		{"provisioning", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StateProvisioning }},
		{"other labels", func(h *v1alpha1.BareMetalHost) { h.Labels = map[string]string{"pool": "storage"} }},
		{"other namespace", func(h *v1alpha1.BareMetalHost) { h.Namespace = "elsewhere" }},
	} {
		full := base()
		tc.change(full)
		out, err := CacheTransform(full.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		cached := out.(*v1alpha1.BareMetalHost)
		if Claimable(cached) != Claimable(full) || MightTake(claim, cached) != MightTake(claim, full) ||
			heldBy(cached, claim) != heldBy(full, claim) || cached.Status.PoweredOn != full.Status.PoweredOn ||
			cached.Name != full.Name || cached.Namespace != full.Namespace || cached.UID != full.UID || cached.ResourceVersion != full.ResourceVersion {
			t.Errorf("%s: the binder decides otherwise from the cached host %+v", tc.name, cached)
		}
		if cached.Status.Hardware != nil || cached.ManagedFields != nil || cached.Spec.Image != nil || cached.Status.Provisioning.ID != "" {
			t.Errorf("%s: the cached host keeps what the binder never reads: %+v", tc.name, cached)
		}
	}
	claimIn := &v1alpha1.HostClaim{}
	if out, _ := CacheTransform(claimIn); out != claimIn {
		t.Error("a HostClaim is cached as it is")
	}
}
