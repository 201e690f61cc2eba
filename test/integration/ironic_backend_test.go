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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// These tests drive the Ironic backend through the Provisioner interface against a real,
// single-process Ironic, and check after every step that Ironic's own view (read with
// plain HTTP, not with the code under test) matches.

const ironicTestNamespace = "ironic-test"

// ironicStepTimes collects how long each lifecycle step took, for the summary.
type ironicStepTimes struct {
	mu    sync.Mutex
	steps map[string][]time.Duration
	order []string
}

func (s *ironicStepTimes) add(step string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.steps == nil {
		s.steps = map[string][]time.Duration{}
	}
	if _, ok := s.steps[step]; !ok {
		s.order = append(s.order, step)
	}
	s.steps[step] = append(s.steps[step], d)
}

func (s *ironicStepTimes) report(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %6s %10s %10s %10s\n", "step", "hosts", "min", "mean", "max")
	for _, step := range s.order {
		ds := s.steps[step]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		fmt.Fprintf(&b, "%-14s %6d %10s %10s %10s\n", step, len(ds), ds[0].Round(time.Millisecond),
			(sum / time.Duration(len(ds))).Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
	}
	t.Logf("Ironic backend step times (each step until Done, polled as RequeueAfter asks):\n%s", b.String())
}

// ironicHost builds the Host of a fake-hardware host; its password is unique so that a
// leak is attributable.
func ironicHost(t testing.TB, name string, n int) provisioner.Host {
	t.Helper()
	access, err := bmc.ParseWithOptions(fmt.Sprintf("fake://192.0.2.%d", n), bmc.Options{AllowTestSchemes: true})
	if err != nil {
		t.Fatal(err)
	}
	return provisioner.Host{
		Namespace:             ironicTestNamespace,
		Name:                  name,
		UID:                   types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", n)),
		BMC:                   access,
		Credentials:           provisioner.Credentials{Username: "admin", Password: fmt.Sprintf("pw-%s-S3cr3t-%d", name, n)},
		BootMACAddress:        fmt.Sprintf("52:54:00:12:00:%02x", n),
		BootMode:              v1alpha1.BootModeUEFI,
		InspectionMode:        v1alpha1.InspectionModeAgent,
		AutomatedCleaningMode: v1alpha1.CleaningModeMetadata,
	}
}

// drive calls step until it is Done, waiting what RequeueAfter asks between calls. A
// Failed result or an error ends it.
func drive(ctx context.Context, timeout time.Duration, step func(context.Context) (provisioner.Result, error)) (int, error) {
	calls := 0
	next := time.Time{}
	var stepErr error
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if time.Now().Before(next) {
			return false, nil
		}
		calls++
		res, err := step(ctx)
		switch {
		case err != nil:
			stepErr = err
			return false, err
		case res.ErrorMessage != "":
			stepErr = errors.New("failed: " + res.ErrorMessage)
			return false, stepErr
		case res.Done:
			return true, nil
		}
		next = time.Now().Add(res.RequeueAfter)
		return false, nil
	})
	if stepErr != nil {
		return calls, stepErr
	}
	return calls, err
}

// ironicView reads a node as Ironic reports it, independently of the backend.
type ironicView struct {
	endpoint string
	client   *http.Client
}

func (v ironicView) get(t testing.TB, path string) (map[string]any, int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.endpoint+"/v1/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := v.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out, resp.StatusCode
}

func (v ironicView) node(t testing.TB, ident string) map[string]any {
	t.Helper()
	n, code := v.get(t, "nodes/"+ident)
	if code != http.StatusOK {
		t.Fatalf("Ironic has no node %s (HTTP %d)", ident, code)
	}
	return n
}

func (v ironicView) delete(t testing.TB, ident string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, v.endpoint+"/v1/nodes/"+ident, nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := v.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE node %s: HTTP %d", ident, resp.StatusCode)
	}
}

// expect checks fields of Ironic's node.
func expect(t testing.TB, step string, node map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if got := node[k]; fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("after %s: Ironic's node %s = %v, want %v", step, k, got, w)
		}
	}
}

