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
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/util/wait"
)

// EtcdBinary returns an etcd server binary: $TEST_ETCD_BIN when set (not ETCD_*: etcd reads those as its flags), else etcd's own main
// (go.etcd.io/etcd/server/v3, which calls etcdmain) built from the module proxy at the version
// this module already requires for its embedded etcd (3.7). The product compiles almost all of
// etcd already, so the build is incremental: seconds when the build cache is warm, about a
// minute cold. hack/tools.go keeps etcdmain's dependencies in go.sum.
func EtcdBinary() (string, error) {
	return Binary("etcd", "TEST_ETCD_BIN", ".", "go.etcd.io/etcd/server/v3", 15*time.Minute, "")
}

// EtcdCluster is a multi-member etcd started by a test, with TLS between members (peer) and
// to clients, and client-certificate authentication on both: what a production cluster that
// the server's replicas share looks like.
type EtcdCluster struct {
	Members []*EtcdMember
	// CAFile signs every certificate; ClientCert is a client certificate the cluster accepts,
	// for the server's --etcd-cafile/--etcd-certfile/--etcd-keyfile.
	CAFile     string
	ClientCert CertFiles

	binary string
}

// EtcdMember is one member process; Kill and Start stop and restart it over its data dir.
type EtcdMember struct {
	Name      string
	ClientURL string
	PeerURL   string
	DataDir   string

	binary string
	args   []string
	proc   *Process
	// output survives restarts, for failure reports.
	output []string
}

// StartEtcdCluster starts n members on loopback and waits until the cluster has a leader and
// every member answers. The test's cleanup stops them.
func StartEtcdCluster(t testing.TB, binary string, n int) *EtcdCluster {
	t.Helper()
	dir := t.TempDir()
	ca, err := NewCA("etcd-ca")
	if err != nil {
		t.Fatal(err)
	}
	c := &EtcdCluster{binary: binary}
	if c.CAFile, err = ca.WriteCA(dir, "ca"); err != nil {
		t.Fatal(err)
	}
	if c.ClientCert, err = ca.WriteCert(dir, "client", CertRequest{CommonName: "baremetal-apiserver", Client: true}); err != nil {
		t.Fatal(err)
	}
	// etcd's peers must know every peer URL before any starts, so the ports are picked ahead
	// (FreePort's race with another process is the price; a clash fails the start loudly).
	var initial []string
	for i := 0; i < n; i++ {
		cp, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		pp, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		m := &EtcdMember{
			Name:      fmt.Sprintf("m%d", i),
			ClientURL: fmt.Sprintf("https://127.0.0.1:%d", cp),
			PeerURL:   fmt.Sprintf("https://127.0.0.1:%d", pp),
			DataDir:   filepath.Join(dir, fmt.Sprintf("m%d", i)),
			binary:    binary,
		}
		c.Members = append(c.Members, m)
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	for _, m := range c.Members {
		// One certificate per member serves clients and peers and is its client certificate
		// towards the other peers.
		cert, err := ca.WriteCert(dir, m.Name, CertRequest{CommonName: m.Name, IPs: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}, Server: true, Client: true})
		if err != nil {
			t.Fatal(err)
		}
		m.args = []string{
			"--name", m.Name, "--data-dir", m.DataDir,
			"--listen-client-urls", m.ClientURL, "--advertise-client-urls", m.ClientURL,
			"--listen-peer-urls", m.PeerURL, "--initial-advertise-peer-urls", m.PeerURL,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", "baremetal-apiserver-test",
			"--cert-file", cert.Cert, "--key-file", cert.Key, "--trusted-ca-file", c.CAFile, "--client-cert-auth",
			"--peer-cert-file", cert.Cert, "--peer-key-file", cert.Key, "--peer-trusted-ca-file", c.CAFile, "--peer-client-cert-auth",
			// etcd's defaults (100 ms heartbeats, 1 s election timeout) suit loopback; on a
			// busy 2-core machine a longer election timeout avoids needless leader changes.
			"--heartbeat-interval", "100", "--election-timeout", "2000",
			"--log-level", "error",
			// Spare the machine: a test cluster needs neither large snapshots nor a quota.
			"--snapshot-count", "10000", "--quota-backend-bytes", fmt.Sprint(512 << 20),
		}
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, m := range c.Members {
			if m.proc == nil {
				continue
			}
			_ = m.proc.Stop(10 * time.Second)
			if t.Failed() {
				t.Logf("etcd %s output:\n%s", m.Name, strings.Join(append(m.output, m.proc.Output()), "\n--- restarted ---\n"))
			}
		}
	})
	if err := c.WaitHealthy(60*time.Second, c.Members...); err != nil {
		t.Fatal(err)
	}
	return c
}

