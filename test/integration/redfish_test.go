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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// The Redfish backend end to end: the server binary with --provisioner=redfish drives BMCs of
// the simulator, started in this test process, from BareMetalHosts written through the API.

const (
	redfishSeed     = 7
	redfishUser     = "admin"
	redfishPassword = "Sim-BMC-Pa55word"
)

// writeRedfishCredentials writes a Secret where a standalone server reads Secrets:
// <data-dir>/secrets/<namespace>/<name>/<key>.
func writeRedfishCredentials(t *testing.T, dataDir, name string) {
	t.Helper()
	dir := filepath.Join(dataDir, "secrets", ns, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"username": redfishUser, "password": redfishPassword} {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// startRedfishSim starts a simulator of count systems with the tests' credentials (password
// overrides them when set), on loopback, stopped when the test ends.
func startRedfishSim(t *testing.T, count int, powerDelay time.Duration, password string) *simredfish.Simulator {
	t.Helper()
	if password == "" {
		password = redfishPassword
	}
	sim, err := simredfish.New(simredfish.Config{Count: count, Seed: redfishSeed, PowerDelay: powerDelay,
		Username: redfishUser, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// waitRedfishHost polls one host until cond holds, bounded by timeout.
func waitRedfishHost(t *testing.T, cs clientset.Interface, name, what string, timeout time.Duration, cond func(*v1alpha1.BareMetalHost) bool) *v1alpha1.BareMetalHost {
	t.Helper()
	var last *v1alpha1.BareMetalHost
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		h, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = h
		return cond(h), nil
	})
	if err != nil {
		state := "never read"
		if last != nil {
			state = fmt.Sprintf("state %s, operationalStatus %s, error %q", last.Status.Provisioning.State, last.Status.OperationalStatus, last.Status.ErrorMessage)
		}
		t.Fatalf("host %s: not %s within %s (%s)", name, what, timeout, state)
	}
	return last
}

// waitSim polls the simulator until cond holds, bounded by timeout.
func waitSim(t *testing.T, what string, timeout time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("the simulator never showed %s within %s", what, timeout)
	}
	return time.Since(start)
}

func TestRedfishBackendThroughTheServer(t *testing.T) {
	const hostCount = 5
	sim, err := simredfish.New(simredfish.Config{
		Count: hostCount, Seed: redfishSeed, PowerDelay: 300 * time.Millisecond,
		Username: redfishUser, Password: redfishPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish",
		"--power-poll-interval=2s", "--error-backoff-base=200ms", "--error-backoff-cap=2s")
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	ctx := ctxFor(t)

	// Five hosts walk to available with the simulator's hardware.
	names := make([]string, hostCount)
	created := make([]time.Time, hostCount)
	for i, id := range sim.SystemIDs() {
		names[i] = "rf-" + id
		writeRedfishCredentials(t, dataDir, names[i]+"-bmc")
		h := &v1alpha1.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: names[i], Namespace: ns},
			Spec: v1alpha1.BareMetalHostSpec{
				Online:         true,
				BootMACAddress: sim.System(id).Inventory().NICs[0].MAC,
				BMC:            v1alpha1.BMCDetails{Address: sim.BMCAddress(id), CredentialsName: names[i] + "-bmc"},
			},
		}
		if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		created[i] = time.Now()
	}
	var slowest time.Duration
	for i, id := range sim.SystemIDs() {
		h := waitRedfishHost(t, cs, names[i], "available with hardware details", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.Hardware != nil
		})
		slowest = max(slowest, time.Since(created[i]))
		inv := simredfish.GenerateInventory(redfishSeed, id)
		hw := h.Status.Hardware
		if hw.SystemVendor.Manufacturer != inv.Manufacturer || hw.SystemVendor.SerialNumber != inv.SerialNumber ||
			hw.CPU.Count != int32(inv.TotalThreads()) || hw.RAMMebibytes != int32(inv.TotalMemoryGiB()*1024) ||
			len(hw.NICs) != len(inv.NICs) || len(hw.Storage) != len(inv.Disks) || hw.Firmware.BIOS.Version != inv.BIOSVersion {
			t.Errorf("host %s: hardware %+v does not match the simulator's inventory", names[i], hw)
		}
		for j, nic := range hw.NICs {
			if nic.MAC != inv.NICs[j].MAC {
				t.Errorf("host %s: NIC %d MAC %s, want %s", names[i], j, nic.MAC, inv.NICs[j].MAC)
			}
		}
		if h.Status.Provisioning.ID != "/redfish/v1/Systems/"+id {
			t.Errorf("host %s: provisioning ID %q", names[i], h.Status.Provisioning.ID)
		}
	}
	t.Logf("%d hosts available with hardware details; the last %s after its creation", hostCount, slowest.Round(time.Millisecond))
	// online: true powers them on; status says so once the BMC confirmed it (the reboot
	// subresource below refuses a host whose status says off).
	for i, id := range sim.SystemIDs() {
		waitSim(t, "system "+id+" powered on", 30*time.Second, func() bool { return sim.System(id).PowerState() == simredfish.PowerOn })
		waitRedfishHost(t, cs, names[i], "reported on", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool { return h.Status.PoweredOn })
	}
	// Metal3's conditions: an available host is AvailableForProvisioning, not Ready (Ready
	// means provisioned), and Healthy is the simulator's system health, OK.
	waitRedfishHost(t, cs, names[0], "Metal3's conditions of an available, healthy host", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool {
		return meta.IsStatusConditionTrue(h.Status.Conditions, v1alpha1.ConditionAvailableForProvisioning) &&
			meta.IsStatusConditionFalse(h.Status.Conditions, v1alpha1.ConditionReady) &&
			meta.IsStatusConditionTrue(h.Status.Conditions, v1alpha1.ConditionHealthy) &&
			meta.IsStatusConditionTrue(h.Status.Conditions, v1alpha1.ConditionManageable)
	})

	t.Run("power subresource", func(t *testing.T) {
		name, sys := names[0], sim.System("1")
		// The reconciler writes the host's status too: a stale read is retried.
		setPower := func(state v1alpha1.PowerState) {
			t.Helper()
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				p, err := hosts.GetPower(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				p.Spec.State = state
				_, err = hosts.UpdatePower(ctx, name, p, metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		setPower(v1alpha1.PowerOff)
		took := waitSim(t, "system 1 off", 30*time.Second, func() bool { return sys.PowerState() == simredfish.PowerOff })
		waitRedfishHost(t, cs, name, "reported off", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool { return !h.Status.PoweredOn })
		t.Logf("power subresource Off -> simulator Off in %s (soft power off, BMC power delay 300ms)", took.Round(time.Millisecond))

		setPower(v1alpha1.PowerOn)
		took = waitSim(t, "system 1 on", 30*time.Second, func() bool { return sys.PowerState() == simredfish.PowerOn })
		t.Logf("power subresource On -> simulator On in %s", took.Round(time.Millisecond))
	})

	t.Run("reboot", func(t *testing.T) {
		name, sys := names[1], sim.System("2")
		boots := len(sys.Boots())
		if _, err := hosts.Reboot(ctx, name, &v1alpha1.RebootRequest{Spec: v1alpha1.RebootRequestSpec{Mode: v1alpha1.RebootModeHard}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		took := waitSim(t, "system 2 booted again", 30*time.Second, func() bool {
			return len(sys.Boots()) > boots && sys.PowerState() == simredfish.PowerOn
		})
		t.Logf("reboot request -> simulator booted again in %s", took.Round(time.Millisecond))
		waitRedfishHost(t, cs, name, "without a pending reboot", 30*time.Second, func(h *v1alpha1.BareMetalHost) bool {
			for k := range h.Annotations {
				if strings.HasPrefix(k, v1alpha1.RebootAnnotationPrefix) {
					return false
				}
			}
			return h.Status.PoweredOn
		})
	})

	t.Run("live ISO", func(t *testing.T) {
		name, sys := names[2], sim.System("3")
		const image = "http://192.0.2.1/images/live.iso"
		patch := fmt.Sprintf(`{"spec":{"image":{"url":%q,"format":"live-iso"}}}`, image)
		if _, err := hosts.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		waitRedfishHost(t, cs, name, "provisioned", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned
		})
		t.Logf("live ISO provisioned in %s", time.Since(start).Round(time.Millisecond))
		if got := sys.InsertedImage(); got != image {
			t.Errorf("inserted image %q, want %q", got, image)
		}
		if boots := sys.Boots(); len(boots) == 0 || boots[len(boots)-1].Source != "Cd" || boots[len(boots)-1].Image != image {
			t.Errorf("the host did not boot the ISO: %+v", boots)
		}

		// Removing the image deprovisions: ejected and powered off, back to available.
		if _, err := hosts.Patch(ctx, name, types.MergePatchType, []byte(`{"spec":{"image":null,"online":false}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitRedfishHost(t, cs, name, "available again", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable
		})
		if got := sys.InsertedImage(); got != "" || sys.PowerState() != simredfish.PowerOff {
			t.Errorf("after deprovisioning: image %q, power %s", got, sys.PowerState())
		}
	})

	t.Run("a disk image is refused", func(t *testing.T) {
		name := names[3]
		patch := `{"spec":{"image":{"url":"http://192.0.2.1/disk.qcow2","checksum":"abc","format":"qcow2"}}}`
		if _, err := hosts.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		h := waitRedfishHost(t, cs, name, "failed with an explanation", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.ErrorMessage != ""
		})
		if !strings.Contains(h.Status.ErrorMessage, "live-iso") || h.Status.ErrorType != v1alpha1.ProvisioningError {
			t.Errorf("error %s %q should explain that only live-iso images are provisioned", h.Status.ErrorType, h.Status.ErrorMessage)
		}
		// Metal3's retry bound (--max-provisioning-retries, 5 by default): every failed
		// attempt is counted and deprovisioned; at the limit the host rests in available with
		// an error saying so, and a new image starts again from zero.
		h = waitRedfishHost(t, cs, name, "at the retry limit", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && strings.Contains(h.Status.ErrorMessage, "retry limit (5) reached")
		})
		if h.Status.ProvisioningFailCount != 5 {
			t.Errorf("provisioningFailCount %d at the limit, want 5", h.Status.ProvisioningFailCount)
		}
		patch = `{"spec":{"image":{"url":"http://192.0.2.1/images/live.iso","format":"live-iso","checksum":null}}}`
		if _, err := hosts.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		h = waitRedfishHost(t, cs, name, "provisioned with the new image", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned
		})
		if h.Status.ProvisioningFailCount != 0 || h.Status.ErrorMessage != "" {
			t.Errorf("after a new image: provisioningFailCount %d, error %q", h.Status.ProvisioningFailCount, h.Status.ErrorMessage)
		}
	})

	// One session for the whole BMC throughout, logged out when the server stops.
	if n := sim.ActiveSessions(); n != 1 {
		t.Errorf("the BMC has %d sessions, want 1", n)
	}
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n := sim.ActiveSessions(); n != 0 {
		t.Errorf("the stopped server left %d sessions on the BMC", n)
	}
	// Restarted, the server carries on from what the BMCs report, on a new session.
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitReady(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	cs = srv.Clientset(t)
	hosts = cs.BaremetalV1alpha1().BareMetalHosts(ns)
	if err := sim.System("5").SetPowerState(simredfish.PowerOff); err != nil {
		t.Fatal(err)
	}
	took := waitSim(t, "system 5 powered on again by the restarted server", 30*time.Second, func() bool {
		return sim.System("5").PowerState() == simredfish.PowerOn
	})
	t.Logf("after the restart, a host powered off behind the server's back was on again in %s", took.Round(time.Millisecond))
	if n := sim.ActiveSessions(); n != 1 {
		t.Errorf("after the restart the BMC has %d sessions, want 1", n)
	}

	// Gone once every host is deleted.
	for _, name := range names {
		if err := hosts.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := hosts.List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == 0, nil
	})
	if err != nil {
		t.Fatalf("hosts not deleted: %v", err)
	}
	if n := sim.ActiveSessions(); n != 0 {
		t.Errorf("%d BMC sessions left after every host was deleted", n)
	}
	if strings.Contains(srv.Output(), redfishPassword) {
		t.Error("the server logged the BMC password")
	}
}