// newIronicBackend starts a backend on endpoint with a logger that buffers everything it
// logs (at high verbosity), to check for leaked secrets.
func newIronicBackend(t *testing.T, endpoint string) (*ironic.Provisioner, context.Context, func() string) {
	t.Helper()
	logger := ktesting.NewLogger(ktesting.NopTL{}, ktesting.NewConfig(ktesting.Verbosity(10), ktesting.BufferLogs(true)))
	ctx := klog.NewContext(context.Background(), logger)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel)
	p, err := ironic.New(ctx, ironic.Config{Endpoint: endpoint, PollInterval: 100 * time.Millisecond, WaitPollInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logs := func() string {
		return logger.GetSink().(ktesting.Underlier).GetBuffer().String()
	}
	return p, ctx, logs
}

func TestIronicBackendLifecycle(t *testing.T) {
	ir := framework.StartIronic(t)
	p, ctx, logs := newIronicBackend(t, ir.Endpoint)
	if v := p.APIVersion(); v != "1.81" {
		t.Errorf("negotiated API version %q with Ironic 1.82, want 1.81 (inventory)", v)
	}
	view := ironicView{endpoint: ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	times := &ironicStepTimes{}
	const hosts = 10
	var passwords []string
	var messagesMu sync.Mutex
	var messages []string
	record := func(res provisioner.Result, err error) (provisioner.Result, error) {
		messagesMu.Lock()
		defer messagesMu.Unlock()
		if err != nil {
			messages = append(messages, err.Error())
		}
		if res.ErrorMessage != "" {
			messages = append(messages, res.ErrorMessage)
		}
		return res, err
	}

	// Ironic checks that the image URL answers (HEAD) when validating and deploying, even
	// for fake-hardware: serve the images locally, as a real deployment's cache would.
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4096")
		if r.Method == http.MethodGet {
			_, _ = w.Write(make([]byte, 4096))
		}
	}))
	defer images.Close()

	start := time.Now()
	t.Run("hosts", func(t *testing.T) {
		// Subtests run from their own goroutines rather than with t.Parallel, whose
		// concurrency -parallel (GOMAXPROCS) would cap below the number of hosts.
		var wg sync.WaitGroup
		defer wg.Wait()
		for n := 1; n <= hosts; n++ {
			host := ironicHost(t, fmt.Sprintf("host-%d", n), n)
			passwords = append(passwords, host.Credentials.Password)
			wg.Add(1)
			go t.Run(host.Name, func(t *testing.T) {
				defer wg.Done()
				name := ironic.NodeName(host.Namespace, host.Name)
				step := func(label string, f func(context.Context) (provisioner.Result, error)) {
					t.Helper()
					begin := time.Now()
					calls, err := drive(ctx, 60*time.Second, func(ctx context.Context) (provisioner.Result, error) {
						return record(f(ctx))
					})
					if err != nil {
						t.Fatalf("%s: %v (after %d calls)", label, err, calls)
					}
					times.add(label, time.Since(begin))
				}

				step("register", func(ctx context.Context) (provisioner.Result, error) {
					id, res, err := p.Register(ctx, host)
					host.ID = id
					return res, err
				})
				node := view.node(t, name)
				expect(t, "register", node, map[string]any{
					"uuid": host.ID, "driver": "fake-hardware", "provision_state": "manageable",
					"deploy_interface": "fake", "inspect_interface": "fake", "automated_clean": true,
				})
				if di, _ := node["driver_info"].(map[string]any); di["fake_password"] != "******" || di["fake_address"] != host.BMC.Endpoint() {
					t.Errorf("driver_info = %v", di)
				}
				portList, _ := view.get(t, "ports?node="+host.ID)
				if ports, _ := portList["ports"].([]any); len(ports) != 1 || ports[0].(map[string]any)["address"] != host.BootMACAddress {
					t.Errorf("ports of the node = %v, want one with %s", portList, host.BootMACAddress)
				}
				// Registering again changes nothing and creates nothing.
				id, res, err := p.Register(ctx, host)
				if err != nil || !res.Done || id != host.ID {
					t.Errorf("second Register = %q, %+v, %v", id, res, err)
				}

				var details *v1alpha1.HardwareDetails
				step("inspect", func(ctx context.Context) (provisioner.Result, error) {
					d, res, err := p.Inspect(ctx, host, false)
					details = d
					return res, err
				})
				if details == nil {
					t.Fatal("inspection Done without details")
				}
				if len(details.NICs) != 1 || details.NICs[0].MAC != host.BootMACAddress {
					t.Errorf("inspected NICs = %+v, want the boot MAC's port", details.NICs)
				}
				node = view.node(t, name)
				expect(t, "inspect", node, map[string]any{"provision_state": "manageable"})
				if node["inspection_finished_at"] == nil {
					t.Error("Ironic did not record a finished inspection")
				}

				step("prepare", func(ctx context.Context) (provisioner.Result, error) {
					return p.Prepare(ctx, host, provisioner.PrepareData{})
				})
				node = view.node(t, name)
				expect(t, "prepare", node, map[string]any{"provision_state": "available"})

				// Re-inspection requested while available (restart passed on every call
				// until Done): back to manageable, inspected once more, prepared again.
				firstInspection := node["inspection_finished_at"]
				step("reinspect", func(ctx context.Context) (provisioner.Result, error) {
					_, res, err := p.Inspect(ctx, host, true)
					return res, err
				})
				node = view.node(t, name)
				if node["inspection_finished_at"] == firstInspection {
					t.Errorf("re-inspection did not inspect again (inspection_finished_at %v)", firstInspection)
				}
				if extra, _ := node["extra"].(map[string]any); len(extra) != 0 {
					t.Errorf("extra after re-inspection = %v, want the request cleared", extra)
				}
				step("prepare", func(ctx context.Context) (provisioner.Result, error) {
					return p.Prepare(ctx, host, provisioner.PrepareData{})
				})
				expect(t, "prepare again", view.node(t, name), map[string]any{"provision_state": "available"})

				format := v1alpha1.ImageFormatQCOW2
				image := &v1alpha1.Image{
					URL:          images.URL + "/images/" + host.Name + ".qcow2",
					Checksum:     strings.Repeat("ab", 32),
					ChecksumType: v1alpha1.ChecksumSHA256,
					Format:       &format,
				}
				step("provision", func(ctx context.Context) (provisioner.Result, error) {
					return p.Provision(ctx, host, provisioner.ProvisionData{
						Image: image, UserData: "#cloud-config\n", NetworkData: `{"links": []}`, MetaData: "role: worker\n",
					})
				})
				node = view.node(t, name)
				expect(t, "provision", node, map[string]any{"provision_state": "active", "instance_uuid": string(host.UID)})
				ii, _ := node["instance_info"].(map[string]any)
				expect(t, "provision (instance_info)", ii, map[string]any{
					"image_source": image.URL, "image_os_hash_algo": "sha256", "image_os_hash_value": image.Checksum,
					"image_disk_format": "qcow2", "configdrive": "******",
				})

				step("power-off", func(ctx context.Context) (provisioner.Result, error) {
					return p.PowerOff(ctx, host, provisioner.RebootModeHard)
				})
				expect(t, "power off", view.node(t, name), map[string]any{"power_state": "power off"})
				if ps, err := p.PowerState(ctx, host); err != nil || !ps.Known || ps.PoweredOn {
					t.Errorf("PowerState after power off = %+v, %v", ps, err)
				}
				step("power-on", func(ctx context.Context) (provisioner.Result, error) {
					return p.PowerOn(ctx, host)
				})
				expect(t, "power on", view.node(t, name), map[string]any{"power_state": "power on"})
				step("soft-off", func(ctx context.Context) (provisioner.Result, error) {
					return p.PowerOff(ctx, host, provisioner.RebootModeSoft)
				})
				expect(t, "soft power off", view.node(t, name), map[string]any{"power_state": "power off"})
				step("power-on", func(ctx context.Context) (provisioner.Result, error) {
					return p.PowerOn(ctx, host)
				})
				step("reboot", func(ctx context.Context) (provisioner.Result, error) {
					return p.Reboot(ctx, host, provisioner.RebootModeSoft)
				})
				// The reboot was accepted; it ends powered on.
				if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
					n := view.node(t, name)
					return n["power_state"] == "power on" && n["target_power_state"] == nil, nil
				}); err != nil {
					t.Errorf("node did not come back on after the reboot: %v", err)
				}

				step("deprovision", func(ctx context.Context) (provisioner.Result, error) {
					return p.Deprovision(ctx, host)
				})
				node = view.node(t, name)
				expect(t, "deprovision", node, map[string]any{"provision_state": "available"})
				if ii, _ := node["instance_info"].(map[string]any); len(ii) != 0 {
					t.Errorf("instance_info after deprovisioning = %v, want empty", ii)
				}

				step("delete", func(ctx context.Context) (provisioner.Result, error) {
					return p.Delete(ctx, host)
				})
				if _, code := view.get(t, "nodes/"+name); code != http.StatusNotFound {
					t.Errorf("after Delete, GET node = HTTP %d, want 404", code)
				}
				if _, code := view.get(t, "ports?address="+host.BootMACAddress); code != http.StatusOK {
					t.Errorf("listing ports: HTTP %d", code)
				}
			})
		}
	})
	t.Logf("%d hosts through the whole lifecycle in parallel: %s", hosts, time.Since(start).Round(time.Millisecond))
	times.report(t)

	// Nothing is left in Ironic, and no password reached a message or a log line.
	if list, _ := view.get(t, "nodes"); len(list["nodes"].([]any)) != 0 {
		t.Errorf("nodes left in Ironic: %v", list["nodes"])
	}
	all := logs() + strings.Join(messages, "\n")
	for _, pw := range passwords {
		if strings.Contains(all, pw) {
			t.Errorf("a BMC password appears in the backend's logs or messages")
		}
	}
	if !strings.Contains(logs(), "Registered the host in Ironic") {
		t.Errorf("the buffered logger saw nothing; the leak check is void")
	}
	if ironicLog, err := ir.Log(); err == nil {
		for _, pw := range passwords {
			if strings.Contains(ironicLog, pw) {
				t.Logf("note: Ironic itself logged a BMC password")
			}
		}
	}
}

