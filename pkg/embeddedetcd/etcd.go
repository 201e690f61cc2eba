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

// Package embeddedetcd runs a single-member etcd inside the server process, so that the server
// works with no external dependency: the default for standalone use, demos and tests. Production
// deployments point --etcd-servers at a real cluster instead.
//
// # Who can reach it
//
// etcd has no authentication of its own here, and it holds every object and the reconciler's
// leader-election key: whoever connects to it bypasses the API server's authentication,
// authorization and validation. StartPrivate, which the server uses, therefore listens on no
// TCP port at all. Clients and the (never dialled, single-member) raft peer endpoint are unix
// sockets in a directory that only the server's user may enter (mode 0700, checked and
// enforced on every start), so the kernel's file permissions decide who connects: another user,
// or a container sharing only the network namespace, gets nothing, not even etcd's /version or
// /metrics. Unix sockets were chosen over client-certificate TLS on loopback because there is
// nothing to generate, rotate or keep secret, and nothing on a TCP port to probe; the clients
// that need the etcd (k8s.io/apiserver's storage and health checks, and the leader-election
// client) are all clientv3 clients, which dial unix:// endpoints natively.
//
// A unix socket's path may not exceed about 100 bytes, and etcd carries it inside URLs. When the
// sockets' natural place, <data dir>/sockets, is too long or has characters a URL would escape,
// they go to a fresh private directory under $TMPDIR instead, removed on Close. The directory in
// the data dir is created either way: it holds the lock that keeps a second server on the same
// data dir from unlinking the first one's sockets.
//
// Start listens on loopback TCP instead, for test harnesses that run an etcd for a kube-apiserver
// (which dials etcd over TCP only). It is open to every local process: never use it to hold
// anything that matters.
package embeddedetcd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/klog/v2"
)

const (
	// memberName names the single member; it is part of the member ID stored in the data dir.
	memberName = "baremetal-apiserver"
	// socketDirName is the private directory, inside the etcd data dir, for the sockets and the
	// lock.
	socketDirName = "sockets"
	clientSocket  = "client.sock"
	peerSocket    = "peer.sock"
	lockFile      = "lock"
	// maxSocketPath is the longest socket path every platform accepts: sun_path is 108 bytes on
	// Linux and 104 on macOS and the BSDs, the terminating NUL included.
	maxSocketPath = 103
)

// Server is a running embedded etcd.
type Server struct {
	etcd *embed.Etcd
	// Endpoints are the client URLs, for --etcd-servers style configuration.
	Endpoints []string
	// SocketDir is the private directory holding the unix sockets; empty for Start.
	SocketDir string
	// cleanup runs after etcd has stopped, last added first.
	cleanup []func()
}

// StartPrivate starts etcd with its data in dir, reachable only through unix sockets in a
// directory private to the current user (see the package comment). It returns once etcd serves
// clients, or with an error after timeout.
func StartPrivate(ctx context.Context, dir string, timeout time.Duration) (_ *Server, err error) {
	// Absolute: the sockets' paths become unix:// URLs, which clients would otherwise resolve
	// against their own working directory.
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("etcd data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating etcd data dir: %w", err)
	}
	s := &Server{}
	defer func() {
		if err != nil {
			s.runCleanup()
		}
	}()
	lockDir := filepath.Join(dir, socketDirName)
	if err := ensurePrivateDir(lockDir); err != nil {
		return nil, err
	}
	unlock, err := lockExclusive(filepath.Join(lockDir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("embedded etcd in %s: %w", dir, err)
	}
	s.cleanup = append(s.cleanup, unlock)

	s.SocketDir = lockDir
	if !socketDirUsable(lockDir) {
		// os.MkdirTemp creates the directory 0700 under a fresh name, atomically: nobody else
		// can have prepared it, even in a world-writable $TMPDIR.
		tmp, err := os.MkdirTemp("", "baremetal-etcd-")
		if err != nil {
			return nil, fmt.Errorf("creating a directory for the embedded etcd's sockets: %w", err)
		}
		s.cleanup = append(s.cleanup, func() {
			if err := os.RemoveAll(tmp); err != nil {
				klog.ErrorS(err, "Removing the embedded etcd's socket directory", "path", tmp)
			}
		})
		if err := ensurePrivateDir(tmp); err != nil {
			return nil, err
		}
		if !socketDirUsable(tmp) {
			return nil, fmt.Errorf("no usable directory for the embedded etcd's unix sockets: %s and %s are longer than %d bytes or have characters other than letters, digits and /._-~+@; use a shorter --data-dir or TMPDIR",
				lockDir, tmp, maxSocketPath-len(clientSocket)-1)
		}
		s.SocketDir = tmp
	}

	clientPath := filepath.Join(s.SocketDir, clientSocket)
	peerPath := filepath.Join(s.SocketDir, peerSocket)
	cfg := newConfig(dir)
	// etcd listens on Host+Path for clients but on Host alone for peers, so the listen URLs carry
	// the path in Host; the advertised ones are the parseable unix:///path form clients use.
	cfg.ListenClientUrls = []url.URL{{Scheme: "unix", Host: clientPath}}
	cfg.AdvertiseClientUrls = []url.URL{{Scheme: "unix", Path: clientPath}}
	cfg.ListenPeerUrls = []url.URL{{Scheme: "unix", Host: peerPath}}
	cfg.AdvertisePeerUrls = []url.URL{{Scheme: "unix", Path: peerPath}}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if err := s.start(ctx, cfg, timeout); err != nil {
		return nil, err
	}
	// The directory is what keeps others out; the sockets' own modes (from the umask) only add
	// a second fence, should the directory's mode ever be widened.
	for _, p := range []string{clientPath, peerPath} {
		if err := os.Chmod(p, 0o600); err != nil {
			s.Close()
			return nil, fmt.Errorf("restricting the embedded etcd's socket %s: %w", p, err)
		}
	}
	s.Endpoints = []string{"unix://" + clientPath}
	klog.InfoS("Embedded etcd started", "dataDir", dir, "endpoints", s.Endpoints)
	return s, nil
}

