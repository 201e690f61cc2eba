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
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	lifecycleHosts = 30
	leaderKills    = 5
)

// TestReplicasOnEtcdCluster runs three replicas on a three-member etcd cluster (TLS between
// members and to clients) with the Redfish simulator behind them, and in turn: kills the
// leading replica five times during 30 hosts' lifecycles, records actions on non-leaders, kills
// the leader once more in the middle of three reboots, and kills one and then two etcd members.
// One topology serves every step, so the tier stays short.
func TestReplicasOnEtcdCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	// 30 hosts for the lifecycles under kills and one control host with none.
	top := startTopology(t, lifecycleHosts+1, 3)
	if !t.Run("leader killed during 30 lifecycles", func(t *testing.T) { testLeaderKills(ctx, t, top) }) {
		return
	}
	t.Run("actions recorded on non-leaders", func(t *testing.T) { testNonLeaderActions(ctx, t, top) })
	t.Run("leader killed mid-reboot", func(t *testing.T) { testRebootTakeover(ctx, t, top) })
	t.Run("one etcd member killed", func(t *testing.T) { testEtcdMemberDown(ctx, t, top) })
	t.Run("etcd quorum lost and back", func(t *testing.T) { testQuorumLoss(ctx, t, top) })
}

// lifecycle is what the test asks of each host, one step after the other, through any
// replica: created with a live ISO and online (registered, inspected, provisioned: the ISO
// inserted, the boot override set and the host powered on into it), then powered off and on
// again through the power subresource.
type lifecycle struct {
	created, offAsked, onAsked bool
}

// progress counts the milestones a host passed, six at most: a number the kill moments are
// drawn over, so every kill lands in the middle of the lifecycles.
func progress(h *v1alpha1.BareMetalHost, l lifecycle) int {
	n := 0
	switch h.Status.Provisioning.State {
	case v1alpha1.StateInspecting:
		n = 1
	case v1alpha1.StateAvailable, v1alpha1.StatePreparing, v1alpha1.StateProvisioning:
		n = 2
	case v1alpha1.StateProvisioned:
		n = 3
	}
	switch {
	case l.onAsked && h.Status.PoweredOn:
		n += 3
	case l.offAsked && !h.Status.PoweredOn:
		n += 2
	case n == 3 && h.Status.PoweredOn:
		n++
	}
	return n
}

const milestones = 6

// stallAfter is how long the hosts may make no progress at all: a failover takes a lease
// (5 s) and a campaign, every other step a second or two.
const stallAfter = 20 * time.Second