// TestIronicBackendNodeLost deletes a node behind the backend's back: every step then
// asks for registration, Delete and Detach are Done, and Register creates a new node.
func TestIronicBackendNodeLost(t *testing.T) {
	ir := framework.StartIronic(t)
	p, ctx, _ := newIronicBackend(t, ir.Endpoint)
	view := ironicView{endpoint: ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	host := ironicHost(t, "lost", 50)

	if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		return res, err
	}); err != nil {
		t.Fatal(err)
	}
	oldID := host.ID
	view.delete(t, oldID)
	// The backend may answer from its last read of the node for this long (see the
	// constant); after it, every step must notice the node is gone.
	time.Sleep(ironic.RestingNodeTTL)

	checks := map[string]func() error{
		"Inspect":     func() error { _, _, err := p.Inspect(ctx, host, false); return err },
		"Prepare":     func() error { _, err := p.Prepare(ctx, host, provisioner.PrepareData{}); return err },
		"Provision":   func() error { _, err := p.Provision(ctx, host, provisioner.ProvisionData{}); return err },
		"Deprovision": func() error { _, err := p.Deprovision(ctx, host); return err },
		"Adopt":       func() error { _, err := p.Adopt(ctx, host); return err },
		"PowerOn":     func() error { _, err := p.PowerOn(ctx, host); return err },
		"PowerOff":    func() error { _, err := p.PowerOff(ctx, host, provisioner.RebootModeHard); return err },
		"Reboot":      func() error { _, err := p.Reboot(ctx, host, provisioner.RebootModeHard); return err },
		"PowerState":  func() error { _, err := p.PowerState(ctx, host); return err },
	}
	for name, check := range checks {
		if err := check(); !errors.Is(err, provisioner.ErrNeedsRegistration) {
			t.Errorf("%s on a lost node: %v, want ErrNeedsRegistration", name, err)
		}
	}
	for name, f := range map[string]func(context.Context, provisioner.Host) (provisioner.Result, error){"Delete": p.Delete, "Detach": p.Detach} {
		if res, err := f(ctx, host); err != nil || !res.Done {
			t.Errorf("%s of a lost node = %+v, %v; want Done", name, res, err)
		}
	}

	// A node of the same name but another UUID is found by name, not by the stale ID.
	if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		return res, err
	}); err != nil {
		t.Fatal(err)
	}
	if host.ID == oldID || host.ID == "" {
		t.Errorf("re-registration returned ID %q (old %q)", host.ID, oldID)
	}
	expect(t, "re-register", view.node(t, host.ID), map[string]any{"provision_state": "manageable", "name": ironic.NodeName(host.Namespace, host.Name)})

	// Detach removes the node without moving it anywhere first.
	if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
		return p.Adopt(ctx, host)
	}); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	expect(t, "adopt", view.node(t, host.ID), map[string]any{"provision_state": "active"})
	if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
		return p.Detach(ctx, host)
	}); err != nil {
		t.Fatalf("detach: %v", err)
	}
	if _, code := view.get(t, "nodes/"+host.ID); code != http.StatusNotFound {
		t.Errorf("after Detach, GET node = HTTP %d, want 404", code)
	}

	// Delete of an active node goes through maintenance mode.
	for _, step := range []func(context.Context) (provisioner.Result, error){
		func(ctx context.Context) (provisioner.Result, error) {
			id, res, err := p.Register(ctx, host)
			host.ID = id
			return res, err
		},
		func(ctx context.Context) (provisioner.Result, error) { return p.Adopt(ctx, host) },
		func(ctx context.Context) (provisioner.Result, error) { return p.Delete(ctx, host) },
	} {
		if _, err := drive(ctx, 30*time.Second, step); err != nil {
			t.Fatal(err)
		}
	}
	if _, code := view.get(t, "nodes/"+host.ID); code != http.StatusNotFound {
		t.Errorf("after Delete of an active node, GET node = HTTP %d, want 404", code)
	}
}

