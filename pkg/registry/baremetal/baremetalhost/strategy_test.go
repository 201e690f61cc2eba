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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func strategyHost() *baremetal.BareMetalHost {
	return &baremetal.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: "ns", Generation: 4,
			Annotations: map[string]string{"owner": "team-a"}},
		Spec: baremetal.BareMetalHostSpec{Online: true,
			BMC: baremetal.BMCDetails{Address: "redfish://10.0.0.1/redfish/v1/Systems/1", CredentialsName: "bmc"}},
		Status: baremetal.BareMetalHostStatus{
			GoodCredentials: baremetal.CredentialsStatus{Credentials: &baremetal.SecretReference{Name: "bmc"}, CredentialsVersion: "7"},
		},
	}
}

// TestPrepareForUpdate pins what the reconciler reads from an update: the generation says
// whether the desired state changed (the spec, or an action annotation), and good credentials
// are forgotten with the BMC they were good for. Status sent with an update is ignored.
func TestPrepareForUpdate(t *testing.T) {
	for _, tc := range []struct {
		name        string
		mutate      func(*baremetal.BareMetalHost)
		generation  int64
		forgetCreds bool
	}{
		{name: "nothing", mutate: func(*baremetal.BareMetalHost) {}, generation: 4},
		{name: "a label", mutate: func(h *baremetal.BareMetalHost) { h.Labels = map[string]string{"rack": "b"} }, generation: 4},
		{name: "another annotation", mutate: func(h *baremetal.BareMetalHost) { h.Annotations["owner"] = "team-b" }, generation: 4},
		{name: "status sent along", mutate: func(h *baremetal.BareMetalHost) { h.Status.ErrorCount = 9 }, generation: 4},
		{name: "spec", mutate: func(h *baremetal.BareMetalHost) { h.Spec.Online = false }, generation: 5},
		{name: "reboot annotation", mutate: func(h *baremetal.BareMetalHost) { h.Annotations["reboot.metal3.io"] = "" }, generation: 5},
		{name: "suffixed reboot annotation", mutate: func(h *baremetal.BareMetalHost) { h.Annotations["reboot.metal3.io/capm3"] = "" }, generation: 5},
		{name: "inspect annotation", mutate: func(h *baremetal.BareMetalHost) { h.Annotations["inspect.metal3.io"] = "" }, generation: 5},
		{name: "detached annotation", mutate: func(h *baremetal.BareMetalHost) { h.Annotations["baremetalhost.metal3.io/detached"] = "" }, generation: 5},
		{name: "paused annotation", mutate: func(h *baremetal.BareMetalHost) { h.Annotations["baremetalhost.metal3.io/paused"] = "" }, generation: 5},
		{name: "BMC address", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BMC.Address = "redfish://10.0.0.2/redfish/v1/Systems/1" },
			generation: 5, forgetCreds: true},
		{name: "certificate verification", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BMC.DisableCertificateVerification = true },
			generation: 5, forgetCreds: true},
		{name: "credentials Secret name", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BMC.CredentialsName = "bmc2" }, generation: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := strategyHost()
			h := old.DeepCopy()
			tc.mutate(h)
			Strategy.PrepareForUpdate(context.Background(), h, old)
			if h.Generation != tc.generation {
				t.Errorf("generation %d, want %d", h.Generation, tc.generation)
			}
			if h.Status.ErrorCount != 0 {
				t.Error("status sent with an update was kept")
			}
			if forgotten := h.Status.GoodCredentials.Credentials == nil; forgotten != tc.forgetCreds {
				t.Errorf("good credentials forgotten: %v, want %v", forgotten, tc.forgetCreds)
			}
		})
	}
}

// TestPrepareForUpdateRemovingAnAction: the reconciler consuming an action annotation is a new
// generation too (the desired state changed again).
func TestPrepareForUpdateRemovingAnAction(t *testing.T) {
	old := strategyHost()
	old.Annotations["reboot.metal3.io"] = ""
	h := old.DeepCopy()
	delete(h.Annotations, "reboot.metal3.io")
	Strategy.PrepareForUpdate(context.Background(), h, old)
	if h.Generation != 5 {
		t.Errorf("generation %d, want 5", h.Generation)
	}
}

// TestHardwareFacts: a status write that brings an inventory brings its hardware labels in
// the same write; a client cannot forge or drop them; the facts are selectable fields.
func TestHardwareFacts(t *testing.T) {
	old := strategyHost()
	h := old.DeepCopy()
	h.Status.Hardware = &baremetal.HardwareDetails{CPU: baremetal.CPU{Arch: "x86_64", Count: 64}, RAMMebibytes: 131072,
		SystemVendor: baremetal.HardwareSystemVendor{Manufacturer: "Dell Inc."}}
	StatusStrategy.PrepareForUpdate(context.Background(), h, old)
	if h.Labels["hardware.baremetal.metal3.io/cpu-count"] != "64" || h.Labels["hardware.baremetal.metal3.io/vendor"] != "Dell-Inc" {
		t.Errorf("labels after the inventory was written: %v", h.Labels)
	}

	forged := h.DeepCopy()
	forged.Labels["hardware.baremetal.metal3.io/cpu-count"] = "512"
	delete(forged.Labels, "hardware.baremetal.metal3.io/cpu-arch")
	forged.Labels["rack"] = "b"
	Strategy.PrepareForUpdate(context.Background(), forged, h)
	if forged.Labels["hardware.baremetal.metal3.io/cpu-count"] != "64" || forged.Labels["hardware.baremetal.metal3.io/cpu-arch"] != "x86_64" ||
		forged.Labels["rack"] != "b" {
		t.Errorf("labels after a client changed them: %v", forged.Labels)
	}

	created := strategyHost()
	created.Labels = map[string]string{"hardware.baremetal.metal3.io/gpu-count": "8"}
	Strategy.PrepareForCreate(context.Background(), created)
	if len(created.Labels) != 0 {
		t.Errorf("hardware labels kept on create: %v", created.Labels)
	}

	set := SelectableFields(h)
	for field, want := range map[string]string{"hardware.cpu.arch": "x86_64", "hardware.cpu.count": "64", "hardware.ramGiB": "128",
		"hardware.vendor": "Dell Inc.", "hardware.gpu.count": "0", "hardware.firmware.version": ""} {
		if got, ok := set[field]; !ok || got != want {
			t.Errorf("%s=%q (present %v), want %q", field, got, ok, want)
		}
	}
}
