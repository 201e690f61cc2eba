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
	"net/http/httptest"
	"os"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simulator "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// benchSystem is the simulated system the power benchmark toggles.
const benchSystem = "/redfish/v1/Systems/1"

// BenchmarkPowerLatency measures, over BENCH_POWER_OPS (default 200) power changes, the time
// from a write returning to the BMC receiving the power action: through baremetalhosts/power
// (a new generation of the host, seen by the reconciler's watch) and, for comparison, the Metal3 way (an update of spec.online).
func BenchmarkPowerLatency(b *testing.B) {
	ops := 200
	if n, err := fmt.Sscan(os.Getenv("BENCH_POWER_OPS"), &ops); n != 1 || err != nil {
		ops = 200
	}
	sim, err := simulator.New(simulator.Config{Count: 1, Seed: 1, Username: "admin", Password: "bench", PowerDelay: 20 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	rec := framework.NewResetLog(sim.Handler())
	bmc := httptest.NewServer(rec)
	defer bmc.Close()

	serverBin, err := framework.ServerBinary()
	if err != nil {
		b.Fatal(err)
	}
	// -v=1 logs every reset the backend sends: the server's output, printed when the benchmark
	// fails, then says whether the reconciler acted and what it saw.
	srv := framework.StartStandalone(b, serverBin, b.TempDir(), "--provisioner=redfish", "--power-poll-interval=1m",
		"--redfish-poll-interval=20ms", "-v=1")
	writeCredentials(b, srv.DataDir, "bmc", "admin", "bench")
	cs := srv.Clientset(b)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts("default")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	_, err = hosts.Create(ctx, &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "h"},
		Spec: v1alpha1.BareMetalHostSpec{Online: true, BMC: v1alpha1.BMCDetails{
			Address: "redfish+" + bmc.URL + "/redfish/v1/Systems/1", CredentialsName: "bmc"}},
	}, metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	settle(b, ctx, cs, sim, rec, true)

	for i := 0; i < b.N; i++ {
		sub := measure(b, ctx, cs, sim, rec, ops, func(on bool) error {
			p, err := hosts.GetPower(ctx, "h", metav1.GetOptions{})
			if err != nil {
				return err
			}
			p.Spec.State = v1alpha1.PowerOff
			if on {
				p.Spec.State = v1alpha1.PowerOn
			}
			_, err = hosts.UpdatePower(ctx, "h", p, metav1.UpdateOptions{})
			return err
		})
		upd := measure(b, ctx, cs, sim, rec, ops, func(on bool) error {
			h, err := hosts.Get(ctx, "h", metav1.GetOptions{})
			if err != nil {
				return err
			}
			h.Spec.Online = on
			_, err = hosts.Update(ctx, h, metav1.UpdateOptions{})
			return err
		})
		fmt.Printf("\nwrite returned -> BMC received the power action, %d operations each (Redfish simulator, loopback):\n", ops)
		fmt.Printf("  %-44s p50 %7.1f ms   p99 %7.1f ms\n", "baremetalhosts/power (subresource)", ms(sub, 50), ms(sub, 99))
		fmt.Printf("  %-44s p50 %7.1f ms   p99 %7.1f ms\n", "update of spec.online (the Metal3 way)", ms(upd, 50), ms(upd, 99))
		fmt.Printf("  target: p99 <= 50 ms through the subresource\n\n")
		b.ReportMetric(ms(sub, 50), "power-p50-ms")
		b.ReportMetric(ms(sub, 99), "power-p99-ms")
		b.ReportMetric(ms(upd, 50), "online-p50-ms")
		b.ReportMetric(ms(upd, 99), "online-p99-ms")
	}
}

// measure toggles the power ops times with write and returns the latencies.
func measure(b *testing.B, ctx context.Context, cs clientset.Interface, sim *simulator.Simulator, rec *framework.ResetLog, ops int, write func(on bool) error) []time.Duration {
	var lat []time.Duration
	on := true
	for i := 0; i < ops; i++ {
		on = !on
		before := rec.Count(benchSystem)
		if err := write(on); err != nil {
			b.Fatal(err)
		}
		returned := time.Now()
		err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			return rec.Count(benchSystem) > before, nil
		})
		if err != nil {
			b.Fatalf("op %d (power on=%v): the BMC never received the power action within 30 s of the write; %s",
				i, on, powerDiagnostics(ctx, cs, sim, rec))
		}
		lat = append(lat, rec.At(benchSystem, before).Sub(returned))
		settle(b, ctx, cs, sim, rec, on)
	}
	return lat
}

// settle waits until the BMC and the host's status both show the power state, so the next
// operation starts from rest.
func settle(b *testing.B, ctx context.Context, cs clientset.Interface, sim *simulator.Simulator, rec *framework.ResetLog, on bool) {
	want := simulator.PowerOff
	if on {
		want = simulator.PowerOn
	}
	err := wait.PollUntilContextTimeout(ctx, 2*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		h, err := cs.BaremetalV1alpha1().BareMetalHosts("default").Get(ctx, "h", metav1.GetOptions{})
		return err == nil && sim.System("1").PowerState() == want && h.Status.PoweredOn == on &&
			h.Status.Provisioning.State == v1alpha1.StateAvailable, nil
	})
	if err != nil {
		b.Fatalf("host never settled powered on=%v; %s", on, powerDiagnostics(ctx, cs, sim, rec))
	}
}

// powerDiagnostics says what the server and the BMC showed when a wait failed, so that a
// failure of this benchmark (which has no debugger attached) can be explained afterwards.
func powerDiagnostics(ctx context.Context, cs clientset.Interface, sim *simulator.Simulator, rec *framework.ResetLog) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out := fmt.Sprintf("BMC: power %s, %d resets received", sim.System("1").PowerState(), rec.Count(benchSystem))
	h, err := cs.BaremetalV1alpha1().BareMetalHosts("default").Get(ctx, "h", metav1.GetOptions{})
	if err != nil {
		return out + fmt.Sprintf("; reading the host: %v", err)
	}
	out += fmt.Sprintf("; host resourceVersion %s generation %d: spec.online=%v, status: state %q operationalStatus %q poweredOn=%v errorType %q errorMessage %q errorCount %d lastUpdated %v",
		h.ResourceVersion, h.Generation, h.Spec.Online, h.Status.Provisioning.State, h.Status.OperationalStatus,
		h.Status.PoweredOn, h.Status.ErrorType, h.Status.ErrorMessage, h.Status.ErrorCount, h.Status.LastUpdated)
	for _, c := range h.Status.Conditions {
		out += fmt.Sprintf("; condition %s=%s (%s, observedGeneration %d, %s)", c.Type, c.Status, c.Reason, c.ObservedGeneration, c.LastTransitionTime)
	}
	return out
}

func ms(d []time.Duration, p int) float64 {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return float64(s[i].Microseconds()) / 1000
}
