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
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
)

// TestFirmwareChangesOnIronic: firmware changes through the server on a real Ironic 21.4
// (fake-hardware), end to end:
//   - BIOS settings asked of an available host are applied by a manual clean (fake hardware's
//     BIOS interface keeps them) and read back into the HostFirmwareSettings status;
//   - a firmware update on hardware whose management interface cannot flash is a preparation
//     error naming the interface; withdrawing it brings the host back to available;
//   - servicing a provisioned host is a servicing error naming the Ironic API it needs (1.87),
//     the node left active and never deployed again; withdrawing the policy ends servicing and
//     the host is powered on.
func TestFirmwareChangesOnIronic(t *testing.T) {
	srv, cs, ir := lifecycleServer(t)
	api := cs.BaremetalV1alpha1()
	ctx := ctxFor(t)
	h := fakeHost(40)
	h.Spec.Online = false
	writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "password")
	if _, err := api.BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	name := h.Name
	waitSettings := func(what string, cond func(*v1alpha1.HostFirmwareSettings) bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			hfs, err := api.HostFirmwareSettings(ns).Get(ctx, name, metav1.GetOptions{})
			return err == nil && cond(hfs), nil
		}); err != nil {
			cur, _ := api.BareMetalHosts(ns).Get(ctx, name, metav1.GetOptions{})
			t.Fatalf("HostFirmwareSettings never %s (host %s, %s %q)", what, cur.Status.Provisioning.State, cur.Status.ErrorType, cur.Status.ErrorMessage)
		}
	}
	waitSettings("read", func(hfs *v1alpha1.HostFirmwareSettings) bool { return hfs.Status.LastUpdated != nil })

	t.Run("BIOS settings through a manual clean", func(t *testing.T) {
		setSettings(t, cs, name, v1alpha1.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Disabled"), "BootDelaySeconds": intstr.FromInt32(5)})
		waitSettings("showing the settings", func(hfs *v1alpha1.HostFirmwareSettings) bool {
			return hfs.Status.Settings["ProcTurboMode"] == "Disabled" && hfs.Status.Settings["BootDelaySeconds"] == "5"
		})
		waitAll(t, cs, "available again", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.ErrorType == ""
		})
		if got := ironicBIOS(t, ir.Endpoint, ironic.NodeName(ns, name)); got["ProcTurboMode"] != "Disabled" || got["BootDelaySeconds"] != "5" {
			t.Errorf("Ironic's BIOS settings of the node: %v", got)
		}
	})

	t.Run("an update the hardware cannot take", func(t *testing.T) {
		hfc := &v1alpha1.HostFirmwareComponents{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{{Component: "bmc", URL: "http://192.0.2.1/bmc.bin"}}}}
		if _, err := api.HostFirmwareComponents(ns).Create(ctx, hfc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		failed := waitAll(t, cs, "failed to prepare", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.ErrorType == v1alpha1.PreparationError
		})[0]
		if !strings.Contains(failed.Status.ErrorMessage, `management interface "fake"`) {
			t.Errorf("error %q: want it to name the management interface", failed.Status.ErrorMessage)
		}
		if err := api.HostFirmwareComponents(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitAll(t, cs, "available once the update is withdrawn", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateAvailable && h.Status.ErrorType == ""
		})
	})

	t.Run("servicing needs a newer Ironic", func(t *testing.T) {
		images := imageServer(t)
		patch := `{"spec":{"online":true,"image":{"url":"` + images + `/os.qcow2","checksum":"0123456789abcdef0123456789abcdef","checksumType":"md5"}}}`
		if _, err := api.BareMetalHosts(ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitAll(t, cs, "provisioned and on", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn
		})
		before := countIronic(t, ir)
		if _, err := api.HostUpdatePolicies(ns).Create(ctx, &v1alpha1.HostUpdatePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec:       v1alpha1.HostUpdatePolicySpec{FirmwareSettings: v1alpha1.HostUpdatePolicyOnReboot},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		setSettings(t, cs, name, v1alpha1.DesiredSettingsMap{"ProcTurboMode": intstr.FromString("Enabled")})
		if _, err := api.BareMetalHosts(ns).Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"annotations":{"reboot.metal3.io":""}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		failed := waitAll(t, cs, "in servicing error", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.ErrorType == v1alpha1.ServicingError
		})[0]
		if !strings.Contains(failed.Status.ErrorMessage, "servicing needs Ironic API 1.87") || failed.Status.Provisioning.State != v1alpha1.StateProvisioned {
			t.Errorf("state %s, error %q", failed.Status.Provisioning.State, failed.Status.ErrorMessage)
		}
		if err := api.HostUpdatePolicies(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitAll(t, cs, "provisioned and on once the policy is withdrawn", time.Minute, func(h *v1alpha1.BareMetalHost) bool {
			return h.Status.Provisioning.State == v1alpha1.StateProvisioned && h.Status.PoweredOn &&
				h.Status.OperationalStatus == v1alpha1.OperationalStatusOK
		})
		after := countIronic(t, ir)
		for node, states := range after.states {
			for _, s := range []string{"deploying", "cleaning", "deleting"} {
				if states[s] != before.states[node][s] {
					t.Errorf("node %s went through %q again (%d -> %d)", node, s, before.states[node][s], states[s])
				}
			}
		}
	})
}

// ironicBIOS reads a node's BIOS settings from Ironic's own API.
func ironicBIOS(t *testing.T, endpoint, node string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/v1/nodes/"+node+"/bios", nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("reading the node's BIOS: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Bios []struct{ Name, Value string } `json:"bios"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range body.Bios {
		out[s.Name] = s.Value
	}
	return out
}
