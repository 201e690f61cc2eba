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

package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	ns          = "default"
	bmcUser     = "admin"
	bmcPassword = "Cluster-BMC-Pa55word"
	// electionKey is where the replicas campaign: the server's etcd prefix and
	// /_leader/reconciler (pkg/cmd/server).
	electionKey = "/registry/baremetal.metal3.io/_leader/reconciler"
)

// leaseDuration is the replicas' --leader-elect-lease-duration: how long a dead leader keeps
// the lead. The failover the test measures is this plus the campaign. 5 s keeps the tier
// short; TEST_CLUSTER_LEASE=10s measures the HA overlay's lease (artifacts/deploy/overlays/ha).
var leaseDuration = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("TEST_CLUSTER_LEASE")); err == nil && d > 0 {
		return d
	}
	return 5 * time.Second
}()

// topology is one etcd cluster, the replicas of the server on it and the simulator behind
// them.
type topology struct {
	t    *testing.T
	etcd *framework.EtcdCluster
	sim  *simredfish.Simulator
	// kv reads the election and compares members; it is the test's own client.
	kv *clientv3.Client

	mu       sync.Mutex
	replicas []*framework.Server
	clients  []*clientset.Clientset
}

// startTopology starts etcd (3 members), a simulator of systems BMCs and n replicas driving
// them with the Redfish backend.
func startTopology(t *testing.T, systems, n int) *topology {
	t.Helper()
	sim, err := simredfish.New(simredfish.Config{Count: systems, Seed: 17, PowerDelay: 400 * time.Millisecond,
		Username: bmcUser, Password: bmcPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	var secrets []string
	for _, id := range sim.SystemIDs() {
		secrets = append(secrets, hostName(id)+"-bmc")
	}
	top := startReplicas(t, n, secrets, "--provisioner=redfish")
	top.sim = sim
	return top
}

// startReplicas starts etcd (3 members) and n replicas on it with the given backend flags,
// each with the BMC credentials Secrets named.
func startReplicas(t *testing.T, n int, secrets []string, backendArgs ...string) *topology {
	t.Helper()
	start := time.Now()
	top := &topology{t: t, etcd: framework.StartEtcdCluster(t, etcdBin, 3)}
	top.kv = top.etcd.Client(t)
	etcdUp := time.Since(start)

	args := append(top.etcd.ServerArgs(), backendArgs...)
	// Hosts at rest are polled every 30 s (the default is a minute): actions reach the
	// reconciler through its watch and never wait for a poll, and 31 hosts polled every 2 s
	// behind the one simulated BMC (one session, 4 requests at a time) left an action queued
	// behind a minute of polls when the 2-core machine was busy.
	args = append(args,
		"--leader-elect=true", "--leader-elect-lease-duration="+leaseDuration.String(),
		"--power-poll-interval=30s", "--error-backoff-base=200ms", "--error-backoff-cap=2s",
	)
	// The replicas start together: each waits for its own readiness.
	servers := make([]*framework.Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range servers {
		dir := t.TempDir()
		for _, name := range secrets {
			writeCredentials(t, dir, name)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = framework.StartStandaloneE(t, serverBin, dir, args...)
		}()
	}
	wg.Wait()
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		top.replicas = append(top.replicas, s)
		top.clients = append(top.clients, s.Clientset(t))
	}
	t.Logf("3 etcd members healthy in %s, %d replicas ready in %s", etcdUp.Round(time.Millisecond), n, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if strings.Contains(top.allOutput(), bmcPassword) {
			t.Error("a replica logged the BMC password")
		}
	})
	return top
}

func (top *topology) allOutput() string {
	top.mu.Lock()
	defer top.mu.Unlock()
	var b strings.Builder
	for _, s := range top.replicas {
		b.WriteString(s.Output())
	}
	return b.String()
}

// writeCredentials writes a Secret where a standalone replica reads Secrets.
func writeCredentials(t *testing.T, dataDir, name string) {
	t.Helper()
	dir := filepath.Join(dataDir, "secrets", ns, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"username": bmcUser, "password": bmcPassword} {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func hostName(systemID string) string { return fmt.Sprintf("rf-%02s", systemID) }

// client returns replica i's clientset.
func (top *topology) client(i int) clientset.Interface {
	top.mu.Lock()
	defer top.mu.Unlock()
	return top.clients[i]
}

func (top *topology) replica(i int) *framework.Server {
	top.mu.Lock()
	defer top.mu.Unlock()
	return top.replicas[i]
}

// live lists the indexes of the replicas whose process runs.
func (top *topology) live() []int {
	top.mu.Lock()
	defer top.mu.Unlock()
	var idx []int
	for i, s := range top.replicas {
		if s.Running() {
			idx = append(idx, i)
		}
	}
	return idx
}

// onAnyReplica runs fn against live replicas, starting with the one after start, until one
// answers without error; the API is active-active, so any replica may serve any request.
func (top *topology) onAnyReplica(ctx context.Context, start int, fn func(cs clientset.Interface) error) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		live := top.live()
		for k := range live {
			i := live[(start+k)%len(live)]
			if last = fn(top.client(i)); last == nil {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("no replica served the request (last error: %v): %w", last, err)
	}
	return nil
}

// leader reads the elected replica from the election in etcd: the campaign key created first
// holds the leader's identity, <hostname>_<pid>_<version>. -1 while the leader is none of the
// live replicas (a killed leader's key lives until its lease expires).
func (top *topology) leader(ctx context.Context) (int, error) {
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	resp, err := top.kv.Get(rctx, electionKey+"/", clientv3.WithFirstCreate()...)
	if err != nil {
		return -1, err
	}
	if len(resp.Kvs) == 0 {
		return -1, nil
	}
	id := string(resp.Kvs[0].Value)
	for _, i := range top.live() {
		if strings.Contains(id, fmt.Sprintf("_%d_", top.replica(i).PID())) {
			return i, nil
		}
	}
	return -1, nil
}

// waitLeader waits until a live replica leads and returns it and when that was seen.
func (top *topology) waitLeader(ctx context.Context, timeout time.Duration) (int, time.Time, error) {
	leader := -1
	var last error
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		leader, last = top.leader(ctx)
		return leader >= 0, nil
	})
	if err != nil {
		return -1, time.Time{}, fmt.Errorf("no live replica leads within %s (last error %v): %w", timeout, last, err)
	}
	return leader, time.Now(), nil
}

// dumpLeaderOnFailure, deferred by a step, makes the leading replica print its goroutines
// (and exit) when the step failed: a reconciler that leads and does nothing shows why.
func (top *topology) dumpLeaderOnFailure(ctx context.Context, t *testing.T) {
	if !t.Failed() {
		return
	}
	if leader, err := top.leader(ctx); err == nil && leader >= 0 {
		t.Logf("replica %d leads: its goroutines follow in its output", leader)
		top.replica(leader).Dump()
	}
}

// saveLeaderGoroutines keeps the leading replica's goroutines in $TEST_LOG_DIR/<name>.log.
func (top *topology) saveLeaderGoroutines(ctx context.Context, t *testing.T, name string) {
	leader, err := top.leader(ctx)
	if err != nil || leader < 0 {
		return
	}
	dump, err := top.replica(leader).Goroutines(ctx)
	if err != nil {
		t.Logf("goroutines of replica %d: %v", leader, err)
		return
	}
	framework.SaveLog(t, name+"-goroutines", dump)
}

// restart starts a killed replica again over its data dir and waits until it serves.
func (top *topology) restart(i int) error {
	s := top.replica(i)
	if err := s.Start(); err != nil {
		return err
	}
	if err := s.WaitReady(90 * time.Second); err != nil {
		return err
	}
	// A restarted standalone server writes its kubeconfig again (same token, a new serving
	// certificate).
	cfg, err := s.RESTConfig()
	if err != nil {
		return err
	}
	cs, err := clientset.NewForConfig(cfg)
	if err != nil {
		return err
	}
	top.mu.Lock()
	top.clients[i] = cs
	top.mu.Unlock()
	return nil
}

// liveISOHost is a host of simulator system id that provisions a live ISO and stays on.
func (top *topology) liveISOHost(id string) *v1alpha1.BareMetalHost {
	name := hostName(id)
	return &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: top.sim.System(id).Inventory().NICs[0].MAC,
			BMC:            v1alpha1.BMCDetails{Address: top.sim.BMCAddress(id), CredentialsName: name + "-bmc"},
			Image:          &v1alpha1.Image{URL: liveISO, Format: ptr(v1alpha1.ImageFormatLiveISO)},
		},
	}
}

const liveISO = "http://192.0.2.1/images/live.iso"

func ptr[T any](v T) *T { return &v }

// setPower records a power request through replica i's power subresource.
func setPower(ctx context.Context, cs clientset.Interface, name string, state v1alpha1.PowerState) error {
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	p, err := hosts.GetPower(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	p.Spec.State = state
	_, err = hosts.UpdatePower(ctx, name, p, metav1.UpdateOptions{})
	return err
}

var errNotYet = errors.New("not yet")
