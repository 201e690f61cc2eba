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
	"bufio"
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// probeEnv, when set, turns TestEmbeddedEtcdRefusesOtherClients into the other user's side of
// the test: connect to each unix socket it lists (one a line) and report.
const probeEnv = "ETCD_ACCESS_PROBE_SOCKETS"

// probeLine starts each line the probe prints: "<probeLine> <connected|refused: err>\t<path>".
const probeLine = "etcd-access-probe"

// otherUID is who the cross-user probe runs as, when the test runs as root: nobody.
const otherUID = 65534

// TestEmbeddedEtcdRefusesOtherClients: the embedded etcd holds every object, and has no
// authentication of its own, so nobody but the server may reach it. The test is
// that other client: (a) every TCP port the server listens on, other than its secure port, must
// refuse an etcd client (plaintext and TLS) and etcd's /version and /metrics; (b) the server's
// unix sockets must sit in directories only its user can enter, with no abstract sockets (which
// file permissions do not guard); (c) run as root, a process of another user must fail to
// connect to them while it can connect to a socket the test leaves open.
func TestEmbeddedEtcdRefusesOtherClients(t *testing.T) {
	if paths := os.Getenv(probeEnv); paths != "" {
		probeSockets(strings.Split(paths, "\n"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A data dir others may enter, as one made by hand could be: then only the server's own
	// socket directory keeps them out of etcd.
	dataDir := t.TempDir()
	openUp(t, filepath.Dir(dataDir), dataDir)
	if err := os.Mkdir(filepath.Join(dataDir, "etcd"), 0o755); err != nil {
		t.Fatal(err)
	}
	openUp(t, filepath.Join(dataDir, "etcd"))
	// --provisioner=redfish so that the reconciler runs (alone: there is no election on the
	// embedded etcd) and writes through the server: the server's own clients must get through.
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish")
	hosts := srv.Clientset(t).BaremetalV1alpha1().BareMetalHosts(ns)
	if _, err := hosts.Create(ctx, newHost("etcd-access"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		h, err := hosts.Get(ctx, "etcd-access", metav1.GetOptions{})
		return err == nil && h.Status.Provisioning.State != "", nil
	}); err != nil {
		t.Fatalf("the reconciler never wrote the host's status: %v\n%s", err, srv.Output())
	}

	inodes := socketInodes(t, srv.PID())

	t.Run("no TCP port but the secure port lets an etcd client in", func(t *testing.T) {
		ports := tcpListeners(t, srv.PID(), inodes)
		t.Logf("server %d listens on TCP %v", srv.PID(), ports)
		sawSecure := false
		for _, addr := range ports {
			if addr.Port == srv.Port {
				sawSecure = true
				continue
			}
			probeTCP(ctx, t, addr)
		}
		if !sawSecure {
			t.Errorf("the secure port %d is not among the listeners found, %v: the scan is broken", srv.Port, ports)
		}
	})

	sockets := unixListeners(t, srv.PID(), inodes)
	t.Logf("server %d listens on unix sockets %v", srv.PID(), sockets)
	t.Run("unix sockets only in directories private to the server's user", func(t *testing.T) {
		if len(sockets) == 0 {
			t.Fatal("no unix socket found: where is the embedded etcd listening?")
		}
		for _, p := range sockets {
			if strings.HasPrefix(p, "@") {
				t.Errorf("abstract unix socket %q: any process in the network namespace can connect", p)
				continue
			}
			dir := filepath.Dir(p)
			fi, err := os.Lstat(dir)
			if err != nil {
				t.Errorf("socket %s: %v", p, err)
				continue
			}
			if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("socket %s is in %s, mode %s: others may enter", p, dir, fi.Mode())
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
				t.Errorf("socket %s is in %s, owned by uid %d, not the server's %d", p, dir, st.Uid, os.Geteuid())
			}
		}
	})

	t.Run("another user cannot connect to the unix sockets", func(t *testing.T) {
		if len(sockets) == 0 {
			t.Skip("no unix socket to probe")
		}
		if os.Geteuid() != 0 {
			t.Skip("needs root to run a process as another user; the directory modes are checked above")
		}
		probeAsOtherUser(ctx, t, sockets)
	})
}

// openUp gives dirs mode 0755, as t.TempDir's 0700 would keep other users out before the
// server's own protections are tested.
func openUp(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// socketInodes are the inodes of the sockets pid has open, from /proc/<pid>/fd.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatalf("listing the server's file descriptors: %v", err)
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue // closed since the listing
		}
		if ino, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	return inodes
}

// tcpListeners are the TCP addresses in LISTEN state, IPv4 and IPv6, whose socket is one of
// inodes. A wildcard address is returned as the loopback address of its family.
func tcpListeners(t *testing.T, pid int, inodes map[string]bool) []*net.TCPAddr {
	t.Helper()
	var addrs []*net.TCPAddr
	for _, file := range []string{"tcp", "tcp6"} {
		path := fmt.Sprintf("/proc/%d/net/%s", pid, file)
		for i, f := range procTable(t, path) {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
			if len(f) < 10 {
				t.Fatalf("%s line %d: too few fields: %v", path, i+2, f)
			}
			if f[3] != "0A" || !inodes[f[9]] { // 0A: TCP_LISTEN
				continue
			}
			addr, err := parseProcAddr(f[1])
			if err != nil {
				t.Fatalf("%s line %d: %v", path, i+2, err)
			}
			if addr.IP.IsUnspecified() {
				if addr.IP.To4() != nil {
					addr.IP = net.IPv4(127, 0, 0, 1)
				} else {
					addr.IP = net.IPv6loopback
				}
			}
			addrs = append(addrs, addr)
		}
	}
	return addrs
}

// parseProcAddr parses /proc/net/tcp's "0100007F:1F90": the address as 32-bit words in host
// (little-endian on every platform this runs on) order, then the port in hex.
func parseProcAddr(s string) (*net.TCPAddr, error) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("address %q has no port", s)
	}
	raw, err := hex.DecodeString(hexIP)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, fmt.Errorf("address %q: bad IP", s)
	}
	for w := 0; w < len(raw); w += 4 {
		raw[w], raw[w+1], raw[w+2], raw[w+3] = raw[w+3], raw[w+2], raw[w+1], raw[w]
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return nil, fmt.Errorf("address %q: bad port", s)
	}
	return &net.TCPAddr{IP: net.IP(raw), Port: int(port)}, nil
}

