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

package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// hostManifest is a valid BareMetalHost in YAML.
func hostManifest(name, namespace, description string, online bool) string {
	return fmt.Sprintf(`apiVersion: baremetal.metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: %s
  namespace: %s
spec:
  online: %t
  bootMACAddress: "52:54:00:00:10:01"
  description: %q
  bmc:
    address: redfish+https://192.0.2.30/redfish/v1/Systems/1
    credentialsName: %s-bmc-secret
`, name, namespace, online, description, name)
}

// TestDelegated runs the server behind a real kube-apiserver. The subtests share one cluster
// (starting it takes seconds) and run in order: later ones rely on objects of earlier ones.
func TestDelegated(t *testing.T) {
	requireKubeAPIServer(t)
	c := startCluster(t)

	t.Run("discovery tables and explain through kube-apiserver", func(t *testing.T) { testDiscovery(t, c) })
	t.Run("create apply patch delete seen by kubectl get -w", func(t *testing.T) { testCRUDWatch(t, c) })
	t.Run("rbac through kube-apiserver", func(t *testing.T) { testRBAC(t, c) })
	t.Run("delegated authn and authz on direct requests", func(t *testing.T) { testDirect(t, c) })
	t.Run("namespace lifecycle admission", func(t *testing.T) { testNamespaceLifecycle(t, c) })
	t.Run("admission policies of the cluster apply", func(t *testing.T) { testAdmissionPolicy(t, c) })
	t.Run("priority and fairness", func(t *testing.T) { testPriorityAndFairness(t, c) })
	t.Run("hardware action subresources and their RBAC", func(t *testing.T) { testActions(t, c) })
	t.Run("firmware kinds: discovery, kubectl get hfs, 422 and RBAC", func(t *testing.T) { testFirmware(t, c) })
	t.Run("Metal3's other kinds: discovery, kubectl get and explain, 422 and RBAC", func(t *testing.T) { testMetal3Kinds(t, c) })
	t.Run("HostDeployPolicy hasLabels reads the claim's Namespace", func(t *testing.T) { testPolicyByNamespaceLabels(t, c) })
	t.Run("restart keeps objects and the APIService comes back", func(t *testing.T) { testRestart(t, c) })
}

// testPolicyByNamespaceLabels: a HostDeployPolicy letting in namespaces by label is judged on
// the claim's Namespace as kube-apiserver has it: a claim of a labelled namespace takes a host
// of the pool, one of an unlabelled namespace is refused, and labelling it lets it in.
func testPolicyByNamespaceLabels(t *testing.T, c *cluster) {
	const pool = "claims-pool"
	c.admin.Run(t, "create", "namespace", pool)
	c.admin.Run(t, "create", "namespace", "team-a")
	c.admin.Run(t, "label", "namespace", "team-a", "team=a")
	c.admin.Run(t, "create", "namespace", "team-b")
	c.admin.RunStdin(t, hostManifest("pool-0", pool, "pool", false), "create", "-f", "-")
	c.admin.RunStdin(t, hostManifest("pool-1", pool, "pool", false), "create", "-f", "-")
	for _, h := range []string{"pool-0", "pool-1"} {
		// No reconciler runs here: the hosts are made available by hand.
		c.admin.Run(t, "patch", "bmh", h, "-n", pool, "--subresource=status", "--type=merge", "-p",
			`{"status":{"provisioning":{"state":"available","ID":"x"},"operationalStatus":"OK"}}`)
	}
	c.admin.RunStdin(t, `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostDeployPolicy
metadata: {name: teams, namespace: `+pool+`}
spec:
  hostClaimNamespaces:
    hasLabels: [{name: team, value: a}]
`, "create", "-f", "-")
	claim := func(ns string) string {
		return `apiVersion: baremetal.metal3.io/v1alpha1
kind: HostClaim
metadata: {name: c, namespace: ` + ns + `}
spec:
  poweredOn: true
  hostSelector: {inNamespace: ` + pool + `}
`
	}
	c.admin.RunStdin(t, claim("team-a"), "create", "-f", "-")
	if got := c.admin.Run(t, "get", "hostclaim", "c", "-n", "team-a", "-o", "jsonpath={.status.bareMetalHost.namespace}"); got != pool {
		t.Errorf("claim of the labelled namespace holds a host of %q, want %s", got, pool)
	}
	_, errOut, err := c.admin.Exec(claim("team-b"), "create", "-f", "-")
	if err == nil || !strings.Contains(errOut, `no HostDeployPolicy in namespace "`+pool+`" allows HostClaims from namespace "team-b"`) {
		t.Errorf("claim of an unlabelled namespace: %v\n%s", err, errOut)
	}
	// Labelled now: the informer brings the label, and the claim is let in.
	c.admin.Run(t, "label", "namespace", "team-b", "team=a")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) {
		_, _, err := c.admin.Exec(claim("team-b"), "create", "-f", "-")
		return err == nil, nil
	}); err != nil {
		t.Errorf("claim of team-b after labelling it: %v", err)
	}
}

