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
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func TestPowerOffAndOn(t *testing.T) {
	h := newHarness(t, newTestHost("h0"), newTestHost("h1"))
	if code := h.run("power", "off", "h0", "h1"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.errOut)
	}
	if got, want := h.out.String(), "h0: power off requested\nh1: power off requested\n"; got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if h.host("h0").Spec.Online || h.host("h1").Spec.Online {
		t.Error("spec.online still true after power off")
	}
	for _, a := range h.actions("update", "power") {
		if fm := a.(k8stesting.UpdateActionImpl).UpdateOptions.FieldManager; fm != fieldManager {
			t.Errorf("field manager %q, want %q", fm, fieldManager)
		}
	}

	// Asking for what is already desired writes nothing.
	h.out.buf.Reset()
	updates := len(h.actions("update", "power"))
	if code := h.run("power", "off", "h0"); code != 0 || h.out.String() != "h0: power already set to off\n" {
		t.Errorf("exit %d, stdout %q", code, h.out)
	}
	if n := len(h.actions("update", "power")); n != updates {
		t.Errorf("power off of an off host wrote the power (%d updates, want %d)", n, updates)
	}

	if code := h.run("power", "on", "h0"); code != 0 || !h.host("h0").Spec.Online {
		t.Errorf("power on: exit %d, online %v", code, h.host("h0").Spec.Online)
	}
}

// A write based on a stale read is a 409: the plugin reads again and retries instead of failing
// or overwriting the other writer's change.
func TestPowerRetriesOnConflict(t *testing.T) {
	h := newHarness(t, newTestHost("h0"))
	raced := false
	h.cs.PrependReactor("update", "baremetalhosts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "power" || raced {
			return false, nil, nil
		}
		raced = true
		h.change("h0", func(host *v1alpha1.BareMetalHost) { host.Spec.Description = "someone else" })
		return false, nil, nil // the model now sees a stale resourceVersion: 409
	})
	if code := h.run("power", "off", "h0"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if gets, updates := len(h.actions("get", "power")), len(h.actions("update", "power")); gets != 2 || updates != 2 {
		t.Errorf("%d reads and %d writes of the power, want 2 and 2 (one retry)", gets, updates)
	}
	host := h.host("h0")
	if host.Spec.Online || host.Spec.Description != "someone else" {
		t.Errorf("after retry: online=%v description=%q", host.Spec.Online, host.Spec.Description)
	}
}

func TestPowerConflictExhausted(t *testing.T) {
	h := newHarness(t, newTestHost("h0"))
	h.cs.PrependReactor("update", "baremetalhosts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "power" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewConflict(hostsGVR.GroupResource(), "h0", fmt.Errorf("the object has been modified"))
	})
	if code := h.run("power", "off", "h0"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if got := h.errOut.String(); got != "error: host default/h0: the object has been modified\n" {
		t.Errorf("stderr %q", got)
	}
	if n := len(h.actions("update", "power")); n < 2 {
		t.Errorf("%d attempts, want retries", n)
	}
}

