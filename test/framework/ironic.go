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
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// ironicConfTemplate is Ironic's configuration for tests; see the file for the keys.
//
//go:embed testdata/ironic.conf.tmpl
var ironicConfTemplate string

// IronicOptions change how StartIronicWithOptions configures Ironic.
type IronicOptions struct {
	// AutomatedClean turns on automated cleaning ([conductor]automated_clean). Off by
	// default: fake-hardware cleans in no time either way, but real drivers would need the
	// agent ramdisk.
	AutomatedClean bool
	// Debug turns on Ironic's debug logging.
	Debug bool
	// SushyStandardRegistries runs Ironic with a sushy that has its standard_registries
	// directory. Debian 12's python3-sushy (4.3.3-1) ships without it, and sushy fails
	// with FileNotFoundError wherever it combines registries: Ironic then reads no BIOS
	// attribute registry (GET /v1/nodes/{node}/bios?detail=true has no types, Booleans
	// read "1"/"0") and cannot poll a Redfish firmware update's task, so update_firmware
	// never ends (clean wait until [conductor]clean_callback_timeout). With this set, the
	// process imports a copy of the package made of links to Debian's files plus an empty
	// standard_registries directory (no files of the system are changed); sushy then reads
	// the BMC's own registries as upstream sushy does.
	SushyStandardRegistries bool
}

// Ironic is a single-process OpenStack Ironic (API and conductor in one `ironic`
// process, no RPC, noauth, sqlite) started by a test on a free 127.0.0.1 port, with every
// path in its own directory.
type Ironic struct {
	// Endpoint is the API root, http://127.0.0.1:<Port>.
	Endpoint string
	Port     int
	// Dir holds the configuration, the database, logs and state.
	Dir        string
	ConfigFile string
	// LogFile is Ironic's own log (what it prints to stderr is kept separately).
	LogFile string
	// StartDuration is how long the last start took until GET /v1/drivers listed
	// fake-hardware.
	StartDuration time.Duration

	t testing.TB
	// pythonPath is put first on the process's PYTHONPATH (see SushyStandardRegistries).
	pythonPath string
	mu         sync.Mutex
	cmd        *exec.Cmd
	done       chan struct{}
	output     *SyncBuffer
}

// Ironic install and schema state, shared by every Ironic of a test binary.
var (
	ironicInstallOnce sync.Once
	ironicInstallErr  error
	// IronicInstallDuration is how long installing Ironic took in this test binary; zero
	// when it was installed already.
	IronicInstallDuration time.Duration

	ironicSchemaOnce    sync.Once
	ironicSchemaLogOnce sync.Once
	ironicSchema        []byte
	ironicSchemaErr     error
	// IronicSchemaDuration is how long creating the database schema took (once per test
	// binary; each Ironic gets a copy).
	IronicSchemaDuration time.Duration
)

const (
	ironicInstallTimeout = 15 * time.Minute
	ironicReadyTimeout   = 90 * time.Second
	ironicStopTimeout    = 15 * time.Second
)

// StartIronic starts an Ironic for the test and stops it in the test's cleanup. When the
// `ironic` command is missing it is installed first if the test runs as root (Debian's
// packages, through hack/install-ironic.sh); otherwise the test fails with instructions,
// or is skipped when CI is not "true".
func StartIronic(t testing.TB) *Ironic {
	return StartIronicWithOptions(t, IronicOptions{})
}

// StartIronicWithOptions is StartIronic with options.
func StartIronicWithOptions(t testing.TB, opts IronicOptions) *Ironic {
	t.Helper()
	RequireIronic(t)
	schema, err := ironicSchemaFile()
	if err != nil {
		t.Fatalf("creating the Ironic database schema: %v", err)
	}
	ironicSchemaLogOnce.Do(func() {
		t.Logf("Ironic database schema created in %s (once per test binary)", IronicSchemaDuration.Round(time.Millisecond))
	})
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	i := &Ironic{
		Endpoint:   fmt.Sprintf("http://127.0.0.1:%d", port),
		Port:       port,
		Dir:        dir,
		ConfigFile: filepath.Join(dir, "ironic.conf"),
		LogFile:    filepath.Join(dir, "log", "ironic.log"),
		t:          t,
		output:     &SyncBuffer{},
	}
	if err := i.writeFiles(opts, schema); err != nil {
		t.Fatal(err)
	}
	if opts.SushyStandardRegistries {
		if err := i.overlaySushy(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := i.Stop(); err != nil {
			t.Errorf("stopping Ironic: %v", err)
		}
		if t.Failed() {
			t.Logf("Ironic output:\n%s\nIronic log (tail):\n%s", i.output.String(), i.LogTail(60))
		}
	})
	if err := i.start(); err != nil {
		t.Fatalf("%v\nIronic output:\n%s\nIronic log (tail):\n%s", err, i.output.String(), i.LogTail(60))
	}
	t.Logf("Ironic %s started in %s (pid %d)", i.Endpoint, i.StartDuration.Round(time.Millisecond), i.PID())
	return i
}