func testDiscovery(t *testing.T, c *cluster) {
	k := c.admin
	out := k.Run(t, "api-resources", "--api-group=baremetal.metal3.io", "-o", "wide")
	resources := out
	var row []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "baremetalhosts" {
			row = f
		}
	}
	// NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS CATEGORIES
	if len(row) < 7 || row[1] != "bmh,bmhost" || row[2] != "baremetal.metal3.io/v1alpha1" || row[3] != "true" ||
		row[4] != "BareMetalHost" || row[6] != "baremetal" {
		t.Errorf("kubectl api-resources row for baremetalhosts = %q\n%s", row, out)
	}

	k.RunStdin(t, hostManifest("h-table", testNamespace, "for the tables", true), "create", "-f", "-")
	out = k.Run(t, "get", "baremetalhosts", "-n", testNamespace)
	if got := header(out); got != "NAME STATE CONSUMER ONLINE ERROR AGE" {
		t.Errorf("kubectl get baremetalhosts header = %q\n%s", got, out)
	}
	if !strings.Contains(out, "h-table") {
		t.Errorf("kubectl get baremetalhosts lacks h-table:\n%s", out)
	}
	out = k.Run(t, "get", "bmh", "-o", "wide", "-n", testNamespace)
	if got := header(out); got != "NAME STATE CONSUMER ONLINE ERROR AGE STATUS BMC POWERED HARDWARE GPUS POWER DRAW" {
		t.Errorf("kubectl get bmh -o wide header = %q\n%s", got, out)
	}
	if !strings.Contains(out, "redfish+https://192.0.2.30/redfish/v1/Systems/1") {
		t.Errorf("kubectl get bmh -o wide lacks the BMC address:\n%s", out)
	}
	if out = k.Run(t, "get", "baremetal", "-n", testNamespace); !strings.Contains(out, "h-table") {
		t.Errorf("kubectl get baremetal (the category) lacks h-table:\n%s", out)
	}

	testHardwareDataDiscovery(t, k, resources)

	out = k.Run(t, "explain", "baremetalhost.spec.bmc.address")
	// kubectl wraps descriptions: compare with whitespace collapsed.
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"KIND: BareMetalHost", "FIELD: address <string>", "Address is the BMC URL", "The scheme selects the driver."} {
		if !strings.Contains(flat, want) {
			t.Errorf("kubectl explain baremetalhost.spec.bmc.address lacks %q:\n%s", want, out)
		}
	}
}

