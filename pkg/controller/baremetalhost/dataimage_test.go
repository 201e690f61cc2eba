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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	fakeprov "github.com/metal3-community/baremetal-apiserver/pkg/provisioner/fake"
)

// TestStateMachineDataImage: a provisioned host's DataImage at the power-on (Metal3's
// handleDataImageActions), one pass per case as in TestStateMachine.
func TestStateMachineDataImage(t *testing.T) {
	const img = "http://192.0.2.1/os.qcow2"
	const data, data2, live = "http://192.0.2.1/config.iso", "http://192.0.2.1/config-v2.iso", "http://192.0.2.1/live.iso"
	const ironicNeeds = "a DataImage needs Ironic API 1.93 (virtual media: attached and detached from 1.89, read back from 1.93, which Metal3 needs both of); this Ironic offers up to 1.82"
	poweredOff := func(h *v1alpha1.BareMetalHost) { h.Status.PoweredOn = false }
	deleting := func(di *v1alpha1.DataImage) {
		t := metav1.NewTime(smNow.Add(-time.Minute))
		di.DeletionTimestamp = &t
	}
	failedAt := func(at time.Time, count int32) func(*v1alpha1.DataImage) {
		return func(di *v1alpha1.DataImage) {
			t := metav1.NewTime(at)
			di.Status.LastReconciled = &t
			di.Status.Error = v1alpha1.DataImageError{Count: count, Message: "earlier failure"}
		}
	}
	// media seeds the backend with the host off, its virtual CD holding image.
	media := func(image string) func(*fakeprov.Provisioner) {
		return func(p *fakeprov.Provisioner) {
			p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, Media: image})
		}
	}
	attachedAs := func(want string) func(*testing.T, smResult) {
		return func(t *testing.T, got smResult) {
			t.Helper()
			if got.di.Status.AttachedImage.URL != want || got.di.Status.Error.Count != 0 {
				t.Errorf("DataImage status %+v, want %q attached and no error", got.di.Status, want)
			}
		}
	}
	failed := func(count int32, msg string) func(*testing.T, smResult) {
		return func(t *testing.T, got smResult) {
			t.Helper()
			if e := got.di.Status.Error; e.Count != count || !strings.Contains(e.Message, msg) || got.di.Status.LastReconciled == nil {
				t.Errorf("DataImage status %+v, want error %d %q dated", got.di.Status, count, msg)
			}
			if got.host.Status.PoweredOn || got.host.Status.ErrorType != "" {
				t.Errorf("host poweredOn %v, error %q: want off, its own status clean", got.host.Status.PoweredOn, got.host.Status.ErrorType)
			}
			if got.requeue <= 0 {
				t.Error("no retry asked")
			}
		}
	}
	cases := []struct {
		name  string
		host  *hostBuilder
		seed  func(*fakeprov.Provisioner)
		state v1alpha1.ProvisioningState
		calls string
		check func(t *testing.T, got smResult)
	}{
		{name: "provisioned, off on its way back on: the DataImage attached, then powered on",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, ""),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage PowerOn",
			check: func(t *testing.T, got smResult) {
				attachedAs(data)(t, got)
				if got.di.Status.LastReconciled == nil || !got.host.Status.PoweredOn || got.media != data {
					t.Errorf("lastReconciled %v, poweredOn %v, virtual CD %q", got.di.Status.LastReconciled, got.host.Status.PoweredOn, got.media)
				}
			}},
		{name: "externally provisioned, off: the DataImage attached, then powered on",
			host: aHost(v1alpha1.StateExternallyProvisioned).with(poweredOff).with(func(h *v1alpha1.BareMetalHost) { h.Spec.ExternallyProvisioned = true }).
				withDataImage(data, ""),
			seed: media(""), state: v1alpha1.StateExternallyProvisioned, calls: "Adopt PowerState AttachDataImage PowerOn", check: attachedAs(data)},
		{name: "provisioned and on: nothing until the next power-on",
			host:  aHost(v1alpha1.StateProvisioned).provisionedWith(img).withDataImage(data, ""),
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw", check: func(t *testing.T, got smResult) {
				if got.diWrites != 0 {
					t.Errorf("%d DataImage writes", got.diWrites)
				}
			}},
		{name: "available, off and wanted on: not provisioned, no DataImage",
			host:  aHost(v1alpha1.StateAvailable).with(poweredOff).withDataImage(data, ""),
			state: v1alpha1.StateAvailable, calls: "PowerState PowerOn"},
		{name: "attached already: checked with the backend, no write, powered on",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, data),
			seed: media(data), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage PowerOn",
			check: func(t *testing.T, got smResult) {
				if got.diWrites != 0 {
					t.Errorf("%d DataImage writes for an image in place", got.diWrites)
				}
			}},
		{name: "URL changed: the old image detached, the new one attached",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data2, data),
			seed: media(data), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState DetachDataImage AttachDataImage PowerOn", check: attachedAs(data2)},
		{name: "deleted while attached: detached, status cleared, powered on",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, data, deleting),
			seed: media(data), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState DetachDataImage PowerOn",
			check: func(t *testing.T, got smResult) {
				attachedAs("")(t, got)
				if got.media != "" {
					t.Errorf("virtual CD still holds %q", got.media)
				}
			}},
		{name: "deleted, nothing attached: powered on at once",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, "", deleting),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerOn"},
		{name: "no finalizer yet: not attached, the host waits",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, "", func(di *v1alpha1.DataImage) { di.Finalizers = nil }),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState", check: func(t *testing.T, got smResult) {
				if got.host.Status.PoweredOn || got.requeue <= 0 {
					t.Errorf("poweredOn %v, requeue %s", got.host.Status.PoweredOn, got.requeue)
				}
			}},
		{name: "attach fails (the CD holds a live ISO): recorded in the DataImage, the host kept off",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, ""),
			seed: media(live), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage", check: failed(1, "holds "+live)},
		{name: "Ironic 21.4: the clear failure recorded, counted on",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, "", failedAt(smNow.Add(-time.Hour), 2)),
			seed: func(p *fakeprov.Provisioner) {
				media("")(p)
				p.SetFailure(ns, smHost, "AttachDataImage", ironicNeeds)
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage", check: failed(3, ironicNeeds)},
		{name: "detach fails: the image stays recorded as attached, the host kept off",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data2, data),
			seed: func(p *fakeprov.Provisioner) {
				media(data)(p)
				p.SetFailure(ns, smHost, "DetachDataImage", "the BMC refused the request: HTTP 500")
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState DetachDataImage", check: func(t *testing.T, got smResult) {
				failed(1, "HTTP 500")(t, got)
				if got.di.Status.AttachedImage.URL != data {
					t.Errorf("attached %q after a failed detach", got.di.Status.AttachedImage.URL)
				}
			}},
		{name: "failed just now: not retried before the backoff ends, the host stays off",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, "", failedAt(smNow, 1)),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState", check: func(t *testing.T, got smResult) {
				if got.diWrites != 0 || got.host.Status.PoweredOn || got.requeue <= 0 {
					t.Errorf("DataImage writes %d, poweredOn %v, requeue %s", got.diWrites, got.host.Status.PoweredOn, got.requeue)
				}
			}},
		{name: "failed before, the backoff over: retried, attached, the error cleared",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).withDataImage(data, "", failedAt(smNow.Add(-time.Hour), 4)),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage PowerOn", check: attachedAs(data)},
		{name: "reboot annotation, host off: the DataImage attached before the annotation goes",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).annotate(v1alpha1.RebootAnnotationPrefix, "").withDataImage(data, ""),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage", check: func(t *testing.T, got smResult) {
				attachedAs(data)(t, got)
				if _, ok := got.host.Annotations[v1alpha1.RebootAnnotationPrefix]; ok {
					t.Error("reboot annotation kept")
				}
			}},
		{name: "reboot subresource: the DataImage attached, then the reset",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).annotate(v1alpha1.RebootSubresourceAnnotation, "").withDataImage(data, ""),
			seed: func(p *fakeprov.Provisioner) {
				p.Seed(ns, smHost, fakeprov.Host{ID: "fake-1", Address: "fake://192.0.2.1", Image: img, PoweredOn: true})
			},
			state: v1alpha1.StateProvisioned, calls: "Adopt PowerState AttachDataImage Reboot", check: attachedAs(data)},
		{name: "offline host: no DataImage action",
			host: aHost(v1alpha1.StateProvisioned).provisionedWith(img).with(poweredOff).with(func(h *v1alpha1.BareMetalHost) { h.Spec.Online = false }).
				withDataImage(data, ""),
			seed: media(""), state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reconcileOnce(t, tc.host, Options{}, 0, tc.seed)
			if got.err != nil {
				t.Fatalf("reconcile: %v", got.err)
			}
			if s := got.host.Status.Provisioning.State; s != tc.state {
				t.Errorf("state %q, want %q", s, tc.state)
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
