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
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
)

// Server is a baremetal-apiserver process started by a test.
type Server struct {
	Binary     string
	DataDir    string
	Port       int
	Kubeconfig string
	ExtraArgs  []string
	// Delegated runs the server with --standalone=false: behind a kube-apiserver, which
	// authenticates, authorizes and admits for it. No admin kubeconfig is written then.
	Delegated bool

	cmd  *exec.Cmd
	done chan struct{}
	// killed is set by Kill: the non-zero exit it causes is expected.
	killed bool
	output *SyncBuffer
}

// SyncBuffer collects a background process's output while a test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartStandalone starts the server standalone on an embedded etcd in dataDir and waits until
// it is ready. The test's cleanup stops it.
func StartStandalone(t testing.TB, binary, dataDir string, extraArgs ...string) *Server {
	t.Helper()
	s, err := StartStandaloneE(t, binary, dataDir, extraArgs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// StartStandaloneE is StartStandalone returning its error instead of failing the test, for
// callers that start several servers from goroutines (t.Fatal belongs to the test's own).
func StartStandaloneE(t testing.TB, binary, dataDir string, extraArgs ...string) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Binary: binary, DataDir: dataDir, Port: port, Kubeconfig: filepath.Join(dataDir, "kubeconfig"), ExtraArgs: extraArgs}
	if err := s.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := s.Stop(30 * time.Second); err != nil {
			t.Errorf("stopping server: %v", err)
		}
		if t.Failed() {
			t.Logf("server output:\n%s", s.output.String())
		}
	})
	if err := s.WaitReady(90 * time.Second); err != nil {
		return nil, fmt.Errorf("%w\nserver output:\n%s", err, s.output.String())
	}
	return s, nil
}

// Start starts the process; it does not wait for readiness.
func (s *Server) Start() error {
	mode := "--standalone"
	if s.Delegated {
		mode = "--standalone=false"
	} else {
		// A kubeconfig left by an earlier run must not be mistaken for readiness.
		_ = os.Remove(s.Kubeconfig)
	}
	args := append([]string{
		mode,
		"--data-dir", s.DataDir,
		"--secure-port", strconv.Itoa(s.Port),
		"--bind-address", "127.0.0.1",
	}, s.ExtraArgs...)
	s.cmd = exec.Command(s.Binary, args...)
	dieWithTest(s.cmd)
	s.killed = false
	if s.output == nil {
		s.output = &SyncBuffer{}
	}
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	return nil
}

// WaitReady waits for the kubeconfig to be written and /readyz to answer ok.
func (s *Server) WaitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		select {
		case <-s.done:
			return false, errors.New("server exited before it was ready")
		default:
		}
		if _, err := os.Stat(s.Kubeconfig); err != nil && !s.Delegated {
			return false, nil
		}
		resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/readyz", s.Port))
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("server on port %d not ready: %w", s.Port, err)
	}
	return nil
}

// Stop sends SIGTERM and waits for a clean exit; it kills the process after timeout.
func (s *Server) Stop(timeout time.Duration) error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.done:
		if s.killed {
			return nil
		}
		return exitError(s.cmd)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return exitError(s.cmd)
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("server did not stop within %s after SIGTERM", timeout)
	}
}

func exitError(cmd *exec.Cmd) error {
	if cmd.ProcessState != nil && !cmd.ProcessState.Success() {
		return fmt.Errorf("server exited with %s", cmd.ProcessState)
	}
	return nil
}

// Kill stops the server at once (SIGKILL), as a crash would, and waits for it to exit.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.killed = true
}

// WaitExit waits for the process to exit by itself (a server that refuses to start) and
// returns its exit error, nil for a clean exit; after timeout it kills the process.
func (s *Server) WaitExit(timeout time.Duration) error {
	select {
	case <-s.done:
		return exitError(s.cmd)
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("server still running after %s", timeout)
	}
}

// Dump makes the server print every goroutine's stack to its output and exit (SIGQUIT), for
// a test that finds it stuck; it waits for the exit.
func (s *Server) Dump() {
	if !s.Running() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.killed = true
}

// Goroutines reads every goroutine's stack from the server's profiling endpoint
// (/debug/pprof/goroutine?debug=2, the admin may read it), without stopping it.
func (s *Server) Goroutines(ctx context.Context) (string, error) {
	cfg, err := s.RESTConfig()
	if err != nil {
		return "", err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	b, err := cs.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/goroutine").Param("debug", "2").DoRaw(ctx)
	return string(b), err
}

// PID is the server's process ID.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Running reports whether the server's process is alive.
func (s *Server) Running() bool {
	if s.cmd == nil || s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Output is what the server printed so far.
func (s *Server) Output() string { return s.output.String() }

// RSSKiB reads the server's resident set size from /proc.
func (s *Server) RSSKiB() (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// RESTConfig loads the admin kubeconfig the server wrote.
func (s *Server) RESTConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		return nil, err
	}
	// client-go's default of 5 requests/s would make the tests, not the server, the
	// bottleneck of anything that creates hosts by the hundred.
	cfg.QPS, cfg.Burst = 1000, 2000
	return cfg, nil
}

// Clientset returns a generated clientset for the server's admin.
func (s *Server) Clientset(t testing.TB) *clientset.Clientset {
	t.Helper()
	cfg, err := s.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := clientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Kubectl runs kubectl against the server and returns its combined output.
func (s *Server) Kubectl(t testing.TB, kubectl string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
	// Keep kubectl's caches out of the user's home.
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+filepath.Join(s.DataDir, "kubectl-cache"), "HOME="+s.DataDir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