// testHardwareDataDiscovery: HardwareData as Metal3's CRD shows it (short name hd, the Name and
// Age columns), beside the hosts in the baremetal category, given the api-resources output.
func testHardwareDataDiscovery(t *testing.T, k framework.Kubectl, resources string) {
	var row []string
	for _, line := range strings.Split(resources, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "hardwaredata" {
			row = f
		}
	}
	// NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS CATEGORIES
	if len(row) < 7 || row[1] != "hd" || row[2] != "baremetal.metal3.io/v1alpha1" || row[3] != "true" ||
		row[4] != "HardwareData" || row[6] != "baremetal" {
		t.Errorf("kubectl api-resources row for hardwaredata = %q\n%s", row, resources)
	}
	k.RunStdin(t, `apiVersion: baremetal.metal3.io/v1alpha1
kind: HardwareData
metadata:
  name: h-table
  namespace: `+testNamespace+`
spec:
  hardware:
    ramMebibytes: 65536
    nics:
    - name: eno1
      mac: "b4:96:91:00:00:30"
`, "create", "-f", "-")
	out := k.Run(t, "get", "hd", "-n", testNamespace)
	if got := header(out); got != "NAME AGE" || !strings.Contains(out, "h-table") {
		t.Errorf("kubectl get hd: header %q\n%s", got, out)
	}
	if out = k.Run(t, "get", "baremetal", "-n", testNamespace); !strings.Contains(out, "hardwaredata.baremetal.metal3.io/h-table") {
		t.Errorf("kubectl get baremetal (the category) lacks the HardwareData:\n%s", out)
	}
	if out = k.Run(t, "explain", "hardwaredata.spec.hardware"); !strings.Contains(out, "ramMebibytes") {
		t.Errorf("kubectl explain hardwaredata.spec.hardware:\n%s", out)
	}
}

func header(table string) string {
	first, _, _ := strings.Cut(table, "\n")
	return strings.Join(strings.Fields(first), " ")
}

// watcher is a running `kubectl get -w --output-watch-events`, its lines fed to a channel.
type watcher struct {
	lines chan string
	stop  func()
}

func startWatch(t *testing.T, k framework.Kubectl, args ...string) *watcher {
	t.Helper()
	// The watch is bounded twice: by this context and by kubectl's own request timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := k.Command(ctx, append([]string{"get", "-w", "--output-watch-events", "--request-timeout=170s"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	w := &watcher{lines: make(chan string, 100)}
	go func() {
		defer close(w.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
	}()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	w.stop = func() {
		cancel()
		<-done
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("kubectl get -w stderr:\n%s", stderr.String())
		}
	}
	t.Cleanup(w.stop)
	return w
}

// expect waits for an event line (EVENT NAME ...) for name and returns its fields.
func (w *watcher) expect(t *testing.T, event, name string) []string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	var seen []string
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				t.Fatalf("kubectl get -w ended before %s %s; saw:\n%s", event, name, strings.Join(seen, "\n"))
			}
			seen = append(seen, line)
			if f := strings.Fields(line); len(f) >= 2 && f[0] == event && f[1] == name {
				return f
			}
		case <-deadline:
			t.Fatalf("no %s %s from kubectl get -w within 30s; saw:\n%s", event, name, strings.Join(seen, "\n"))
		}
	}
}