// unixListeners are the paths of the listening unix sockets among inodes; abstract ones start
// with '@', unnamed ones are left out.
func unixListeners(t *testing.T, pid int, inodes map[string]bool) []string {
	t.Helper()
	path := fmt.Sprintf("/proc/%d/net/unix", pid)
	var paths []string
	for i, f := range procTable(t, path) {
		// Num RefCount Protocol Flags Type St Inode [Path]
		if len(f) < 7 {
			t.Fatalf("%s line %d: too few fields: %v", path, i+2, f)
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil {
			t.Fatalf("%s line %d: flags %q: %v", path, i+2, f[3], err)
		}
		const acceptCon = 0x10000 // __SO_ACCEPTCON: a listening socket
		if flags&acceptCon == 0 || !inodes[f[6]] || len(f) < 8 {
			continue
		}
		paths = append(paths, strings.Join(f[7:], " "))
	}
	return paths
}

// procTable reads a /proc/net table: its lines but the header, split into fields.
func procTable(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	rows := make([][]string, 0, len(lines))
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

// probeTCP tries addr as an etcd client would, with and without TLS (no client certificate),
// and asks for etcd's /version and /metrics: all must fail.
func probeTCP(ctx context.Context, t *testing.T, addr *net.TCPAddr) {
	t.Helper()
	insecureTLS := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the probe is the attacker: it trusts whatever answers
	for _, scheme := range []string{"http", "https"} {
		ep := scheme + "://" + addr.String()
		cfg := clientv3.Config{Endpoints: []string{ep}, DialTimeout: 3 * time.Second}
		if scheme == "https" {
			cfg.TLS = insecureTLS
		}
		if cli, err := clientv3.New(cfg); err == nil {
			getCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			resp, err := cli.Get(getCtx, "/", clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(5))
			cancel()
			cli.Close()
			if err == nil {
				t.Errorf("etcd client read %s: %d keys (e.g. %v)", ep, resp.Count, keysOf(resp))
			}
		}
		client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: insecureTLS}}
		for _, p := range []string{"/version", "/metrics"} {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				continue
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				t.Errorf("GET %s%s answered %s: %q", ep, p, resp.Status, body)
			}
		}
		client.CloseIdleConnections()
	}
}

func keysOf(resp *clientv3.GetResponse) []string {
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	return keys
}

// probeAsOtherUser runs this test binary as otherUID to connect to each socket. A socket the
// test opens to everyone is the control: if even that fails, the environment cannot run the
// probe (a noexec temporary directory, say) and the test says so rather than pass on it.
func probeAsOtherUser(ctx context.Context, t *testing.T, sockets []string) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	openUp(t, filepath.Dir(dir), dir)
	bin := filepath.Join(dir, "probe.test")
	if err := copyFile(self, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	control := filepath.Join(dir, "control.sock")
	l, err := net.Listen("unix", control)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Chmod(control, 0o777); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	probeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(probeCtx, bin, "-test.run=^TestEmbeddedEtcdRefusesOtherClients$", "-test.count=1")
	cmd.Dir = dir
	// TestMain only checks that the binaries it is given exist: give it one this user can see,
	// so that it does not try to build them.
	cmd.Env = append(os.Environ(),
		probeEnv+"="+strings.Join(append([]string{control}, sockets...), "\n"),
		"BAREMETAL_APISERVER_BIN="+bin, "KUBECTL_BIN="+bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUID, Gid: otherUID}}
	out, err := cmd.CombinedOutput()
	results := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), probeLine+" "); ok {
			result, path, _ := strings.Cut(rest, "\t")
			results[path] = result
		}
	}
	if results[control] != "connected" {
		t.Skipf("the probe as uid %d could not reach even the open control socket (%v), so it proves nothing here:\n%s", otherUID, err, out)
	}
	for _, p := range sockets {
		t.Logf("uid %d on %s: %s", otherUID, p, results[p])
		switch r := results[p]; {
		case r == "":
			t.Errorf("no probe result for %s:\n%s", p, out)
		case r == "connected":
			t.Errorf("uid %d connected to the server's socket %s", otherUID, p)
		case !strings.Contains(r, syscall.EACCES.Error()):
			// Refused, but not by the permissions: say so, it may hide a socket left open.
			t.Errorf("uid %d could not connect to %s, but not for lack of permission: %s", otherUID, p, r)
		}
	}
}

// probeSockets is the other user's side: connect to each path and print the outcome.
func probeSockets(paths []string) {
	for _, p := range paths {
		result := "connected"
		c, err := net.DialTimeout("unix", p, 5*time.Second)
		if err != nil {
			result = "refused: " + err.Error()
			var errno syscall.Errno
			if errors.As(err, &errno) {
				result = "refused: " + errno.Error()
			}
		} else {
			c.Close()
		}
		fmt.Printf("%s %s\t%s\n", probeLine, result, p)
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
