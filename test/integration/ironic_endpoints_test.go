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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/sharded"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestIronicEndpointsAddAndRemove runs the server on Ironic A, then on B and A, then on B only
// (two real Ironics, each with its own database), restarting it in between with other
// --ironic-endpoint flags: hosts registered on A stay on A when B is added (their status
// records A; new hosts are spread by the hash of their UID), and when A is removed its hosts
// report that in status and are never registered on B.
func TestIronicEndpointsAddAndRemove(t *testing.T) {
	a, b := framework.StartIronic(t), framework.StartIronic(t)
	args := func(endpoints string) []string {
		return []string{"--provisioner=ironic", "--ironic-endpoint=" + endpoints, "--ironic-poll-interval=200ms",
			"--allow-test-bmc-schemes", "--power-poll-interval=2s", "--error-backoff-base=200ms", "--error-backoff-cap=2s"}
	}
	srv := framework.StartStandalone(t, serverBin, t.TempDir(), args(a.Endpoint)...)
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	restart := func(endpoints string) {
		t.Helper()
		if err := srv.Stop(30 * time.Second); err != nil {
			t.Fatal(err)
		}
		srv.ExtraArgs = args(endpoints)
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitReady(90 * time.Second); err != nil {
			t.Fatal(err)
		}
		cs = srv.Clientset(t)
		hosts = cs.BaremetalV1alpha1().BareMetalHosts(ns)
	}
	create := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			h := fakeHost(i)
			writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "pw")
			if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// onlyIn checks that each host's node is in the Ironic its status names, and only there.
	onlyIn := func(list []v1alpha1.BareMetalHost) {
		t.Helper()
		nodes := map[string]map[string]ironicNode{a.Endpoint: ironicNodes(t, a.Endpoint), b.Endpoint: ironicNodes(t, b.Endpoint)}
		for _, h := range list {
			for e, in := range nodes {
				n, ok := in[ns+"~"+h.Name]
				if want := e == h.Status.Provisioning.Endpoint; ok != want || (ok && n.UUID != h.Status.Provisioning.ID) {
					t.Errorf("%s (endpoint %q, ID %s): node in %s: %t (%s), want %t", h.Name, h.Status.Provisioning.Endpoint,
						h.Status.Provisioning.ID, e, ok, n.UUID, want)
				}
			}
		}
	}

	t.Run("one endpoint: every host recorded on it", func(t *testing.T) {
		create(0, 3)
		for _, h := range waitAll(t, cs, "available", 4*time.Minute, inState(v1alpha1.StateAvailable)) {
			if h.Status.Provisioning.Endpoint != a.Endpoint {
				t.Errorf("%s: endpoint %q, want %s", h.Name, h.Status.Provisioning.Endpoint, a.Endpoint)
			}
		}
	})
	onA := map[string]string{}
	list, err := hosts.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range list.Items {
		onA[h.Name] = h.Status.Provisioning.ID
	}

	t.Run("endpoint B added first: the hosts on A stay on A, new ones are spread", func(t *testing.T) {
		// B first: what is recorded wins over the order (the first endpoint only matters
		// for hosts registered before endpoints were recorded).
		restart(b.Endpoint + "," + a.Endpoint)
		create(3, 9)
		list := waitAll(t, cs, "available", 4*time.Minute, inState(v1alpha1.StateAvailable))
		for _, h := range list {
			if id, old := onA[h.Name]; old {
				if h.Status.Provisioning.Endpoint != a.Endpoint || h.Status.Provisioning.ID != id {
					t.Errorf("%s moved: endpoint %q ID %s, was %s on %s", h.Name, h.Status.Provisioning.Endpoint, h.Status.Provisioning.ID, id, a.Endpoint)
				}
				continue
			}
			if want := sharded.Rendezvous(string(h.UID), []string{b.Endpoint, a.Endpoint}); h.Status.Provisioning.Endpoint != want {
				t.Errorf("%s: endpoint %q, want %s (the hash of its UID)", h.Name, h.Status.Provisioning.Endpoint, want)
			}
		}
		onlyIn(list)
		// Each endpoint has its own slots, and its own slot gauges (all free: every host rests).
		metrics, err := srv.Kubectl(t, kubectlBin, "get", "--raw", "/metrics")
		if err != nil {
			t.Fatalf("GET /metrics: %v", err)
		}
		for _, e := range []string{a.Endpoint, b.Endpoint} {
			for _, m := range []string{"baremetal_provisioning_slots_in_use", "baremetal_hosts_delayed"} {
				if want := m + `{endpoint="` + e + `"} 0`; !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		}
		// A host on A is still driven through A: powered off there.
		h, err := hosts.Get(ctx, "node-00", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h.Spec.Online = false
		if _, err := hosts.Update(ctx, h, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitAll(t, cs, "node-00 powered off", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Name != "node-00" || !h.Status.PoweredOn
		})
		if n := ironicNodes(t, a.Endpoint)[ns+"~node-00"]; n.PowerState == nil || *n.PowerState != "power off" {
			t.Errorf("node-00 in Ironic A: power %v, want power off", n.PowerState)
		}
	})

	t.Run("endpoint A removed: its hosts report it and stay where they are", func(t *testing.T) {
		restart(b.Endpoint)
		list := waitAll(t, cs, "reporting their endpoint or fine", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			if h.Status.Provisioning.Endpoint == a.Endpoint {
				return strings.Contains(h.Status.ErrorMessage, a.Endpoint) && strings.Contains(h.Status.ErrorMessage, "no longer configured")
			}
			return h.Status.ErrorMessage == "" && h.Status.Provisioning.State == v1alpha1.StateAvailable
		})
		for _, h := range list {
			if h.Name == "node-00" {
				t.Logf("node-00: %s: %s", h.Status.ErrorType, h.Status.ErrorMessage)
			}
			if id, old := onA[h.Name]; old && (h.Status.Provisioning.Endpoint != a.Endpoint || h.Status.Provisioning.ID != id) {
				t.Errorf("%s moved off the removed endpoint: %q ID %s", h.Name, h.Status.Provisioning.Endpoint, h.Status.Provisioning.ID)
			}
		}
		onlyIn(list)
	})
}