func testCRUDWatch(t *testing.T, c *cluster) {
	k := c.editor
	w := startWatch(t, k, "bmh", "-n", testNamespace)
	// The existing host is listed first: once it shows, the watch is established.
	w.expect(t, "ADDED", "h-table")

	k.RunStdin(t, hostManifest("h-crud", testNamespace, "created", true), "create", "-f", "-")
	if f := w.expect(t, "ADDED", "h-crud"); !slices.Contains(f, "true") {
		t.Errorf("ADDED h-crud row %q does not show online=true", f)
	}

	k.RunStdin(t, hostManifest("h-ssa", testNamespace, "applied once", true), "apply", "--server-side", "--field-manager=e2e-apply", "-f", "-")
	w.expect(t, "ADDED", "h-ssa")
	k.RunStdin(t, hostManifest("h-ssa", testNamespace, "applied twice", true), "apply", "--server-side", "--field-manager=e2e-apply", "-f", "-")
	w.expect(t, "MODIFIED", "h-ssa")
	got := k.Run(t, "get", "bmh", "h-ssa", "-n", testNamespace, "-o", "jsonpath={.spec.description} {.metadata.managedFields[*].manager}")
	if !strings.HasPrefix(got, "applied twice ") || !strings.Contains(got, "e2e-apply") {
		t.Errorf("after server-side apply: description and managers = %q", got)
	}
	// A second manager changing the same field conflicts, as server-side apply should.
	_, errOut, err := k.Exec(hostManifest("h-ssa", testNamespace, "someone else", true), "apply", "--server-side", "--field-manager=other", "-f", "-")
	if err == nil || !strings.Contains(errOut, "conflict") {
		t.Errorf("conflicting server-side apply: err=%v\n%s", err, errOut)
	}

	k.Run(t, "patch", "bmh", "h-crud", "-n", testNamespace, "--type=merge", "-p", `{"spec":{"online":false}}`)
	if f := w.expect(t, "MODIFIED", "h-crud"); !slices.Contains(f, "false") {
		t.Errorf("MODIFIED h-crud row %q does not show online=false", f)
	}

	k.Run(t, "delete", "bmh", "h-crud", "-n", testNamespace, "--wait=true", "--timeout=30s")
	w.expect(t, "DELETED", "h-crud")
	if _, errOut, err := k.Exec("", "get", "bmh", "h-crud", "-n", testNamespace); err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("get after delete: err=%v %s", err, errOut)
	}
}

func testRBAC(t *testing.T, c *cluster) {
	ns := "-n=" + testNamespace
	host := func(n string) string { return hostManifest(n, testNamespace, "rbac", true) }

	// baremetal-view: read only.
	if out := c.viewer.Run(t, "get", "bmh", ns); !strings.Contains(out, "h-table") {
		t.Errorf("viewer cannot list hosts:\n%s", out)
	}
	c.viewer.Run(t, "get", "bmh", "h-table", ns, "-o", "name")
	expectForbidden(t, c.viewer, "viewer", host("h-viewer"), "create", "-f", "-", ns)
	expectForbidden(t, c.viewer, "viewer", "", "patch", "bmh", "h-table", ns, "--type=merge", "-p", `{"spec":{"online":false}}`)
	expectForbidden(t, c.viewer, "viewer", "", "delete", "bmh", "h-table", ns)

	if out := c.viewer.Run(t, "get", "hd", "h-table", ns, "-o", "name"); strings.TrimSpace(out) != "hardwaredata.baremetal.metal3.io/h-table" {
		t.Errorf("viewer cannot read HardwareData: %s", out)
	}
	expectForbidden(t, c.viewer, "viewer", "", "delete", "hd", "h-table", ns)

	// baremetal-edit: everything on hosts, but not their status.
	c.editor.RunStdin(t, host("h-editor"), "create", "-f", "-", ns)
	c.editor.Run(t, "patch", "bmh", "h-editor", ns, "--type=merge", "-p", `{"spec":{"description":"edited"}}`)
	c.editor.Run(t, "delete", "bmh", "h-editor", ns)
	expectForbidden(t, c.editor, "editor", "", "patch", "bmh", "h-table", ns, "--subresource=status", "--type=merge", "-p", `{"status":{"operationalStatus":"detached"}}`)

	// baremetal-admin: may also repair status.
	c.operator.Run(t, "patch", "bmh", "h-table", ns, "--subresource=status", "--type=merge", "-p", `{"status":{"operationalStatus":"detached"}}`)

	// kubectl auth can-i agrees with what happened.
	for _, tc := range []struct {
		k    framework.Kubectl
		user string
		args []string
		want string
	}{
		{c.viewer, "viewer", []string{"list", "baremetalhosts.baremetal.metal3.io"}, "yes"},
		{c.viewer, "viewer", []string{"watch", "bmh"}, "yes"},
		{c.viewer, "viewer", []string{"create", "baremetalhosts"}, "no"},
		{c.viewer, "viewer", []string{"patch", "bmh"}, "no"},
		{c.viewer, "viewer", []string{"delete", "bmh"}, "no"},
		{c.editor, "editor", []string{"create", "baremetalhosts"}, "yes"},
		{c.editor, "editor", []string{"patch", "bmh"}, "yes"},
		{c.editor, "editor", []string{"delete", "bmh"}, "yes"},
		{c.editor, "editor", []string{"patch", "bmh", "--subresource=status"}, "no"},
		{c.operator, "operator", []string{"patch", "bmh", "--subresource=status"}, "yes"},
		{c.nobody, "nobody", []string{"list", "bmh"}, "no"},
		// HardwareData: Metal3's viewer and editor roles.
		{c.viewer, "viewer", []string{"list", "hd"}, "yes"},
		{c.viewer, "viewer", []string{"create", "hardwaredata"}, "no"},
		{c.editor, "editor", []string{"create", "hardwaredata.baremetal.metal3.io"}, "yes"},
		{c.editor, "editor", []string{"delete", "hd"}, "yes"},
		{c.operator, "operator", []string{"update", "hd"}, "yes"},
		{c.nobody, "nobody", []string{"get", "hd"}, "no"},
	} {
		out, _, _ := tc.k.Exec("", append([]string{"auth", "can-i", ns}, tc.args...)...)
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("%s: kubectl auth can-i %s = %q, want %q", tc.user, strings.Join(tc.args, " "), got, tc.want)
		}
	}

	// No binding, no access; no credentials at all, refused too.
	expectForbidden(t, c.nobody, "nobody", "", "get", "bmh", ns)
	// kubectl would prompt for a password when the kubeconfig has no credentials, so the
	// credential-less request is a plain HTTPS GET.
	code, body, _ := httpGet(t, c.KAS.URL+hostsPath, c.KAS.ServingCA.CertPEM, nil)
	if code != http.StatusUnauthorized && code != http.StatusForbidden {
		t.Errorf("a request with no credentials through kube-apiserver: %d, want 401 or 403\n%s", code, body)
	}
}

