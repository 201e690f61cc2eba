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

// Package bench measures the server against baselines, on one machine, in one run, so the
// figures are ratios that mean something on any machine of the kind.
package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/noauth"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	baremetalclient "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/typed/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/sharded"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// hostsFlag: BENCH_HOSTS overrides the number of hosts (default 100).
func hostsFlag() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_HOSTS")); err == nil && n > 0 {
		return n
	}
	return 100
}

// ironicsFlag: BENCH_IRONICS lists the numbers of Ironic instances to measure with, e.g. "1,2"
// (default "1"). With k, the server gets k --ironic-endpoint URLs and the floor shards its
// hosts over the same k Ironics the same way (rendezvous hash), 20 at a time per Ironic as the
// server's per-endpoint slots allow.
func ironicsFlag() []int {
	var out []int
	for _, f := range strings.Split(os.Getenv("BENCH_IRONICS"), ",") {
		if k, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && k > 0 {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return []int{1}
	}
	return out
}

// transitionsOnlyFlag: BENCH_TRANSITIONS_ONLY=0 skips the transitions-only script (make
// bench-scale does: at 1,000 hosts it only adds time; the same-work floor is the target).
func transitionsOnlyFlag() bool { return os.Getenv("BENCH_TRANSITIONS_ONLY") != "0" }

const (
	parallelism  = 20 // the server's default --max-concurrent-provisioning
	pollInterval = 100 * time.Millisecond
)

// BenchmarkLifecycle takes N fake-hardware hosts from nothing to provisioned and powered on,
// on fresh real Ironics, three times:
//
//   - through the server;
//   - scripted directly with gophercloud, asking Ironic for the same work the server asks
//     for (the floor the target is measured against): enroll with a port, manage, inspect
//     and read what inspection found, provide, write instance_info, validate, deploy with
//     a config drive, power on;
//   - scripted directly with only the provision-state transitions (no hardware read, no
//     validation, no config drive, no power-on), printed so the price of those is visible.
//
// Both scripts run 20 hosts at a time per Ironic, polling every 100 ms. It reports the times,
// hosts per second and the ratios to the same-work floor, for each number of Ironics in
// BENCH_IRONICS (make bench-scale: 1,000 hosts on 1 and 2 Ironics).
func BenchmarkLifecycle(b *testing.B) {
	n := hostsFlag()
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1048576")
	}))
	defer images.Close()
	image := images.URL + "/os.qcow2"
	for i := 0; i < b.N; i++ {
		for _, k := range ironicsFlag() {
			fmt.Printf("\n%d hosts over %d Ironic(s): Ironic requests and CPU of each run, then the times\n", n, k)
			var minimal time.Duration
			if transitionsOnlyFlag() {
				minimal = runDirect(b, n, k, image, false)
			}
			same := runDirect(b, n, k, image, true)
			server := runServer(b, n, k, image)
			ratio := server.Seconds() / same.Seconds()
			fmt.Printf("lifecycle of %d fake-hardware hosts to provisioned and powered on (real Ironic 21.4 x %d, parallelism %d per Ironic):\n",
				n, k, parallelism)
			line := func(label string, d time.Duration) {
				fmt.Printf("  %-52s %8.1fs %8.1f hosts/s\n", label, d.Seconds(), float64(n)/d.Seconds())
			}
			if transitionsOnlyFlag() {
				line("gophercloud, transitions only", minimal)
			}
			line("gophercloud, the same Ironic work as the server", same)
			line("through baremetal-apiserver", server)
			fmt.Printf("  %-52s %8.2f (target <= %s)\n", "ratio server / same work", ratio, targetRatio(n))
			if transitionsOnlyFlag() {
				fmt.Printf("  %-52s %8.2f\n", "ratio server / transitions only", server.Seconds()/minimal.Seconds())
			}
			fmt.Println()
			suffix := ""
			if k > 1 {
				suffix = fmt.Sprintf("-%dironics", k)
			}
			if transitionsOnlyFlag() {
				b.ReportMetric(minimal.Seconds(), "minimal-s"+suffix)
			}
			b.ReportMetric(same.Seconds(), "direct-s"+suffix)
			b.ReportMetric(server.Seconds(), "server-s"+suffix)
			b.ReportMetric(ratio, "ratio"+suffix)
		}
	}
}