// Start starts etcd with its data in dir, listening on loopback TCP, on free ports, with no
// authentication: every local process can read and write it. It is for test harnesses only (a
// kube-apiserver dials etcd over TCP only); servers use StartPrivate. It returns once etcd
// serves clients, or with an error after timeout.
func Start(ctx context.Context, dir string, timeout time.Duration) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating etcd data dir: %w", err)
	}
	cfg := newConfig(filepath.Clean(dir))
	// Port 0: the kernel picks free ports, so two servers (or tests) never collide. The peer
	// port is never dialled (one member), so its advertised :0 is harmless.
	loopback := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{loopback}
	cfg.AdvertiseClientUrls = []url.URL{loopback}
	cfg.ListenPeerUrls = []url.URL{loopback}
	cfg.AdvertisePeerUrls = []url.URL{loopback}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	s := &Server{}
	if err := s.start(ctx, cfg, timeout); err != nil {
		return nil, err
	}
	for _, l := range s.etcd.Clients {
		s.Endpoints = append(s.Endpoints, "http://"+l.Addr().String())
	}
	klog.InfoS("Embedded etcd started", "dataDir", dir, "endpoints", s.Endpoints)
	return s, nil
}

// newConfig is the configuration both modes share; the caller sets the URLs.
func newConfig(dir string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = memberName
	cfg.Dir = dir
	// etcd logs its listeners closing at error level on every clean shutdown; real failures
	// still reach us through Err(), which is logged in start.
	cfg.LogLevel = "fatal"
	cfg.LogOutputs = []string{"stderr"}
	// No separate metrics listener: it would be one more endpoint to protect.
	cfg.ListenMetricsUrls = nil
	return cfg
}

// start starts etcd with cfg and waits until it serves clients.
func (s *Server) start(ctx context.Context, cfg *embed.Config, timeout time.Duration) error {
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("starting embedded etcd in %s: %w", cfg.Dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(timeout):
		e.Close()
		return fmt.Errorf("embedded etcd in %s was not ready after %s", cfg.Dir, timeout)
	case <-ctx.Done():
		e.Close()
		return ctx.Err()
	}
	s.etcd = e
	go func() {
		if err, ok := <-e.Err(); ok && err != nil {
			klog.ErrorS(err, "Embedded etcd failed")
		}
	}()
	return nil
}

// Close stops etcd after it has finished in-flight requests and synced its data to disk, then
// removes what StartPrivate created outside the data dir and releases the data dir's lock.
func (s *Server) Close() {
	if s.etcd != nil {
		s.etcd.Close()
		s.etcd = nil
	}
	s.runCleanup()
	klog.InfoS("Embedded etcd stopped")
}

func (s *Server) runCleanup() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	s.cleanup = nil
}

// ensurePrivateDir creates dir, or takes over an existing one, so that only the current user
// can enter it: a real directory (not a symlink to somewhere else), owned by the current user,
// mode 0700 whatever it was before.
func ensurePrivateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("creating the embedded etcd's socket directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("embedded etcd's socket directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("embedded etcd's socket directory %s is not a directory (%s)", dir, fi.Mode().Type())
	}
	if err := checkOwner(fi); err != nil {
		return fmt.Errorf("embedded etcd's socket directory %s: %w", dir, err)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restricting the embedded etcd's socket directory: %w", err)
		}
		klog.InfoS("Restricted the embedded etcd's socket directory to its owner", "path", dir, "previousMode", fi.Mode().Perm().String())
	}
	return nil
}

// socketDirUsable reports whether sockets in dir have paths short enough for sun_path and that
// etcd's URLs carry verbatim: clientv3 takes what follows unix:// as the path without unescaping,
// and etcd splits its --initial-cluster on ',' and '='.
func socketDirUsable(dir string) bool {
	p := filepath.Join(dir, clientSocket) // the longer of the two names
	if len(p) > maxSocketPath {
		return false
	}
	for _, r := range p {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '/' || r == '.' || r == '_' || r == '-' || r == '~' || r == '+' || r == '@'
		if !ok {
			return false
		}
	}
	return true
}