// hostsPath lists the hosts of the test namespace.
const hostsPath = "/apis/baremetal.metal3.io/v1alpha1/namespaces/" + testNamespace + "/baremetalhosts"

// httpGet GETs url trusting caPEM, with only the given headers (no credentials unless one of
// them is Authorization); it returns the status code, body and response headers.
func httpGet(t *testing.T, url string, caPEM []byte, headers map[string]string) (int, string, http.Header) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), resp.Header
}

// expectForbidden runs kubectl and wants a 403 naming user.
func expectForbidden(t *testing.T, k framework.Kubectl, user, stdin string, args ...string) {
	t.Helper()
	out, errOut, err := k.Exec(stdin, args...)
	if err == nil || !strings.Contains(errOut, "(Forbidden)") || !strings.Contains(errOut, `"`+user+`"`) {
		t.Errorf("%s: kubectl %s: err=%v, want 403 Forbidden\nstdout: %s\nstderr: %s", user, strings.Join(args, " "), err, out, errOut)
	}
}

// testDirect talks to the server without kube-apiserver in front: the server itself must
// resolve the token with a TokenReview, decide with a SubjectAccessReview, and ignore identity
// headers from a client that is not the front proxy.
func testDirect(t *testing.T, c *cluster) {
	ns := "-n=" + testNamespace
	viewer := c.Direct(t, "viewer")
	if out := viewer.Run(t, "get", "bmh", ns); !strings.Contains(out, "h-table") {
		t.Errorf("viewer straight at the server cannot list:\n%s", out)
	}
	expectForbidden(t, viewer, "viewer", hostManifest("h-direct", testNamespace, "direct", true), "create", "-f", "-", ns)
	editor := c.Direct(t, "editor")
	editor.RunStdin(t, hostManifest("h-direct", testNamespace, "direct", true), "create", "-f", "-")
	editor.Run(t, "delete", "bmh", "h-direct", ns)

	serverURL := fmt.Sprintf("https://127.0.0.1:%d", c.Server.Port)
	code, body, _ := httpGet(t, serverURL+hostsPath, c.ServingCA.CertPEM, nil)
	if code != http.StatusForbidden || !strings.Contains(body, "system:anonymous") {
		t.Errorf("no credentials, straight at the server: %d, want 403 for system:anonymous\n%s", code, body)
	}
	// Forged front-proxy headers on a connection without the front-proxy client certificate
	// must not make the caller anyone but anonymous.
	code, body, _ = httpGet(t, serverURL+hostsPath, c.ServingCA.CertPEM,
		map[string]string{"X-Remote-User": "admin", "X-Remote-Group": "system:masters"})
	if code != http.StatusForbidden || !strings.Contains(body, "system:anonymous") {
		t.Errorf("forged X-Remote-User without the front-proxy certificate: %d, want 403 for system:anonymous\n%s", code, body)
	}
}

