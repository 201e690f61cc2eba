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

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// testActions exercises baremetal-apiserver's hardware-action subresources through
// kube-apiserver: kubectl --subresource=power, kubectl create --raw on reboot, the plugin, and
// who may do what per role. No reconciler runs here, so the host's status is set by hand.
func testActions(t *testing.T, c *cluster) {
	ns := "-n=" + testNamespace
	c.admin.RunStdin(t, hostManifest("h-act", testNamespace, "actions", true), "create", "-f", "-")
	c.admin.Run(t, "patch", "bmh", "h-act", ns, "--subresource=status", "--type=merge", "-p",
		`{"status":{"provisioning":{"state":"available","ID":"x"},"operationalStatus":"OK","poweredOn":true}}`)

	// kubectl's own --subresource flag, through the aggregator.
	out := c.editor.Run(t, "get", "bmh", "h-act", ns, "--subresource=power", "-o", "yaml")
	if !strings.Contains(out, "kind: Power") || !strings.Contains(out, "state: \"On\"") && !strings.Contains(out, "state: On") {
		t.Errorf("get --subresource=power:\n%s", out)
	}
	c.editor.Run(t, "patch", "bmh", "h-act", ns, "--subresource=power", "--type=merge", "-p", `{"spec":{"state":"Off"}}`)
	if out := c.admin.Run(t, "get", "bmh", "h-act", ns, "-o", "jsonpath={.spec.online}"); out != "false" {
		t.Errorf("power patch through kube-apiserver: spec.online=%q", out)
	}

	// The power operator may power and reboot, but not change what the host is.
	c.powerop.Run(t, "patch", "bmh", "h-act", ns, "--subresource=power", "--type=merge", "-p", `{"spec":{"state":"On"}}`)
	expectForbidden(t, c.powerop, "powerop", "", "patch", "bmh", "h-act", ns, "--type=merge", "-p", `{"spec":{"description":"mine"}}`)
	body := filepath.Join(c.Dir, "reboot.json")
	if err := os.WriteFile(body, []byte(`{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest","spec":{"mode":"hard"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	rebootPath := "/apis/baremetal.metal3.io/v1alpha1/namespaces/" + testNamespace + "/baremetalhosts/h-act/reboot"
	out = c.powerop.Run(t, "create", "--raw", rebootPath, "-f", body)
	if !strings.Contains(out, "202") || !strings.Contains(out, "accepted") {
		t.Errorf("kubectl create --raw reboot: %s", out)
	}
	if out := c.admin.Run(t, "get", "bmh", "h-act", ns, "-o", "jsonpath={.metadata.annotations}"); !strings.Contains(out, "reboot.metal3.io/baremetal-api") {
		t.Errorf("reboot not recorded on the host: %s", out)
	}

	// The viewer may look, not act.
	c.viewer.Run(t, "get", "bmh", "h-act", ns, "--subresource=power")
	expectForbidden(t, c.viewer, "viewer", "", "patch", "bmh", "h-act", ns, "--subresource=power", "--type=merge", "-p", `{"spec":{"state":"Off"}}`)
	expectForbidden(t, c.viewer, "viewer", "", "create", "--raw", rebootPath, "-f", body)

	for _, tc := range []struct {
		k    framework.Kubectl
		user string
		args []string
		want string
	}{
		{c.viewer, "viewer", []string{"get", "bmh", "--subresource=power"}, "yes"},
		{c.viewer, "viewer", []string{"patch", "bmh", "--subresource=power"}, "no"},
		{c.viewer, "viewer", []string{"create", "bmh", "--subresource=reboot"}, "no"},
		{c.editor, "editor", []string{"create", "bmh", "--subresource=inspect"}, "yes"},
		{c.powerop, "powerop", []string{"patch", "bmh", "--subresource=power"}, "yes"},
		{c.powerop, "powerop", []string{"create", "bmh", "--subresource=reboot"}, "yes"},
		{c.powerop, "powerop", []string{"create", "bmh", "--subresource=inspect"}, "no"},
		{c.powerop, "powerop", []string{"patch", "bmh"}, "no"},
	} {
		out, _, _ := tc.k.Exec("", append([]string{"auth", "can-i", ns}, tc.args...)...)
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("%s: kubectl auth can-i %s = %q, want %q", tc.user, strings.Join(tc.args, " "), got, tc.want)
		}
	}

	// The plugin, through kube-apiserver with the user's kubeconfig.
	plugin, err := framework.PluginBinary()
	if err != nil {
		t.Fatal(err)
	}
	runPlugin := func(k framework.Kubectl, args ...string) (string, error) {
		cmd := exec.Command(plugin, append([]string{"--kubeconfig", k.Kubeconfig, ns}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+k.Home, "KUBECONFIG=")
		// Bounded like every kubectl the suite runs.
		timer := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
		defer timer.Stop()
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	if out, err := runPlugin(c.powerop, "power", "off", "h-act"); err != nil || !strings.Contains(out, "h-act") {
		t.Errorf("plugin power off as powerop: %v\n%s", err, out)
	}
	if out, err := runPlugin(c.viewer, "power", "status", "h-act"); err != nil || !strings.Contains(out, "h-act") {
		t.Errorf("plugin power status as viewer: %v\n%s", err, out)
	}
	if out, err := runPlugin(c.viewer, "reboot", "h-act"); err == nil || !strings.Contains(out, "forbidden") {
		t.Errorf("plugin reboot as viewer: want a forbidden error, got %v\n%s", err, out)
	}
	if out, err := runPlugin(c.editor, "list"); err != nil || !strings.Contains(out, "h-act") {
		t.Errorf("plugin list as editor: %v\n%s", err, out)
	}
}
