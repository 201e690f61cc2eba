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
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// lostLead is what pkg/leaderelection logs when its etcd session expires.
const lostLead = "Lost the lead: etcd session expired"

// etcdLeader is the index of the member that leads the etcd cluster, asked of each member.
func etcdLeader(ctx context.Context, t *testing.T, top *topology) int {
	t.Helper()
	for i, m := range top.etcd.Members {
		if !m.Running() {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		st, err := top.kv.Status(rctx, m.ClientURL)
		cancel()
		if err == nil && st.Leader == st.Header.MemberId {
			return i
		}
	}
	t.Fatal("no etcd member leads")
	return -1
}

// apiRequests are the requests the etcd tests make of each replica: reads and writes of
// hosts, through the generic registry, so every one needs etcd.
var apiRequests = []struct {
	name string
	do   func(ctx context.Context, cs clientset.Interface, n int) error
}{
	{"get", func(ctx context.Context, cs clientset.Interface, n int) error {
		_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, hostName("1"), metav1.GetOptions{})
		return err
	}},
	{"list", func(ctx context.Context, cs clientset.Interface, n int) error {
		_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
		return err
	}},
	{"patch", func(ctx context.Context, cs clientset.Interface, n int) error {
		patch := fmt.Sprintf(`{"metadata":{"labels":{"cluster-test":"patch-%d"}}}`, n)
		_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Patch(ctx, hostName("2"), types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	}},
}

// testEtcdMemberDown kills the member that leads etcd: every request to every replica keeps
// working within the client's retry (client-go's retry.OnError on errors a client retries:
// 5xx, timeouts, connection errors), the reconciler keeps acting, and the member rejoins.
func testEtcdMemberDown(ctx context.Context, t *testing.T, top *topology) {
	defer top.dumpLeaderOnFailure(ctx, t)
	victim := etcdLeader(ctx, t, top)
	reconciler, _, err := top.waitLeader(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	top.etcd.Members[victim].Kill()
	t.Logf("etcd member %s (the raft leader) killed", top.etcd.Members[victim].Name)

	var (
		mu       sync.Mutex
		total    int
		retried  int
		failures []string
	)
	// Three rounds of every request on every replica while the member is down.
	for round := 0; round < 3; round++ {
		for _, i := range top.live() {
			for _, r := range apiRequests {
				attempts := 0
				err := retry.OnError(wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 6, Cap: 2 * time.Second}, clientRetriable, func() error {
					attempts++
					rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					defer cancel()
					return r.do(rctx, top.client(i), round)
				})
				mu.Lock()
				total++
				if attempts > 1 {
					retried++
				}
				if err != nil {
					failures = append(failures, fmt.Sprintf("replica %d %s: %v", i, r.name, err))
				}
				mu.Unlock()
			}
		}
	}
	t.Logf("with one etcd member down: %d requests, %d needed a retry, %d failed", total, retried, len(failures))
	for _, f := range failures {
		t.Error(f)
	}

	// The reconciler still acts: a power action on a host reaches its BMC.
	id := "11"
	sys := top.sim.System(id)
	if err := top.onAnyReplica(ctx, 0, func(cs clientset.Interface) error { return setPower(ctx, cs, hostName(id), v1alpha1.PowerOff) }); err != nil {
		t.Fatal(err)
	}
	waitSimPower(ctx, t, sys, simredfish.PowerOff)
	if err := top.onAnyReplica(ctx, 0, func(cs clientset.Interface) error { return setPower(ctx, cs, hostName(id), v1alpha1.PowerOn) }); err != nil {
		t.Fatal(err)
	}
	waitSimPower(ctx, t, sys, simredfish.PowerOn)
	if now, _, err := top.waitLeader(ctx, 30*time.Second); err != nil || now != reconciler {
		t.Logf("the reconciler's lead moved from replica %d to %d (%v) while a member was down", reconciler, now, err)
	}

	m := top.etcd.Members[victim]
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	if err := top.etcd.WaitHealthy(time.Minute, m); err != nil {
		t.Fatal(err)
	}
	t.Logf("member %s back and healthy %s after it was killed", m.Name, time.Since(killed).Round(time.Millisecond))
}

// clientRetriable are the errors a client retries: the server could not answer now.
func clientRetriable(err error) bool {
	return apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) || isTransport(err)
}

