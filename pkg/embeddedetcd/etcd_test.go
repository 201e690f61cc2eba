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

package embeddedetcd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func startPrivate(t *testing.T, dir string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := StartPrivate(ctx, dir, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// roundTrip writes key through the server's endpoints (when value is not empty) and returns
// what a read gives back.
func roundTrip(t *testing.T, s *Server, key, value string) string {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: s.Endpoints, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if value != "" {
		if _, err := cli.Put(ctx, key, value); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return ""
	}
	return string(resp.Kvs[0].Value)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func TestStartPrivateListensOnlyOnPrivateSockets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	s := startPrivate(t, dir)
	defer s.Close()

	if len(s.Endpoints) != 1 || s.Endpoints[0] != "unix://"+filepath.Join(s.SocketDir, clientSocket) {
		t.Fatalf("endpoints %v, want the client socket in %s", s.Endpoints, s.SocketDir)
	}
	for _, l := range s.etcd.Clients {
		if n := l.Addr().Network(); n != "unix" {
			t.Errorf("client listener on %s %s, want unix only", n, l.Addr())
		}
	}
	for _, p := range s.etcd.Peers {
		if n := p.Addr().Network(); n != "unix" {
			t.Errorf("peer listener on %s %s, want unix only", n, p.Addr())
		}
	}
	if m := mode(t, s.SocketDir); !m.IsDir() || m.Perm() != 0o700 {
		t.Errorf("socket directory mode %s, want drwx------", m)
	}
	for _, name := range []string{clientSocket, peerSocket} {
		if m := mode(t, filepath.Join(s.SocketDir, name)); m.Type() != os.ModeSocket || m.Perm() != 0o600 {
			t.Errorf("%s mode %s, want a socket, rw-------", name, m)
		}
	}
	if got := roundTrip(t, s, "/k", "v"); got != "v" {
		t.Errorf("read back %q, want v", got)
	}
}

func TestStartPrivateTightensAnExistingSocketDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	if err := os.MkdirAll(filepath.Join(dir, socketDirName), 0o755); err != nil {
		t.Fatal(err)
	}
	// MkdirAll's mode is filtered by the umask; make sure the directory really starts wide.
	if err := os.Chmod(filepath.Join(dir, socketDirName), 0o777); err != nil {
		t.Fatal(err)
	}
	s := startPrivate(t, dir)
	defer s.Close()
	if m := mode(t, s.SocketDir); m.Perm() != 0o700 {
		t.Errorf("socket directory mode %s, want drwx------", m)
	}
}

func TestStartPrivateRefusesASymlinkedSocketDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(dir, socketDirName)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := StartPrivate(ctx, dir, time.Minute)
	if err == nil {
		s.Close()
		t.Fatal("started with the socket directory a symlink")
	}
	if !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("error %q, want it to say the socket directory is not a directory", err)
	}
}

// TestStartPrivateLongDataDir: sockets whose path would be too long go to a private temporary
// directory, removed on Close; the data stays in the data dir across restarts.
func TestStartPrivateLongDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 120), "etcd")
	s := startPrivate(t, dir)
	if strings.HasPrefix(s.SocketDir, dir) {
		t.Fatalf("sockets in %s, whose paths are too long", s.SocketDir)
	}
	if m := mode(t, s.SocketDir); m.Perm() != 0o700 {
		t.Errorf("fallback socket directory mode %s, want drwx------", m)
	}
	roundTrip(t, s, "/k", "v")
	fallback := s.SocketDir
	s.Close()
	if _, err := os.Stat(fallback); !os.IsNotExist(err) {
		t.Errorf("fallback socket directory %s left behind (%v)", fallback, err)
	}

	s = startPrivate(t, dir)
	defer s.Close()
	if got := roundTrip(t, s, "/k", ""); got != "v" {
		t.Errorf("after restart read %q, want v", got)
	}
}

// TestStartPrivateRefusesASecondServer: a second etcd on the same data dir must fail at once,
// not unlink the sockets of the one that runs.
func TestStartPrivateRefusesASecondServer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	s := startPrivate(t, dir)
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	second, err := StartPrivate(ctx, dir, 30*time.Second)
	if err == nil {
		second.Close()
		t.Fatal("a second etcd started on the same data dir")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("error %q, want it to say the data dir is in use", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second start took %s to fail", d)
	}
	if got := roundTrip(t, s, "/k", "v"); got != "v" {
		t.Errorf("first etcd read back %q after the second start, want v", got)
	}
}

// TestStartPrivateKeepsDataOfALoopbackEtcd: data dirs written by earlier versions, whose etcd
// listened on loopback TCP (as Start still does), open with their data. The member stored there
// advertises a TCP peer URL; with one member nothing dials it.
func TestStartPrivateKeepsDataOfALoopbackEtcd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	old, err := Start(ctx, dir, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, old, "/k", "v")
	old.Close()

	s := startPrivate(t, dir)
	defer s.Close()
	if got := roundTrip(t, s, "/k", ""); got != "v" {
		t.Errorf("read %q, want v", got)
	}
}

func TestSocketDirUsable(t *testing.T) {
	// The longest directory whose client socket path still fits.
	longest := "/" + strings.Repeat("a", maxSocketPath-len("/"+clientSocket)-1)
	for dir, want := range map[string]bool{
		"/var/lib/baremetal-apiserver/etcd/sockets": true,
		"/tmp/TestX123/001/etcd/sockets":            true,
		"/tmp/a.b_c-d~e+f@g/sockets":                true,
		longest:                                     true,
		longest + "a":                               false,
		"/tmp/a b/sockets":                          false,
		"/tmp/a,b/sockets":                          false,
		"/tmp/a=b/sockets":                          false,
		"/tmp/a%41/sockets":                         false,
		"/tmp/a#b/sockets":                          false,
		"/tmp/a?b/sockets":                          false,
		"/tmp/\u00e9t\u00e9/sockets":                false,
	} {
		if got := socketDirUsable(dir); got != want {
			t.Errorf("socketDirUsable(%q) = %v, want %v", dir, got, want)
		}
	}
}
