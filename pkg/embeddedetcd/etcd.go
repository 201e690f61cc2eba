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
package embeddedetcd

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/klog/v2"
)

// Server is a running embedded etcd.
type Server struct {
	etcd *embed.Etcd
	// Endpoints are the client URLs, for --etcd-servers style configuration.
	Endpoints []string
}

// Start starts etcd with its data in dir, listening on loopback only, on free ports. It returns
// once etcd serves clients, or with an error after timeout.
func Start(ctx context.Context, dir string, timeout time.Duration) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating etcd data dir: %w", err)
	}
	cfg := embed.NewConfig()
	cfg.Name = "baremetal-apiserver"
	cfg.Dir = filepath.Clean(dir)
	// Port 0: the kernel picks free ports, so two servers (or tests) never collide. The peer
	// port is never dialled (one member), so its advertised :0 is harmless.
	loopback := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{loopback}
	cfg.AdvertiseClientUrls = []url.URL{loopback}
	cfg.ListenPeerUrls = []url.URL{loopback}
	cfg.AdvertisePeerUrls = []url.URL{loopback}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// etcd logs its listeners closing at error level on every clean shutdown; real failures
	// still reach us through Err(), which is logged below.
	cfg.LogLevel = "fatal"
	cfg.LogOutputs = []string{"stderr"}
	// Metrics of the embedded etcd are not served: its client port is loopback-only.
	cfg.ListenMetricsUrls = nil

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd in %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(timeout):
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s was not ready after %s", dir, timeout)
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	s := &Server{etcd: e}
	go func() {
		if err, ok := <-e.Err(); ok && err != nil {
			klog.ErrorS(err, "Embedded etcd failed")
		}
	}()
	for _, l := range e.Clients {
		s.Endpoints = append(s.Endpoints, "http://"+l.Addr().String())
	}
	klog.InfoS("Embedded etcd started", "dataDir", dir, "endpoints", s.Endpoints)
	return s, nil
}

// Close stops etcd after it has finished in-flight requests and synced its data to disk.
func (s *Server) Close() {
	s.etcd.Close()
	klog.InfoS("Embedded etcd stopped")
}