func testNamespaceLifecycle(t *testing.T, c *cluster) {
	_, errOut, err := c.admin.Exec(hostManifest("h-nowhere", "no-such-namespace", "", true), "create", "-f", "-")
	if err == nil || !strings.Contains(errOut, `namespaces "no-such-namespace" not found`) {
		t.Errorf("host in a namespace that does not exist: err=%v\n%s", err, errOut)
	}
	if _, errOut, err := c.admin.Exec("", "get", "bmh", "h-nowhere", "-n", "no-such-namespace"); err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("the rejected host exists: err=%v %s", err, errOut)
	}

	// With no kube-controller-manager a deleted namespace stays Terminating: a fixed target for
	// the other half of NamespaceLifecycle.
	c.admin.Run(t, "create", "namespace", "doomed")
	c.admin.Run(t, "delete", "namespace", "doomed", "--wait=false")
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var last string
	i := 0
	err = wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(context.Context) (bool, error) {
		i++
		_, errOut, err := c.admin.Exec(hostManifest("h-doomed-"+strconv.Itoa(i), "doomed", "", true), "create", "-f", "-")
		last = errOut
		return err != nil && strings.Contains(errOut, "because it is being terminated"), nil
	})
	if err != nil {
		t.Errorf("host in a terminating namespace was not refused: %v\nlast: %s", err, last)
	}
}

// testAdmissionPolicy registers a ValidatingAdmissionPolicy for hosts with kube-apiserver: the
// server must load it through its informers (the artifacts' ClusterRole) and enforce it.
func testAdmissionPolicy(t *testing.T, c *cluster) {
	c.admin.RunStdin(t, `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: e2e-no-forbidden-descriptions
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [baremetal.metal3.io]
      apiVersions: [v1alpha1]
      operations: [CREATE, UPDATE]
      resources: [baremetalhosts]
  validations:
  - expression: "!has(object.spec.description) || object.spec.description != 'forbidden'"
    message: "e2e policy: description must not be 'forbidden'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: e2e-no-forbidden-descriptions
spec:
  policyName: e2e-no-forbidden-descriptions
  validationActions: [Deny]
`, "apply", "-f", "-")
	defer c.admin.Run(t, "delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", "e2e-no-forbidden-descriptions")

	// The policy reaches the server through a watch: poll until it is enforced.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var last string
	i := 0
	err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(context.Context) (bool, error) {
		i++
		n := "h-policy-" + strconv.Itoa(i)
		_, errOut, err := c.editor.Exec(hostManifest(n, testNamespace, "forbidden", true), "create", "-f", "-")
		last = errOut
		if err == nil {
			c.editor.Run(t, "delete", "bmh", n, "-n", testNamespace)
			return false, nil
		}
		return strings.Contains(errOut, "e2e policy: description must not be 'forbidden'"), nil
	})
	if err != nil {
		t.Fatalf("ValidatingAdmissionPolicy not enforced by the server: %v\nlast: %s", err, last)
	}
	c.editor.RunStdin(t, hostManifest("h-policy-ok", testNamespace, "allowed", true), "create", "-f", "-")
	c.editor.Run(t, "delete", "bmh", "h-policy-ok", "-n", testNamespace)
}