func testLeaderKills(ctx context.Context, t *testing.T, top *topology) {
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("CLUSTER_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("kill moments from seed %d (CLUSTER_SEED=%d reproduces them)", seed, seed)
	// Each kill comes when the hosts' summed progress passes a threshold drawn at random over
	// the whole lifecycle; thresholds are distinct, so kills land in different phases.
	total := lifecycleHosts * milestones
	var thresholds []int
	for len(thresholds) < leaderKills {
		th := 5 + rng.IntN(total-10)
		if !slices.Contains(thresholds, th) {
			thresholds = append(thresholds, th)
		}
	}
	slices.Sort(thresholds)
	t.Logf("kills when the 30 hosts' progress passes %v of %d milestones", thresholds, total)

	ids := top.sim.SystemIDs()[:lifecycleHosts]
	before := countersOf(top.sim, ids)
	first, _, err := top.waitLeader(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replica %d leads", first)

	var (
		mu       sync.Mutex
		current  int // progress, written by the driver, read by the killer
		lastMove = time.Now()
		uids     = map[string]types.UID{}
		failover []time.Duration
		killDone = make(chan error, 1)
	)
	start := time.Now()
	// The killer: at each threshold it kills the leader with SIGKILL, measures until another
	// replica leads, and starts the dead one again (as its Deployment would) to stand by. It
	// logs, so it must be over before this step returns, whichever way it ends.
	killerCtx, stopKiller := context.WithCancel(ctx)
	killerExited := make(chan struct{})
	defer func() {
		stopKiller()
		<-killerExited
	}()
	go func() {
		defer close(killerExited)
		ctx := killerCtx
		killDone <- func() error {
			for k, th := range thresholds {
				if err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
					mu.Lock()
					defer mu.Unlock()
					return current >= th, nil
				}); err != nil {
					return fmt.Errorf("kill %d: progress never passed %d: %w", k+1, th, err)
				}
				leader, _, err := top.waitLeader(ctx, 30*time.Second)
				if err != nil {
					return fmt.Errorf("kill %d: %w", k+1, err)
				}
				mu.Lock()
				at := current
				mu.Unlock()
				killed := time.Now()
				top.replica(leader).Kill()
				next, seen, err := top.waitLeader(ctx, 30*time.Second)
				if err != nil {
					return fmt.Errorf("kill %d: after replica %d died: %w", k+1, leader, err)
				}
				took := seen.Sub(killed)
				mu.Lock()
				failover = append(failover, took)
				mu.Unlock()
				t.Logf("kill %d at %s (progress %d/%d): replica %d killed, replica %d leads %s later",
					k+1, time.Since(start).Round(time.Millisecond), at, total, leader, next, took.Round(time.Millisecond))
				if err := top.restart(leader); err != nil {
					return fmt.Errorf("restarting replica %d: %w", leader, err)
				}
			}
			return nil
		}()
	}()

	// The driver: creates the hosts, then moves each host on as soon as its status allows,
	// through the replicas in turn (any replica serves any request).
	steps := map[string]*lifecycle{}
	for _, id := range ids {
		steps[hostName(id)] = &lifecycle{}
	}
	turn := 0
	for i, id := range ids {
		h := top.liveISOHost(id)
		err := top.onAnyReplica(ctx, i, func(cs clientset.Interface) error {
			created, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{})
			if err == nil {
				uids[h.Name] = created.UID
			}
			return err
		})
		if err != nil {
			t.Fatalf("creating %s: %v", h.Name, err)
		}
		steps[h.Name].created = true
	}
	done := false
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 4*time.Minute, true, func(ctx context.Context) (bool, error) {
		turn++
		var list *v1alpha1.BareMetalHostList
		if err := top.onAnyReplica(ctx, turn, func(cs clientset.Interface) error {
			var err error
			list, err = cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
			return err
		}); err != nil {
			return false, err
		}
		sum, finished := 0, 0
		for i := range list.Items {
			h := &list.Items[i]
			l := steps[h.Name]
			if l == nil {
				continue
			}
			if h.Status.ErrorMessage != "" {
				t.Logf("host %s reports an error in %s: %s", h.Name, h.Status.Provisioning.State, h.Status.ErrorMessage)
			}
			provisionedOn := h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
			switch {
			case !l.offAsked && provisionedOn:
				if err := top.onAnyReplica(ctx, turn+i, func(cs clientset.Interface) error { return setPower(ctx, cs, h.Name, v1alpha1.PowerOff) }); err != nil {
					return false, err
				}
				l.offAsked = true
			case l.offAsked && !l.onAsked && !h.Status.PoweredOn:
				if err := top.onAnyReplica(ctx, turn+i, func(cs clientset.Interface) error { return setPower(ctx, cs, h.Name, v1alpha1.PowerOn) }); err != nil {
					return false, err
				}
				l.onAsked = true
			case l.onAsked && provisionedOn:
				finished++
			}
			sum += progress(h, *l)
		}
		mu.Lock()
		if sum != current {
			lastMove = time.Now()
		}
		current = sum
		mu.Unlock()
		if time.Since(lastMove) > stallAfter {
			// A leader that leads and does nothing: its goroutines say why.
			if leader, err := top.leader(ctx); err == nil && leader >= 0 {
				// And this process's, where the simulator runs.
				var own strings.Builder
				_ = pprof.Lookup("goroutine").WriteTo(&own, 2)
				framework.SaveLog(t, "test-process-goroutines", own.String())
				top.saveLeaderGoroutines(ctx, t, "stalled-leader")
				top.replica(leader).Dump()
				return false, fmt.Errorf("no host moved for %s while replica %d leads (its goroutines are in its output)", stallAfter, leader)
			}
		}
		done = finished == lifecycleHosts
		// The lifecycles are over only once every kill happened in their middle.
		select {
		case err := <-killDone:
			if err != nil {
				return false, err
			}
			killDone = nil
		default:
		}
		return done && killDone == nil, nil
	})
	if err != nil {
		t.Fatalf("lifecycles (kills: %v): %v", failover, err)
	}
	t.Logf("%d hosts registered, inspected, provisioned, powered off and on in %s through %d leader kills",
		lifecycleHosts, time.Since(start).Round(time.Millisecond), leaderKills)
	slices.Sort(failover)
	t.Logf("failover times (kill -> another replica leads; lease %s): %v, max %s", leaseDuration, failover, failover[len(failover)-1].Round(time.Millisecond))
	for _, f := range failover {
		if f > 15*time.Second {
			t.Errorf("a failover took %s, more than 15s", f.Round(time.Millisecond))
		}
	}

	// The control host lives the same lifecycle with no kill: what one lifecycle costs the BMC.
	control := top.sim.SystemIDs()[lifecycleHosts]
	controlBefore := countersOf(top.sim, []string{control})[control]
	runControlLifecycle(ctx, t, top, control)
	want := sub(countersOf(top.sim, []string{control})[control], controlBefore)
	t.Logf("one lifecycle needs: %d resets, %d boots, %d media inserts", want.Resets, want.Boots, want.MediaInserts)
	if want.MediaInserts != 1 || want.Boots < 2 {
		t.Fatalf("the control lifecycle did not insert and boot as expected (%+v): the counts prove nothing", want)
	}

	// Zero duplicated BMC actions: each host got exactly what its lifecycle needs.
	after := countersOf(top.sim, ids)
	var resets, boots, inserts int64
	for _, id := range ids {
		got := sub(after[id], before[id])
		resets, boots, inserts = resets+got.Resets, boots+got.Boots, inserts+got.MediaInserts
		if got.Resets != want.Resets || got.Boots != want.Boots || got.MediaInserts != want.MediaInserts || got.MediaEjects != want.MediaEjects {
			t.Errorf("%s (system %s): %d resets, %d boots, %d inserts, %d ejects; the lifecycle needs %d, %d, %d, %d",
				hostName(id), id, got.Resets, got.Boots, got.MediaInserts, got.MediaEjects, want.Resets, want.Boots, want.MediaInserts, want.MediaEjects)
		}
	}
	t.Logf("BMC actions of the 30 lifecycles: %d resets, %d boots, %d media inserts (needed: %d, %d, %d)",
		resets, boots, inserts, want.Resets*lifecycleHosts, want.Boots*lifecycleHosts, want.MediaInserts*lifecycleHosts)

	// Zero lost objects: every host is there, the same object (UID) as created, on every replica.
	for _, i := range top.live() {
		list, err := top.client(i).BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, h := range list.Items {
			if uid, ok := uids[h.Name]; ok {
				seen++
				if h.UID != uid {
					t.Errorf("replica %d: %s has UID %s, created as %s", i, h.Name, h.UID, uid)
				}
			}
		}
		if seen != lifecycleHosts {
			t.Errorf("replica %d lists %d of the %d hosts", i, seen, lifecycleHosts)
		}
	}
}

