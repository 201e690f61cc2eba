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
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestReplicasOnEtcdClusterWithIronic is the Ironic scenario: three replicas on the etcd
// cluster drive a real Ironic (fake-hardware), and the leader is SIGKILLed twice while ten
// hosts are inspected, cleaned, deployed and powered on. Ironic's own log shows each node
// deployed once and no node inspected, cleaned or powered more often than a control host that
// saw no kill: Ironic holds the state of each operation, and every replica decides from it.
func TestReplicasOnEtcdClusterWithIronic(t *testing.T) {
	const hostCount, kills = 10, 2
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ironic := framework.StartIronic(t)
	var secrets []string
	for i := 0; i <= hostCount; i++ {
		secrets = append(secrets, ironicHost(i, "").Spec.BMC.CredentialsName)
	}
	// Four provisioning slots stretch the lifecycles, so the kills land in every state.
	top := startReplicas(t, 3, secrets, "--provisioner=ironic", "--ironic-endpoint="+ironic.Endpoint,
		"--ironic-poll-interval=200ms", "--allow-test-bmc-schemes", "--max-concurrent-provisioning=4")
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Ironic checks an image URL with a HEAD request even for fake-hardware.
		w.Header().Set("Content-Length", "1048576")
	}))
	t.Cleanup(images.Close)

	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("CLUSTER_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	// A kill when this many hosts are provisioned: two distinct counts, never all of them.
	at := []int{rng.IntN(hostCount / 2), hostCount/2 + rng.IntN(hostCount/2-1)}
	t.Logf("kills when %v of %d hosts are provisioned (seed %d, CLUSTER_SEED repeats it)", at, hostCount, seed)

	for i := 0; i < hostCount; i++ {
		h := ironicHost(i, images.URL)
		if err := top.onAnyReplica(ctx, i, func(cs clientset.Interface) error {
			_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	provisioned := func() (int, int) {
		var list *v1alpha1.BareMetalHostList
		_ = top.onAnyReplica(ctx, 0, func(cs clientset.Interface) error {
			var err error
			list, err = cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
			return err
		})
		n, on := 0, 0
		for _, h := range list.Items {
			if h.Status.Provisioning.State == v1alpha1.StateProvisioned {
				n++
				if h.Status.PoweredOn {
					on++
				}
			}
		}
		return n, on
	}
	for k, threshold := range at {
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 3*time.Minute, true, func(context.Context) (bool, error) {
			n, _ := provisioned()
			return n >= threshold, nil
		}); err != nil {
			t.Fatalf("kill %d: %d hosts never provisioned", k+1, threshold)
		}
		leader, _, err := top.waitLeader(ctx, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		top.replica(leader).Kill()
		next, seen, err := top.waitLeader(ctx, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("kill %d at %s: replica %d killed, replica %d leads %s later", k+1, time.Since(start).Round(time.Millisecond),
			leader, next, seen.Sub(killed).Round(time.Millisecond))
		if err := top.restart(leader); err != nil {
			t.Fatal(err)
		}
	}
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 3*time.Minute, true, func(context.Context) (bool, error) {
		_, on := provisioned()
		return on == hostCount, nil
	}); err != nil {
		n, on := provisioned()
		t.Fatalf("after the kills: %d of %d hosts provisioned, %d on", n, hostCount, on)
	}
	t.Logf("%d hosts provisioned and on %s after creation, through %d leader kills", hostCount, time.Since(start).Round(time.Millisecond), kills)

	// The control host: what one lifecycle costs in Ironic, with no kill.
	control := ironicHost(hostCount, images.URL)
	if _, err := top.client(top.live()[0]).BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, control, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHost(ctx, t, top.client(top.live()[0]), control.Name, "provisioned and on", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})
	log, err := ironic.Log()
	if err != nil {
		t.Fatal(err)
	}
	nodes := ironicNodeUUIDs(t, ironic.Endpoint)
	counts := countIronicLog(log)
	want := counts[nodes[ns+"~"+control.Name]]
	t.Logf("control host: Ironic transitions %v", want)
	if want["deploying"] != 1 {
		t.Fatalf("Ironic's log does not show the control host's deploy (%v): the counts prove nothing", want)
	}
	for i := 0; i < hostCount; i++ {
		name := ironicHost(i, "").Name
		uuid := nodes[ns+"~"+name]
		got := counts[uuid]
		if uuid == "" {
			t.Errorf("%s: no Ironic node in Ironic's log", name)
			continue
		}
		for _, step := range []string{"deploying", "inspecting", "cleaning", "power"} {
			if got[step] > want[step] {
				t.Errorf("%s: node %s %s %d times, the lifecycle needs %d", name, uuid, step, got[step], want[step])
			}
		}
	}
}

// ironicHost is a fake-hardware host with an image (none when images is empty).
func ironicHost(i int, images string) *v1alpha1.BareMetalHost {
	name := fmt.Sprintf("ironic-%02d", i)
	h := &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: fmt.Sprintf("52:54:00:aa:00:%02x", i),
			BMC:            v1alpha1.BMCDetails{Address: fmt.Sprintf("fake://192.0.2.%d", 100+i), CredentialsName: name + "-bmc"},
		},
	}
	if images != "" {
		h.Spec.Image = &v1alpha1.Image{URL: images + "/os.qcow2", Checksum: "0123456789abcdef0123456789abcdef", ChecksumType: "md5"}
	}
	return h
}

var (
	ironicStateLine = regexp.MustCompile(`Node ([0-9a-f-]{36}) moved to provision state "([a-z ]+)"`)
	ironicPowerLine = regexp.MustCompile(`Successfully set node ([0-9a-f-]{36}) power state to`)
)

// countIronicLog counts, per node UUID, what Ironic logged doing: provision-state transitions
// and power changes ("power").
func countIronicLog(log string) map[string]map[string]int {
	c := map[string]map[string]int{}
	add := func(uuid, what string) {
		if c[uuid] == nil {
			c[uuid] = map[string]int{}
		}
		c[uuid][what]++
	}
	for _, m := range ironicStateLine.FindAllStringSubmatch(log, -1) {
		add(m[1], m[2])
	}
	for _, m := range ironicPowerLine.FindAllStringSubmatch(log, -1) {
		add(m[1], "power")
	}
	return c
}

// ironicNodeUUIDs maps node names (namespace~name, as the server names nodes) to UUIDs, from
// Ironic's API.
func ironicNodeUUIDs(t *testing.T, endpoint string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/v1/nodes?fields=uuid,name", nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("listing Ironic nodes: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Nodes []struct{ UUID, Name string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, n := range body.Nodes {
		if _, dup := m[n.Name]; dup {
			t.Errorf("Ironic has two nodes named %s", n.Name)
		}
		m[n.Name] = n.UUID
	}
	return m
}