// targetRatio is the target: <= 1.2 for the lifecycle, <= 1.1 (and 10 minutes) at scale.
func targetRatio(n int) string {
	if n >= 1000 {
		return "1.1, and 10 min"
	}
	return "1.2"
}

// startIronics starts k Ironic instances, each with its own database, port and directories.
func startIronics(b *testing.B, k int) ([]*framework.Ironic, []string) {
	ironics := make([]*framework.Ironic, k)
	endpoints := make([]string, k)
	for j := range ironics {
		ironics[j] = framework.StartIronic(b)
		endpoints[j] = ironics[j].Endpoint
	}
	return ironics, endpoints
}

// runDirect scripts n hosts over k fresh Ironics, each host on the Ironic the server's
// sharding would choose for a UID (rendezvous hash), 20 at a time per Ironic.
func runDirect(b *testing.B, n, k int, image string, sameWork bool) time.Duration {
	ironics, endpoints := startIronics(b, k)
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout(n))
	defer cancel()
	work := map[string]chan int{}
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	for _, e := range endpoints {
		client, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: e + "/v1"})
		if err != nil {
			b.Fatal(err)
		}
		client.Microversion = "1.81"
		ch := make(chan int)
		work[e] = ch
		for w := 0; w < parallelism; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ch {
					if err := directHost(ctx, client, i, image, sameWork); err != nil {
						mu.Lock()
						failed = err
						mu.Unlock()
					}
				}
			}()
		}
	}
	start := time.Now()
	// One feeder per Ironic, so that a busy one does not hold up the others' queues.
	shards := map[string][]int{}
	for i := 0; i < n; i++ {
		e := sharded.Rendezvous(fmt.Sprintf("direct-%d", i), endpoints)
		shards[e] = append(shards[e], i)
	}
	for e, hosts := range shards {
		go func() {
			for _, i := range hosts {
				work[e] <- i
			}
			close(work[e])
		}()
	}
	for e := range work {
		if _, ok := shards[e]; !ok {
			close(work[e])
		}
	}
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	elapsed := time.Since(start)
	label := "transitions only"
	if sameWork {
		label = "same work"
	}
	reportIronicRequests(b, label, ironics, n)
	for _, ironic := range ironics {
		_ = ironic.Stop()
	}
	return elapsed
}

// benchRunTimeout bounds one run: 20 minutes, more for thousands of hosts.
func benchRunTimeout(n int) time.Duration {
	return max(20*time.Minute, time.Duration(n)*2*time.Second)
}

// reportIronicRequests prints how many API requests the Ironics served per host, by method:
// the first thing to compare when the server path is slower than the direct one; and how
// the hosts and CPU spread over them.
func reportIronicRequests(b *testing.B, label string, ironics []*framework.Ironic, n int) {
	counts := map[string]int{}
	var cpu []string
	var total float64
	for j, ironic := range ironics {
		log, err := ironic.Log()
		if err != nil {
			return
		}
		if dir := os.Getenv("BENCH_KEEP_LOGS"); dir != "" {
			// For digging into a slow path: the whole Ironic log, request by request.
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("ironic-%s-%d.log", strings.ReplaceAll(label, " ", "-"), j)), []byte(log), 0o644)
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			counts[m] += strings.Count(log, "\""+m+" /v1/")
		}
		c := cpuSeconds(ironic.PID())
		total += c
		cpu = append(cpu, fmt.Sprintf("%.1fs (%d nodes)", c, strings.Count(log, "\"POST /v1/nodes HTTP")))
	}
	fmt.Printf("  Ironic requests per host, %s: GET %.1f POST %.1f PUT %.1f PATCH %.1f DELETE %.1f; Ironic CPU %.1fs",
		label, float64(counts["GET"])/float64(n), float64(counts["POST"])/float64(n), float64(counts["PUT"])/float64(n),
		float64(counts["PATCH"])/float64(n), float64(counts["DELETE"])/float64(n), total)
	if len(ironics) > 1 {
		fmt.Printf(" = %s", strings.Join(cpu, " + "))
	}
	fmt.Println()
}

