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
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestPowerDrawAndFleetDashboard: through the server on the Redfish simulator, a host at rest
// gets its power draw in status (what the BMC reports, on or off) and in the per-host and
// fleet gauges; and every query of the Grafana dashboard shipped in artifacts/ names metrics
// the server exports (scraped after a lifecycle that also had an error and a power action).
func TestPowerDrawAndFleetDashboard(t *testing.T) {
	sim := startRedfishSim(t, 2, 0, "")
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "--power-poll-interval=1s")
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	ids := sim.SystemIDs()
	writeRedfishCredentials(t, dataDir, "meter-bmc")
	for i, name := range []string{"meter", "wrong-password"} {
		sys := sim.System(ids[i])
		creds := "meter-bmc"
		if name == "wrong-password" {
			creds = name
			writeCredentials(t, srv, creds, redfishUser, "not-the-password")
		}
		h := &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.BareMetalHostSpec{Online: true, BootMACAddress: sys.Inventory().NICs[0].MAC,
				BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress(ids[i]), CredentialsName: creds}},
		}
		if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sys := sim.System(ids[0])
	h := waitRedfishHost(t, cs, "meter", "available, on, with its power draw", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.PoweredOn && h.Status.PowerDraw != nil &&
			int(h.Status.PowerDraw.Watts) == sys.PowerDrawWatts()
	})
	waitRedfishHost(t, cs, "wrong-password", "in error", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.ErrorType == v1alpha1.RegistrationError
	})
	watts := h.Status.PowerDraw.Watts

	out, err := srv.Kubectl(t, kubectlBin, "get", "--raw", "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	for _, want := range []string{
		fmt.Sprintf(`baremetal_host_power_watts{name="meter",namespace=%q} %d`, ns, watts),
		fmt.Sprintf("baremetal_fleet_power_watts %d", watts),
		`baremetal_hosts{operational_status="OK",state="available"} 1`,
		`baremetal_hosts{operational_status="error",state="registering"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Every metric the dashboard queries is exported.
	raw, err := os.ReadFile("../../artifacts/grafana/baremetal-fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	name := regexp.MustCompile(`\b(?:baremetal|metal3)_[a-z_]+\b`)
	exported := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' }); len(f) > 0 && !strings.HasPrefix(line, "#") {
			exported[f[0]] = true
		}
	}
	queries := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			queries++
			names := name.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q names no metric of the server", p.Title, tg.Expr)
			}
			for _, n := range names {
				if !exported[n] {
					t.Errorf("panel %q: %s is not exported (query %q)", p.Title, n, tg.Expr)
				}
			}
		}
	}
	if queries == 0 {
		t.Error("the dashboard has no queries")
	}
}
