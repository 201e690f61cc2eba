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
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// lifecycleServer starts Ironic and the server driving it, with test BMC schemes allowed and
// short intervals, and returns the server, its clientset and Ironic.
func lifecycleServer(t *testing.T, extraArgs ...string) (*framework.Server, clientset.Interface, *framework.Ironic) {
	t.Helper()
	ironic := framework.StartIronic(t)
	args := append([]string{
		"--provisioner=ironic", "--ironic-endpoint=" + ironic.Endpoint, "--ironic-poll-interval=200ms",
		"--allow-test-bmc-schemes", "--power-poll-interval=2s",
		"--error-backoff-base=200ms", "--error-backoff-cap=2s",
	}, extraArgs...)
	srv := framework.StartStandalone(t, serverBin, t.TempDir(), args...)
	return srv, srv.Clientset(t), ironic
}

// imageServer serves image files on loopback: Ironic checks an image URL with a HEAD request
// even for fake-hardware, and tests must never send traffic off this machine.
func imageServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1048576")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// writeCredentials writes a host's BMC credentials where the standalone server reads Secrets.
func writeCredentials(t *testing.T, srv *framework.Server, name, user, password string) {
	t.Helper()
	dir := filepath.Join(srv.DataDir, "secrets", ns, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"username": user, "password": password} {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func fakeHost(i int) *v1alpha1.BareMetalHost {
	name := fmt.Sprintf("node-%02d", i)
	return &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: fmt.Sprintf("52:54:00:12:34:%02x", i),
			BMC:            v1alpha1.BMCDetails{Address: fmt.Sprintf("fake://192.0.2.%d", i+1), CredentialsName: name + "-bmc"},
		},
	}
}

type ironicNode struct {
	UUID           string  `json:"uuid"`
	Name           string  `json:"name"`
	ProvisionState string  `json:"provision_state"`
	PowerState     *string `json:"power_state"`
}

