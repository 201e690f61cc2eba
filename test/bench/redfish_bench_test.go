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
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	simulator "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	redfishBenchUser     = "admin"
	redfishBenchPassword = "Bench-BMC-pw"
	redfishBenchSeed     = 11
)

// writeCredentials writes a BMC credentials Secret where a standalone server with data
// directory dataDir reads Secrets: <dataDir>/secrets/default/<name>/{username,password}.
func writeCredentials(b *testing.B, dataDir, name, user, password string) {
	b.Helper()
	dir := filepath.Join(dataDir, "secrets", "default", name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	for k, v := range map[string]string{"username": user, "password": password} {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600); err != nil {
			b.Fatal(err)
		}
	}
}

// redfishHostsFlag: BENCH_REDFISH_HOSTS overrides the number of simulated hosts (default 200).
func redfishHostsFlag() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_REDFISH_HOSTS")); err == nil && n > 0 {
		return n
	}
	return 200
}

// BenchmarkRedfishRegisterInspect registers and inspects (out of band) N simulated Redfish
// hosts through the server twice, against the same simulator: with the direct Redfish
// backend (--provisioner=redfish, gofish), and with Ironic's redfish hardware type
// (--provisioner=ironic, a real Ironic, inspectionMode fast). A host is done when its
// status carries the hardware inspection found. It prints hosts per second and the p50
// and p99 time from a host's creation to that point.
//
// Both runs use the server's default --max-concurrent-provisioning (20): inspection is one
// of the states it bounds, so the comparison is of the backends, not of the limits.
func BenchmarkRedfishRegisterInspect(b *testing.B) {
	n := redfishHostsFlag()
	sim, err := simulator.New(simulator.Config{Count: n, Seed: redfishBenchSeed,
		Username: redfishBenchUser, Password: redfishBenchPassword, PowerDelay: 50 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	serverBin, err := framework.ServerBinary()
	if err != nil {
		b.Fatal(err)
	}
	// Known Ironic failure mode, seen in about one run in three at 10 hosts on this machine
	// kind: a verification whose task dies on "database is locked" leaves its node in
	// "verifying" for good (Ironic has no timeout or abort for it), and this benchmark
	// then ends at its deadline. Not run by make test for that reason.
	//
	// Ironic on sqlite under eventlet freezes for sqlite's 5 s busy timeout whenever two of
	// its tasks write at once ("database is locked" in its log), and its API times out
	// meanwhile; with the default backoff (1 s doubling to 5 min) a few such errors would
	// park a host for minutes and measure the backoff, not the backend. Both runs retry
	// within 5 s.
	backoff := []string{"--error-backoff-base=200ms", "--error-backoff-cap=5s"}
	for i := 0; i < b.N; i++ {
		direct := registerInspect(b, sim, serverBin, n, "redfish", append([]string{"--provisioner=redfish"}, backoff...)...)
		ironic := framework.StartIronic(b)
		viaIronic := registerInspect(b, sim, serverBin, n, "ironic", append([]string{"--provisioner=ironic",
			"--ironic-endpoint=" + ironic.Endpoint, "--ironic-poll-interval=200ms"}, backoff...)...)
		reportIronicRequests(b, "server via Ironic's redfish driver", []*framework.Ironic{ironic}, n)
		_ = ironic.Stop()

		fmt.Printf("\nregister + out-of-band inspection of %d simulated Redfish hosts (one simulator, limit 20 at a time):\n", n)
		fmt.Printf("  %-40s %9s %9s %9s %9s\n", "backend", "total", "hosts/s", "p50", "p99")
		for _, r := range []registerInspectResult{direct, viaIronic} {
			fmt.Printf("  %-40s %8.1fs %9.1f %8.2fs %8.2fs\n", r.label, r.total.Seconds(), r.hostsPerSecond(),
				r.perHost.P50ms/1000, r.perHost.P99ms/1000)
		}
		fmt.Printf("  %-40s %9.2f\n\n", "throughput redfish / ironic", direct.hostsPerSecond()/viaIronic.hostsPerSecond())
		b.ReportMetric(direct.hostsPerSecond(), "redfish-hosts/s")
		b.ReportMetric(viaIronic.hostsPerSecond(), "ironic-hosts/s")
		b.ReportMetric(direct.perHost.P99ms/1000, "redfish-p99-s")
		b.ReportMetric(viaIronic.perHost.P99ms/1000, "ironic-p99-s")
	}
}

type registerInspectResult struct {
	label   string
	n       int
	total   time.Duration
	perHost latency
}

func (r registerInspectResult) hostsPerSecond() float64 { return float64(r.n) / r.total.Seconds() }

// registerInspect starts a server with args, creates one host per simulated system, and waits
// until every host has its hardware details in status.
func registerInspect(b *testing.B, sim *simulator.Simulator, serverBin string, n int, label string, args ...string) registerInspectResult {
	b.Helper()
	dir := b.TempDir()
	srv := framework.StartStandalone(b, serverBin, dir, args...)
	defer func() { _ = srv.Stop(30 * time.Second) }()
	cs := srv.Clientset(b)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts("default")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	ids := sim.SystemIDs()[:n]
	for _, id := range ids {
		writeCredentials(b, dir, "bmc-"+id, redfishBenchUser, redfishBenchPassword)
	}

	// Watch before creating, so that no host's completion is missed, and read the watch
	// while creating: the server closes a watch whose reader falls behind. A RetryWatcher
	// resumes from the last event should it close anyway.
	list, err := hosts.List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return hosts.Watch(ctx, opts)
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()

	var mu sync.Mutex
	requested := map[string]time.Time{}
	done := map[string]time.Duration{}
	last := map[string]*v1alpha1.BareMetalHost{}
	hostErrors := 0
	allDone := make(chan struct{})
	go func() {
		for ev := range w.ResultChan() {
			h, isHost := ev.Object.(*v1alpha1.BareMetalHost)
			if !isHost || ev.Type == watch.Deleted {
				continue
			}
			now := time.Now()
			mu.Lock()
			if h.Status.ErrorMessage != "" && (last[h.Name] == nil || last[h.Name].Status.ErrorMessage != h.Status.ErrorMessage) {
				hostErrors++
			}
			last[h.Name] = h
			if _, seen := done[h.Name]; !seen && h.Status.Hardware != nil {
				if at, ok := requested[h.Name]; ok {
					done[h.Name] = now.Sub(at)
					if len(done) == n {
						close(allDone)
					}
				}
			}
			mu.Unlock()
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan string)
	for c := 0; c < 20; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				name := "rf-" + id
				// Timed from the request: the host exists from the moment it is accepted.
				mu.Lock()
				requested[name] = time.Now()
				mu.Unlock()
				_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
					ObjectMeta: metav1.ObjectMeta{Name: name},
					Spec: v1alpha1.BareMetalHostSpec{
						Online:                false,
						BootMACAddress:        sim.System(id).Inventory().NICs[0].MAC,
						BMC:                   v1alpha1.BMCDetails{Address: sim.BMCAddress(id), CredentialsName: "bmc-" + id},
						InspectionMode:        v1alpha1.InspectionModeFast,
						AutomatedCleaningMode: v1alpha1.CleaningModeDisabled,
					},
				}, metav1.CreateOptions{})
				if err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()

	select {
	case <-allDone:
	case <-ctx.Done():
		mu.Lock()
		stuck := ""
		for name, h := range last {
			if _, ok := done[name]; !ok && len(stuck) < 2000 {
				stuck += fmt.Sprintf("\n  %s: state %s, operationalStatus %s, error %q", name,
					h.Status.Provisioning.State, h.Status.OperationalStatus, h.Status.ErrorMessage)
			}
		}
		mu.Unlock()
		b.Fatalf("%s: %d of %d hosts inspected before the deadline; not done:%s", label, len(done), n, stuck)
	}
	total := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	perHost := make([]time.Duration, 0, n)
	for _, d := range done {
		perHost = append(perHost, d)
	}
	fmt.Printf("  %s: server CPU (API, etcd, reconciler) %.1fs; errors shown in host status on the way: %d\n", label, cpuSeconds(srv.PID()), hostErrors)
	return registerInspectResult{label: labelOf(label), n: n, total: total, perHost: summarize(perHost)}
}

func labelOf(backend string) string {
	if backend == "redfish" {
		return "server, direct Redfish backend (gofish)"
	}
	return "server, Ironic's redfish driver (sushy)"
}