// cpuSeconds is the user+system CPU a process has used, from /proc/PID/stat.
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may contain spaces) start after the last ')'.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

// directHost walks one node through the transitions the server makes: enroll with a port,
// manage, inspect, provide, deploy. With sameWork it also does what the server does around
// them: read the hardware inspection found and the BIOS settings, validate before deploying,
// send a config drive, and power the host on (fake-hardware's deploy leaves the power state
// unset).
func directHost(ctx context.Context, c *gophercloud.ServiceClient, i int, image string, sameWork bool) error {
	node, err := nodes.Create(ctx, c, nodes.CreateOpts{
		Name: fmt.Sprintf("direct-%03d", i), Driver: "fake-hardware",
		BootInterface: "fake", DeployInterface: "fake", InspectInterface: "fake", ManagementInterface: "fake",
		PowerInterface: "fake", RAIDInterface: "fake", VendorInterface: "fake", BIOSInterface: "fake",
		NetworkInterface: "noop",
		DriverInfo:       map[string]any{"fake_address": fmt.Sprintf("192.0.2.%d", i%250+1), "fake_username": "admin", "fake_password": "pw"},
	}).Extract()
	if err != nil {
		return fmt.Errorf("create node %d: %w", i, err)
	}
	if _, err := ports.Create(ctx, c, ports.CreateOpts{NodeUUID: node.UUID, Address: mac(i)}).Extract(); err != nil {
		return fmt.Errorf("create port %d: %w", i, err)
	}
	for _, s := range []struct {
		target nodes.TargetProvisionState
		want   string
	}{{nodes.TargetManage, "manageable"}, {nodes.TargetInspect, "manageable"}} {
		if err := transition(ctx, c, node.UUID, nodes.ProvisionStateOpts{Target: s.target}, s.want); err != nil {
			return err
		}
	}
	if sameWork {
		// What inspection found: the inventory (none for fake inspection) and the ports.
		if err := nodes.GetInventory(ctx, c, node.UUID).Err; err != nil && !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return fmt.Errorf("inventory %d: %w", i, err)
		}
		if _, err := ports.ListDetail(c, ports.ListOpts{NodeUUID: node.UUID}).AllPages(ctx); err != nil {
			return fmt.Errorf("ports %d: %w", i, err)
		}
	}
	if err := transition(ctx, c, node.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetProvide}, "available"); err != nil {
		return err
	}
	if sameWork {
		// The firmware reading of a host at rest (Metal3's HostFirmwareSettings controller
		// reads the same): its BIOS settings with the registry's rules.
		if _, err := nodes.ListBIOSSettings(ctx, c, node.UUID, nodes.ListBIOSSettingsOpts{Detail: true}).Extract(); err != nil {
			return fmt.Errorf("BIOS settings %d: %w", i, err)
		}
	}
	_, err = nodes.Update(ctx, c, node.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/instance_info/image_source", Value: image},
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/instance_info/image_checksum", Value: "0123456789abcdef0123456789abcdef"},
	}).Extract()
	if err != nil {
		return fmt.Errorf("instance_info %d: %w", i, err)
	}
	deploy := nodes.ProvisionStateOpts{Target: nodes.TargetActive}
	if sameWork {
		if _, err := nodes.Validate(ctx, c, node.UUID).Extract(); err != nil {
			return fmt.Errorf("validate %d: %w", i, err)
		}
		name := fmt.Sprintf("host-%03d", i)
		deploy.ConfigDrive = &nodes.ConfigDrive{MetaData: map[string]any{
			"uuid": node.UUID, "metal3-namespace": "default", "metal3-name": name,
			"local-hostname": name, "local_hostname": name, "name": name,
		}}
	}
	if err := transition(ctx, c, node.UUID, deploy, "active"); err != nil {
		return err
	}
	if !sameWork {
		return nil
	}
	return powerOn(ctx, c, node.UUID)
}