// TestIronicBackendBMCFailure registers a Redfish host whose BMC does not answer: Ironic's
// verification fails, the failure is reported (without the password) until the caller says
// its status records it (RestartOnFailure), then retried; new credentials retry at once.
func TestIronicBackendBMCFailure(t *testing.T) {
	ir := framework.StartIronic(t)
	p, ctx, logs := newIronicBackend(t, ir.Endpoint)
	port, err := framework.FreePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	access, err := bmc.Parse(fmt.Sprintf("redfish+http://127.0.0.1:%d/redfish/v1/Systems/1", port))
	if err != nil {
		t.Fatal(err)
	}
	host := provisioner.Host{
		Namespace: ironicTestNamespace, Name: "dead-bmc", BMC: access,
		Credentials:    provisioner.Credentials{Username: "root", Password: "calvin-Pa55word-dead"},
		BootMACAddress: "52:54:00:12:34:56", InspectionMode: v1alpha1.InspectionModeFast,
	}
	var failure string
	begin := time.Now()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		if err != nil {
			return false, err
		}
		failure = res.ErrorMessage
		return failure != "", nil
	})
	if err != nil {
		t.Fatalf("Register with a dead BMC never failed: %v", err)
	}
	t.Logf("verification failure reported after %s: %s", time.Since(begin).Round(time.Millisecond), failure)
	if strings.Contains(failure, host.Credentials.Password) || strings.Contains(logs(), host.Credentials.Password) {
		t.Error("the BMC password leaked into the failure or the logs")
	}
	view := ironicView{endpoint: ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	node := view.node(t, host.ID)
	expect(t, "failed verification", node, map[string]any{
		"driver": "redfish", "provision_state": "enroll", "inspect_interface": "redfish", "boot_interface": "ipxe",
	})
	di := node["driver_info"].(map[string]any)
	expect(t, "driver_info", di, map[string]any{
		"redfish_address": fmt.Sprintf("http://127.0.0.1:%d", port), "redfish_system_id": "/redfish/v1/Systems/1",
		"redfish_username": "root", "redfish_password": "******",
	})

	// Called again as it was, the failure is reported again: the backend keeps no memory of
	// what it reported. Called as the reconciler does once status records the failure
	// (RestartOnFailure), it retries.
	if _, res, err := p.Register(ctx, host); err != nil || res.ErrorMessage == "" {
		t.Errorf("Register again without RestartOnFailure = %+v, %v; want the failure reported again", res, err)
	}
	host.RestartOnFailure = true
	_, res, err := p.Register(ctx, host)
	if err != nil || res.ErrorMessage != "" || res.RequeueAfter == 0 {
		t.Errorf("Register with RestartOnFailure = %+v, %v; want a retry in progress", res, err)
	}
	host.RestartOnFailure = false

	// New credentials are written and verification restarts at once.
	host.Credentials.Password = "another-Pa55word"
	if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
		n := view.node(t, host.ID)
		if n["provision_state"] == "enroll" && n["target_provision_state"] == nil {
			return provisioner.Done(), nil
		}
		return provisioner.InProgress(100 * time.Millisecond), nil
	}); err != nil {
		t.Fatal(err)
	}
	_, res, err = p.Register(ctx, host)
	if err != nil || res.ErrorMessage != "" {
		t.Errorf("Register with new credentials = %+v, %v; want a retry, not the old failure", res, err)
	}
	if res, err := p.Delete(ctx, host); err != nil {
		t.Errorf("Delete: %+v, %v", res, err)
	}
}