func TestPowerDryRun(t *testing.T) {
	h := newHarness(t, newTestHost("h0"))
	if code := h.run("power", "off", "h0", "--dry-run=server"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if h.out.String() != "h0: power off requested (server dry run)\n" {
		t.Errorf("stdout %q", h.out)
	}
	if !h.host("h0").Spec.Online {
		t.Error("dry run changed spec.online")
	}
	ups := h.actions("update", "power")
	if len(ups) != 1 || strings.Join(ups[0].(k8stesting.UpdateActionImpl).UpdateOptions.DryRun, ",") != metav1.DryRunAll {
		t.Errorf("update actions %v, want one with dryRun=All", ups)
	}
}

func TestPowerStatus(t *testing.T) {
	h1 := newTestHost("h1", available, func(h *v1alpha1.BareMetalHost) {
		h.Spec.Online = false
		h.Status.ErrorType = v1alpha1.PowerManagementError
		h.Status.ErrorMessage = "BMC refused\nthe power off"
		h.Status.Conditions = []metav1.Condition{{Type: "PoweredOn", Status: metav1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(testNow.Add(-5 * time.Minute))}}
	})
	h := newHarness(t, newTestHost("h0"), h1, newTestHost("h2", available))
	if code := h.run("power", "status", "h1", "h0", "missing"); code != 1 {
		t.Errorf("exit %d with a missing host, want 1", code)
	}
	want := `NAME   DESIRED   OBSERVED    PENDING   SINCE    MESSAGE
h1     Off       On          true      5m       BMC refused; the power off
h0     On        <unknown>   true      <none>   <none>
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if got := h.errOut.String(); got != "error: host default/missing not found\n" {
		t.Errorf("stderr %q", got)
	}

	// No HOST: every host in the namespace, in name order.
	h.out.buf.Reset()
	if code := h.run("power", "status"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if lines := strings.Split(strings.TrimSpace(h.out.String()), "\n"); len(lines) != 4 ||
		!strings.HasPrefix(lines[1], "h0 ") || !strings.HasPrefix(lines[3], "h2 ") {
		t.Errorf("power status of all hosts:\n%s", h.out)
	}
}

func TestSelectorChoosesHosts(t *testing.T) {
	rack := func(r string) func(*v1alpha1.BareMetalHost) {
		return func(h *v1alpha1.BareMetalHost) { h.Labels = map[string]string{"rack": r} }
	}
	other := newTestHost("h9", rack("r1"))
	other.Namespace = "other"
	h := newHarness(t, newTestHost("h0", rack("r1")), newTestHost("h1", rack("r2")), newTestHost("h2", rack("r1")), other)

	if code := h.run("power", "off", "-l", "rack=r1"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if got := h.out.String(); got != "h0: power off requested\nh2: power off requested\n" {
		t.Errorf("stdout %q", got)
	}
	if !h.host("h1").Spec.Online || !h.hostIn("other", "h9").Spec.Online {
		t.Error("selector in namespace default powered off a host outside it")
	}

	h.out.buf.Reset()
	if code := h.run("power", "off", "-A", "-l", "rack=r1"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if got := h.out.String(); !strings.Contains(got, "other/h9: power off requested") || !strings.Contains(got, "default/h0: power already set to off") {
		t.Errorf("-A -l: stdout %q", got)
	}

	if code := h.run("reboot", "-l", "rack=r3"); code != 1 || !strings.Contains(h.errOut.String(), `no hosts match selector "rack=r3" in namespace default`) {
		t.Errorf("empty selector: exit %d, stderr %q", code, h.errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"power"}, "power needs a subcommand"},
		{[]string{"power", "sideways", "h0"}, `unknown command "sideways"`},
		{[]string{"power", "off"}, "name at least one HOST"},
		{[]string{"reboot"}, "name at least one HOST"},
		{[]string{"power", "off", "h0", "-l", "a=b"}, "not both"},
		{[]string{"power", "off", "h0", "-A"}, "--all-namespaces needs --selector"},
		{[]string{"reboot", "h0", "--dry-run=client"}, "--dry-run=client is not supported"},
		{[]string{"reboot", "h0", "--dry-run=maybe"}, `--dry-run must be "none" or "server"`},
		{[]string{"inspect", "h0", "--wait", "--dry-run=server"}, "--wait cannot be combined with --dry-run"},
		{[]string{"inspect", "h0", "h1"}, "accepts 1 arg(s)"},
		{[]string{"wait", "h0"}, "--for is required"},
		{[]string{"wait", "h0", "--for=state=provisoned"}, "unknown provisioning state"},
		{[]string{"list", "-o", "table"}, `unable to match a printer suitable for the output format "table"`},
		{[]string{"list", "--bogus"}, "unknown flag: --bogus"},
	} {
		h := newHarness(t, newTestHost("h0"))
		code := h.run(tc.args...)
		stderr := h.errOut.String()
		if code != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--help' for usage") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q with a usage hint", tc.args, code, stderr, tc.want)
		}
		if n := len(h.cs.Actions()); n != 0 {
			t.Errorf("%v: a usage error still made %d API calls", tc.args, n)
		}
	}
}
