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
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// hostsFlag: BENCH_HOSTS overrides the number of hosts (default 100).
func hostsFlag() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_HOSTS")); err == nil && n > 0 {
		return n
	}
	return 100
}

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
// Both scripts run 20 hosts at a time, polling every 100 ms. It reports the times and the
// ratios to the same-work floor.
func BenchmarkLifecycle(b *testing.B) {
	n := hostsFlag()
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1048576")
	}))
	defer images.Close()
	image := images.URL + "/os.qcow2"
	for i := 0; i < b.N; i++ {
		minimal := runDirect(b, n, image, false)
		same := runDirect(b, n, image, true)
		server := runServer(b, n, image)
		ratio := server.Seconds() / same.Seconds()
		fmt.Printf("\nlifecycle of %d fake-hardware hosts to provisioned and powered on (real Ironic 21.4, parallelism %d):\n", n, parallelism)
		fmt.Printf("  %-52s %8.1fs\n", "gophercloud, transitions only", minimal.Seconds())
		fmt.Printf("  %-52s %8.1fs\n", "gophercloud, the same Ironic work as the server", same.Seconds())
		fmt.Printf("  %-52s %8.1fs\n", "through baremetal-apiserver", server.Seconds())
		fmt.Printf("  %-52s %8.2f (target <= 1.2)\n", "ratio server / same work", ratio)
		fmt.Printf("  %-52s %8.2f\n\n", "ratio server / transitions only", server.Seconds()/minimal.Seconds())
		b.ReportMetric(minimal.Seconds(), "minimal-s")
		b.ReportMetric(same.Seconds(), "direct-s")
		b.ReportMetric(server.Seconds(), "server-s")
		b.ReportMetric(ratio, "ratio")
	}
}

func runDirect(b *testing.B, n int, image string, sameWork bool) time.Duration {
	ironic := framework.StartIronic(b)
	client, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: ironic.Endpoint + "/v1"})
	if err != nil {
		b.Fatal(err)
	}
	client.Microversion = "1.81"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	work := make(chan int)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	start := time.Now()
	for w := 0; w < parallelism; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := directHost(ctx, client, i, image, sameWork); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	elapsed := time.Since(start)
	label := "transitions only"
	if sameWork {
		label = "same work"
	}
	reportIronicRequests(b, label, ironic, n)
	_ = ironic.Stop()
	return elapsed
}

// reportIronicRequests prints how many API requests Ironic served per host, by method: the
// first thing to compare when the server path is slower than the direct one.
func reportIronicRequests(b *testing.B, label string, ironic *framework.Ironic, n int) {
	log, err := ironic.Log()
	if err != nil {
		return
	}
	if dir := os.Getenv("BENCH_KEEP_LOGS"); dir != "" {
		// For digging into a slow path: the whole Ironic log, request by request.
		_ = os.WriteFile(filepath.Join(dir, "ironic-"+strings.ReplaceAll(label, " ", "-")+".log"), []byte(log), 0o644)
	}
	counts := map[string]int{}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		counts[m] = strings.Count(log, "\""+m+" /v1/")
	}
	fmt.Printf("  Ironic requests per host, %s: GET %.1f POST %.1f PUT %.1f PATCH %.1f DELETE %.1f; Ironic CPU %.1fs\n", label,
		float64(counts["GET"])/float64(n), float64(counts["POST"])/float64(n), float64(counts["PUT"])/float64(n),
		float64(counts["PATCH"])/float64(n), float64(counts["DELETE"])/float64(n), cpuSeconds(ironic.PID()))
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

func runServer(b *testing.B, n int, image string) time.Duration {
	serverBin, err := framework.ServerBinary()
	if err != nil {
		b.Fatal(err)
	}
	ironic := framework.StartIronic(b)
	srv := framework.StartStandalone(b, serverBin, b.TempDir(),
		"--provisioner=ironic", "--ironic-endpoint="+ironic.Endpoint, "--ironic-poll-interval="+pollInterval.String(),
		"--allow-test-bmc-schemes", "--max-concurrent-provisioning="+strconv.Itoa(parallelism))
	cs := srv.Clientset(b)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts("default")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for i := 0; i < n; i++ {
		writeCredentials(b, srv.DataDir, fmt.Sprintf("host-%03d-bmc", i), "admin", "pw")
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
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
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 20*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := hosts.List(ctx, metav1.ListOptions{FieldSelector: "status.provisioning.state=provisioned"})
		if err != nil {
			return false, nil
		}
		on := 0
		for _, h := range list.Items {
			if h.Status.PoweredOn {
				on++
			}
		}
		return on == n, nil
	})
	if err != nil {
		b.Fatalf("hosts not provisioned and powered on: %v", err)
	}
	elapsed := time.Since(start)
	reportIronicRequests(b, "server", ironic, n)
	fmt.Printf("  server CPU (API, etcd, reconciler): %.1fs\n", cpuSeconds(srv.PID()))
	_ = srv.Stop(30 * time.Second)
	_ = ironic.Stop()
	return elapsed
}
