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
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/embeddedetcd"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestLeaderElectionFailover runs two replicas on one etcd: only one reconciles, and when it
// dies (SIGKILL, no resignation) the other takes over within the lease and carries on.
func TestLeaderElectionFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	etcd, err := embeddedetcd.Start(ctx, t.TempDir(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	ironic := framework.StartIronic(t)
	args := []string{
		"--etcd-servers=" + strings.Join(etcd.Endpoints, ","),
		"--provisioner=ironic", "--ironic-endpoint=" + ironic.Endpoint, "--ironic-poll-interval=200ms",
		"--allow-test-bmc-schemes", "--leader-elect-lease-duration=3s",
		"--error-backoff-base=200ms", "--error-backoff-cap=2s",
	}
	a := framework.StartStandalone(t, serverBin, t.TempDir(), args...)
	b := framework.StartStandalone(t, serverBin, t.TempDir(), args...)

	leaderOf := func() (*framework.Server, *framework.Server) {
		var leader, standby *framework.Server
		_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			la, lb := strings.Contains(a.Output(), "Became leader"), strings.Contains(b.Output(), "Became leader")
			switch {
			case la && lb:
				t.Fatal("both replicas became leader")
			case la:
				leader, standby = a, b
			case lb:
				leader, standby = b, a
			}
			return leader != nil, nil
		})
		return leader, standby
	}
	leader, standby := leaderOf()
	if leader == nil {
		t.Fatalf("no replica became leader:\nA:\n%s\nB:\n%s", a.Output(), b.Output())
	}

	// Both serve the API; the standby sees what the leader's reconciler wrote.
	cs := standby.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	first := fakeHost(1)
	for _, s := range []*framework.Server{a, b} {
		writeCredentials(t, s, first.Spec.BMC.CredentialsName, "admin", "pw")
		writeCredentials(t, s, fakeHost(2).Spec.BMC.CredentialsName, "admin", "pw")
	}
	if _, err := hosts.Create(ctx, first, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, cs, "available under the first leader", 2*time.Minute, inState(v1alpha1.StateAvailable))
	if strings.Contains(standby.Output(), "State change") {
		t.Error("the standby reconciled while the leader was alive")
	}

	killedAt := time.Now()
	leader.Kill()
	if _, err := hosts.Create(ctx, fakeHost(2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, cs, "available under the new leader", 2*time.Minute, inState(v1alpha1.StateAvailable))
	if !strings.Contains(standby.Output(), "Became leader") {
		t.Fatal("the standby never became leader")
	}
	t.Logf("the standby took over and reconciled a new host %s after the leader died", time.Since(killedAt).Round(time.Millisecond))
}