// ironicNodes is Ironic's own view, read straight from its API.
func ironicNodes(t *testing.T, endpoint string) map[string]ironicNode {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/v1/nodes?fields=uuid,name,provision_state,power_state", nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("listing Ironic nodes: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Nodes []ironicNode `json:"nodes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	nodes := map[string]ironicNode{}
	for _, n := range body.Nodes {
		if _, dup := nodes[n.Name]; dup {
			t.Errorf("Ironic has two nodes named %s", n.Name)
		}
		nodes[n.Name] = n
	}
	return nodes
}

// waitAll waits until every host satisfies cond.
func waitAll(t *testing.T, cs clientset.Interface, what string, timeout time.Duration, cond func(*v1alpha1.BareMetalHost) bool) []v1alpha1.BareMetalHost {
	t.Helper()
	var last []v1alpha1.BareMetalHost
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		list, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		last = list.Items
		for i := range last {
			if !cond(&last[i]) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		summary := map[string]int{}
		for _, h := range last {
			summary[string(h.Status.Provisioning.State)+"/"+string(h.Status.OperationalStatus)+"/"+h.Status.ErrorMessage]++
		}
		t.Fatalf("hosts never %s within %s: %v", what, timeout, summary)
	}
	return last
}

func inState(s v1alpha1.ProvisioningState) func(*v1alpha1.BareMetalHost) bool {
	return func(h *v1alpha1.BareMetalHost) bool { return h.Status.Provisioning.State == s }
}

// longStateWatcher watches every host and records the most seen at once in inspecting,
// provisioning or deprovisioning: the hard limit is about what clients see.
type longStateWatcher struct {
	mu      sync.Mutex
	states  map[string]v1alpha1.ProvisioningState
	max     int
	delayed bool
}

func watchLongStates(t *testing.T, ctx context.Context, cs clientset.Interface) *longStateWatcher {
	w := &longStateWatcher{states: map[string]v1alpha1.ProvisioningState{}}
	wi, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer wi.Stop()
		for ev := range wi.ResultChan() {
			h, ok := ev.Object.(*v1alpha1.BareMetalHost)
			if !ok {
				continue
			}
			w.mu.Lock()
			if ev.Type == watch.Deleted {
				delete(w.states, h.Name)
			} else {
				w.states[h.Name] = h.Status.Provisioning.State
			}
			n := 0
			for _, s := range w.states {
				if s == v1alpha1.StateInspecting || s == v1alpha1.StateProvisioning || s == v1alpha1.StateDeprovisioning {
					n++
				}
			}
			if n > w.max {
				w.max = n
			}
			if h.Status.OperationalStatus == v1alpha1.OperationalStatusDelayed {
				w.delayed = true
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// TestLifecycleOnIronic walks 20 fake-hardware hosts through the whole lifecycle on a real
// Ironic, with a provisioning limit of 3 that a watcher checks throughout.
func TestLifecycleOnIronic(t *testing.T) {
	const n = 20
	srv, cs, ironic := lifecycleServer(t, "--max-concurrent-provisioning=3")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	watcher := watchLongStates(t, ctx, cs)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)

	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		writeCredentials(t, srv, fakeHost(i).Spec.BMC.CredentialsName, "admin", "hunter2-do-not-log")
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := hosts.Create(ctx, fakeHost(i), metav1.CreateOptions{}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	list := waitAll(t, cs, "available", 4*time.Minute, inState(v1alpha1.StateAvailable))
	t.Logf("%d hosts registered, inspected and available in %s", n, time.Since(start).Round(time.Millisecond))
	for _, h := range list {
		if h.Status.Provisioning.ID == "" || h.Status.Hardware == nil || h.Status.OperationHistory.Inspect.End.IsZero() {
			t.Errorf("%s: available without ID, hardware or inspection history: %+v", h.Name, h.Status)
		}
	}
	nodes := ironicNodes(t, ironic.Endpoint)
	if len(nodes) != n {
		t.Fatalf("Ironic has %d nodes, want %d", len(nodes), n)
	}
	for _, h := range list {
		node, ok := nodes[ns+"~"+h.Name]
		if !ok || node.ProvisionState != "available" || node.UUID != h.Status.Provisioning.ID {
			t.Errorf("%s: Ironic node %+v, host ID %s", h.Name, node, h.Status.Provisioning.ID)
		}
	}

	start = time.Now()
	images := imageServer(t)
	for _, h := range list {
		patch := []byte(`{"spec":{"image":{"url":"` + images + `/os.qcow2","checksum":"0123456789abcdef0123456789abcdef","checksumType":"md5"}}}`)
		if _, err := hosts.Patch(ctx, h.Name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	provisioned := waitAll(t, cs, "provisioned", 4*time.Minute, inState(v1alpha1.StateProvisioned))
	t.Logf("%d hosts provisioned in %s", n, time.Since(start).Round(time.Millisecond))
	// The reconciler writes hosts it read from informers that drop managed fields; every write
	// keeps the stored ones: the client's (its create and image patch) and the reconciler's own.
	for _, h := range provisioned {
		var image, status bool
		for _, mf := range h.ManagedFields {
			image = image || mf.Subresource == "" && strings.Contains(string(mf.FieldsV1.Raw), `"f:image"`)
			status = status || mf.Subresource == "status" && strings.Contains(string(mf.FieldsV1.Raw), `"f:provisioning"`)
		}
		if !image || !status {
			t.Errorf("%s: managed fields lost the image's writer (%v) or the status writer (%v): %+v", h.Name, image, status, h.ManagedFields)
		}
	}
	for name, node := range ironicNodes(t, ironic.Endpoint) {
		if node.ProvisionState != "active" {
			t.Errorf("Ironic node %s is %s, want active", name, node.ProvisionState)
		}
	}

	start = time.Now()
	for _, h := range list {
		if _, err := hosts.Patch(ctx, h.Name, "application/merge-patch+json", []byte(`{"spec":{"image":null}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, cs, "available again", 4*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.Provisioning.Image.URL == ""
	})
	t.Logf("%d hosts deprovisioned in %s", n, time.Since(start).Round(time.Millisecond))
	for name, node := range ironicNodes(t, ironic.Endpoint) {
		if node.ProvisionState != "available" {
			t.Errorf("Ironic node %s is %s after deprovisioning", name, node.ProvisionState)
		}
	}

	// Power through the subresource: the backend reports off.
	p, err := hosts.GetPower(ctx, list[0].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.State = v1alpha1.PowerOff
	if _, err := hosts.UpdatePower(ctx, list[0].Name, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		node := ironicNodes(t, ironic.Endpoint)[ns+"~"+list[0].Name]
		return node.PowerState != nil && *node.PowerState == "power off", nil
	})
	if err != nil {
		t.Errorf("Ironic never reported %s off after the power subresource write", list[0].Name)
	}
	// Inspect in available refreshes the inventory; inspect while it runs is a 409.
	if _, err := hosts.Inspect(ctx, list[1].Name, &v1alpha1.InspectRequest{}, metav1.CreateOptions{}); err != nil {
		t.Errorf("inspect of an available host: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		in, err := hosts.GetInspection(ctx, list[1].Name, metav1.GetOptions{})
		return err == nil && in.Status.State == v1alpha1.InspectionCompleted && in.Status.StartTime != nil &&
			in.Status.StartTime.After(list[1].Status.OperationHistory.Inspect.Start.Time), nil
	})
	if err != nil {
		t.Errorf("re-inspection never completed: %v", err)
	}

	// Metal3's metrics, with its names and per-host labels, for dashboards written for BMO.
	before, err := srv.Kubectl(t, kubectlBin, "get", "--raw", "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	for _, m := range []string{
		`metal3_provisioning_state_change_total{new_state="provisioned",prev_state="provisioning"} 20`,
		fmt.Sprintf(`metal3_operation_provision_duration_seconds_count{host=%q,namespace=%q} 1`, list[0].Name, ns),
		fmt.Sprintf(`metal3_reconcile_total{host=%q,namespace=%q}`, list[0].Name, ns),
		`metal3_delayed__provisioning_total{host=`,
		`metal3_credentials_missing_total 0`,
	} {
		if !strings.Contains(before, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}

	// Delete: Ironic nodes removed, objects gone.
	for _, h := range list {
		if err := hosts.Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := hosts.List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == 0, nil
	})
	if err != nil {
		t.Fatalf("hosts not deleted: %v", err)
	}
	if left := ironicNodes(t, ironic.Endpoint); len(left) != 0 {
		t.Errorf("Ironic still has %d nodes after the hosts were deleted", len(left))
	}

	watcher.mu.Lock()
	maxSeen, delayed := watcher.max, watcher.delayed
	watcher.mu.Unlock()
	t.Logf("most hosts seen at once in inspecting/provisioning/deprovisioning: %d (limit 3); delayed seen: %v", maxSeen, delayed)
	if maxSeen > 3 {
		t.Errorf("the watcher saw %d hosts in long states at once; the limit is 3", maxSeen)
	}
	if !delayed {
		t.Errorf("no host was ever shown delayed while 20 hosts competed for 3 slots")
	}
	if strings.Contains(srv.Output(), "hunter2-do-not-log") {
		t.Errorf("the BMC password appears in the server log")
	}

	// The reconciler's Prometheus metrics are on the server's /metrics.
	metrics, err := srv.Kubectl(t, kubectlBin, "get", "--raw", "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	for _, m := range []string{
		`baremetal_reconcile_total{result="ok"}`,
		`baremetal_state_changes_total{from="provisioning",to="provisioned"} 20`,
		`baremetal_operation_duration_seconds_count{operation="provision"} 20`,
		`baremetal_operation_duration_seconds_count{operation="inspect"}`,
		`baremetal_power_changes_total{target="off"}`,
		// Slots are per Ironic endpoint.
		`baremetal_provisioning_slots_in_use{endpoint="` + ironic.Endpoint + `"} 0`,
		`baremetal_hosts_delayed{endpoint="` + ironic.Endpoint + `"} 0`,
	} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	// A deleted host's per-host series go with it.
	if strings.Contains(metrics, "metal3_reconcile_total{host=") {
		t.Errorf("/metrics keeps per-host series of deleted hosts")
	}
}

