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

package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// claimResult is what one claim-binding run found.
type claimResult struct {
	bound, waiting int
	elapsed        time.Duration
}

func (r claimResult) perSecond() float64 { return float64(r.bound) / r.elapsed.Seconds() }

// runClaimBinding fills a fresh server (API only) with hosts available, inspected hosts, then
// creates claims HostClaims matching them from clients clients at once, and measures from the
// first create to the last answer (a claim binds in its create). It fails if a host is held
// twice, or if the bound and waiting claims do not add up.
func runClaimBinding(tb testing.TB, hosts, claims, clients int) claimResult {
	serverBin, err := framework.ServerBinary()
	if err != nil {
		tb.Fatal(err)
	}
	srv := framework.StartStandalone(tb, serverBin, tb.TempDir())
	cfg, err := srv.RESTConfig()
	if err != nil {
		tb.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 5000, 5000
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	const ns = "pool"

	each := func(n int, fn func(cs *clientset.Clientset, i int) error) {
		var wg sync.WaitGroup
		var next atomic.Int64
		errs := make(chan error, clients)
		for range clients {
			cs := clientset.NewForConfigOrDie(cfg)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					if err := fn(cs, i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			tb.Fatal(err)
		}
	}
	each(hosts, func(cs *clientset.Clientset, i int) error {
		h, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("host-%05d", i), Labels: map[string]string{"pool": "compute"}},
			Spec: v1alpha1.BareMetalHostSpec{Online: true, BootMACAddress: "52:54:00:00:00:01", BMC: v1alpha1.BMCDetails{
				Address: "redfish+https://192.0.2.10/redfish/v1/Systems/1", CredentialsName: "bmc"}},
		}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		h.Status.Provisioning.State = v1alpha1.StateAvailable
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
		h.Status.Hardware = &v1alpha1.HardwareDetails{CPU: v1alpha1.CPU{Arch: "x86_64", Count: 64}, RAMMebibytes: 262144}
		_, err = cs.BaremetalV1alpha1().BareMetalHosts(ns).UpdateStatus(ctx, h, metav1.UpdateOptions{})
		return err
	})

	start := time.Now()
	each(claims, func(cs *clientset.Clientset, i int) error {
		_, err := cs.BaremetalV1alpha1().HostClaims(ns).Create(ctx, &v1alpha1.HostClaim{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("claim-%05d", i)},
			Spec: v1alpha1.HostClaimSpec{PoweredOn: true,
				Image: &v1alpha1.Image{URL: "http://images.example.com/node.qcow2", Checksum: "abc"},
				HostSelector: v1alpha1.HostSelector{
					MatchLabels: map[string]string{"pool": "compute"},
					MatchExpressions: []v1alpha1.HostSelectorRequirement{
						{Key: "hardware.baremetal.metal3.io/cpu-count", Operator: "gt", Values: []string{"32"}}},
				}},
		}, metav1.CreateOptions{})
		return err
	})
	res := claimResult{elapsed: time.Since(start)}

	cs := srv.Clientset(tb)
	list, err := cs.BaremetalV1alpha1().HostClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	holder := map[string]string{}
	for _, c := range list.Items {
		if ref := c.Status.BareMetalHost; ref != nil {
			if other, dup := holder[ref.Name]; dup {
				tb.Errorf("host %s held by %s and %s", ref.Name, other, c.Name)
			}
			holder[ref.Name] = c.Name
			res.bound++
		} else {
			res.waiting++
		}
	}
	held, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.consumerRef.name!="})
	if err != nil {
		tb.Fatal(err)
	}
	for _, h := range held.Items {
		if holder[h.Name] != h.Spec.ConsumerRef.Name {
			tb.Errorf("host %s: consumerRef %s, claims say %q", h.Name, h.Spec.ConsumerRef.Name, holder[h.Name])
		}
	}
	if want := min(hosts, claims); res.bound != want || len(held.Items) != want || res.waiting != claims-want {
		tb.Errorf("%d claims bound, %d waiting, %d hosts held; want %d, %d, %d", res.bound, res.waiting, len(held.Items), want, claims-want, want)
	}
	return res
}

// BenchmarkClaimBinding reports how many HostClaims the server binds per second with
// BENCH_CLAIM_HOSTS (default 1,000) available hosts and as many claims, created by 20
// clients at once.
func BenchmarkClaimBinding(b *testing.B) {
	hosts := 1000
	if n, err := strconv.Atoi(os.Getenv("BENCH_CLAIM_HOSTS")); err == nil && n > 0 {
		hosts = n
	}
	for i := 0; i < b.N; i++ {
		res := runClaimBinding(b, hosts, hosts, 20)
		b.ReportMetric(res.perSecond(), "claims-bound/s")
		b.ReportMetric(res.elapsed.Seconds(), "wall-s")
		b.Logf("%d hosts: %d claims bound in %v (%.0f/s)", hosts, res.bound, res.elapsed.Round(time.Millisecond), res.perSecond())
	}
}

// TestClaimBindingSmoke is the benchmark, small, in the normal test tier: 60 claims from 10
// clients for 50 hosts.
func TestClaimBindingSmoke(t *testing.T) {
	res := runClaimBinding(t, 50, 60, 10)
	t.Logf("%d claims bound in %v (%.0f/s), %d waiting", res.bound, res.elapsed.Round(time.Millisecond), res.perSecond(), res.waiting)
}
