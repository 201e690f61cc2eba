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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestPluginFirmware runs `kubectl baremetal firmware` through the real kubectl against the real
// server. The server has no provisioner, so nothing reads a BMC: the test writes the firmware
// objects through the API, their status through the status subresource, as the firmware reader
// would, and moves the host between states as the reconciler would.
func TestPluginFirmware(t *testing.T) {
	pluginDir := buildPlugin(t)
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	api := cs.BaremetalV1alpha1()
	kb := pluginCLI{kubectl: kubectlBin, pluginDir: pluginDir, kubeconfig: srv.Kubeconfig, home: t.TempDir()}

	if _, err := api.BareMetalHosts(ns).Create(ctx, newHost("fw-0"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	setState := func(t *testing.T, st v1alpha1.ProvisioningState) {
		t.Helper()
		h, err := api.BareMetalHosts(ns).Get(ctx, "fw-0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h.Status.Provisioning.State = st
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
		if _, err := api.BareMetalHosts(ns).UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("errors", func(t *testing.T) {
		kb.fails(t, "error: host default/fw-0: firmware not read yet: the server reads it once the host is registered and at rest (the host is not registered yet)",
			"firmware", "fw-0")
		kb.fails(t, "error: host default/missing not found", "firmware", "missing")
		kb.fails(t, "error: host elsewhere/fw-0 not found", "firmware", "fw-0", "-n", "elsewhere")
		kb.fails(t, `error: --output must be "json" or "yaml" (or empty), not "wide"`, "firmware", "fw-0", "-o", "wide")
	})

	// The firmware reader's work: a schema, the settings read and the versions read.
	// 20 minutes ago: kubectl's age format shows whole minutes from 10m on, so the line does not
	// depend on how long the test takes (3m ago became "3m1s" a second later).
	readAt := metav1.NewTime(time.Now().Add(-20 * time.Minute).Truncate(time.Second))
	if _, err := api.FirmwareSchemas(ns).Create(ctx, &v1alpha1.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-fw0", Namespace: ns},
		Spec: v1alpha1.FirmwareSchemaSpec{Schema: map[string]v1alpha1.SettingSchema{
			"ProcTurboMode":    {AttributeType: v1alpha1.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}},
			"NumCores":         {AttributeType: v1alpha1.SettingTypeInteger, LowerBound: ptr.To[int64](1), UpperBound: ptr.To[int64](128)},
			"SystemServiceTag": {AttributeType: v1alpha1.SettingTypeString, ReadOnly: ptr.To(true)},
		}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	conditions := []metav1.Condition{
		{Type: v1alpha1.FirmwareSettingsValid, Status: metav1.ConditionTrue, Reason: "Success", LastTransitionTime: readAt},
		{Type: v1alpha1.FirmwareSettingsChangeDetected, Status: metav1.ConditionTrue, Reason: "Success", LastTransitionTime: readAt},
	}
	hfs, err := api.HostFirmwareSettings(ns).Create(ctx, &v1alpha1.HostFirmwareSettings{
		ObjectMeta: metav1.ObjectMeta{Name: "fw-0", Namespace: ns},
		Spec: v1alpha1.HostFirmwareSettingsSpec{Settings: v1alpha1.DesiredSettingsMap{
			"ProcTurboMode": intstr.FromString("Disabled"), "NumCores": intstr.FromInt32(128),
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hfs.Status = v1alpha1.HostFirmwareSettingsStatus{
		Schema:      &v1alpha1.SchemaReference{Namespace: ns, Name: "schema-fw0"},
		Settings:    v1alpha1.SettingsMap{"ProcTurboMode": "Enabled", "NumCores": "64", "SystemServiceTag": "8XK2Q93"},
		LastUpdated: &readAt,
		Conditions:  conditions,
	}
	if _, err := api.HostFirmwareSettings(ns).UpdateStatus(ctx, hfs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	const biosURL = "https://firmware.example.com/bios-2.2.0.exe"
	hfc, err := api.HostFirmwareComponents(ns).Create(ctx, &v1alpha1.HostFirmwareComponents{
		ObjectMeta: metav1.ObjectMeta{Name: "fw-0", Namespace: ns},
		Spec:       v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{{Component: "bios", URL: biosURL}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hfc.Status = v1alpha1.HostFirmwareComponentsStatus{
		Components: []v1alpha1.FirmwareComponentStatus{
			{Component: "bios", InitialVersion: "2.1.0", CurrentVersion: "2.1.0"},
			{Component: "bmc", InitialVersion: "5.10.00", CurrentVersion: "5.10.00"},
		},
		LastUpdated: &readAt,
	}
	if _, err := api.HostFirmwareComponents(ns).UpdateStatus(ctx, hfc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("provisioned host: only servicing applies changes", func(t *testing.T) {
		setState(t, v1alpha1.StateProvisioned)
		out := kb.ok(t, "firmware", "fw-0")
		for _, want := range []string{
			"State:              provisioned (OK)\n",
			"Pending:            2 BIOS settings, 1 firmware update\n",
			"Applied:            not while the host is provisioned without a HostUpdatePolicy: servicing applies them on a reboot " +
				"once a HostUpdatePolicy named fw-0 sets firmwareSettings and firmwareUpdates to onReboot\n",
			// Whether or not this server serves the kind, there is none for fw-0.
			"HostUpdatePolicy:   no HostUpdatePolicy",
			"Firmware components: read 20m ago (" + readAt.UTC().Format(time.RFC3339) + ")\n",
			"  bios        2.1.0     2.1.0     <none>         <none>\n",
			"    bios        2.1.0     " + biosURL + "\n",
			"BIOS settings: read 20m ago (" + readAt.UTC().Format(time.RFC3339) + "), schema default/schema-fw0\n",
			"    NumCores        64        128        1..128\n",
			"    ProcTurboMode   Enabled   Disabled   Enabled, Disabled\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("firmware output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "SystemServiceTag") {
			t.Errorf("a setting that is not pending is listed without --all-settings:\n%s", out)
		}
		if out := kb.ok(t, "firmware", "fw-0", "--all-settings"); !strings.Contains(out, "    SystemServiceTag   8XK2Q93   <none>     read-only\n") {
			t.Errorf("--all-settings lacks the read-only setting:\n%s", out)
		}
	})

	t.Run("available host: preparing applies them", func(t *testing.T) {
		setState(t, v1alpha1.StateAvailable)
		out := kb.ok(t, "firmware", "fw-0", "-o", "json")
		var v struct {
			State   string `json:"state"`
			Changes struct {
				PendingSettings int    `json:"pendingSettings"`
				PendingUpdates  int    `json:"pendingUpdates"`
				When            string `json:"when"`
				Message         string `json:"message"`
			} `json:"changes"`
			Settings struct {
				Pending []struct {
					Name, Current, Wanted string
					Limits                v1alpha1.SettingSchema
				} `json:"pending"`
			} `json:"settings"`
			Components struct {
				PendingUpdates []v1alpha1.FirmwareUpdate `json:"pendingUpdates"`
			} `json:"components"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("-o json: %v\n%s", err, out)
		}
		if v.State != "available" || v.Changes.When != "Preparing" || v.Changes.PendingSettings != 2 || v.Changes.PendingUpdates != 1 ||
			!strings.Contains(v.Changes.Message, "which an available host does on its own") {
			t.Errorf("-o json changes: %+v", v)
		}
		if len(v.Settings.Pending) != 2 || v.Settings.Pending[0].Name != "NumCores" || v.Settings.Pending[0].Wanted != "128" ||
			*v.Settings.Pending[0].Limits.UpperBound != 128 || len(v.Components.PendingUpdates) != 1 {
			t.Errorf("-o json pending: %+v", v)
		}
		if out := kb.ok(t, "firmware", "fw-0", "-o", "yaml"); !strings.Contains(out, "  when: Preparing\n") {
			t.Errorf("-o yaml:\n%s", out)
		}
	})

	t.Run("all matching", func(t *testing.T) {
		// The user asks for what the host has; the reader records the update as applied.
		if _, err := api.HostFirmwareSettings(ns).Patch(ctx, "fw-0", types.MergePatchType,
			[]byte(`{"spec":{"settings":{"ProcTurboMode":"Enabled","NumCores":64}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		hfc, err := api.HostFirmwareComponents(ns).Get(ctx, "fw-0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		hfc.Status.Updates = []v1alpha1.FirmwareUpdate{{Component: "bios", URL: biosURL}}
		if _, err := api.HostFirmwareComponents(ns).UpdateStatus(ctx, hfc, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		out := kb.ok(t, "firmware", "fw-0")
		for _, want := range []string{"Pending:            nothing\n", "  Pending updates: none\n", "  Last applied updates:\n", "  Pending settings: none\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("firmware output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "Applied:") {
			t.Errorf("nothing pending, yet an Applied line:\n%s", out)
		}
	})
}
