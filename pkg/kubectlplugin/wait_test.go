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

package kubectlplugin

import (
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func TestParseFor(t *testing.T) {
	for in, want := range map[string]string{
		"state=provisioned":            "state=provisioned",
		"state=Provisioned":            "state=provisioned",
		"STATE=available":              "state=available",
		"state=externally-provisioned": "state=externally provisioned",
		"state=externally provisioned": "state=externally provisioned",
		"state=match_profile":          "state=match profile",
		"power=On":                     "power=On",
		"power=off":                    "power=Off",
		"condition=Ready":              "condition=Ready",
		"condition=Ready=true":         "condition=Ready",
		"condition=Ready=False":        "condition=Ready=False",
		"condition=Healthy=unknown":    "condition=Healthy=Unknown",
	} {
		got, err := parseFor(in)
		if err != nil || got.String() != want {
			t.Errorf("parseFor(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                       "--for must be",
		"provisioned":            "--for must be",
		"state=":                 "--for must be",
		"state=provisoned":       "unknown provisioning state",
		"power=Sideways":         "power is On or Off",
		"condition=":             "--for must be",
		"condition=Ready=Maybe":  "True, False or Unknown",
		"delete":                 "--for must be",
		"jsonpath={.spec}=value": "--for must be",
	} {
		_, err := parseFor(in)
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), want) {
			t.Errorf("parseFor(%q): %v; want a usage error with %q", in, err, want)
		}
	}
}

// The wait follows the host through its states, one line per change, reports errors as they
// appear, and ends when the state is reached.
func TestWaitForState(t *testing.T) {
	h := newHarness(t, newTestHost("h0"), newTestHost("other"))
	result := h.runAsync("wait", "h0", "--for=state=provisioned", "--timeout=1m")
	h.awaitFollowing()
	for _, step := range []func(*v1alpha1.BareMetalHost){
		func(host *v1alpha1.BareMetalHost) { host.Status.Provisioning.State = v1alpha1.StateRegistering },
		func(host *v1alpha1.BareMetalHost) { host.Spec.Description = "no state change: no line" },
		func(host *v1alpha1.BareMetalHost) { host.Status.Provisioning.State = v1alpha1.StateInspecting },
		func(host *v1alpha1.BareMetalHost) {
			host.Status.Provisioning.State = v1alpha1.StateProvisioning
			host.Status.ErrorType = v1alpha1.ProvisioningError
			host.Status.ErrorMessage = "image write failed"
		},
		func(host *v1alpha1.BareMetalHost) {
			host.Status.Provisioning.State = v1alpha1.StateProvisioned
			host.Status.ErrorType, host.Status.ErrorMessage = "", ""
		},
	} {
		h.change("h0", step)
		// Another host's changes must not count (the fake, unlike the server, ignores the
		// field selector).
		h.change("other", func(o *v1alpha1.BareMetalHost) { o.Status.Provisioning.State = v1alpha1.StateProvisioned })
	}
	if code := result(); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, h.out, h.errOut)
	}
	want := `h0: state <none> (waiting for state=provisioned, timeout 1m0s)
h0: <none> -> registering (0s)
h0: registering -> inspecting (0s)
h0: inspecting -> provisioning (0s)
h0: error: provisioning error: image write failed (0s)
h0: provisioning -> provisioned (0s)
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	w := h.actions("watch", "")[0].(k8stesting.WatchActionImpl)
	if fs := w.GetWatchRestrictions().Fields.String(); fs != "metadata.name=h0" {
		t.Errorf("watch field selector %q, want metadata.name=h0", fs)
	}
}

func TestWaitTimesOut(t *testing.T) {
	h := newHarness(t, newTestHost("h0"))
	if code := h.run("wait", "h0", "--for=power=Off", "--timeout=300ms"); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got := h.out.String(); got != "h0: power <unknown> (waiting for power=Off, timeout 300ms)\n" {
		t.Errorf("stdout %q", got)
	}
	if got := h.errOut.String(); got != "error: timed out after 300ms waiting for h0 power=Off (power <unknown>)\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestWaitAlreadyMetAndCheckOnce(t *testing.T) {
	h := newHarness(t, newTestHost("h0", available))
	if code := h.run("wait", "h0", "--for=power=On"); code != 0 || h.out.String() != "h0: power On\n" {
		t.Errorf("met at once: exit %d, stdout %q, stderr %q", code, h.out, h.errOut)
	}
	if n := len(h.actions("watch", "")); n != 0 {
		t.Errorf("a condition met at once still opened %d watches", n)
	}
	if code := h.run("wait", "h0", "--for=state=provisioned", "--timeout=0"); code != 1 ||
		h.errOut.String() != "error: h0: state available, not state=provisioned\n" {
		t.Errorf("--timeout=0: exit %d, stderr %q", code, h.errOut)
	}
}

func TestWaitHostDeletedOrMissing(t *testing.T) {
	h := newHarness(t, newTestHost("h0"))
	result := h.runAsync("wait", "h0", "--for=state=provisioned")
	h.awaitFollowing()
	if err := h.cs.Tracker().Delete(hostsGVR, testNS, "h0"); err != nil {
		t.Fatal(err)
	}
	if code := result(); code != 1 || h.errOut.String() != "error: host default/h0 was deleted\n" {
		t.Errorf("deleted: exit %d, stderr %q", code, h.errOut)
	}

	h = newHarness(t)
	if code := h.run("wait", "nope", "--for=state=provisioned"); code != 1 || h.errOut.String() != "error: host default/nope not found\n" {
		t.Errorf("missing: exit %d, stderr %q", code, h.errOut)
	}
}

// A condition set for an older generation says nothing about the current spec yet.
func TestWaitForConditionHonoursGeneration(t *testing.T) {
	h := newHarness(t, newTestHost("h0", func(host *v1alpha1.BareMetalHost) {
		host.Generation = 2
		host.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, ObservedGeneration: 1}}
	}))
	result := h.runAsync("wait", "h0", "--for=condition=ready", "--timeout=1m")
	h.awaitFollowing()
	h.change("h0", func(host *v1alpha1.BareMetalHost) {
		host.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, ObservedGeneration: 2}}
	})
	h.out.await(t, "True -> False")
	h.change("h0", func(host *v1alpha1.BareMetalHost) {
		host.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, ObservedGeneration: 2}}
	})
	if code := result(); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	want := `h0: ready True (waiting for condition=ready, timeout 1m0s)