// isTransport is an error below HTTP: a timeout or a broken connection.
func isTransport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

// serverFailure is what a request may get when the store cannot answer: 5xx or a timeout.
func serverFailure(err error) bool {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status().Code >= 500
	}
	return isTransport(err)
}

func waitSimPower(ctx context.Context, t *testing.T, sys *simredfish.System, want simredfish.PowerState) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return sys.PowerState() == want, nil
	}); err != nil {
		t.Fatalf("system %s never %s (it is %s)", sys.ID(), want, sys.PowerState())
	}
}

// testQuorumLoss kills two of the three members. Every request then fails with a 5xx or times
// out (a success would have to be right, and no 4xx may claim something about the objects);
// the reconciler stops leading when its etcd session lapses. With the members back: requests
// work again, a replica leads again, an action reaches its BMC, no object changed but the
// ones written, and the members' key-value stores hash the same.
func testQuorumLoss(ctx context.Context, t *testing.T, top *topology) {
	before := snapshotHosts(ctx, t, top)
	var victims []*framework.EtcdMember
	for _, m := range top.etcd.Members {
		if len(victims) < 2 {
			victims = append(victims, m)
		}
	}
	lostLeads := strings.Count(top.allOutput(), lostLead)
	lost := time.Now()
	for _, m := range victims {
		m.Kill()
	}
	t.Logf("etcd members %s and %s killed: no quorum", victims[0].Name, victims[1].Name)
	// The leader's session cannot be kept alive without quorum: it stops reconciling once the
	// lease it last renewed runs out, so it cannot act on a store it cannot write.
	steppedDown := make(chan time.Duration, 1)
	go func() {
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 3*leaseDuration, true, func(context.Context) (bool, error) {
			return strings.Count(top.allOutput(), lostLead) > lostLeads, nil
		})
		if err != nil {
			steppedDown <- -1
			return
		}
		steppedDown <- time.Since(lost)
	}()

	// Each request once on each replica, at the same time, bounded by the client's timeout.
	type outcome struct {
		replica int
		what    string
		err     error
		took    time.Duration
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		wg       sync.WaitGroup
	)
	requests := append(slices.Clone(apiRequests), struct {
		name string
		do   func(ctx context.Context, cs clientset.Interface, n int) error
	}{"create", func(ctx context.Context, cs clientset.Interface, n int) error {
		h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("during-outage-%d", n), Namespace: ns},
			Spec: v1alpha1.BareMetalHostSpec{Online: false}}
		_, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{})
		return err
	}})
	for _, i := range top.live() {
		for _, r := range requests {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rctx, cancel := context.WithTimeout(ctx, 8*time.Second)
				defer cancel()
				start := time.Now()
				err := r.do(rctx, top.client(i), 100+i)
				mu.Lock()
				outcomes = append(outcomes, outcome{i, r.name, err, time.Since(start)})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	failed := 0
	for _, o := range outcomes {
		switch {
		case o.err == nil && (o.what == "get" || o.what == "list"):
			// Not expected (reads need the quorum), but not wrong as long as it is right;
			// the snapshot comparison below checks the objects.
			t.Logf("replica %d: %s answered without quorum", o.replica, o.what)
		case o.err == nil:
			t.Errorf("replica %d: %s succeeded without quorum", o.replica, o.what)
		case !serverFailure(o.err):
			t.Errorf("replica %d: %s without quorum answered %v: a wrong answer, not a failure", o.replica, o.what, o.err)
		default:
			failed++
			t.Logf("replica %d: %s failed after %s: %v", o.replica, o.what, o.took.Round(time.Millisecond), o.err)
		}
	}
	t.Logf("without quorum: %d of %d requests failed with a 5xx or a timeout", failed, len(outcomes))
	if d := <-steppedDown; d < 0 {
		t.Errorf("the reconciler's leader did not step down within %s without quorum", 3*leaseDuration)
	} else {
		t.Logf("the leader stepped down %s after quorum was lost (lease %s)", d.Round(time.Millisecond), leaseDuration)
	}

	back := time.Now()
	for _, m := range victims {
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
	}
	if err := top.etcd.WaitHealthy(time.Minute, top.etcd.Members...); err != nil {
		t.Fatal(err)
	}
	etcdBack := time.Since(back)
	// Every replica serves again.
	for _, i := range top.live() {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err := top.client(i).BaremetalV1alpha1().BareMetalHosts(ns).List(rctx, metav1.ListOptions{})
			return err == nil, nil
		})
		if err != nil {
			t.Fatalf("replica %d never served again after quorum returned", i)
		}
	}
	served := time.Since(back)
	leader, seen, err := top.waitLeader(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quorum lost for %s; members healthy %s after restarting, every replica serving after %s, replica %d leads after %s",
		back.Sub(lost).Round(time.Millisecond), etcdBack.Round(time.Millisecond), served.Round(time.Millisecond), leader, seen.Sub(back).Round(time.Millisecond))

	// Nothing corrupted: the hosts are the ones stored before (spec, UID), and a host created
	// during the outage exists whole or not at all.
	after := snapshotHosts(ctx, t, top)
	for name, h := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("host %s lost", name)
		case a.uid != h.uid || a.spec != h.spec:
			t.Errorf("host %s changed across the outage", name)
		}
	}
	for name, a := range after {
		if _, ok := before[name]; !ok {
			// Only a create that timed out may have been committed, and then as it was sent.
			if !strings.HasPrefix(name, "during-outage-") || a.uid == "" || a.online || a.bmc != "" {
				t.Errorf("host %s appeared across the outage, not as any create sent during it (online %v, BMC %q)", name, a.online, a.bmc)
			}
			t.Logf("host %s, created during the outage, was committed once quorum returned", name)
		}
	}
	checkHashKV(ctx, t, top)

	// The reconciler acts again.
	id := "12"
	sys := top.sim.System(id)
	if err := top.onAnyReplica(ctx, 0, func(cs clientset.Interface) error { return setPower(ctx, cs, hostName(id), v1alpha1.PowerOff) }); err != nil {
		t.Fatal(err)
	}
	waitSimPower(ctx, t, sys, simredfish.PowerOff)
}

