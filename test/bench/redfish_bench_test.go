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
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientv1alpha1 "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/typed/baremetal/v1alpha1"
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

// redfishBenchConfig is what the environment asks of BenchmarkRedfishRegisterInspect.
type redfishBenchConfig struct {
	hosts int
	// backends are the runs, in order: "redfish" (direct) and/or "ironic"
	// (BENCH_REDFISH_BACKENDS, comma-separated; default both).
	backends []string
	// perSystemAccounts gives every simulated system its own BMC account
	// (BENCH_REDFISH_ACCOUNTS=per-system), so that the server holds one session, HTTP client and
	// connection per host as it would with one BMC per server; the default "shared" is one
	// account for the whole simulator (one Redfish service in front of many systems, as
	// sushy-tools in Metal3's dev-env), so one session for every host.
	perSystemAccounts bool
	// slo fails the benchmark when the API's GET p99 or namespace LIST during the run miss
	// their targets (BENCH_REDFISH_SLO=1); otherwise they are printed only.
	slo bool
	// pprofDir keeps CPU and heap profiles of the server (BENCH_PPROF=1).
	pprofDir string
	// waitFirmware waits, after the last inspection, until every host has a firmware reading
	// (BENCH_REDFISH_WAIT_FIRMWARE=1), and reports how much longer that took.
	waitFirmware bool
	// atRest measures the server's memory once more that long after the run
	// (BENCH_REDFISH_AT_REST=2m): a fleet at rest, once the watch cache's window of recent
	// events (75 s in kube-apiserver's cacher) no longer holds the run's writes.
	atRest time.Duration
	// extraArgs are added to the server's flags (BENCH_REDFISH_SERVER_ARGS, space-separated),
	// to try settings without editing the benchmark.
	extraArgs []string
}

func loadRedfishBenchConfig() (redfishBenchConfig, error) {
	c := redfishBenchConfig{hosts: redfishHostsFlag(), backends: []string{"redfish", "ironic"}}
	if v := os.Getenv("BENCH_REDFISH_BACKENDS"); v != "" {
		c.backends = nil
		for _, b := range strings.Split(v, ",") {
			switch b = strings.TrimSpace(b); b {
			case "redfish", "ironic":
				c.backends = append(c.backends, b)
			default:
				return c, fmt.Errorf("BENCH_REDFISH_BACKENDS: %q is neither redfish nor ironic", b)
			}
		}
	}
	switch v := os.Getenv("BENCH_REDFISH_ACCOUNTS"); v {
	case "", "shared":
	case "per-system":
		c.perSystemAccounts = true
	default:
		return c, fmt.Errorf("BENCH_REDFISH_ACCOUNTS: %q is neither shared nor per-system", v)
	}
	c.slo = os.Getenv("BENCH_REDFISH_SLO") == "1"
	if p := os.Getenv("BENCH_PPROF"); p != "" && p != "0" {
		c.pprofDir = filepath.Join(framework.RepoRoot(), "_output", "bench", "pprof")
	}
	c.extraArgs = strings.Fields(os.Getenv("BENCH_REDFISH_SERVER_ARGS"))
	c.waitFirmware = os.Getenv("BENCH_REDFISH_WAIT_FIRMWARE") == "1"
	if v := os.Getenv("BENCH_REDFISH_AT_REST"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("BENCH_REDFISH_AT_REST: %w", err)
		}
		c.atRest = d
	}
	return c, nil
}

// The API's service level during the run, measured by a client of its own: a GET of one
// host and a LIST of the namespace holding every host (the targets).
const (
	getSLO  = time.Second
	listSLO = 5 * time.Second
	// getProbeInterval and listProbePause pace that client: a GET every 50 ms (what a few
	// controllers and users add up to) and a LIST whenever the previous one ended 2 s ago, so
	// that it measures the server rather than loading it like a relisting storm.
	getProbeInterval = 50 * time.Millisecond
	listProbePause   = 2 * time.Second
)

// benchPassword is a system's BMC password: one shared, or one per system.
func (c redfishBenchConfig) benchPassword(id string) string {
	if c.perSystemAccounts {
		return redfishBenchPassword + "-" + id
	}
	return redfishBenchPassword
}

