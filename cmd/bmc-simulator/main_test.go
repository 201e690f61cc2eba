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

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stmcginnis/gofish"
)

// TestMain lets the test binary stand in for the command, so the signal
// test runs the real main without a separate build.
func TestMain(m *testing.M) {
	if args := os.Getenv("BMC_SIMULATOR_ARGS"); args != "" {
		os.Args = append([]string{"bmc-simulator"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockedBuffer is a log sink shared with the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startRun runs the command in-process and returns its first n stdout lines
// and a stop function that cancels it and returns run's error.
func startRun(t *testing.T, n int, args ...string) ([]string, *lockedBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, logs)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	var lines []string
	sc := bufio.NewScanner(pr)
	for len(lines) < n && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < n {
		cancel()
		t.Fatalf("got %d lines %v, want %d; logs:\n%s; err %v", len(lines), lines, n, logs, <-done)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return lines, logs, stop
}

var addrPattern = regexp.MustCompile(`^redfish\+(https?)://127\.0\.0\.1:(\d+)/redfish/v1/Systems/(\S+)$`)

func endpoint(t *testing.T, addr string) string {
	t.Helper()
	m := addrPattern.FindStringSubmatch(addr)
	if m == nil {
		t.Fatalf("address %q is not in BareMetalHost form", addr)
	}
	return m[1] + "://127.0.0.1:" + m[2]
}

func TestRunServesAndStops(t *testing.T) {
	lines, logs, stop := startRun(t, 3, "--listen", "127.0.0.1:0", "--systems", "3", "--seed", "5",
		"--power-delay", "0", "--password", "hunter2")
	for i, l := range lines {
		if m := addrPattern.FindStringSubmatch(l); m == nil || m[1] != "http" || m[3] != fmt.Sprint(i+1) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
	c, err := gofish.Connect(gofish.ClientConfig{Endpoint: endpoint(t, lines[0]), Username: "admin", Password: "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	systems, err := c.Service.Systems()
	if err != nil || len(systems) != 3 {
		t.Fatalf("systems = %d, %v", len(systems), err)
	}
	c.Logout()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Fatal("the password reached the logs")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("logs do not show a clean stop:\n%s", logs)
	}
}

func TestRunConfigAndCredentialsFiles(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sim.yaml")
	credPath := filepath.Join(dir, "creds.yaml")
	certPath := filepath.Join(dir, "ca.pem")
	writeFile(t, cfgPath, `
count: 2
seed: 9
tls: true
listen: 127.0.0.1:8999
sessionLimit: 3
systems:
  - id: "2"
    powerState: On
    faults:
      latency: 1ms
`)
	writeFile(t, credPath, `
username: fleet
password: fleet-pass
systems:
  "2": {username: two, password: two-pass}
`)
	// --listen on the command line wins over the file's.
	lines, logs, stop := startRun(t, 2, "--config", cfgPath, "--credentials-file", credPath, "--listen", "127.0.0.1:0", "--cert-out", certPath)
	if !strings.HasPrefix(lines[0], "redfish+https://") || strings.Contains(lines[0], ":8999/") {
		t.Fatalf("address = %s", lines[0])
	}
	pem, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("--cert-out wrote no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	c, err := gofish.Connect(gofish.ClientConfig{Endpoint: endpoint(t, lines[1]), Username: "two", Password: "two-pass", HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	systems, err := c.Service.Systems()
	if err != nil || len(systems) != 1 || systems[0].ID != "2" || systems[0].PowerState != "On" {
		t.Fatalf("system 2's credentials see %v, %v", systems, err)
	}
	c.Logout()
	if _, err := gofish.Connect(gofish.ClientConfig{Endpoint: endpoint(t, lines[0]), Username: "fleet", Password: "fleet-pass", Insecure: true, BasicAuth: true}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"fleet-pass", "two-pass"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("%s reached the logs", secret)
		}
	}
}

func TestRunPortPerSystem(t *testing.T) {
	lines, _, stop := startRun(t, 3, "--listen", "127.0.0.1:0", "--systems", "3", "--port-per-system")
	ports := map[string]bool{}
	for i, l := range lines {
		ep := endpoint(t, l)
		ports[ep] = true
		c, err := gofish.Connect(gofish.ClientConfig{Endpoint: ep, Username: "admin", Password: "password", BasicAuth: true})
		if err != nil {
			t.Fatal(err)
		}
		systems, err := c.Service.Systems()
		if err != nil || len(systems) != 1 || systems[0].ID != fmt.Sprint(i+1) {
			t.Fatalf("%s serves %v, %v", ep, systems, err)
		}
	}
	if len(ports) != 3 {
		t.Fatalf("ports = %v", ports)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "count: 2\npowerDelai: 1s\n")
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"extra-arg"},
		{"--config", filepath.Join(dir, "missing.yaml")},
		{"--config", bad},
		{"--systems", "-1"},
		{"--cert-out", filepath.Join(dir, "c.pem"), "--listen", "127.0.0.1:0"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("run %v succeeded", args)
		}
	}
}

// TestSignalStopsCleanly runs the real main in a child process and stops it
// with SIGTERM.
func TestSignalStopsCleanly(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BMC_SIMULATOR_ARGS=--listen 127.0.0.1:0 --systems 2")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 2 {
		_ = cmd.Process.Kill()
		t.Fatalf("child printed %v; stderr:\n%s", lines, stderr.String())
	}
	resp, err := http.Get(endpoint(t, lines[0]) + "/redfish/v1/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("service root: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("no exit within 10s of SIGTERM")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRunMockup serves a capture of a real BMC: its system under its captured id, whatever
// --systems defaults to; --systems given with --mockup is an error.
func TestRunMockup(t *testing.T) {
	dir := "../../../shared/redfish-mockups/hpe-csm/Gigabyte"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Redfish mockups not readable at %s: %v", dir, err)
	}
	lines, _, stop := startRun(t, 1, "--listen", "127.0.0.1:0", "--mockup", dir)
	if !strings.HasSuffix(lines[0], "/redfish/v1/Systems/Self") {
		t.Fatalf("line %q, want the capture's system Self", lines[0])
	}
	c, err := gofish.Connect(gofish.ClientConfig{Endpoint: endpoint(t, lines[0]), Username: "admin", Password: "password"})
	if err != nil {
		t.Fatal(err)
	}
	systems, err := c.Service.Systems()
	if err != nil || len(systems) != 1 || systems[0].Manufacturer != "GIGABYTE" {
		t.Fatalf("systems %v, %v", systems, err)
	}
	c.Logout()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := run(context.Background(), []string{"--mockup", dir, "--systems", "2"}, io.Discard, io.Discard); err == nil {
		t.Error("--systems with --mockup accepted")
	}
}
