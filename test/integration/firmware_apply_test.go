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
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestFirmwareChangesOnRedfish: firmware changes through the server on the Redfish backend,
// against the simulator, which behaves as a BMC does (settings pending until a reset, an update
// downloaded, staged and in effect after a reset):
//   - a BIOS change asked of an available host is on the BMC after the reset that applies it,
//     and the host is back at rest, off as spec.online says;
//   - a firmware update changes the component's version and is recorded as applied;
//   - a failing update is an error naming it, with nothing staged or changed, and withdrawing it
//     brings the host back;
//   - servicing: a provisioned host whose HostUpdatePolicy allows it gets a change on a reboot,
//     and is provisioned again with its image untouched.
func TestFirmwareChangesOnRedfish(t *testing.T) {
	sim := startRedfishSim(t, 1, 0, "")
	id := sim.SystemIDs()[0]
	sys := sim.System(id)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".bin") || strings.Contains(r.URL.Path, "missing") {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("firmware image " + r.URL.Path))
	}))
	t.Cleanup(images.Close)

	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "--power-poll-interval=2s")
	cs := srv.Clientset(t)
	api := cs.BaremetalV1alpha1()
	ctx := ctxFor(t)
	const name = "fwapply"
	writeRedfishCredentials(t, dataDir, name+"-bmc")
	h := &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{BootMACAddress: sys.Inventory().NICs[0].MAC,
			BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress(id), CredentialsName: name + "-bmc"}},
	}
	if _, err := api.BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFirmware(t, cs, name, "a first reading", func(hfs *v1alpha1.HostFirmwareSettings, hfc *v1alpha1.HostFirmwareComponents) bool {
		return hfs != nil && hfs.Status.Schema != nil && hfc != nil && len(hfc.Status.Components) > 0
	})
	version := func(prefix string) string {
		for _, f := range sys.Firmware() {
			if strings.HasPrefix(f.ID, prefix) {
				return f.Version
			}
		}
		t.Fatalf("the simulator has no %s firmware", prefix)
		return ""
	}
	biosBefore, bmcBefore := version("BIOS"), version("BMC")

	t.Run("BIOS settings on an available host", func(t *testing.T) {
		setSettings(t, cs, name, v1alpha1.DesiredSettingsMap{"BootDelaySeconds": intstr.FromInt32(30), "ProcTurboMode": intstr.FromString("Disabled")})
		waitFirmware(t, cs, name, "the settings read back", func(hfs *v1alpha1.HostFirmwareSettings, _ *v1alpha1.HostFirmwareComponents) bool {
			return hfs.Status.Settings["BootDelaySeconds"] == "30" && hfs.Status.Settings["ProcTurboMode"] == "Disabled" &&
				!meta.IsStatusConditionTrue(hfs.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected)
		})
		waitRedfishHost(t, cs, name, "available and off again", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.ErrorType == "" && !h.Status.PoweredOn
		})
		attrs := sys.BIOSAttributes()
		if fmt.Sprint(attrs["BootDelaySeconds"]) != "30" || attrs["ProcTurboMode"] != "Disabled" || len(sys.PendingBIOSAttributes()) != 0 {
			t.Errorf("BMC BIOS %v, pending %v", attrs, sys.PendingBIOSAttributes())
		}
		if c := sys.Counters(); c.BIOSApplied != 1 {
			t.Errorf("the BIOS applied staged settings %d times, want once", c.BIOSApplied)
		}
	})

	biosUpdate := v1alpha1.FirmwareUpdate{Component: "bios", URL: images.URL + "/bios-2.bin"}
	t.Run("a firmware update", func(t *testing.T) {
		setUpdates(t, cs, name, biosUpdate)
		hfc := waitFirmware(t, cs, name, "the update recorded", func(_ *v1alpha1.HostFirmwareSettings, hfc *v1alpha1.HostFirmwareComponents) bool {
			return len(hfc.Status.Updates) == 1
		})
		for _, c := range hfc.Status.Components {
			if c.Component == "bios" && (c.CurrentVersion == c.InitialVersion || c.LastVersionFlashed != c.CurrentVersion || c.UpdatedAt == nil) {
				t.Errorf("bios component after the update: %+v", c)
			}
		}
		if v := version("BIOS"); v == biosBefore {
			t.Errorf("the BMC still has BIOS %s", v)
		}
		waitRedfishHost(t, cs, name, "available again", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.ErrorType == ""
		})
	})

	t.Run("a failing update", func(t *testing.T) {
		biosNow := version("BIOS")
		bad := v1alpha1.FirmwareUpdate{Component: "bmc", URL: images.URL + "/missing-bmc.bin"}
		setUpdates(t, cs, name, biosUpdate, bad)
		failed := waitRedfishHost(t, cs, name, "failed to prepare", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.ErrorType == v1alpha1.PreparationError
		})
		if !strings.Contains(failed.Status.ErrorMessage, "bmc") || failed.Status.Provisioning.State != v1alpha1.StatePreparing {
			t.Errorf("state %s, error %q: want preparing, naming the bmc update", failed.Status.Provisioning.State, failed.Status.ErrorMessage)
		}
		if version("BMC") != bmcBefore || version("BIOS") != biosNow || len(sys.PendingBIOSAttributes()) != 0 {
			t.Errorf("something changed: bmc %s (was %s), bios %s (was %s), pending BIOS %v",
				version("BMC"), bmcBefore, version("BIOS"), biosNow, sys.PendingBIOSAttributes())
		}
		setUpdates(t, cs, name, biosUpdate)
		waitRedfishHost(t, cs, name, "available once the update is withdrawn", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.ErrorType == ""
		})
	})

	t.Run("servicing a provisioned host", func(t *testing.T) {
		const image = "http://192.0.2.1/images/live.iso"
		patch := fmt.Sprintf(`{"spec":{"online":true,"image":{"url":%q,"format":"live-iso"}}}`, image)
		if _, err := api.BareMetalHosts(ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		provisioned := waitRedfishHost(t, cs, name, "provisioned", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
		})
		inserts := sys.Counters().MediaInserts
		if _, err := api.HostUpdatePolicies(ns).Create(ctx, &v1alpha1.HostUpdatePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec:       v1alpha1.HostUpdatePolicySpec{FirmwareSettings: v1alpha1.HostUpdatePolicyOnReboot, FirmwareUpdates: v1alpha1.HostUpdatePolicyOnReboot},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		setSettings(t, cs, name, v1alpha1.DesiredSettingsMap{"WorkloadProfile": intstr.FromString("Performance")})
		// Not applied while the host runs: servicing waits for a reboot.
		if got := sys.BIOSAttributes()["WorkloadProfile"]; got == "Performance" {
			t.Fatal("applied before any reboot")
		}
		if _, err := api.BareMetalHosts(ns).Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"annotations":{"reboot.metal3.io":""}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFirmware(t, cs, name, "the setting read back", func(hfs *v1alpha1.HostFirmwareSettings, _ *v1alpha1.HostFirmwareComponents) bool {
			return hfs.Status.Settings["WorkloadProfile"] == "Performance"
		})
		after := waitRedfishHost(t, cs, name, "provisioned, on, servicing over", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn && h.Status.OperationalStatus == v1alpha1.OperationalStatusOK
		})
		if sys.BIOSAttributes()["WorkloadProfile"] != "Performance" {
			t.Errorf("BMC BIOS %v", sys.BIOSAttributes())
		}
		if after.Status.Provisioning.Image.URL != image || !after.Status.OperationHistory.Provision.Start.Equal(&provisioned.Status.OperationHistory.Provision.Start) ||
			sys.InsertedImage() != image || sys.Counters().MediaInserts != inserts {
			t.Errorf("the image was touched: status %q, provision started %v (was %v), inserted %q, inserts %d (was %d)",
				after.Status.Provisioning.Image.URL, after.Status.OperationHistory.Provision.Start, provisioned.Status.OperationHistory.Provision.Start,
				sys.InsertedImage(), sys.Counters().MediaInserts, inserts)
		}
		if sys.PowerState() != simredfish.PowerOn {
			t.Errorf("power %s after servicing, want on", sys.PowerState())
		}
	})
}