h0: ready True -> False (0s)
h0: ready False -> True (0s)
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

// TestWaitOutlivesItsWatch: a watch the server ends, or ends with 410 Gone (resourceVersion
// too old), is resumed; a change after that still ends the wait.
func TestWaitOutlivesItsWatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*watch.FakeWatcher)
	}{
		{"watch closed by the server", func(w *watch.FakeWatcher) { w.Stop() }},
		{"410 Gone", func(w *watch.FakeWatcher) {
			w.Error(&apierrors.NewResourceExpired("too old resource version: 1 (42)").ErrStatus)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, newTestHost("h0"))
			first := watch.NewFakeWithChanSize(1, false)
			var once sync.Once
			h.cs.PrependWatchReactor("baremetalhosts", func(k8stesting.Action) (bool, watch.Interface, error) {
				handled := false
				once.Do(func() { handled = true })
				return handled, first, nil
			})
			result := h.runAsync("wait", "h0", "--for=state=available", "--timeout=1m")
			h.awaitFollowing()
			tc.end(first)
			h.awaitWatches(2)
			h.change("h0", available)
			if code := result(); code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, h.out, h.errOut)
			}
			if !strings.Contains(h.out.String(), "h0: <none> -> available (") {
				t.Errorf("stdout:\n%s", h.out)
			}
		})
	}
}