// TestIronicOutageAndMissingCredentials: Ironic killed while hosts provision, then restarted
// over the same database; and a host whose credentials Secret appears later.
func TestIronicOutageAndMissingCredentials(t *testing.T) {
	const n = 6
	srv, cs, ironic := lifecycleServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)

	// A host without its Secret: registration error naming it, fixed by creating it.
	orphan := fakeHost(50)
	if _, err := hosts.Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		writeCredentials(t, srv, fakeHost(i).Spec.BMC.CredentialsName, "admin", "wrong-password-never-logged")
		if _, err := hosts.Create(ctx, fakeHost(i), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		h, err := hosts.Get(ctx, orphan.Name, metav1.GetOptions{})
		return err == nil && h.Status.ErrorType == v1alpha1.RegistrationError &&
			strings.Contains(h.Status.ErrorMessage, orphan.Spec.BMC.CredentialsName), nil
	})
	if err != nil {
		t.Errorf("missing Secret did not give a registration error naming it: %v", err)
	}
	writeCredentials(t, srv, orphan.Spec.BMC.CredentialsName, "admin", "pw")

	waitAll(t, cs, "available", 3*time.Minute, inState(v1alpha1.StateAvailable))
	images := imageServer(t)
	for i := 0; i < n; i++ {
		patch := []byte(`{"spec":{"image":{"url":"` + images + `/os.raw","checksum":"0123456789abcdef0123456789abcdef"}}}`)
		if _, err := hosts.Patch(ctx, fakeHost(i).Name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Kill Ironic as soon as a host is provisioning.
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := hosts.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, h := range l.Items {
			if h.Status.Provisioning.State == v1alpha1.StateProvisioning {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatal("no host started provisioning")
	}
	if err := ironic.Kill(); err != nil {
		t.Fatal(err)
	}
	// Hosts show an error with backoff; the server keeps serving.
	waitAll(t, cs, "in error with backoff", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Name == orphan.Name || h.Status.Provisioning.State == v1alpha1.StateProvisioned ||
			(h.Status.OperationalStatus == v1alpha1.OperationalStatusError && h.Status.ErrorCount >= 2)
	})
	if err := ironic.Restart(); err != nil {
		t.Fatal(err)
	}
	list := waitAll(t, cs, "provisioned after Ironic came back", 4*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		if h.Name == orphan.Name {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable
		}
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.ErrorType == ""
	})
	if len(list) != n+1 {
		t.Errorf("%d hosts after the outage, want %d", len(list), n+1)
	}
	nodes := ironicNodes(t, ironic.Endpoint)
	if len(nodes) != n+1 {
		t.Errorf("Ironic has %d nodes after the outage, want %d (no duplicates)", len(nodes), n+1)
	}
	if strings.Contains(srv.Output(), "wrong-password-never-logged") {
		t.Error("a BMC password appears in the server log")
	}
	for _, h := range list {
		b, _ := json.Marshal(h)
		if strings.Contains(string(b), "wrong-password-never-logged") {
			t.Errorf("%s: the BMC password appears in the object", h.Name)
		}
	}
}