// testPriorityAndFairness checks that the server itself classified the request: the headers
// come from its own filter, since the request does not pass kube-apiserver.
func testPriorityAndFairness(t *testing.T, c *cluster) {
	code, body, h := httpGet(t, fmt.Sprintf("https://127.0.0.1:%d%s", c.Server.Port, hostsPath), c.ServingCA.CertPEM,
		map[string]string{"Authorization": "Bearer " + c.KAS.Tokens["viewer"]})
	if code != http.StatusOK {
		t.Fatalf("viewer list straight at the server: %d\n%s", code, body)
	}
	fs, pl := h.Get("X-Kubernetes-PF-FlowSchema-UID"), h.Get("X-Kubernetes-PF-PriorityLevel-UID")
	if fs == "" || pl == "" {
		t.Errorf("no priority-and-fairness headers (flow schema %q, priority level %q): APF is off", fs, pl)
	}
}

type hostKey struct{ Namespace, Name, UID, ResourceVersion, Description string }

func listHosts(t *testing.T, k framework.Kubectl) []hostKey {
	t.Helper()
	var l struct {
		Items []struct {
			Metadata struct{ Namespace, Name, UID, ResourceVersion string }
			Spec     struct{ Description string }
		}
	}
	if err := json.Unmarshal([]byte(k.Run(t, "get", "bmh", "-A", "-o", "json")), &l); err != nil {
		t.Fatal(err)
	}
	var keys []hostKey
	for _, i := range l.Items {
		keys = append(keys, hostKey{i.Metadata.Namespace, i.Metadata.Name, i.Metadata.UID, i.Metadata.ResourceVersion, i.Spec.Description})
	}
	return keys
}

func testRestart(t *testing.T, c *cluster) {
	before := listHosts(t, c.admin)
	if len(before) < 2 {
		t.Fatalf("only %d hosts before the restart: %v", len(before), before)
	}
	pid := c.Server.PID()
	if err := c.Server.Stop(30 * time.Second); err != nil {
		t.Fatalf("clean stop on SIGTERM: %v", err)
	}
	// Requests through kube-apiserver reach our process, not a cache: with it gone they fail.
	if _, errOut, err := c.admin.Exec("", "get", "bmh", "-n", testNamespace, "--request-timeout=20s"); err == nil {
		t.Errorf("list through kube-apiserver succeeded with the server stopped")
	} else {
		t.Logf("with the server stopped: %s", strings.TrimSpace(errOut))
	}

	// The aggregator notices on its next availability check (it resyncs every 30 seconds).
	stopped := time.Now()
	k := c.admin
	k.Timeout = 2 * time.Minute
	if _, errOut, err := k.Exec("", "wait", "--for=condition=Available=False", "apiservice/"+apiServiceName, "--timeout=90s"); err != nil {
		t.Fatalf("APIService still Available with the server stopped: %v\n%s", err, errOut)
	}
	t.Logf("APIService Available=False %s after the stop", time.Since(stopped).Round(time.Millisecond))

	if err := c.Server.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Server.WaitReady(90 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, c.Server.Output())
	}
	t.Logf("server restarted: pid %d -> %d, same port %d and data dir", pid, c.Server.PID(), c.Server.Port)
	// An unavailable APIService is rechecked with an exponential backoff capped at 30 seconds.
	restarted := time.Now()
	c.WaitAvailable(t)
	t.Logf("APIService Available again %s after the restart", time.Since(restarted).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last string
	if err := wait.PollUntilContextCancel(ctx, time.Second, true, func(context.Context) (bool, error) {
		_, errOut, err := c.admin.Exec("", "get", "bmh", "-n", testNamespace, "--request-timeout=10s")
		last = errOut
		return err == nil, nil
	}); err != nil {
		t.Fatalf("hosts not served through kube-apiserver after the restart: %v\nlast: %s", err, last)
	}

	after := listHosts(t, c.admin)
	if !slices.Equal(before, after) {
		t.Errorf("hosts changed across the restart:\nbefore: %v\nafter:  %v", before, after)
	}
}