// runControlLifecycle takes one host through the same lifecycle with no kill.
func runControlLifecycle(ctx context.Context, t *testing.T, top *topology, id string) {
	t.Helper()
	name := hostName(id)
	cs := top.client(top.live()[0])
	if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, top.liveISOHost(id), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHost(ctx, t, cs, name, "provisioned and on", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})
	if err := setPower(ctx, cs, name, v1alpha1.PowerOff); err != nil {
		t.Fatal(err)
	}
	waitHost(ctx, t, cs, name, "off", time.Minute, func(h *v1alpha1.BareMetalHost) bool { return !h.Status.PoweredOn })
	if err := setPower(ctx, cs, name, v1alpha1.PowerOn); err != nil {
		t.Fatal(err)
	}
	waitHost(ctx, t, cs, name, "on again", time.Minute, func(h *v1alpha1.BareMetalHost) bool { return h.Status.PoweredOn })
}

// waitHost polls one host until cond holds.
func waitHost(ctx context.Context, t *testing.T, cs clientset.Interface, name, what string, timeout time.Duration, cond func(*v1alpha1.BareMetalHost) bool) *v1alpha1.BareMetalHost {
	t.Helper()
	var last *v1alpha1.BareMetalHost
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		h, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = h
		return cond(h), nil
	})
	if err != nil {
		state := "never read"
		if last != nil {
			state = fmt.Sprintf("state %s, poweredOn %v, error %q", last.Status.Provisioning.State, last.Status.PoweredOn, last.Status.ErrorMessage)
		}
		t.Fatalf("host %s: not %s within %s (%s)", name, what, timeout, state)
	}
	return last
}

func countersOf(sim *simredfish.Simulator, ids []string) map[string]simredfish.Counters {
	m := map[string]simredfish.Counters{}
	for _, id := range ids {
		m[id] = sim.System(id).Counters()
	}
	return m
}

// sub is the BMC actions between two readings.
func sub(a, b simredfish.Counters) simredfish.Counters {
	return simredfish.Counters{
		Resets: a.Resets - b.Resets, Boots: a.Boots - b.Boots, BootPatches: a.BootPatches - b.BootPatches,
		MediaInserts: a.MediaInserts - b.MediaInserts, MediaEjects: a.MediaEjects - b.MediaEjects,
	}
}
