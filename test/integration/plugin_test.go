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
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// pluginCLI runs `kubectl baremetal ...` the way a user does: the real kubectl finds the
// kubectl-baremetal binary on PATH and execs it with the rest of the command line and its own
// environment (KUBECONFIG included).
type pluginCLI struct {
	kubectl, pluginDir, kubeconfig, home string
}

type pluginResult struct {
	stdout, stderr string
	code           int
}

func (r pluginResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%sstderr:\n%s", r.code, r.stdout, r.stderr)
}

func (p pluginCLI) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.kubectl, append([]string{"baremetal"}, args...)...)
	cmd.Env = append(os.Environ(),
		"PATH="+p.pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+p.kubeconfig,
		"HOME="+p.home,
		"KUBECACHEDIR="+filepath.Join(p.home, "cache"))
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// runEnv runs the plugin with extra environment variables (later ones win).
func (p pluginCLI) runEnv(t *testing.T, env []string, args ...string) pluginResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := p.command(ctx, env, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	res := pluginResult{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	default:
		t.Fatalf("kubectl baremetal %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("kubectl baremetal %s: exit %d\n%s%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	return res
}

func (p pluginCLI) run(t *testing.T, args ...string) pluginResult {
	t.Helper()
	return p.runEnv(t, nil, args...)
}

// ok runs the plugin and fails the test unless it exits 0.
func (p pluginCLI) ok(t *testing.T, args ...string) string {
	t.Helper()
	res := p.run(t, args...)
	if res.code != 0 {
		t.Fatalf("kubectl baremetal %s: %s", strings.Join(args, " "), res)
	}
	return res.stdout
}

// fails runs the plugin and checks it exits non-zero with want on stderr.
func (p pluginCLI) fails(t *testing.T, want string, args ...string) pluginResult {
	t.Helper()
	res := p.run(t, args...)
	if res.code == 0 || !strings.Contains(res.stderr, want) {
		t.Errorf("kubectl baremetal %s: want a non-zero exit and %q on stderr; %s", strings.Join(args, " "), want, res)
	}
	return res
}

// buildPlugin builds cmd/kubectl-baremetal into a directory of its own, which goes on PATH.
func buildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "kubectl-baremetal"), "./cmd/kubectl-baremetal")
	cmd.Dir = framework.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kubectl-baremetal: %v\n%s", err, out)
	}
	return dir
}