// Start starts the member (again) over its data dir; it does not wait for it to be healthy.
func (m *EtcdMember) Start() error {
	if m.proc != nil && !m.proc.Exited() {
		return fmt.Errorf("etcd %s is running", m.Name)
	}
	if m.proc != nil {
		m.output = append(m.output, m.proc.Output())
	}
	p, err := StartProcess("etcd-"+m.Name, m.binary, m.args...)
	if err != nil {
		return err
	}
	m.proc = p
	return nil
}

// Kill stops the member at once (SIGKILL), as a crash would.
func (m *EtcdMember) Kill() {
	if m.proc != nil {
		m.proc.Kill()
	}
}

// Running reports whether the member's process is alive.
func (m *EtcdMember) Running() bool { return m.proc != nil && !m.proc.Exited() }

// Endpoints are the members' client URLs, for --etcd-servers.
func (c *EtcdCluster) Endpoints() []string {
	eps := make([]string, 0, len(c.Members))
	for _, m := range c.Members {
		eps = append(eps, m.ClientURL)
	}
	return eps
}

// ServerArgs are the server's flags for this cluster: every endpoint, and TLS.
func (c *EtcdCluster) ServerArgs() []string {
	return []string{
		"--etcd-servers=" + strings.Join(c.Endpoints(), ","),
		"--etcd-cafile=" + c.CAFile, "--etcd-certfile=" + c.ClientCert.Cert, "--etcd-keyfile=" + c.ClientCert.Key,
	}
}

// TLS is the client TLS configuration the cluster accepts.
func (c *EtcdCluster) TLS() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.ClientCert.Cert, c.ClientCert.Key)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Client is an etcd client of the given members (all when none are named), closed with the
// test.
func (c *EtcdCluster) Client(t testing.TB, members ...*EtcdMember) *clientv3.Client {
	t.Helper()
	cli, err := c.newClient(members...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func (c *EtcdCluster) newClient(members ...*EtcdMember) (*clientv3.Client, error) {
	if len(members) == 0 {
		members = c.Members
	}
	tlsCfg, err := c.TLS()
	if err != nil {
		return nil, err
	}
	var eps []string
	for _, m := range members {
		eps = append(eps, m.ClientURL)
	}
	return clientv3.New(clientv3.Config{Endpoints: eps, TLS: tlsCfg, DialTimeout: 5 * time.Second})
}

// WaitHealthy waits until each member answers a linearizable read through itself alone (which
// needs the cluster's quorum and a leader).
func (c *EtcdCluster) WaitHealthy(timeout time.Duration, members ...*EtcdMember) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, m := range members {
		cli, err := c.newClient(m)
		if err != nil {
			return err
		}
		var last error
		err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			if !m.Running() {
				return false, fmt.Errorf("etcd %s exited: %s", m.Name, m.proc.Output())
			}
			rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
			defer rcancel()
			_, last = cli.Get(rctx, "health")
			return last == nil, nil
		})
		_ = cli.Close()
		if err != nil {
			return fmt.Errorf("etcd %s not healthy within %s (last: %v): %w", m.Name, timeout, last, err)
		}
	}
	return nil
}
