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
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// TestStateMachinePreprovisioningImage: Metal3's --build-preprov-image, one transition per case
// as TestStateMachine: the host's PreprovisioningImage asked for and kept current, waited for
// where the agent boots, passed to the backend once built, its build error a registration error.
func TestStateMachinePreprovisioningImage(t *testing.T) {
	const img = "http://192.0.2.1/os.qcow2"
	on := testOptions(0)
	on.BuildPreprovImage = true
	built := &provisioner.PreprovisioningImage{URL: smImageURL, KernelURL: smKernelURL, ExtraKernelParams: "ip=dhcp", Format: v1alpha1.ImageFormatInitRD}
	failed := func(i *v1alpha1.PreprovisioningImage) {
		i.Status.ImageURL, i.Status.Format = "", ""
		meta.SetStatusCondition(&i.Status.Conditions, metav1.Condition{Type: string(v1alpha1.ConditionImageReady), Status: metav1.ConditionFalse,
			Reason: "ImageBuildInvalid", ObservedGeneration: 1})
		meta.SetStatusCondition(&i.Status.Conditions, metav1.Condition{Type: string(v1alpha1.ConditionImageError), Status: metav1.ConditionTrue,
			Reason: "ImageBuildInvalid", Message: "the builder ran out of disk", ObservedGeneration: 1})
	}
	staleGeneration := func(i *v1alpha1.PreprovisioningImage) { i.Generation = 2 }
	unbuilt := func(i *v1alpha1.PreprovisioningImage) { i.Status = v1alpha1.PreprovisioningImageStatus{} }
	waits := func(t *testing.T, got smResult) {
		t.Helper()
		c := meta.FindStatusCondition(got.host.Status.Conditions, v1alpha1.ConditionProgressing)
		if c == nil || !strings.Contains(c.Message, "waiting for PreprovisioningImage "+ns+"/"+smHost) {
			t.Errorf("Progressing %+v, want it to say the host waits for its image", c)
		}
		if got.requeue != 0 {
			t.Errorf("requeue after %v: the image's events wake the host, no polling", got.requeue)
		}
		if got.host.Status.ErrorType != "" {
			t.Errorf("error %s %q while waiting", got.host.Status.ErrorType, got.host.Status.ErrorMessage)
		}
	}
	bootsBuilt := func(t *testing.T, got smResult) {
		t.Helper()
		if !reflect.DeepEqual(got.agentImage, built) {
			t.Errorf("backend boots %+v, want %+v", got.agentImage, built)
		}
	}
	noImage := func(t *testing.T, got smResult) {
		t.Helper()
		if got.ppimg != nil || got.agentImage != nil {
			t.Errorf("PreprovisioningImage %+v, backend image %+v; want none", got.ppimg, got.agentImage)
		}
	}
	for _, tc := range []struct {
		name  string
		host  *hostBuilder
		opts  Options
		state v1alpha1.ProvisioningState
		calls string
		check func(t *testing.T, got smResult)
	}{
		{name: "flag off: registered, no PreprovisioningImage", host: aHost(v1alpha1.StateRegistering),
			state: v1alpha1.StateInspecting, calls: "Register", check: noImage},
		{name: "flag on: the PreprovisioningImage asked for, registration waits",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
				h.Spec.Architecture = "aarch64"
				h.Spec.PreprovisioningNetworkDataName = "preprov-net"
				h.Labels = map[string]string{"rack": "r1"}
			}),
			opts: on, state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				waits(t, got)
				if got.ppimg == nil {
					t.Fatal("no PreprovisioningImage")
				}
				want := v1alpha1.PreprovisioningImageSpec{Architecture: "aarch64", NetworkDataName: "preprov-net",
					AcceptFormats: []v1alpha1.ImageFormat{v1alpha1.ImageFormatInitRD}}
				if !reflect.DeepEqual(got.ppimg.Spec, want) {
					t.Errorf("spec %+v, want %+v", got.ppimg.Spec, want)
				}
				if ref := metav1.GetControllerOf(got.ppimg); ref == nil || ref.UID != "uid-1" || ref.Kind != "BareMetalHost" {
					t.Errorf("owners %+v, want the host as controller", got.ppimg.OwnerReferences)
				}
				if got.ppimg.Labels["rack"] != "r1" {
					t.Errorf("labels %v, want the host's", got.ppimg.Labels)
				}
			}},
		{name: "flag on, no architecture anywhere: the controller's, asked for",
			host: aHost(v1alpha1.StateRegistering), opts: on, state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				if got.ppimg == nil || got.ppimg.Spec.Architecture != controllerArchitecture() {
					t.Errorf("image %+v, want architecture %s", got.ppimg, controllerArchitecture())
				}
			}},
		{name: "image built: registered with it", host: aHost(v1alpha1.StateRegistering).withPreprovImage(nil),
			opts: on, state: v1alpha1.StateInspecting, calls: "Register", check: bootsBuilt},
		{name: "image not built yet: waits", host: aHost(v1alpha1.StateRegistering).withPreprovImage(unbuilt),
			opts: on, state: v1alpha1.StateRegistering, check: waits},
		{name: "image Ready for an older generation: waits", host: aHost(v1alpha1.StateRegistering).withPreprovImage(staleGeneration),
			opts: on, state: v1alpha1.StateRegistering, check: waits},
		{name: "image build failed: registration error naming it", host: aHost(v1alpha1.StateRegistering).withPreprovImage(failed),
			opts: on, state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				if got.host.Status.ErrorType != v1alpha1.RegistrationError || !strings.Contains(got.host.Status.ErrorMessage, "PreprovisioningImage "+ns+"/"+smHost) ||
					!strings.Contains(got.host.Status.ErrorMessage, "the builder ran out of disk") {
					t.Errorf("error %s %q", got.host.Status.ErrorType, got.host.Status.ErrorMessage)
				}
			}},
		{name: "image being built again after an error: the error cleared, waits",
			host: aHost(v1alpha1.StateRegistering).withPreprovImage(unbuilt).with(func(h *v1alpha1.BareMetalHost) {
				h.Status.ErrorType, h.Status.ErrorCount = v1alpha1.RegistrationError, 2
				h.Status.ErrorMessage = "PreprovisioningImage " + ns + "/" + smHost + ": the image could not be built: out of disk"
				h.Status.OperationalStatus = v1alpha1.OperationalStatusError
			}), opts: on, state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				waits(t, got)
				if got.host.Status.OperationalStatus != v1alpha1.OperationalStatusOK || got.host.Status.ErrorCount != 0 {
					t.Errorf("operationalStatus %s, errorCount %d", got.host.Status.OperationalStatus, got.host.Status.ErrorCount)
				}
			}},
		{name: "image asks for formats the backend cannot boot: its spec corrected, waits",
			host: aHost(v1alpha1.StateRegistering).withPreprovImage(func(i *v1alpha1.PreprovisioningImage) {
				i.Spec.AcceptFormats = []v1alpha1.ImageFormat{v1alpha1.ImageFormatISO}
				i.Status.Format = v1alpha1.ImageFormatISO
			}), opts: on, state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				waits(t, got)
				if !reflect.DeepEqual(got.ppimg.Spec.AcceptFormats, []v1alpha1.ImageFormat{v1alpha1.ImageFormatInitRD}) {
					t.Errorf("acceptFormats %v, want [initrd]", got.ppimg.Spec.AcceptFormats)
				}
			}},
		{name: "network data Secret changed since the build: waits",
			host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) { h.Spec.PreprovisioningNetworkDataName = "preprov-net" }).
				withSecret("preprov-net", map[string]string{"networkData": "v2"}).
				withPreprovImage(func(i *v1alpha1.PreprovisioningImage) {
					i.Status.NetworkData = v1alpha1.SecretStatus{Name: "preprov-net", Version: "v1-digest"}
				}),
			opts: on, state: v1alpha1.StateRegistering, check: func(t *testing.T, got smResult) {
				waits(t, got)
				if c := meta.FindStatusCondition(got.host.Status.Conditions, v1alpha1.ConditionProgressing); !strings.Contains(c.Message, "another version of the network data Secret preprov-net") {
					t.Errorf("Progressing says %q", c.Message)
				}
			}},
		{name: "externally provisioned: registered without an image", host: aHost(v1alpha1.StateRegistering).with(func(h *v1alpha1.BareMetalHost) {
			h.Spec.ExternallyProvisioned = true
		}), opts: on, state: v1alpha1.StateExternallyProvisioned, calls: "Register", check: noImage},
		{name: "fast inspection: no agent, no image", host: aHost(v1alpha1.StateInspecting).with(func(h *v1alpha1.BareMetalHost) {
			h.Spec.InspectionMode = v1alpha1.InspectionModeFast
			h.Status.Hardware = nil
		}), opts: on, state: v1alpha1.StatePreparing, calls: "Inspect", check: noImage},
		{name: "preparing, image not ready: waits, the backend not called", host: aHost(v1alpha1.StatePreparing).withPreprovImage(unbuilt),
			opts: on, state: v1alpha1.StatePreparing, check: waits},
		{name: "preparing with the image built: prepared booting it", host: aHost(v1alpha1.StatePreparing).withPreprovImage(nil),
			opts: on, state: v1alpha1.StateAvailable, calls: "Prepare", check: bootsBuilt},
		{name: "available, image not ready: not waited for", host: aHost(v1alpha1.StateAvailable).image(img).withPreprovImage(unbuilt),
			opts: on, state: v1alpha1.StateProvisioning},
		{name: "provisioning with the image built: deployed booting it", host: aHost(v1alpha1.StateProvisioning).image(img).withPreprovImage(nil),
			opts: on, state: v1alpha1.StateProvisioned, calls: "Provision", check: bootsBuilt},
		{name: "provisioned at rest: the image not looked at", host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).withPreprovImage(failed),
			opts: on, state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw"},
		{name: "deprovisioning without cleaning: no image needed", host: aHost(v1alpha1.StateDeprovisioning).withPreprovImage(unbuilt).
			with(func(h *v1alpha1.BareMetalHost) { h.Spec.AutomatedCleaningMode = v1alpha1.CleaningModeDisabled }),
			opts: on, state: v1alpha1.StateAvailable, calls: "Deprovision"},
		{name: "delete, forgotten: the PreprovisioningImage deleted with the host",
			host: aHost(v1alpha1.StateDeleting).deleted().withPreprovImage(nil), opts: on,
			state: v1alpha1.StateDeleting, calls: "Delete", check: func(t *testing.T, got smResult) {
				if got.ppimg != nil || hasFinalizer(got.host) {
					t.Errorf("PreprovisioningImage %v, host finalizer kept %v", got.ppimg, hasFinalizer(got.host))
				}
			}},
		{name: "delete with the flag off: the host's PreprovisioningImage deleted all the same",
			host:  aHost(v1alpha1.StateDeleting).deleted().withPreprovImage(nil),
			state: v1alpha1.StateDeleting, calls: "Delete", check: func(t *testing.T, got smResult) {
				if got.ppimg != nil {
					t.Error("PreprovisioningImage kept")
				}
			}},
		{name: "delete: a PreprovisioningImage of the name owned by another is left",
			host: aHost(v1alpha1.StateDeleting).deleted().withPreprovImage(func(i *v1alpha1.PreprovisioningImage) {
				i.OwnerReferences[0].UID = "other-uid"
			}), opts: on, state: v1alpha1.StateDeleting, calls: "Delete", check: func(t *testing.T, got smResult) {
				if got.ppimg == nil {
					t.Error("someone else's PreprovisioningImage deleted")
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := reconcileOnce(t, tc.host, tc.opts, 0, nil)
			if got.err != nil {
				t.Fatalf("reconcile: %v", got.err)
			}
			if s := got.host.Status.Provisioning.State; s != tc.state {
				t.Errorf("state %q, want %q (status %+v)", s, tc.state, got.host.Status)
			}
			if calls := strings.Join(got.calls, " "); calls != tc.calls {
				t.Errorf("backend calls %q, want %q", calls, tc.calls)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

// TestHostArchitecture: Metal3's getHostArchitecture.
func TestHostArchitecture(t *testing.T) {
	h := &v1alpha1.BareMetalHost{}
	if got := hostArchitecture(h); got != controllerArchitecture() {
		t.Errorf("nothing known: %q, want the controller's %q", got, controllerArchitecture())
	}
	h.Status.Hardware = &v1alpha1.HardwareDetails{CPU: v1alpha1.CPU{Arch: "ppc64le"}}
	if got := hostArchitecture(h); got != "ppc64le" {
		t.Errorf("inventory: %q", got)
	}
	h.Spec.Architecture = "aarch64"
	if got := hostArchitecture(h); got != "aarch64" {
		t.Errorf("spec: %q", got)
	}
}
