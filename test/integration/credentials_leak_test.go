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
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// auditEverything records every request with its request and response bodies.
const auditEverything = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
`

// TestBMCPasswordNeverLeaks walks hosts through register, inspect, provision (live ISO), power
// off and on, reboot and deprovision, plus a host whose BMC never answers (errors, retries),
// with the server logging at -v=10 and auditing every request at RequestResponse, then looks
// for the BMC password in every log line (events included: a standalone server logs them),
// audit entry, API response (JSON and YAML, every subresource), metric and status message. A
// long password and a short one; in every form it could take on the way (as is, URL-escaped,
// JSON-escaped, in a basic-auth header).
func TestBMCPasswordNeverLeaks(t *testing.T) {
	for _, tc := range []struct{ name, password string }{
		{"long password", "Lq9#vT2!mZ8@rW5$kX7^pB3&"},
		{"short password", "q~7"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkPasswordNeverLeaks(t, tc.password) })
	}
}

func checkPasswordNeverLeaks(t *testing.T, password string) {
	sim := startRedfishSim(t, 1, 20*time.Millisecond, password)
	hole := newBlackHole(t)

	dataDir := t.TempDir()
	policy := filepath.Join(dataDir, "audit-policy.yaml")
	auditLog := filepath.Join(dataDir, "audit.log")
	if err := os.WriteFile(policy, []byte(auditEverything), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "-v=10",
		"--audit-log-maxsize=0",
		"--audit-policy-file="+policy, "--audit-log-path="+auditLog,
		"--redfish-poll-interval=50ms", "--redfish-request-timeout=1s", "--power-poll-interval=2s",
		"--error-backoff-base=200ms", "--error-backoff-cap=1s")
	writeCredentials(t, srv, "bmc", redfishUser, password)
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	create := func(name, address string) {
		t.Helper()
		_, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       v1alpha1.BareMetalHostSpec{Online: true, BMC: v1alpha1.BMCDetails{Address: address, CredentialsName: "bmc"}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	create("host", sim.BMCAddress("1"))
	create("unreachable", fmt.Sprintf("redfish+http://%s/redfish/v1/Systems/1", hole.ln.Addr()))
	sys := sim.System("1")

	waitRedfishHost(t, cs, "host", "inspected, available and on", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.PoweredOn && h.Status.Hardware != nil
	})
	patch := `{"spec":{"image":{"url":"http://192.0.2.1/images/live.iso","format":"live-iso"}}}`
	if _, err := hosts.Patch(ctx, "host", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRedfishHost(t, cs, "host", "provisioned", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
	})
	for _, on := range []bool{false, true} {
		// The reconciler writes the host's status too: a power view read before its write is
		// stale (409), and is read again.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			p, err := hosts.GetPower(ctx, "host", metav1.GetOptions{})
			if err != nil {
				return err
			}
			p.Spec.State = v1alpha1.PowerOff
			if on {
				p.Spec.State = v1alpha1.PowerOn
			}
			_, err = hosts.UpdatePower(ctx, "host", p, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		waitRedfishHost(t, cs, "host", fmt.Sprintf("powered on=%v", on), time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.PoweredOn == on
		})
	}
	boots := len(sys.Boots())
	if _, err := hosts.Reboot(ctx, "host", &v1alpha1.RebootRequest{Spec: v1alpha1.RebootRequestSpec{Mode: v1alpha1.RebootModeHard}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSim(t, "the host booted again", time.Minute, func() bool { return len(sys.Boots()) > boots })
	if _, err := hosts.Patch(ctx, "host", types.MergePatchType, []byte(`{"spec":{"image":null,"online":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRedfishHost(t, cs, "host", "deprovisioned", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateAvailable && !h.Status.PoweredOn
	})
	waitRedfishHost(t, cs, "unreachable", "in error", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.ErrorMessage != "" && h.Status.ErrorCount >= 2
	})

	// Everything a client can read, in JSON and YAML.
	cfg, err := srv.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	read := func(path, accept string) string {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("GET %s (%s) -> %d\n%s", path, accept, resp.StatusCode, b)
	}
	base := "/apis/baremetal.metal3.io/v1alpha1/namespaces/" + ns + "/baremetalhosts"
	var responses []string
	for _, path := range []string{base, base + "/host", base + "/host/status", base + "/host/power", base + "/host/inspect",
		base + "/unreachable", base + "/unreachable/status", base + "/unreachable/power"} {
		for _, accept := range []string{"application/json", "application/yaml",
			"application/json;as=Table;v=v1;g=meta.k8s.io"} {
			responses = append(responses, read(path, accept))
		}
	}
	responses = append(responses, read("/metrics", "text/plain"))

	// The audit log is written asynchronously (batched): stop the server so it is flushed.
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	audit, err := os.ReadFile(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(audit), `"subresource":"power"`) || !strings.Contains(string(audit), `"subresource":"reboot"`) {
		t.Fatalf("the audit log does not hold the power requests: the check below would prove nothing")
	}
	sources := map[string]string{
		"server log (-v=10, events)":  srv.Output(),
		"audit log (RequestResponse)": string(audit),
		"API responses and metrics":   strings.Join(responses, "\n"),
	}
	forms := map[string]string{
		"as is":        password,
		"URL-escaped":  url.QueryEscape(password),
		"path-escaped": url.PathEscape(password),
		"JSON-escaped": strings.Trim(fmt.Sprintf("%q", password), `"`),
		"basic auth":   base64.StdEncoding.EncodeToString([]byte(redfishUser + ":" + password)),
	}
	for source, text := range sources {
		if len(text) < 1000 {
			t.Errorf("%s is suspiciously short (%d bytes)", source, len(text))
		}
		for form, needle := range forms {
			if i := strings.Index(text, needle); i >= 0 {
				t.Errorf("the BMC password (%s) appears in the %s: ...%s...", form, source,
					strings.ReplaceAll(text[max(0, i-200):min(len(text), i+len(needle)+50)], needle, "<PASSWORD>"))
			}
		}
	}
	t.Logf("searched %d bytes of server log, %d bytes of audit log and %d bytes of responses and metrics: no password",
		len(sources["server log (-v=10, events)"]), len(audit), len(sources["API responses and metrics"]))
}
