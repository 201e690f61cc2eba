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
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestDelegatedReconciler runs the reconciler behind kube-apiserver, on a real Ironic: BMC
// credentials come from the cluster's Secrets (one created later fixes a host without a
// restart; the server labels it environment.metal3.io=baremetal, as Metal3 does, and its
// changes then reach the host through the server's label-filtered watch), and host events land
// in the cluster.
func TestDelegatedReconciler(t *testing.T) {
	requireKubeAPIServer(t)
	ironic := framework.StartIronic(t)
	// A host at rest is looked at again only after --power-poll-interval: at 10m, nothing but
	// the Secret watch can bring the host back within the test's waits.
	c := startCluster(t, "--provisioner=ironic", "--ironic-endpoint="+ironic.Endpoint, "--ironic-poll-interval=200ms",
		"--allow-test-bmc-schemes", "--error-backoff-base=200ms", "--error-backoff-cap=2s", "--power-poll-interval=10m")
	ns := "-n=" + testNamespace
	const password, newPassword = "e2e-secret-never-logged", "e2e-new-secret-never-logged"

	c.admin.RunStdin(t, `apiVersion: baremetal.metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: h-rec
  namespace: `+testNamespace+`
spec:
  online: true
  bootMACAddress: "52:54:00:00:20:01"
  bmc:
    address: fake://192.0.2.40
    credentialsName: h-rec-bmc
`, "create", "-f", "-")

	jsonpath := func(path string) string {
		out, _, _ := c.admin.Exec("", "get", "bmh", "h-rec", ns, "-o", "jsonpath="+path)
		return out
	}
	waitWithin := func(timeout time.Duration, what string, cond func() bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(context.Context) (bool, error) { return cond(), nil }); err != nil {
			t.Fatalf("h-rec never %s within %s; status: %s", what, timeout, jsonpath("{.status}"))
		}
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		waitWithin(2*time.Minute, what, cond)
	}
	secretField := func(name, path string) string {
		return c.admin.Run(t, "get", "secret", name, ns, "-o", "jsonpath="+path)
	}
	const metal3Label = `{.metadata.labels.environment\.metal3\.io}`
	waitFor("reported its missing Secret", func() bool {
		return jsonpath("{.status.errorType}") == "registration error" && strings.Contains(jsonpath("{.status.errorMessage}"), "h-rec-bmc")
	})

	// The Secret appears, without Metal3's label, so the server's Secret watch does not carry
	// it: the host's next retry reads it from the API, labels it, and registers. A Secret no
	// host names is left alone.
	c.admin.Run(t, "create", "secret", "generic", "unrelated", ns, "--from-literal=password="+password)
	c.admin.Run(t, "create", "secret", "generic", "h-rec-bmc", ns, "--from-literal=username=admin", "--from-literal=password="+password)
	waitFor("became available", func() bool { return jsonpath("{.status.provisioning.state}") == "available" })
	if got := secretField("h-rec-bmc", metal3Label); got != "baremetal" {
		t.Errorf("the credentials Secret's environment.metal3.io label = %q, want baremetal", got)
	}
	if got := secretField("unrelated", "{.metadata.labels}"); got != "" {
		t.Errorf("a Secret no host names was labelled: %s", got)
	}
	// The version the host registered with is the labelled Secret's: labelling is no change
	// of credentials.
	if v, rv := jsonpath("{.status.goodCredentials.credentialsVersion}"), secretField("h-rec-bmc", "{.metadata.resourceVersion}"); v != rv {
		t.Errorf("goodCredentials.credentialsVersion %q, the labelled Secret's resourceVersion %q", v, rv)
	}

	// A new password reaches the host through the watch: re-registered with the new version.
	c.admin.Run(t, "patch", "secret", "h-rec-bmc", ns, "--type=merge", "-p", `{"stringData":{"password":"`+newPassword+`"}}`)
	changed := secretField("h-rec-bmc", "{.metadata.resourceVersion}")
	waitWithin(30*time.Second, "registered with the changed Secret", func() bool {
		return jsonpath("{.status.goodCredentials.credentialsVersion}") == changed
	})
	if got := secretField("h-rec-bmc", metal3Label); got != "baremetal" {
		t.Errorf("after the password change the label = %q, want baremetal", got)
	}

	// Host events are in the cluster, for kubectl describe and kubectl events.
	waitFor("had its events recorded", func() bool {
		out, _, _ := c.admin.Exec("", "get", "events", ns, "--field-selector=involvedObject.name=h-rec", "-o", "jsonpath={.items[*].reason}")
		return strings.Contains(out, "RegistrationError") && strings.Contains(out, "Available")
	})
	if out := c.admin.Run(t, "describe", "bmh", "h-rec", ns); !strings.Contains(out, "InspectionStarted") {
		t.Errorf("kubectl describe shows no events:\n%s", out)
	}
	// The inspection's inventory is in the host's HardwareData, owned by the host; deleted, the
	// host takes it along, with no kube-controller-manager (no garbage collector) running.
	hd := func(path string) (string, string) {
		out, errOut, _ := c.admin.Exec("", "get", "hd", "h-rec", ns, "-o", "jsonpath="+path)
		return out, errOut
	}
	if owner, _ := hd(`{.metadata.ownerReferences[?(@.controller==true)].kind}/{.metadata.ownerReferences[?(@.controller==true)].name}`); owner != "BareMetalHost/h-rec" {
		t.Errorf("h-rec's HardwareData is controlled by %q, want BareMetalHost/h-rec", owner)
	}
	if hw, _ := hd("{.spec.hardware}"); hw == "" || hw != jsonpath("{.status.hardware}") {
		t.Errorf("h-rec's HardwareData holds %s, its status.hardware %s", hw, jsonpath("{.status.hardware}"))
	}
	defer func() {
		c.admin.Run(t, "delete", "bmh", "h-rec", ns, "--wait=true", "--timeout=2m")
		if _, errOut := hd("{.metadata.name}"); !strings.Contains(errOut, "NotFound") {
			t.Errorf("h-rec's HardwareData outlived its host: %s", errOut)
		}
	}()

	for _, p := range []string{password, newPassword} {
		if strings.Contains(c.Server.Output(), p) {
			t.Errorf("a BMC password (%d characters) appears in the server log", len(p))
		}
		if strings.Contains(c.admin.Run(t, "get", "bmh", "h-rec", ns, "-o", "yaml"), p) {
			t.Errorf("a BMC password (%d characters) appears in the host object", len(p))
		}
	}
}