// powerOn asks Ironic to power the node on and waits until it reports it on.
func powerOn(ctx context.Context, c *gophercloud.ServiceClient, id string) error {
	err := wait.PollUntilContextTimeout(ctx, pollInterval, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		err := nodes.ChangePowerState(ctx, c, id, nodes.PowerStateOpts{Target: nodes.PowerOn}).ExtractErr()
		if gophercloud.ResponseCodeIs(err, http.StatusConflict) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("power on %s: %w", id, err)
	}
	return wait.PollUntilContextTimeout(ctx, pollInterval, 5*time.Minute, false, func(ctx context.Context) (bool, error) {
		node, err := nodes.Get(ctx, c, id).Extract()
		if err != nil {
			return false, err
		}
		return node.PowerState == "power on" && node.TargetPowerState == "", nil
	})
}

func transition(ctx context.Context, c *gophercloud.ServiceClient, id string, opts nodes.ProvisionStateOpts, want string) error {
	target := opts.Target
	err := wait.PollUntilContextTimeout(ctx, pollInterval, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		r := nodes.ChangeProvisionState(ctx, c, id, opts)
		if r.Err == nil {
			return true, nil
		}
		if gophercloud.ResponseCodeIs(r.Err, http.StatusConflict) {
			return false, nil // node locked by the previous step's conductor task: retry
		}
		return false, r.Err
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", target, id, err)
	}
	return wait.PollUntilContextTimeout(ctx, pollInterval, 5*time.Minute, false, func(ctx context.Context) (bool, error) {
		node, err := nodes.Get(ctx, c, id).Extract()
		if err != nil {
			return false, err
		}
		if node.LastError != "" && node.ProvisionState != want {
			return false, fmt.Errorf("%s %s: %s", target, id, node.LastError)
		}
		return node.ProvisionState == want && node.TargetProvisionState == "", nil
	})
}

func mac(i int) string { return fmt.Sprintf("52:54:00:%02x:%02x:%02x", i>>16&0xff, i>>8&0xff, i&0xff) }

