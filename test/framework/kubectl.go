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

package framework

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Kubectl runs a kubectl binary with one kubeconfig, with its caches and home kept in a
// directory of the test.
type Kubectl struct {
	Binary     string
	Kubeconfig string
	// Home holds kubectl's discovery and HTTP caches (KUBECACHEDIR) and stands in for $HOME.
	Home string
	// Timeout bounds each invocation; a minute when zero. An invocation given kubectl's own
	// --timeout is allowed that long and half a minute more, so kubectl reports its own timeout.
	Timeout time.Duration
}

// Command returns the command for args, bound to ctx, with the kubeconfig and environment set.
func (k Kubectl) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.Binary, append([]string{"--kubeconfig", k.Kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+filepath.Join(k.Home, "cache"), "HOME="+k.Home, "KUBECONFIG=")
	return cmd
}

// Exec runs kubectl with stdin (may be empty) and returns stdout and stderr separately.
func (k Kubectl) Exec(stdin string, args ...string) (stdout, stderr string, err error) {
	timeout := k.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	if own := kubectlTimeout(args); own+30*time.Second > timeout {
		timeout = own + 30*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := k.Command(ctx, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("kubectl %s: timed out after %s: %w", strings.Join(args, " "), timeout, err)
	}
	return out.String(), errOut.String(), err
}

// Run runs kubectl and fails the test when it fails; it returns stdout.
func (k Kubectl) Run(t testing.TB, args ...string) string {
	t.Helper()
	return k.RunStdin(t, "", args...)
}

// RunStdin is Run with stdin.
func (k Kubectl) RunStdin(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := k.Exec(stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// kubectlTimeout is the value of kubectl's --timeout flag in args, zero when absent or unparsed.
func kubectlTimeout(args []string) time.Duration {
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--timeout=")
		if !ok && a == "--timeout" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return 0
			}
			return d
		}
	}
	return 0
}