// RequireIronic makes sure the `ironic` command exists, installing it when missing and
// running as root. Otherwise it fails the test with instructions, or skips it when CI is
// not "true" (a developer machine without Ironic).
func RequireIronic(t testing.TB) {
	t.Helper()
	ironicInstallOnce.Do(func() { ironicInstallErr = installIronic() })
	if ironicInstallErr == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Ironic is required: %v", ironicInstallErr)
	}
	t.Skipf("Ironic is not available (set CI=true to make this a failure): %v", ironicInstallErr)
}

// installIronic runs hack/install-ironic.sh when `ironic` is missing; the script
// serializes concurrent installs with a lock file and is bounded by a timeout.
func installIronic() error {
	if _, err := exec.LookPath("ironic"); err == nil {
		return nil
	}
	script := filepath.Join(RepoRoot(), "hack", "install-ironic.sh")
	if os.Geteuid() != 0 {
		return fmt.Errorf("the `ironic` command is missing and installing it needs root; run %s as root "+
			"(apt-get install ironic-api ironic-conductor on Debian 12)", script)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ironicInstallTimeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = append(os.Environ(), "IRONIC_INSTALL_TIMEOUT="+strconv.Itoa(int(ironicInstallTimeout.Seconds())))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(os.Stderr, "framework: installing Ironic with %s (takes about 2 minutes)\n", script)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w\n%s", script, err, ironicTail(out.String(), 30))
	}
	if _, err := exec.LookPath("ironic"); err != nil {
		return fmt.Errorf("%s succeeded but `ironic` is still not on PATH", script)
	}
	IronicInstallDuration = time.Since(start)
	fmt.Fprintf(os.Stderr, "framework: Ironic installed in %s\n", IronicInstallDuration.Round(time.Second))
	return nil
}

// ironicSchemaFile returns a freshly created, empty Ironic database. The schema is created
// once per test binary (create_schema: `upgrade` fails on sqlite) and kept in memory; every
// Ironic starts from a copy, which is much faster than creating it again.
func ironicSchemaFile() ([]byte, error) {
	ironicSchemaOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ironic-schema-")
		if err != nil {
			ironicSchemaErr = err
			return
		}
		defer os.RemoveAll(dir)
		conf := filepath.Join(dir, "ironic.conf")
		data := fmt.Sprintf("[DEFAULT]\nlog_dir = %s\n[database]\nconnection = sqlite:///%s\n", dir, filepath.Join(dir, "ironic.sqlite"))
		if err := os.WriteFile(conf, []byte(data), 0o600); err != nil {
			ironicSchemaErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		out, err := exec.CommandContext(ctx, "ironic-dbsync", "--config-file", conf, "create_schema").CombinedOutput()
		if err != nil {
			ironicSchemaErr = fmt.Errorf("ironic-dbsync create_schema: %w\n%s", err, ironicTail(string(out), 30))
			return
		}
		IronicSchemaDuration = time.Since(start)
		ironicSchema, ironicSchemaErr = os.ReadFile(filepath.Join(dir, "ironic.sqlite"))
	})
	return ironicSchema, ironicSchemaErr
}

// writeFiles lays out the directory: config, database copy and the paths Ironic writes.
func (i *Ironic) writeFiles(opts IronicOptions, schema []byte) error {
	for _, sub := range []string{"log", "state", "tmp", "httpboot", "tftpboot/master_images", "lock"} {
		if err := os.MkdirAll(filepath.Join(i.Dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(i.Dir, "ironic.sqlite"), schema, 0o600); err != nil {
		return err
	}
	tmpl, err := template.New("ironic.conf").Option("missingkey=error").Parse(ironicConfTemplate)
	if err != nil {
		return err
	}
	var conf bytes.Buffer
	err = tmpl.Execute(&conf, map[string]any{
		"Dir":            i.Dir,
		"Port":           i.Port,
		"Debug":          opts.Debug,
		"AutomatedClean": opts.AutomatedClean,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(i.ConfigFile, conf.Bytes(), 0o600)
}

// start starts the process and waits until it serves fake-hardware. A single `ironic`
// answers GET / about 2 s after start, before its conductor registered the hardware types
// (POST /v1/nodes would then fail), so readiness is the driver list.
func (i *Ironic) start() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	begin := time.Now()
	cmd := exec.Command("ironic", "--config-file", i.ConfigFile)
	cmd.Dir = i.Dir
	if i.pythonPath != "" {
		path := i.pythonPath
		if prev := os.Getenv("PYTHONPATH"); prev != "" {
			path += string(os.PathListSeparator) + prev
		}
		cmd.Env = append(os.Environ(), "PYTHONPATH="+path)
	}
	cmd.Stdout, cmd.Stderr = i.output, i.output
	// Its own process group, so that Stop reaches any helper it forks (ipmitool, ...);
	// and killed with the test binary should that die without cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting ironic: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	i.cmd, i.done = cmd, done

	client := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), ironicReadyTimeout)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		select {
		case <-done:
			return false, fmt.Errorf("ironic exited (%s) before it was ready", cmd.ProcessState)
		default:
		}
		resp, err := client.Get(i.Endpoint + "/v1/drivers")
		if err != nil {
			last = err.Error()
			return false, nil
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte(`"fake-hardware"`)), nil
	})
	if err != nil {
		i.stopLocked(syscall.SIGKILL)
		return fmt.Errorf("Ironic on port %d not ready after %s (last: %s): %w", i.Port, time.Since(begin).Round(time.Millisecond), last, err)
	}
	i.StartDuration = time.Since(begin)
	return nil
}