// runServer takes n hosts to provisioned and powered on through the server, over k fresh
// Ironics given to it as k --ironic-endpoint URLs.
func runServer(b *testing.B, n, k int, image string) time.Duration {
	serverBin, err := framework.ServerBinary()
	if err != nil {
		b.Fatal(err)
	}
	ironics, endpoints := startIronics(b, k)
	srv := framework.StartStandalone(b, serverBin, b.TempDir(),
		"--provisioner=ironic", "--ironic-endpoint="+strings.Join(endpoints, ","), "--ironic-poll-interval="+pollInterval.String(),
		"--allow-test-bmc-schemes", "--max-concurrent-provisioning="+strconv.Itoa(parallelism))
	cs := srv.Clientset(b)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts("default")
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout(n))
	defer cancel()
	for i := 0; i < n; i++ {
		writeCredentials(b, srv.DataDir, fmt.Sprintf("host-%03d-bmc", i), "admin", "pw")
	}
	// Watched, not listed in a loop: at 1,000 hosts a LIST every 100 ms would cost the
	// server more than the work measured.
	ready := make(chan error, 1)
	go func() { ready <- waitProvisioned(ctx, hosts, n) }()
	profiled := profileServer(ctx, b, cs.RESTClient())
	start := time.Now()
	// Created 50 at a time: a client creating hosts as fast as the API takes them.
	creators := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		creators <- struct{}{}
		go func(i int) {
			defer func() { <-creators; wg.Done() }()
			name := fmt.Sprintf("host-%03d", i)
			_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: v1alpha1.BareMetalHostSpec{
					Online: true, BootMACAddress: mac(i),
					BMC:   v1alpha1.BMCDetails{Address: fmt.Sprintf("fake://192.0.2.%d", i%250+1), CredentialsName: name + "-bmc"},
					Image: &v1alpha1.Image{URL: image, Checksum: "0123456789abcdef0123456789abcdef", ChecksumType: v1alpha1.ChecksumMD5},
				},
			}, metav1.CreateOptions{})
			if err != nil {
				b.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := <-ready; err != nil {
		b.Fatalf("hosts not provisioned and powered on: %v", err)
	}
	elapsed := time.Since(start)
	<-profiled
	reportIronicRequests(b, "server", ironics, n)
	fmt.Printf("  server CPU (API, etcd, reconciler): %.1fs\n", cpuSeconds(srv.PID()))
	reportAPIRequests(ctx, b, cs.RESTClient(), n)
	if k > 1 {
		list, err := hosts.List(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		per := map[string]int{}
		for _, h := range list.Items {
			per[h.Status.Provisioning.Endpoint]++
		}
		var spread []string
		for _, e := range endpoints {
			spread = append(spread, strconv.Itoa(per[e]))
		}
		fmt.Printf("  hosts per Ironic (status.provisioning.endpoint): %s\n", strings.Join(spread, " + "))
	}
	_ = srv.Stop(30 * time.Second)
	for _, ironic := range ironics {
		_ = ironic.Stop()
	}
	return elapsed
}

// waitProvisioned waits until n hosts are provisioned and powered on, following a watch.
func waitProvisioned(ctx context.Context, hosts baremetalclient.BareMetalHostInterface, n int) error {
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return hosts.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return hosts.Watch(ctx, o)
		},
	}
	done := map[string]bool{}
	_, err := watchtools.UntilWithSync(ctx, lw, &v1alpha1.BareMetalHost{}, nil, func(ev watch.Event) (bool, error) {
		h, ok := ev.Object.(*v1alpha1.BareMetalHost)
		if !ok {
			return false, nil
		}
		if ev.Type == watch.Deleted || h.Status.Provisioning.State != v1alpha1.StateProvisioned || !h.Status.PoweredOn {
			delete(done, h.Name)
		} else {
			done[h.Name] = true
		}
		return len(done) == n, nil
	})
	return err
}

// profileServer writes a CPU profile of the server to BENCH_PROFILE (a file), taken over the
// first BENCH_PROFILE_SECONDS (default 60) of the run through the server's /debug/pprof, for
// finding where its CPU per host goes. The channel closes when the profile is written (at once
// when BENCH_PROFILE is unset).
func profileServer(ctx context.Context, b *testing.B, c rest.Interface) <-chan struct{} {
	done := make(chan struct{})
	file := os.Getenv("BENCH_PROFILE")
	if file == "" {
		close(done)
		return done
	}
	seconds := "60"
	if s := os.Getenv("BENCH_PROFILE_SECONDS"); s != "" {
		seconds = s
	}
	go func() {
		defer close(done)
		data, err := c.Get().AbsPath("/debug/pprof/profile").Param("seconds", seconds).DoRaw(ctx)
		if err != nil {
			b.Logf("CPU profile: %v", err)
			return
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			b.Logf("CPU profile: %v", err)
		}
	}()
	return done
}

// reportAPIRequests prints the server's API requests per host by verb, resource and
// subresource (from apiserver_request_total, the busiest first): the writes the reconciler
// makes per host are most of the server's own CPU.
func reportAPIRequests(ctx context.Context, b *testing.B, c rest.Interface, n int) {
	metrics, err := c.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		b.Logf("server metrics: %v", err)
		return
	}
	m, err := parseMetrics(metrics)
	if err != nil {
		b.Logf("server metrics: %v", err)
		return
	}
	counts := map[string]float64{}
	for _, s := range m.samples("apiserver_request_total", map[string]string{"group": v1alpha1.GroupName}) {
		key := label(s, "verb") + " " + label(s, "resource")
		if sub := label(s, "subresource"); sub != "" {
			key += "/" + sub
		}
		counts[key] += sampleValue(s)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	var parts []string
	for _, k := range keys {
		if per := counts[k] / float64(n); per >= 0.05 {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, per))
		}
	}
	fmt.Printf("  server API requests per host: %s\n", strings.Join(parts, ", "))
}