// BenchmarkRedfishRegisterInspect registers and inspects (out of band) N simulated Redfish
// hosts through the server twice, against the same simulator: with the direct Redfish
// backend (--provisioner=redfish, gofish), and with Ironic's redfish hardware type
// (--provisioner=ironic, a real Ironic, inspectionMode fast). A host is done when its
// status carries the hardware inspection found. It prints hosts per second and the p50
// and p99 time from a host's creation to that point; the server's CPU and memory (RSS and
// heap in use, after a GC, before the hosts and after them, per host); and the latency a
// separate client saw meanwhile for GETs of single hosts and LISTs of the namespace.
//
// Both runs use the server's default --max-concurrent-provisioning (20): inspection is one
// of the states it bounds, so the comparison is of the backends, not of the limits.
//
// make bench-redfish-scale runs the direct backend alone at 10,000 hosts, one BMC account
// per system (BENCH_REDFISH_BACKENDS=redfish BENCH_REDFISH_ACCOUNTS=per-system).
func BenchmarkRedfishRegisterInspect(b *testing.B) {
	cfg, err := loadRedfishBenchConfig()
	if err != nil {
		b.Fatal(err)
	}
	n := cfg.hosts
	simCfg := simulator.Config{Count: n, Seed: redfishBenchSeed,
		Username: redfishBenchUser, Password: redfishBenchPassword, PowerDelay: 50 * time.Millisecond}
	if cfg.perSystemAccounts {
		for i := 1; i <= n; i++ {
			id := strconv.Itoa(i)
			simCfg.Systems = append(simCfg.Systems, simulator.SystemConfig{ID: id, Username: redfishBenchUser, Password: cfg.benchPassword(id)})
		}
	}
	sim, err := simulator.New(simCfg)
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
	if cfg.pprofDir != "" {
		if err := os.MkdirAll(cfg.pprofDir, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	// Known Ironic failure mode, seen in about one run in three at 10 hosts on this machine
	// kind: a verification whose task dies on "database is locked" leaves its node in
	// "verifying" for good (Ironic has no timeout or abort for it), and this benchmark
	// then ends at its deadline. Not run by make test for that reason (make test runs the
	// direct backend alone, at 50 hosts).
	//
	// Ironic on sqlite under eventlet freezes for sqlite's 5 s busy timeout whenever two of
	// its tasks write at once ("database is locked" in its log), and its API times out
	// meanwhile; with the default backoff (1 s doubling to 5 min) a few such errors would
	// park a host for minutes and measure the backoff, not the backend. Both runs retry
	// within 5 s.
	backoff := append([]string{"--error-backoff-base=200ms", "--error-backoff-cap=5s"}, cfg.extraArgs...)
	for i := 0; i < b.N; i++ {
		var results []registerInspectResult
		for _, backend := range cfg.backends {
			switch backend {
			case "redfish":
				results = append(results, registerInspect(b, cfg, sim, serverBin, "redfish", append([]string{"--provisioner=redfish"}, backoff...)...))
			case "ironic":
				ironic := framework.StartIronic(b)
				results = append(results, registerInspect(b, cfg, sim, serverBin, "ironic", append([]string{"--provisioner=ironic",
					"--ironic-endpoint=" + ironic.Endpoint, "--ironic-poll-interval=200ms"}, backoff...)...))
				reportIronicRequests(b, "server via Ironic's redfish driver", []*framework.Ironic{ironic}, n)
				_ = ironic.Stop()
			}
		}

		accounts := "one BMC account for all"
		if cfg.perSystemAccounts {
			accounts = "one BMC account per system"
		}
		fmt.Printf("\nregister + out-of-band inspection of %d simulated Redfish hosts (one simulator, %s, limit 20 at a time):\n", n, accounts)
		fmt.Printf("  %-40s %9s %9s %9s %9s %10s %10s %10s %10s\n", "backend", "total", "hosts/s", "p50", "p99",
			"KiB/host", "heap/host", "GET p99", "LIST max")
		for _, r := range results {
			fmt.Printf("  %-40s %8.1fs %9.1f %8.2fs %8.2fs %10.1f %10.1f %8.0fms %9.2fs\n", r.label, r.total.Seconds(), r.hostsPerSecond(),
				r.perHost.P50ms/1000, r.perHost.P99ms/1000, r.rssKiBPerHost(), r.heapKiBPerHost(), r.gets.P99ms, r.lists.MaxMs/1000)
		}
		for _, r := range results {
			fmt.Printf("  %s: server RSS %.0f -> %.0f MiB (peak %.0f), heap in use %.0f -> %.0f MiB; server CPU %.1fs; "+
				"API during the run: %d GETs p50 %.1fms p99 %.1fms max %.0fms, %d LISTs of up to %d hosts p50 %.2fs max %.2fs; errors shown in host status: %d\n",
				r.label, r.rssBefore/1024, r.rssAfter/1024, r.rssPeak/1024, r.heapBefore/(1<<20), r.heapAfter/(1<<20), r.cpu,
				r.gets.Count, r.gets.P50ms, r.gets.P99ms, r.gets.MaxMs, r.lists.Count, r.listItems, r.lists.P50ms/1000, r.lists.MaxMs/1000, r.hostErrors)
			fmt.Printf("  %s: %s\n", r.label, r.work.summary(r.total))
			if r.restAfter > 0 {
				fmt.Printf("  %s: at rest %s later: server RSS %.0f MiB, heap in use %.0f MiB (per host %.1f / %.1f KiB)\n", r.label, r.restAfter,
					r.rssRest/1024, r.heapRest/(1<<20), (r.rssRest-r.rssBefore)/float64(r.n), (r.heapRest-r.heapBefore)/1024/float64(r.n))
			}
			if r.firmwareLag > 0 {
				fmt.Printf("  %s: every host had a firmware reading %.1fs after the last inspection\n", r.label, r.firmwareLag.Seconds())
			}
			if r.gets.P99ms > float64(getSLO.Milliseconds()) || r.lists.MaxMs > float64(listSLO.Milliseconds()) {
				msg := fmt.Sprintf("%s: API during the run missed its targets: GET p99 %.0fms (target %s), LIST max %.2fs (target %s)",
					r.label, r.gets.P99ms, getSLO, r.lists.MaxMs/1000, listSLO)
				if cfg.slo {
					b.Error(msg)
				} else {
					fmt.Println("  " + msg)
				}
			}
		}
		if len(results) == 2 {
			fmt.Printf("  %-40s %9.2f\n\n", "throughput redfish / ironic", results[0].hostsPerSecond()/results[1].hostsPerSecond())
		}
		for _, r := range results {
			b.ReportMetric(r.hostsPerSecond(), r.backend+"-hosts/s")
			b.ReportMetric(r.perHost.P99ms/1000, r.backend+"-p99-s")
			b.ReportMetric(r.rssKiBPerHost(), r.backend+"-rss-KiB/host")
			b.ReportMetric(r.gets.P99ms, r.backend+"-get-p99-ms")
			b.ReportMetric(r.lists.MaxMs/1000, r.backend+"-list-max-s")
		}
	}
}

type registerInspectResult struct {
	backend string
	label   string
	n       int
	total   time.Duration
	perHost latency
	cpu     float64
	// Server memory before the hosts (after its start) and after every host is inspected,
	// both after a forced GC: RSS and peak RSS in KiB from /proc, heap in use in bytes from
	// /metrics.
	rssBefore, rssAfter, rssPeak float64
	heapBefore, heapAfter        float64
	// rssRest and heapRest are the same restAfter after the run (BENCH_REDFISH_AT_REST).
	rssRest, heapRest float64
	restAfter         time.Duration
	// gets and lists are what the probing client saw while the hosts were registered and
	// inspected; listItems is the largest LIST it got.
	gets, lists latency
	listItems   int
	hostErrors  int
	// work is what the server's metrics say it did during the run; firmwareLag is how long
	// after the last inspection every host had a firmware reading (waitFirmware only).
	work        serverWork
	firmwareLag time.Duration
}

func (r registerInspectResult) hostsPerSecond() float64 { return float64(r.n) / r.total.Seconds() }
func (r registerInspectResult) rssKiBPerHost() float64 {
	return (r.rssAfter - r.rssBefore) / float64(r.n)
}
func (r registerInspectResult) heapKiBPerHost() float64 {
	return (r.heapAfter - r.heapBefore) / 1024 / float64(r.n)
}

// serverMemory forces a GC in the server (pprof's heap endpoint does one with gc=1, and keeps
// the profile when asked) and reads its RSS and heap in use.
func serverMemory(ctx context.Context, b *testing.B, cfg redfishBenchConfig, srv *framework.Server, rc rest.Interface, profile string) (rss, peak, heapBytes float64) {
	b.Helper()
	heap, err := rc.Get().AbsPath("/debug/pprof/heap").Param("gc", "1").DoRaw(ctx)
	if err != nil {
		b.Fatalf("server heap profile: %v", err)
	}
	if cfg.pprofDir != "" {
		if err := os.WriteFile(filepath.Join(cfg.pprofDir, profile+".pb.gz"), heap, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	metrics, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		b.Fatalf("server metrics: %v", err)
	}
	m, err := parseMetrics(metrics)
	if err != nil {
		b.Fatalf("server metrics: %v", err)
	}
	heapBytes = m.sum("go_memstats_heap_inuse_bytes", nil)
	rssNow, hwm, err := rssKiB(srv.PID())
	if err != nil {
		b.Fatal(err)
	}
	return float64(rssNow), float64(hwm), heapBytes
}

// apiProbe is the client that measures the API while the hosts are registered and inspected:
// GETs of hosts already created, at a steady pace, and LISTs of the namespace one after
// another with a pause between. It has a connection of its own, so that it queues behind
// nothing of the benchmark's.
type apiProbe struct {
	mu        sync.Mutex
	gets      []time.Duration
	lists     []time.Duration
	listItems int
	errs      []error
}

func runAPIProbe(ctx context.Context, hosts clientv1alpha1.BareMetalHostInterface, created func() (string, bool)) (*apiProbe, func()) {
	p := &apiProbe{}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	fail := func(err error) {
		if ctx.Err() == nil {
			p.mu.Lock()
			p.errs = append(p.errs, err)
			p.mu.Unlock()
		}
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(getProbeInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			name, ok := created()
			if !ok {
				continue
			}
			start := time.Now()
			if _, err := hosts.Get(ctx, name, metav1.GetOptions{}); err != nil {
				fail(fmt.Errorf("GET %s: %w", name, err))
				continue
			}
			p.mu.Lock()
			p.gets = append(p.gets, time.Since(start))
			p.mu.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for {
			start := time.Now()
			list, err := hosts.List(ctx, metav1.ListOptions{})
			if err != nil {
				fail(fmt.Errorf("LIST: %w", err))
			} else {
				p.mu.Lock()
				p.lists = append(p.lists, time.Since(start))
				p.listItems = max(p.listItems, len(list.Items))
				p.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(listProbePause):
			}
		}
	}()
	return p, func() { cancel(); wg.Wait() }
}

// registerInspect starts a server with args, creates one host per simulated system, and waits
// until every host has its hardware details in status.
func registerInspect(b *testing.B, cfg redfishBenchConfig, sim *simulator.Simulator, serverBin string, label string, args ...string) registerInspectResult {
	b.Helper()
	n := cfg.hosts
	dir := b.TempDir()
	ids := sim.SystemIDs()[:n]
	// Credentials first: a standalone server reads Secrets from files, and writing 10,000 of
	// them is not what is measured.
	for _, id := range ids {
		writeCredentials(b, dir, "bmc-"+id, redfishBenchUser, cfg.benchPassword(id))
	}
	srv := framework.StartStandalone(b, serverBin, dir, args...)
	defer func() { _ = srv.Stop(30 * time.Second) }()
	cs := srv.Clientset(b)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts("default")
	ctx, cancel := context.WithTimeout(context.Background(), redfishBenchDeadline(n))
	defer cancel()
	res := registerInspectResult{backend: label, label: labelOf(label), n: n}
	res.rssBefore, _, res.heapBefore = serverMemory(ctx, b, cfg, srv, cs.Discovery().RESTClient(), label+"-heap-before")

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
	var createdNames []string
	done := map[string]time.Duration{}
	last := map[string]*v1alpha1.BareMetalHost{}
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
				res.hostErrors++
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

	// The probe has a client of its own (its own connection), like another controller or a
	// user's kubectl.
	probeCS := srv.Clientset(b)
	rng := rand.New(rand.NewPCG(redfishBenchSeed, 1))
	probe, stopProbe := runAPIProbe(ctx, probeCS.BaremetalV1alpha1().BareMetalHosts("default"), func() (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(createdNames) == 0 {
			return "", false
		}
		return createdNames[rng.IntN(len(createdNames))], true
	})
	var cpuProfileDone func()
	if cfg.pprofDir != "" {
		cpuProfileDone = profileCPU(ctx, cs.Discovery().RESTClient(), filepath.Join(cfg.pprofDir, label+"-cpu.pb.gz"))
	}
	cpuBefore := cpuSeconds(srv.PID())
	workBefore := readServerWork(ctx, b, cs.Discovery().RESTClient())

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
					continue
				}
				mu.Lock()
				createdNames = append(createdNames, name)
				mu.Unlock()
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
		stopProbe()
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
	res.total = time.Since(start)
	stopProbe()
	res.cpu = cpuSeconds(srv.PID()) - cpuBefore
	res.work = readServerWork(ctx, b, cs.Discovery().RESTClient()).since(workBefore)
	res.work.firmwareRead = countFirmwareReadings(ctx, b, cs.BaremetalV1alpha1().HostFirmwareSettings("default"))
	if cfg.waitFirmware {
		res.firmwareLag = waitFirmwareReadings(ctx, b, cs.BaremetalV1alpha1().HostFirmwareSettings("default"), n)
	}
	if cpuProfileDone != nil {
		cpuProfileDone()
	}
	for _, err := range probe.errs[:min(len(probe.errs), 5)] {
		b.Errorf("%s: API probe: %v", label, err)
	}
	res.gets, res.lists, res.listItems = summarize(probe.gets), summarize(probe.lists), probe.listItems
	res.rssAfter, res.rssPeak, res.heapAfter = serverMemory(ctx, b, cfg, srv, cs.Discovery().RESTClient(), label+"-heap-after")
	if cfg.atRest > 0 {
		select {
		case <-time.After(cfg.atRest):
		case <-ctx.Done():
			b.Fatalf("%s: no time left to measure the server at rest", label)
		}
		res.restAfter = cfg.atRest
		res.rssRest, _, res.heapRest = serverMemory(ctx, b, cfg, srv, cs.Discovery().RESTClient(), label+"-heap-rest")
	}

	mu.Lock()
	defer mu.Unlock()
	perHost := make([]time.Duration, 0, n)
	for _, d := range done {
		perHost = append(perHost, d)
	}
	res.perHost = summarize(perHost)
	return res
}

// redfishBenchDeadline bounds one run: 15 minutes, more for more than 10,000 hosts.
func redfishBenchDeadline(n int) time.Duration {
	return max(15*time.Minute, time.Duration(n)*100*time.Millisecond)
}

// profileCPU records a CPU profile of the server for the first 30 s of the run into path;
// the returned function waits for it.
func profileCPU(ctx context.Context, rc rest.Interface, path string) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body, err := rc.Get().AbsPath("/debug/pprof/profile").Param("seconds", "30").Timeout(time.Minute).DoRaw(ctx)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cpu profile: %v\n", err)
			return
		}
		_ = os.WriteFile(path, body, 0o644)
	}()
	return func() { <-done }
}

func labelOf(backend string) string {
	if backend == "redfish" {
		return "server, direct Redfish backend (gofish)"
	}
	return "server, Ironic's redfish driver (sushy)"
}