type hostSnapshot struct {
	uid    types.UID
	spec   string
	online bool
	bmc    string
}

// snapshotHosts reads every host's UID and spec (without the label the tests patch).
func snapshotHosts(ctx context.Context, t *testing.T, top *topology) map[string]hostSnapshot {
	t.Helper()
	var list *v1alpha1.BareMetalHostList
	if err := top.onAnyReplica(ctx, 0, func(cs clientset.Interface) error {
		var err error
		list, err = cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m := map[string]hostSnapshot{}
	for _, h := range list.Items {
		spec := h.Spec.DeepCopy()
		m[h.Name] = hostSnapshot{uid: h.UID, spec: fmt.Sprintf("%+v", *spec), online: h.Spec.Online, bmc: h.Spec.BMC.Address}
	}
	return m
}

// checkHashKV compares the members' key-value stores at one revision: a member that applied
// something the others did not (or lost something) hashes differently.
func checkHashKV(ctx context.Context, t *testing.T, top *topology) {
	t.Helper()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := top.kv.Get(rctx, "compare-revision")
	if err != nil {
		t.Fatal(err)
	}
	rev := resp.Header.Revision
	// Each member must have applied rev before its hash at rev means anything.
	hashes := map[string]uint32{}
	for _, m := range top.etcd.Members {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			h, err := top.kv.HashKV(ctx, m.ClientURL, rev)
			if err != nil {
				return false, nil
			}
			hashes[m.Name] = h.Hash
			return true, nil
		})
		if err != nil {
			t.Fatalf("HashKV of member %s at revision %d: %v", m.Name, rev, err)
		}
	}
	first := hashes[top.etcd.Members[0].Name]
	for name, h := range hashes {
		if h != first {
			t.Errorf("member %s hashes its store at revision %d to %d, member %s to %d", name, rev, h, top.etcd.Members[0].Name, first)
		}
	}
	t.Logf("the 3 members' stores hash the same at revision %d", rev)
}
