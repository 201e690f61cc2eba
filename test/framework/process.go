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
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Process is a child process started by a test, with its output kept for failure reports.
type Process struct {
	Name string

	cmd    *exec.Cmd
	done   chan struct{}
	output *SyncBuffer
}

// dieWithTest makes the kernel kill cmd when the test binary dies, so a test killed by its
// timeout or by hand leaves no server behind to hold ports, sessions with simulated BMCs or
// an Ironic node (a leftover server reconciling its own hosts was once a suspect for a
// benchmark's power action that never arrived).
func dieWithTest(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// StartProcess starts binary with args; it does not wait for readiness.
func StartProcess(name, binary string, args ...string) (*Process, error) {
	p := &Process{Name: name, output: &SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	dieWithTest(p.cmd)
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// PID is the process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Output is what the process printed so far.
func (p *Process) Output() string { return p.output.String() }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the process (by PID) and waits; after timeout it sends SIGKILL.
func (p *Process) Stop(timeout time.Duration) error {
	if p == nil || p.cmd.Process == nil || p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s (pid %d) did not stop within %s after SIGTERM", p.Name, p.PID(), timeout)
	}
}

// WaitHTTPSOK polls url (verified against caPEM, or unverified when caPEM is nil) until it
// answers 200, the process exits, or timeout passes.
func (p *Process) WaitHTTPSOK(url string, caPEM []byte, timeout time.Duration) error {
	tlsCfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only for readiness probes of a loopback process
	if caPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		tlsCfg = &tls.Config{RootCAs: pool}
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if p.Exited() {
			return false, errors.New(p.Name + " exited")
		}
		resp, err := client.Get(url)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %s not ready (last: %s): %w", p.Name, url, last, err)
	}
	return nil
}

// SaveLog writes a process's output to $TEST_LOG_DIR/<name>.log when TEST_LOG_DIR is set, so
// that CI can keep the logs of passing runs too. Failing tests print them regardless.
func SaveLog(t testing.TB, name, output string) {
	dir := os.Getenv("TEST_LOG_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("saving %s log: %v", name, err)
		return
	}
	p := filepath.Join(dir, name+".log")
	if err := os.WriteFile(p, []byte(output), 0o644); err != nil {
		t.Logf("saving %s log: %v", name, err)
	}
}

// Kill stops the process at once (SIGKILL), as a crash would, and waits for it to exit.
func (p *Process) Kill() {
	if p == nil || p.cmd.Process == nil || p.Exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}
