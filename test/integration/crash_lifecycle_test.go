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
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// ironicCounts are what Ironic itself logged doing to each node (by UUID): provision state
// transitions ("deploying", "cleaning", ...) and power changes it carried out.
type ironicCounts struct {
	states map[string]map[string]int
	power  map[string]int
}

var (
	ironicStateLine = regexp.MustCompile(`Node ([0-9a-f-]{36}) moved to provision state "([a-z ]+)"`)
	ironicPowerLine = regexp.MustCompile(`Successfully set node ([0-9a-f-]{36}) power state to`)
)

func countIronic(t *testing.T, ir *framework.Ironic) ironicCounts {
	t.Helper()
	log, err := ir.Log()
	if err != nil {
		log = ir.Output()
	}
	c := ironicCounts{states: map[string]map[string]int{}, power: map[string]int{}}
	for _, m := range ironicStateLine.FindAllStringSubmatch(log, -1) {
		if c.states[m[1]] == nil {
			c.states[m[1]] = map[string]int{}
		}
		c.states[m[1]][m[2]]++
	}
	for _, m := range ironicPowerLine.FindAllStringSubmatch(log, -1) {
		c.power[m[1]]++
	}
	return c
}

// TestCrashesDuringLifecycleOnIronic: 20 hosts go from creation to provisioned and on, on a
// real Ironic, while the server is killed with SIGKILL at 10 random moments and restarted over
// the same etcd (embedded, in its data dir). Every host converges, and Ironic's own log shows
// that no node was deployed twice and that none was inspected, cleaned or powered more often
// than a host that saw no crash: every decision came from the stored host and what Ironic
// reports, none from the dead process's memory.
func TestCrashesDuringLifecycleOnIronic(t *testing.T) {
	const hostCount, crashes = 20, 10
	// Four slots stretch the lifecycle (hosts wait for them, and a restart must rebuild them
	// from status), so the crashes land in every state.
	srv, cs, ironic := lifecycleServer(t, "--max-concurrent-provisioning=4")
	images := imageServer(t)
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("crash moments from seed %d (CRASH_SEED=%d reproduces them)", seed, seed)

	newHost := func(i int) *v1alpha1.BareMetalHost {
		h := fakeHost(i)
		h.Spec.Image = &v1alpha1.Image{URL: images + "/os.qcow2", Checksum: "0123456789abcdef0123456789abcdef", ChecksumType: "md5"}
		writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "password")
		return h
	}
	for i := 0; i < hostCount; i++ {
		if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctxFor(t), newHost(60+i), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	// The crashes are spread over the lifecycle: each comes 0.3 to 1.5 s after the server
	// restarted, so the reconciler gets somewhere in between.
	for k := 0; k < crashes; k++ {
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		t.Logf("crash %d at %s, hosts %s", k+1, time.Since(start).Round(time.Millisecond), provisionedCount(t, cs))
		srv.Kill()
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitReady(90 * time.Second); err != nil {
			t.Fatalf("restart %d after SIGKILL: %v", k+1, err)
		}
		cs = srv.Clientset(t)
	}
	waitAll(t, cs, "provisioned and on after the crashes", 4*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn && h.Status.ErrorMessage == ""
	})
	t.Logf("all %d hosts provisioned and on %s after creation, through %d crashes", hostCount, time.Since(start).Round(time.Millisecond), crashes)

	// A control host, created after the crashes, shows what the lifecycle alone costs.
	if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctxFor(t), newHost(90), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hosts := waitAll(t, cs, "the control host provisioned too", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})
	nodes := ironicNodes(t, ironic.Endpoint)
	counts := countIronic(t, ironic)
	control := nodes[ns+"~"+fakeHost(90).Name].UUID
	wantPower := counts.power[control]
	t.Logf("control host: Ironic transitions %v, power actions %d", counts.states[control], wantPower)
	if counts.states[control]["deploying"] != 1 {
		t.Fatalf("Ironic's log does not show the control host's deploy (transitions %v): the counts prove nothing", counts.states[control])
	}
	for _, h := range hosts {
		uuid := nodes[ns+"~"+h.Name].UUID
		if uuid == "" {
			t.Errorf("%s: no Ironic node", h.Name)
			continue
		}
		if d := counts.states[uuid]["deploying"]; d != 1 {
			t.Errorf("%s: Ironic deployed node %s %d times, want once", h.Name, uuid, d)
		}
		for _, step := range []string{"inspecting", "cleaning"} {
			if n, want := counts.states[uuid][step], counts.states[control][step]; n > want {
				t.Errorf("%s: node %s went through %s %d times, the lifecycle needs %d", h.Name, uuid, step, n, want)
			}
		}
		if p := counts.power[uuid]; p > wantPower {
			t.Errorf("%s: %d power actions on node %s, the lifecycle needs %d", h.Name, p, uuid, wantPower)
		}
	}
}

// provisionedCount says how far the hosts got, for the log.
func provisionedCount(t *testing.T, cs clientset.Interface) string {
	list, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctxFor(t), metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	states := map[v1alpha1.ProvisioningState]int{}
	for _, h := range list.Items {
		states[h.Status.Provisioning.State]++
	}
	return fmt.Sprint(states)
}