// Stop stops Ironic (SIGTERM to its process group, SIGKILL after a timeout). The database
// stays, so Restart brings the same nodes back.
func (i *Ironic) Stop() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stopLocked(syscall.SIGTERM)
}

// Kill kills Ironic at once (SIGKILL), as a crash would.
func (i *Ironic) Kill() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stopLocked(syscall.SIGKILL)
}

func (i *Ironic) stopLocked(sig syscall.Signal) error {
	if i.cmd == nil || i.cmd.Process == nil {
		return nil
	}
	select {
	case <-i.done:
		return nil
	default:
	}
	pid := i.cmd.Process.Pid
	// The group's ID is the PID of the process this harness started.
	_ = syscall.Kill(-pid, sig)
	select {
	case <-i.done:
		return nil
	case <-time.After(ironicStopTimeout):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-i.done
		return fmt.Errorf("ironic (pid %d) did not stop within %s after %s", pid, ironicStopTimeout, sig)
	}
}

// Restart stops Ironic and starts it again on the same port and database.
func (i *Ironic) Restart() error {
	if err := i.Stop(); err != nil {
		return err
	}
	if err := i.start(); err != nil {
		return fmt.Errorf("%w\nIronic log (tail):\n%s", err, i.LogTail(40))
	}
	return nil
}

// Running reports whether the process is alive.
func (i *Ironic) Running() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.cmd == nil {
		return false
	}
	select {
	case <-i.done:
		return false
	default:
		return true
	}
}

// PID is the process ID of the running Ironic, 0 when stopped.
func (i *Ironic) PID() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.cmd == nil || i.cmd.Process == nil {
		return 0
	}
	return i.cmd.Process.Pid
}

// Output is what Ironic printed to stdout and stderr.
func (i *Ironic) Output() string { return i.output.String() }

// LogTail returns the last n lines of Ironic's log file.
func (i *Ironic) LogTail(n int) string {
	data, err := os.ReadFile(i.LogFile)
	if err != nil {
		return err.Error()
	}
	return ironicTail(string(data), n)
}

// Log returns Ironic's whole log file, e.g. to check that no secret was logged.
func (i *Ironic) Log() (string, error) {
	data, err := os.ReadFile(i.LogFile)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return string(data), err
}

func ironicTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// overlaySushy makes a sushy package under i.Dir/python whose entries link to the installed
// package's, plus the empty standard_registries directory Debian's package lacks, and puts it
// first on Ironic's PYTHONPATH (see IronicOptions.SushyStandardRegistries).
func (i *Ironic) overlaySushy() error {
	// The interpreter Ironic runs on (its script's #!), not whichever python3 is first on
	// PATH.
	python := "python3"
	if bin, err := exec.LookPath("ironic"); err == nil {
		if data, err := os.ReadFile(bin); err == nil {
			first, _, _ := strings.Cut(string(data), "\n")
			if interp, ok := strings.CutPrefix(first, "#!"); ok && strings.TrimSpace(interp) != "" {
				python = strings.Fields(interp)[0]
			}
		}
	}
	out, err := exec.Command(python, "-c", "import os, sushy; print(os.path.dirname(sushy.__file__))").Output()
	if err != nil {
		return fmt.Errorf("locating sushy with %s: %w", python, err)
	}
	src := strings.TrimSpace(string(out))
	dst := filepath.Join(i.Dir, "python", "sushy")
	if err := os.MkdirAll(filepath.Join(dst, "standard_registries"), 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "standard_registries" || e.Name() == "__pycache__" {
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	i.pythonPath = filepath.Dir(dst)
	return nil
}