// TestIronicBackendUnreachable: a backend whose Ironic is down returns errors, bounded by
// the caller's context, and recovers when Ironic comes back (on the same database).
func TestIronicBackendUnreachable(t *testing.T) {
	t.Run("never up", func(t *testing.T) {
		port, err := framework.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		p, err := ironic.New(context.Background(), ironic.Config{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)})
		if err != nil {
			t.Fatalf("New must not need Ironic up: %v", err)
		}
		host := ironicHost(t, "nowhere", 1)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, _, err := p.Register(ctx, host); err == nil {
			t.Error("Register against a closed port succeeded")
		}
		if _, err := p.PowerState(ctx, host); err == nil {
			t.Error("PowerState against a closed port succeeded")
		}
	})
	t.Run("silent", func(t *testing.T) {
		// Accepts connections and never answers: only the context ends the call.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		newCtx, cancelNew := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancelNew()
		p, err := ironic.New(newCtx, ironic.Config{Endpoint: "http://" + l.Addr().String()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		begin := time.Now()
		_, _, err = p.Register(ctx, ironicHost(t, "silent", 2))
		if err == nil {
			t.Fatal("Register against a silent server succeeded")
		}
		if d := time.Since(begin); d > 5*time.Second {
			t.Errorf("Register took %s; the 2s context should have ended it", d)
		}
	})
	t.Run("killed and restarted", func(t *testing.T) {
		ir := framework.StartIronic(t)
		p, ctx, _ := newIronicBackend(t, ir.Endpoint)
		host := ironicHost(t, "phoenix", 3)
		if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
			id, res, err := p.Register(ctx, host)
			host.ID = id
			return res, err
		}); err != nil {
			t.Fatal(err)
		}
		if err := ir.Kill(); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := p.PowerOn(short, host)
		cancel()
		if err == nil || errors.Is(err, provisioner.ErrNeedsRegistration) {
			t.Errorf("PowerOn with Ironic down: %v, want a connection error", err)
		}
		begin := time.Now()
		if err := ir.Restart(); err != nil {
			t.Fatal(err)
		}
		t.Logf("Ironic restarted over its database in %s", time.Since(begin).Round(time.Millisecond))
		if _, err := drive(ctx, 30*time.Second, func(ctx context.Context) (provisioner.Result, error) {
			return p.PowerOn(ctx, host)
		}); err != nil {
			t.Fatalf("PowerOn after the restart: %v", err)
		}
		id, res, err := p.Register(ctx, host)
		if err != nil || !res.Done || id != host.ID {
			t.Errorf("Register after the restart = %q, %+v, %v; want the same node %s", id, res, err, host.ID)
		}
	})
}
