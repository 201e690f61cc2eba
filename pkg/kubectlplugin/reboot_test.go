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
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// Several hosts: each is acted on and reported, and one failure makes the exit status 1.
func TestRebootReportsEachHost(t *testing.T) {
	h := newHarness(t, newTestHost("ready", available), newTestHost("new"))
	code := h.run("reboot", "ready", "new", "missing", "ready")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got, want := h.out.String(), "ready: soft reboot accepted\n"; got != want {
		t.Errorf("stdout %q, want %q (a repeated name acts once)", got, want)
	}
	want := "error: host default/new: cannot reboot: the host is not registered yet\n" +
		"error: host default/missing not found\n"
	if got := h.errOut.String(); got != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
}

func TestRebootHardAndDryRun(t *testing.T) {
	h := newHarness(t, newTestHost("h0", available))
	if code := h.run("reboot", "--hard", "--dry-run=server", "h0"); code != 0 || h.out.String() != "h0: hard reboot accepted (server dry run)\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, h.out, h.errOut)
	}
	creates := h.actions("create", "reboot")
	if len(creates) != 1 {
		t.Fatalf("%d reboot requests", len(creates))
	}
	c := creates[0].(k8stesting.CreateActionImpl)
	if mode := c.GetObject().(*v1alpha1.RebootRequest).Spec.Mode; mode != v1alpha1.RebootModeHard {
		t.Errorf("mode %q, want hard", mode)
	}
	if len(c.CreateOptions.DryRun) != 1 || len(h.host("h0").Annotations) != 0 {
		t.Errorf("dry run: options %v, annotations %v", c.CreateOptions.DryRun, h.host("h0").Annotations)
	}
}

func TestForbiddenSaysWhatWasRefused(t *testing.T) {
	h := newHarness(t, newTestHost("h0", available))
	h.cs.PrependReactor("create", "baremetalhosts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(hostsGVR.GroupResource(), "h0",
			errors.New(`User "bob" cannot create resource "baremetalhosts/reboot" in API group "baremetal.metal3.io" in the namespace "default"`))
	})
	if code := h.run("reboot", "h0"); code != 1 {
		t.Errorf("exit %d", code)
	}
	want := `error: forbidden: you may not reboot host default/h0: User "bob" cannot create resource "baremetalhosts/reboot" in API group "baremetal.metal3.io" in the namespace "default"` + "\n"
	if got := h.errOut.String(); got != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
}