// waitFirmware polls a host's HostFirmwareSettings and HostFirmwareComponents until cond holds
// (both exist), and returns the components.
func waitFirmware(t *testing.T, cs clientset.Interface, name, what string, cond func(*v1alpha1.HostFirmwareSettings, *v1alpha1.HostFirmwareComponents) bool) *v1alpha1.HostFirmwareComponents {
	t.Helper()
	api := cs.BaremetalV1alpha1()
	var hfc *v1alpha1.HostFirmwareComponents
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		hfs, err1 := api.HostFirmwareSettings(ns).Get(ctx, name, metav1.GetOptions{})
		c, err2 := api.HostFirmwareComponents(ns).Get(ctx, name, metav1.GetOptions{})
		if err1 != nil || err2 != nil {
			return false, nil
		}
		hfc = c
		return cond(hfs, c), nil
	}); err != nil {
		h, _ := api.BareMetalHosts(ns).Get(context.Background(), name, metav1.GetOptions{})
		t.Fatalf("firmware of %s: never %s (host %s, %s %q)", name, what, h.Status.Provisioning.State, h.Status.ErrorType, h.Status.ErrorMessage)
	}
	return hfc
}

func setSettings(t *testing.T, cs clientset.Interface, name string, settings v1alpha1.DesiredSettingsMap) {
	t.Helper()
	api := cs.BaremetalV1alpha1()
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := api.HostFirmwareSettings(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Spec.Settings = settings
		_, err = api.HostFirmwareSettings(ns).Update(context.Background(), cur, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func setUpdates(t *testing.T, cs clientset.Interface, name string, updates ...v1alpha1.FirmwareUpdate) {
	t.Helper()
	api := cs.BaremetalV1alpha1()
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := api.HostFirmwareComponents(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Spec.Updates = updates
		_, err = api.HostFirmwareComponents(ns).Update(context.Background(), cur, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