// TestPlugin drives the kubectl plugin through the real kubectl against the real server. The
// server runs without a provisioner (--provisioner=none), so nothing changes a host's status
// unless the test does: power stays pending, actions that need a registered host are refused,
// and the test plays the reconciler where a state change is needed.
func TestPlugin(t *testing.T) {
	pluginDir := buildPlugin(t)
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	for name, rack := range map[string]string{"pl-0": "plugin-a", "pl-1": "plugin-a", "pl-2": "plugin-b"} {
		h := newHost(name)
		h.Labels = map[string]string{"rack": rack}
		if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	kb := pluginCLI{kubectl: kubectlBin, pluginDir: pluginDir, kubeconfig: srv.Kubeconfig, home: home}

	t.Run("kubectl finds the plugin", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, kubectlBin, "plugin", "list", "--name-only")
		cmd.Env = kb.command(ctx, nil).Env
		out, err := cmd.Output() // stderr warns about unreadable PATH entries; irrelevant here
		if err != nil || !strings.Contains(string(out), "kubectl-baremetal") {
			t.Errorf("kubectl plugin list: %v\n%s", err, out)
		}
		if out := kb.ok(t, "--help"); !strings.Contains(out, "kubectl baremetal [command]") {
			t.Errorf("help does not present the plugin as kubectl baremetal:\n%s", out)
		}
	})

	t.Run("power off, status and on", func(t *testing.T) {
		if out := kb.ok(t, "power", "off", "pl-0", "pl-1"); out != "pl-0: power off requested\npl-1: power off requested\n" {
			t.Errorf("power off printed:\n%s", out)
		}
		for _, name := range []string{"pl-0", "pl-1"} {
			if h, err := hosts.Get(ctx, name, metav1.GetOptions{}); err != nil || h.Spec.Online {
				t.Errorf("%s after power off: online=%v err=%v", name, h.Spec.Online, err)
			}
		}
		// Nothing registered the host, so the observed power is unknown and the change pending.
		out := kb.ok(t, "power", "status", "pl-0")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME DESIRED OBSERVED PENDING SINCE MESSAGE" ||
			strings.Join(strings.Fields(lines[1]), " ") != "pl-0 Off <unknown> true <none> <none>" {
			t.Errorf("power status:\n%s", out)
		}
		if out := kb.ok(t, "power", "off", "pl-0"); out != "pl-0: power already set to off\n" {
			t.Errorf("second power off printed %q", out)
		}
		kb.ok(t, "power", "on", "pl-0")
		if h, err := hosts.Get(ctx, "pl-0", metav1.GetOptions{}); err != nil || !h.Spec.Online {
			t.Errorf("pl-0 after power on: online=%v err=%v", h.Spec.Online, err)
		}
		// The power subresource recorded the plugin as the manager of spec.online.
		h, _ := hosts.Get(ctx, "pl-0", metav1.GetOptions{})
		managed := false
		for _, mf := range h.ManagedFields {
			managed = managed || (mf.Manager == "kubectl-baremetal" && mf.Subresource == "power")
		}
		if !managed {
			t.Errorf("managedFields do not name kubectl-baremetal on the power subresource: %+v", h.ManagedFields)
		}
	})

	t.Run("server dry run changes nothing", func(t *testing.T) {
		before, _ := hosts.Get(ctx, "pl-0", metav1.GetOptions{})
		if out := kb.ok(t, "power", "off", "pl-0", "--dry-run=server"); out != "pl-0: power off requested (server dry run)\n" {
			t.Errorf("dry-run power off printed %q", out)
		}
		after, _ := hosts.Get(ctx, "pl-0", metav1.GetOptions{})
		if !after.Spec.Online || after.ResourceVersion != before.ResourceVersion {
			t.Errorf("dry run wrote the host: online=%v rv %s -> %s", after.Spec.Online, before.ResourceVersion, after.ResourceVersion)
		}
	})

	t.Run("reboot of an unregistered host is refused with the reason", func(t *testing.T) {
		res := kb.fails(t, "error: host default/pl-0: cannot reboot: the host is not registered yet", "reboot", "pl-0")
		if res.code != 1 || res.stdout != "" {
			t.Errorf("refused reboot: %s", res)
		}
		kb.fails(t, "error: host default/pl-0: cannot inspect: the host is not registered yet", "inspect", "pl-0")
	})

	t.Run("missing host", func(t *testing.T) {
		kb.fails(t, "error: host default/missing not found", "power", "status", "missing")
		kb.fails(t, "error: host default/missing not found", "wait", "missing", "--for=state=provisioned")
		// Several hosts: each is reported, and one failure fails the run.
		res := kb.fails(t, "error: host default/missing not found", "power", "on", "pl-0", "missing")
		if res.code != 1 || res.stdout != "pl-0: power already set to on\n" {
			t.Errorf("mixed hosts: %s", res)
		}
	})

	// The test plays the reconciler: pl-0 registered, available and powered on.
	h, err := hosts.Get(ctx, "pl-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.Status.Provisioning.State = v1alpha1.StateAvailable
	h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	h.Status.PoweredOn = true
	if _, err := hosts.UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("reboot and inspect of an available host are accepted", func(t *testing.T) {
		if out := kb.ok(t, "reboot", "--hard", "pl-0"); out != "pl-0: hard reboot accepted\n" {
			t.Errorf("reboot printed %q", out)
		}
		h, _ := hosts.Get(ctx, "pl-0", metav1.GetOptions{})
		if v := h.Annotations[v1alpha1.RebootAnnotationPrefix+"/baremetal-api"]; !strings.Contains(v, "hard") {
			t.Errorf("reboot not recorded: annotations %v", h.Annotations)
		}
		if out := kb.ok(t, "reboot", "pl-0", "--dry-run=server"); out != "pl-0: soft reboot accepted (server dry run)\n" {
			t.Errorf("dry-run reboot printed %q", out)
		}
		if out := kb.ok(t, "inspect", "pl-0"); out != "pl-0: inspection accepted\n" {
			t.Errorf("inspect printed %q", out)
		}
		if in, err := hosts.GetInspection(ctx, "pl-0", metav1.GetOptions{}); err != nil || in.Status.State != v1alpha1.InspectionPending {
			t.Errorf("after inspect: %v %v", in.Status.State, err)
		}
	})

	t.Run("list", func(t *testing.T) {
		// The server's table (kubectl get's columns); empty cells collapse when split on
		// whitespace, and AGE, last, is left out.
		out := kb.ok(t, "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "NAME STATE CONSUMER ONLINE ERROR AGE" {
			t.Fatalf("list:\n%s", out)
		}
		for i, want := range []string{"pl-0 available true", "pl-1 false", "pl-2 true"} {
			fields := strings.Fields(lines[i+1])
			if got := strings.Join(fields[:len(fields)-1], " "); got != want {
				t.Errorf("row %d = %q, want %q", i+1, got, want)
			}
		}
		// -o wide: the power read from the BMC, unknown for a host nothing registered.
		out = kb.ok(t, "list", "-o", "wide", "-l", "rack=plugin-a")
		lines = strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.Contains(lines[0], "POWERED") ||
			!strings.Contains(lines[1], "redfish+https://192.0.2.10/redfish/v1/Systems/1") || !strings.HasSuffix(strings.TrimSpace(lines[1]), " On") ||
			!strings.HasPrefix(lines[2], "pl-1 ") || !strings.HasSuffix(strings.TrimSpace(lines[2]), " <unknown>") {
			t.Errorf("list -o wide -l rack=plugin-a:\n%s", out)
		}
		if out := kb.ok(t, "list", "-A"); !strings.HasPrefix(out, "NAMESPACE") || !strings.Contains(out, "default") {
			t.Errorf("list -A:\n%s", out)
		}
		// The formats that print the hosts themselves.
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"-o", "name", "-l", "rack=plugin-a"}, "baremetalhost.baremetal.metal3.io/pl-0\nbaremetalhost.baremetal.metal3.io/pl-1\n"},
			{[]string{"-o", "jsonpath={.items[*].metadata.name}"}, "pl-0 pl-1 pl-2"},
			{[]string{"-o", "custom-columns=NAME:.metadata.name,RACK:.metadata.labels.rack,ONLINE:.spec.online", "--no-headers"},
				"pl-0   plugin-a   true\npl-1   plugin-a   false\npl-2   plugin-b   true\n"},
		} {
			if out := kb.ok(t, append([]string{"list"}, tc.args...)...); out != tc.want {
				t.Errorf("list %s printed %q, want %q", strings.Join(tc.args, " "), out, tc.want)
			}
		}
	})

	t.Run("wait", func(t *testing.T) {
		// Without a reconciler nothing reads the BMC: a wait for the observed power times out,
		// saying what it saw.
		start := time.Now()
		res := kb.fails(t, "error: timed out after 5s waiting for pl-1 power=Off (power <unknown>)", "wait", "pl-1", "--for=power=Off", "--timeout=5s")
		if d := time.Since(start); d < 5*time.Second || d > time.Minute {
			t.Errorf("wait --timeout=5s took %s", d)
		}
		if !strings.Contains(res.stdout, "pl-1: power <unknown> (waiting for power=Off, timeout 5s)") {
			t.Errorf("wait printed no progress line:\n%s", res.stdout)
		}
		// A condition that already holds returns at once.
		if out := kb.ok(t, "wait", "pl-0", "--for=state=available"); out != "pl-0: state available\n" {
			t.Errorf("wait for the current state printed %q", out)
		}
		if out := kb.ok(t, "wait", "pl-0", "--for=power=On", "--timeout=10s"); out != "pl-0: power On\n" {
			t.Errorf("wait for the current power printed %q", out)
		}

		// A change seen through the watch: the test moves pl-0 to provisioning, then provisioned.
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var out, errOut framework.SyncBuffer
		cmd := kb.command(wctx, nil, "wait", "pl-0", "--for=state=provisioned", "--timeout=50s")
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(out.String(), "waiting for state=provisioned") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		// The first line is printed from the first event of the plugin's informer, whose watch
		// starts from the resourceVersion it listed: every change after that line is seen.
		for _, st := range []v1alpha1.ProvisioningState{v1alpha1.StateProvisioning, v1alpha1.StateProvisioned} {
			h, err := hosts.Get(ctx, "pl-0", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h.Status.Provisioning.State = st
			if _, err := hosts.UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		err := cmd.Wait()
		t.Logf("wait --for=state=provisioned:\n%s%s", out.String(), errOut.String())
		if err != nil {
			t.Fatalf("wait --for=state=provisioned: %v\n%s%s", err, out.String(), errOut.String())
		}
		for _, want := range []string{"pl-0: state available (waiting for state=provisioned, timeout 50s)", "pl-0: available -> provisioning (", "pl-0: provisioning -> provisioned ("} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("wait output lacks %q:\n%s", want, out.String())
			}
		}
	})

	t.Run("kubeconfig, namespace and context flags", func(t *testing.T) {
		// --kubeconfig after the plugin name, with $KUBECONFIG pointing nowhere.
		res := kb.runEnv(t, []string{"KUBECONFIG=" + filepath.Join(home, "absent")}, "power", "status", "pl-2", "--kubeconfig", srv.Kubeconfig)
		if res.code != 0 || !strings.Contains(res.stdout, "pl-2") {
			t.Errorf("--kubeconfig: %s", res)
		}
		kb.fails(t, "error: host elsewhere/pl-0 not found", "-n", "elsewhere", "reboot", "pl-0")
		kb.fails(t, `context was not found for specified context: nope`, "list", "--context", "nope")
		res = kb.run(t, "list", "-n", "elsewhere")
		if res.code != 0 || res.stdout != "" || !strings.Contains(res.stderr, "No resources found in namespace elsewhere") {
			t.Errorf("list in an empty namespace: %s", res)
		}
	})
}
