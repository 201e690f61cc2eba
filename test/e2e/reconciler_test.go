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
// credentials come from the cluster's Secrets (watched, so a Secret created later fixes a host
// without a restart), and host events land in the cluster.
func TestDelegatedReconciler(t *testing.T) {
	requireKubeAPIServer(t)
	ironic := framework.StartIronic(t)
	c := startCluster(t, "--provisioner=ironic", "--ironic-endpoint="+ironic.Endpoint, "--ironic-poll-interval=200ms",
		"--allow-test-bmc-schemes", "--error-backoff-base=200ms", "--error-backoff-cap=2s")
	ns := "-n=" + testNamespace
	const password = "e2e-secret-never-logged"

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
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(context.Context) (bool, error) { return cond(), nil }); err != nil {
			t.Fatalf("h-rec never %s; status: %s", what, jsonpath("{.status}"))
		}
	}
	waitFor("reported its missing Secret", func() bool {
		return jsonpath("{.status.errorType}") == "registration error" && strings.Contains(jsonpath("{.status.errorMessage}"), "h-rec-bmc")
	})

	// The Secret appears: the watch picks it up, no restart.
	c.admin.Run(t, "create", "secret", "generic", "h-rec-bmc", ns, "--from-literal=username=admin", "--from-literal=password="+password)
	waitFor("became available", func() bool { return jsonpath("{.status.provisioning.state}") == "available" })

	// Host events are in the cluster, for kubectl describe and kubectl events.
	waitFor("had its events recorded", func() bool {
		out, _, _ := c.admin.Exec("", "get", "events", ns, "--field-selector=involvedObject.name=h-rec", "-o", "jsonpath={.items[*].reason}")
		return strings.Contains(out, "RegistrationError") && strings.Contains(out, "Available")
	})
	if out := c.admin.Run(t, "describe", "bmh", "h-rec", ns); !strings.Contains(out, "InspectionStarted") {
		t.Errorf("kubectl describe shows no events:\n%s", out)
	}
	if strings.Contains(c.srv.Output(), password) {
		t.Error("the BMC password appears in the server log")
	}
	if strings.Contains(c.admin.Run(t, "get", "bmh", "h-rec", ns, "-o", "yaml"), password) {
		t.Error("the BMC password appears in the host object")
	}
}
