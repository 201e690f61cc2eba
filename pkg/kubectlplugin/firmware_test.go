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

package kubectlplugin

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

var (
	readAt   = metav1.NewTime(testNow.Add(-5 * time.Minute))
	flashed  = metav1.NewTime(time.Date(2026, 4, 2, 9, 30, 0, 0, time.UTC))
	biosURL  = "https://firmware.example.com/bios-2.2.0.exe"
	oldBMC   = "https://firmware.example.com/bmc-5.10.00.bin"
	newerBMC = "https://firmware.example.com/bmc-6.00.00.bin"
)

// testSchema is the FirmwareSchema of the test hosts' hardware.
func testSchema() *v1alpha1.FirmwareSchema {
	return &v1alpha1.FirmwareSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "schema-7c3e9a1b", Namespace: testNS},
		Spec: v1alpha1.FirmwareSchemaSpec{HardwareVendor: "Dell Inc.", Schema: map[string]v1alpha1.SettingSchema{
			"ProcTurboMode":     {AttributeType: v1alpha1.SettingTypeEnumeration, AllowableValues: []string{"Enabled", "Disabled"}, ReadOnly: ptr.To(false)},
			"NumCores":          {AttributeType: v1alpha1.SettingTypeInteger, LowerBound: ptr.To[int64](1), UpperBound: ptr.To[int64](128)},
			"AssetTag":          {AttributeType: v1alpha1.SettingTypeString, MaxLength: ptr.To[int64](16)},
			"SystemServiceTag":  {AttributeType: v1alpha1.SettingTypeString, ReadOnly: ptr.To(true)},
			"SriovGlobalEnable": {AttributeType: v1alpha1.SettingTypeBoolean},
		}},
	}
}

// testSettings is a host's HostFirmwareSettings as the server writes it after a reading, with
// every wanted setting already in place.
func testSettings(name string, mutate ...func(*v1alpha1.HostFirmwareSettings)) *v1alpha1.HostFirmwareSettings {
	s := &v1alpha1.HostFirmwareSettings{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS},
		Spec: v1alpha1.HostFirmwareSettingsSpec{Settings: v1alpha1.DesiredSettingsMap{
			"ProcTurboMode": intstr.FromString("Enabled"), "AssetTag": intstr.FromString("rack-4"),
		}},
		Status: v1alpha1.HostFirmwareSettingsStatus{
			Schema: &v1alpha1.SchemaReference{Namespace: testNS, Name: "schema-7c3e9a1b"},
			Settings: v1alpha1.SettingsMap{"ProcTurboMode": "Enabled", "NumCores": "64", "AssetTag": "rack-4",
				"SystemServiceTag": "8XK2Q93", "SriovGlobalEnable": "false"},
			LastUpdated: &readAt,
			Conditions: []metav1.Condition{
				{Type: v1alpha1.FirmwareSettingsChangeDetected, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonFirmwareSettingsSuccess},
				{Type: v1alpha1.FirmwareSettingsValid, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonFirmwareSettingsSuccess},
			},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// wantSettings asks for two changes the schema allows.
func wantSettings(s *v1alpha1.HostFirmwareSettings) {
	s.Spec.Settings["ProcTurboMode"] = intstr.FromString("Disabled")
	s.Spec.Settings["NumCores"] = intstr.FromInt32(128)
	s.Status.Conditions[0].Status = metav1.ConditionTrue
}

// testComponents is a host's HostFirmwareComponents after a reading, the BMC flashed once.
func testComponents(name string, mutate ...func(*v1alpha1.HostFirmwareComponents)) *v1alpha1.HostFirmwareComponents {
	c := &v1alpha1.HostFirmwareComponents{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS},
		Spec:       v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{{Component: "bmc", URL: oldBMC}}},
		Status: v1alpha1.HostFirmwareComponentsStatus{
			Updates: []v1alpha1.FirmwareUpdate{{Component: "bmc", URL: oldBMC}},
			Components: []v1alpha1.FirmwareComponentStatus{
				{Component: "bios", InitialVersion: "2.1.0", CurrentVersion: "2.1.0"},
				{Component: "bmc", InitialVersion: "4.40.00", CurrentVersion: "5.10.00", LastVersionFlashed: "5.10.00", UpdatedAt: &flashed},
			},
			LastUpdated: &readAt,
			Conditions: []metav1.Condition{
				{Type: v1alpha1.HostFirmwareComponentsValid, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonFirmwareComponentsOK},
				{Type: v1alpha1.HostFirmwareComponentsChangeDetected, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonFirmwareComponentsOK},
			},
		},
	}
	for _, m := range mutate {
		m(c)
	}
	return c
}

// wantUpdates asks for a BIOS update and a newer BMC.
func wantUpdates(c *v1alpha1.HostFirmwareComponents) {
	c.Spec.Updates = []v1alpha1.FirmwareUpdate{{Component: "bios", URL: biosURL}, {Component: "bmc", URL: newerBMC}}
	c.Status.Conditions[1].Status = metav1.ConditionTrue
}

func provisioned(h *v1alpha1.BareMetalHost) {
	available(h)
	h.Status.Provisioning.State = v1alpha1.StateProvisioned
}

// servePolicies makes the fake server serve HostUpdatePolicy and holds these policies.
func (h *harness) servePolicies(policies map[string]map[string]interface{}) {
	h.t.Helper()
	h.cs.Resources = append(h.cs.Resources, &metav1.APIResourceList{
		GroupVersion: v1alpha1.SchemeGroupVersion.String(),
		APIResources: []metav1.APIResource{{Name: "baremetalhosts", Namespaced: true, Kind: "BareMetalHost"},
			{Name: "hostupdatepolicies", Namespaced: true, Kind: "HostUpdatePolicy"}},
	})
	for name, spec := range policies {
		u := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": v1alpha1.SchemeGroupVersion.String(), "kind": "HostUpdatePolicy",
			"metadata": map[string]interface{}{"name": name, "namespace": testNS},
			"spec":     spec,
		}}
		if err := h.dyn.Tracker().Create(hostUpdatePoliciesGVR, u, testNS); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestFirmware(t *testing.T) {
	for _, tc := range []struct {
		name     string
		objs     []runtime.Object
		policies map[string]map[string]interface{} // nil: the server does not serve HostUpdatePolicy
		setup    func(*harness)
		args     []string
		code     int
		stdout   []string // each must appear
		absent   []string // none may appear
		stderr   string
	}{{
		name:   "no firmware yet",
		objs:   []runtime.Object{newTestHost("h0", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StateRegistering })},
		code:   1,
		stderr: "error: host default/h0: firmware not read yet: the server reads it once the host is registered and at rest (the host is registering)\n",
	}, {
		name:   "host not found",
		code:   1,
		stderr: "error: host default/h0 not found\n",
	}, {
		name: "pending settings with schema",
		objs: []runtime.Object{newTestHost("h0", available), testSettings("h0", wantSettings), testSchema(), testComponents("h0")},
		stdout: []string{
			"Pending:            2 BIOS settings\n",
			"Applied:            when the host goes through preparing, which an available host does on its own\n",
			"BIOS settings: read 5m ago (2026-05-01T11:55:00Z), schema default/schema-7c3e9a1b\n",
			"    NumCores        64        128        1..128\n",
			"    ProcTurboMode   Enabled   Disabled   Enabled, Disabled\n",
		},
		absent: []string{"HostUpdatePolicy", "AssetTag", "All settings"},
	}, {
		name: "all settings",
		objs: []runtime.Object{newTestHost("h0", available), testSettings("h0", wantSettings), testSchema(), testComponents("h0")},
		args: []string{"--all-settings"},
		stdout: []string{
			"  All settings:\n    NAME                CURRENT   WANTED     ALLOWED\n",
			"    AssetTag            rack-4    rack-4     length <= 16\n",
			"    SriovGlobalEnable   false     <none>     true, false\n",
			"    SystemServiceTag    8XK2Q93   <none>     read-only\n",
		},
	}, {
		name: "schema named but missing",
		objs: []runtime.Object{newTestHost("h0", available), testSettings("h0", wantSettings)},
		stdout: []string{
			"schema default/schema-7c3e9a1b (not found)\n",
			"    NumCores        64        128        <unknown>\n",
			"Firmware components: not read yet (no HostFirmwareComponents default/h0)\n",
		},
	}, {
		name:     "pending updates on a provisioned host without a policy",
		objs:     []runtime.Object{newTestHost("h0", provisioned), testSettings("h0"), testComponents("h0", wantUpdates)},
		policies: map[string]map[string]interface{}{},
		stdout: []string{
			"Pending:            2 firmware updates\n",
			"Applied:            not while the host is provisioned without a HostUpdatePolicy: servicing applies them on a reboot once a HostUpdatePolicy named h0 sets firmwareUpdates to onReboot\n",
			"HostUpdatePolicy:   no HostUpdatePolicy default/h0\n",
			"  Pending updates:\n    COMPONENT   CURRENT   URL\n",
			"    bios        2.1.0     " + biosURL + "\n",
			"    bmc         5.10.00   " + newerBMC + "\n",
			"  Last applied updates:\n    COMPONENT   URL\n    bmc         " + oldBMC + "\n",
		},
	}, {
		name: "pending updates and settings on a provisioned host, the kind not served",
		objs: []runtime.Object{newTestHost("h0", provisioned), testSettings("h0", wantSettings), testComponents("h0", wantUpdates)},
		stdout: []string{
			"Pending:            2 BIOS settings, 2 firmware updates\n",
			"Applied:            not while the host is provisioned without a HostUpdatePolicy: servicing applies them on a reboot once a HostUpdatePolicy named h0 sets firmwareSettings and firmwareUpdates to onReboot\n",
			"HostUpdatePolicy:   no HostUpdatePolicy: the server does not serve hostupdatepolicies\n",
		},
	}, {
		name: "pending updates, the policy allows them on reboot",
		objs: []runtime.Object{newTestHost("h0", provisioned), testSettings("h0"), testComponents("h0", wantUpdates)},
		policies: map[string]map[string]interface{}{
			"h0": {"firmwareSettings": "onReboot", "firmwareUpdates": "onReboot"},
		},
		stdout: []string{
			"Applied:            on the next reboot, through servicing (HostUpdatePolicy h0: firmwareUpdates onReboot): kubectl baremetal reboot h0\n",
			"HostUpdatePolicy:   h0: firmwareSettings onReboot, firmwareUpdates onReboot\n",
		},
	}, {
		name: "settings allowed on reboot, updates not",
		objs: []runtime.Object{newTestHost("h0", provisioned), testSettings("h0", wantSettings), testComponents("h0", wantUpdates)},
		policies: map[string]map[string]interface{}{
			"h0": {"firmwareSettings": "onReboot"},
		},
		stdout: []string{
			"Applied:            BIOS settings on the next reboot, through servicing (kubectl baremetal reboot h0); firmware updates not while the host is provisioned: HostUpdatePolicy h0 does not set firmwareUpdates to onReboot\n",
			"HostUpdatePolicy:   h0: firmwareSettings onReboot, firmwareUpdates <none>\n",
		},
	}, {
		name:     "the policy may not be read",
		objs:     []runtime.Object{newTestHost("h0", provisioned), testSettings("h0", wantSettings), testComponents("h0")},
		policies: map[string]map[string]interface{}{},
		setup: func(h *harness) {
			h.dyn.PrependReactor("get", "hostupdatepolicies", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(hostUpdatePoliciesGVR.GroupResource(), "h0", errors.New("RBAC: access denied"))
			})
		},
		stdout: []string{
			"Applied:            not while the host is provisioned unless HostUpdatePolicy h0 allows servicing, and it could not be read\n",
			"HostUpdatePolicy:   HostUpdatePolicy unknown: forbidden: you may not read hostupdatepolicies default/h0: RBAC: access denied\n",
		},
	}, {
		name: "all matching",
		objs: []runtime.Object{newTestHost("h0", provisioned), testSettings("h0"), testSchema(), testComponents("h0")},
		stdout: []string{
			"Pending:            nothing\n",
			"  Pending updates: none\n",
			"  Pending settings: none\n",
		},
		absent: []string{"Applied:"},
	}, {
		name: "invalid settings are not applied",
		objs: []runtime.Object{newTestHost("h0", available), testSettings("h0", wantSettings, func(s *v1alpha1.HostFirmwareSettings) {
			s.Status.Conditions[1] = metav1.Condition{Type: v1alpha1.FirmwareSettingsValid, Status: metav1.ConditionFalse,
				Reason: v1alpha1.ReasonFirmwareSettingsConfigurationError, Message: "Invalid BIOS setting: NumCores"}
		})},
		stdout: []string{
			"Applied:            not applied while the HostFirmwareSettings are not Valid: Invalid BIOS setting: NumCores\n",
			"    Valid            False    ConfigurationError   Invalid BIOS setting: NumCores\n",
		},
	}, {
		name: "BIOS not read yet",
		objs: []runtime.Object{newTestHost("h0", available), testComponents("h0", wantUpdates),
			testSettings("h0", wantSettings, func(s *v1alpha1.HostFirmwareSettings) { s.Status = v1alpha1.HostFirmwareSettingsStatus{} })},
		stdout: []string{
			"Pending:            2 firmware updates\n",
			"BIOS settings: not read yet\n  Conditions: none\n",
		},
		absent: []string{"Pending settings"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.objs...)
			if tc.policies != nil {
				h.servePolicies(tc.policies)
			}
			if tc.setup != nil {
				tc.setup(h)
			}
			code := h.run(append([]string{"firmware", "h0"}, tc.args...)...)
			out := h.out.String()
			if code != tc.code || h.errOut.String() != tc.stderr {
				t.Fatalf("exit %d, stderr %q; want exit %d, stderr %q\nstdout:\n%s", code, h.errOut, tc.code, tc.stderr, out)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, no := range tc.absent {
				if strings.Contains(out, no) {
					t.Errorf("stdout has %q:\n%s", no, out)
				}
			}
		})
	}
}

// The whole text output once, so its layout is reviewed as a user sees it.
func TestFirmwareText(t *testing.T) {
	h := newHarness(t, newTestHost("h0", provisioned), testSettings("h0", wantSettings), testSchema(), testComponents("h0", wantUpdates))
	h.servePolicies(map[string]map[string]interface{}{"h0": {"firmwareSettings": "onReboot", "firmwareUpdates": "onReboot"}})
	if code := h.run("firmware", "h0"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	want := `Name:               h0
Namespace:          default
State:              provisioned (OK)
Pending:            2 BIOS settings, 2 firmware updates
Applied:            on the next reboot, through servicing (HostUpdatePolicy h0: firmwareSettings and firmwareUpdates onReboot): kubectl baremetal reboot h0
HostUpdatePolicy:   h0: firmwareSettings onReboot, firmwareUpdates onReboot

Firmware components: read 5m ago (2026-05-01T11:55:00Z)
  COMPONENT   INITIAL   CURRENT   LAST FLASHED   UPDATED AT
  bios        2.1.0     2.1.0     <none>         <none>
  bmc         4.40.00   5.10.00   5.10.00        2026-04-02T09:30:00Z
  Conditions:
    TYPE             STATUS   REASON   MESSAGE
    Valid            True     OK       <none>
    ChangeDetected   True     OK       <none>
  Pending updates:
    COMPONENT   CURRENT   URL
    bios        2.1.0     https://firmware.example.com/bios-2.2.0.exe
    bmc         5.10.00   https://firmware.example.com/bmc-6.00.00.bin
  Last applied updates:
    COMPONENT   URL
    bmc         https://firmware.example.com/bmc-5.10.00.bin

BIOS settings: read 5m ago (2026-05-01T11:55:00Z), schema default/schema-7c3e9a1b
  Conditions:
    TYPE             STATUS   REASON    MESSAGE
    Valid            True     Success   <none>
    ChangeDetected   True     Success   <none>
  Pending settings:
    NAME            CURRENT   WANTED     ALLOWED
    NumCores        64        128        1..128
    ProcTurboMode   Enabled   Disabled   Enabled, Disabled
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	// Only the host's own policy was read, once.
	if gets := h.dyn.Actions(); len(gets) != 1 || gets[0].GetVerb() != "get" {
		t.Errorf("dynamic client actions: %v", gets)
	}
}

func TestFirmwareStructured(t *testing.T) {
	h := newHarness(t, newTestHost("h0", available), testSettings("h0", wantSettings), testSchema(), testComponents("h0", wantUpdates))
	if code := h.run("firmware", "h0", "-o", "json", "--all-settings"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	var v firmwareView
	if err := json.Unmarshal([]byte(h.out.String()), &v); err != nil {
		t.Fatalf("-o json is not JSON: %v\n%s", err, h.out)
	}
	if v.Name != "h0" || v.State != v1alpha1.StateAvailable || v.Changes.When != applyPreparing ||
		v.Changes.PendingSettings != 2 || v.Changes.PendingUpdates != 2 || v.Changes.UpdatePolicy != nil {
		t.Errorf("view: %+v", v)
	}
	if len(v.Settings.Pending) != 2 || v.Settings.Pending[0].Name != "NumCores" || *v.Settings.Pending[0].Current != "64" ||
		*v.Settings.Pending[0].Wanted != "128" || *v.Settings.Pending[0].Limits.UpperBound != 128 || len(v.Settings.All) != 5 {
		t.Errorf("settings: %+v", v.Settings)
	}
	if c := v.Components; len(c.PendingUpdates) != 2 || len(c.LastAppliedUpdates) != 1 || !c.LastRead.Equal(&readAt) {
		t.Errorf("components: %+v", c)
	}
	if !strings.HasPrefix(h.out.String(), "{\n    \"name\": \"h0\",\n") {
		t.Errorf("-o json is not indented as kubectl's:\n%s", h.out)
	}

	h.out.buf.Reset()
	if code := h.run("firmware", "h0", "-o", "yaml"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	var y firmwareView
	if err := yaml.Unmarshal([]byte(h.out.String()), &y); err != nil || y.Changes.When != applyPreparing || y.Settings.All != nil {
		t.Errorf("-o yaml: %v\n%s", err, h.out)
	}
	if !strings.Contains(h.out.String(), "  pendingSettings: 2\n") || !strings.Contains(h.out.String(), "- component: bios\n") {
		t.Errorf("-o yaml:\n%s", h.out)
	}
}

func TestFirmwareUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"firmware"}, "error: accepts 1 arg(s), received 0\nSee 'kubectl baremetal firmware --help' for usage.\n"},
		{[]string{"firmware", "h0", "-o", "wide"}, "error: --output must be \"json\" or \"yaml\" (or empty), not \"wide\"\nSee 'kubectl baremetal firmware --help' for usage.\n"},
		{[]string{"firmware", "h0", "-l", "rack=r1"}, "error: name hosts or give --selector, not both\nSee 'kubectl baremetal firmware --help' for usage.\n"},
	} {
		h := newHarness(t)
		if code := h.run(tc.args...); code != 1 || h.errOut.String() != tc.want {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, h.errOut, tc.want)
		}
		if len(h.cs.Actions()) != 0 {
			t.Errorf("%v: a usage error reached the API: %v", tc.args, h.cs.Actions())
		}
	}
}

// When pending changes are applied, for each state and policy: planChanges alone.
func TestPlanChanges(t *testing.T) {
	pendingBoth := func() (*v1alpha1.HostFirmwareSettings, *v1alpha1.HostFirmwareComponents) {
		return testSettings("h0", wantSettings), testComponents("h0", wantUpdates)
	}
	policy := func(settings, updates string) *updatePolicyView {
		return &updatePolicyView{Name: "h0", Found: true, FirmwareSettings: settings, FirmwareUpdates: updates}
	}
	for _, tc := range []struct {
		name   string
		host   func(*v1alpha1.BareMetalHost)
		policy *updatePolicyView
		when   string
		msg    string
	}{
		{"ready", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StateReady }, nil,
			applyPreparing, "which a ready host does on its own"},
		{"inspecting", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StateInspecting }, nil,
			applyPreparing, "after registering and inspecting"},
		{"preparing", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StatePreparing }, nil,
			applyInProgress, "the host is preparing"},
		{"servicing", func(h *v1alpha1.BareMetalHost) {
			provisioned(h)
			h.Status.OperationalStatus = v1alpha1.OperationalStatusServicing
		}, policy("onReboot", "onReboot"), applyInProgress, "the host is servicing"},
		{"externally provisioned, onPreparing", func(h *v1alpha1.BareMetalHost) {
			h.Status.Provisioning.State = v1alpha1.StateExternallyProvisioned
		}, policy("onPreparing", "onPreparing"), applyBlocked, "HostUpdatePolicy h0 does not set firmwareSettings and firmwareUpdates to onReboot"},
		{"provisioning, policy allows", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StateProvisioning },
			policy("onReboot", "onReboot"), applyOnReboot, "once provisioned, on its next reboot"},
		{"policy unreadable", provisioned, &updatePolicyView{Name: "h0", unreadable: true, Message: "HostUpdatePolicy unknown: forbidden"},
			applyUnknown, "unless HostUpdatePolicy h0 allows servicing, and it could not be read"},
		{"paused", func(h *v1alpha1.BareMetalHost) {
			available(h)
			h.Annotations = map[string]string{v1alpha1.PausedAnnotation: ""}
		}, nil, applyBlocked, "paused"},
		{"detached", func(h *v1alpha1.BareMetalHost) {
			provisioned(h)
			h.Status.OperationalStatus = v1alpha1.OperationalStatusDetached
		}, policy("onReboot", "onReboot"), applyBlocked, "detached"},
		{"deleting", func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.State = v1alpha1.StateDeleting }, nil,
			applyBlocked, "being deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hfs, hfc := pendingBoth()
			c := planChanges(newTestHost("h0", tc.host), hfs, hfc, tc.policy)
			if c.When != tc.when || !strings.Contains(c.Message, tc.msg) {
				t.Errorf("when %s: %s\nwant %s: ...%s...", c.When, c.Message, tc.when, tc.msg)
			}
		})
	}
}

func TestAllowedText(t *testing.T) {
	for _, tc := range []struct {
		limits *v1alpha1.SettingSchema
		known  bool
		want   string
	}{
		{nil, false, "<unknown>"},
		{nil, true, "not in schema"},
		{&v1alpha1.SettingSchema{AttributeType: v1alpha1.SettingTypeInteger, LowerBound: ptr.To[int64](1)}, true, ">= 1"},
		{&v1alpha1.SettingSchema{AttributeType: v1alpha1.SettingTypeInteger}, true, "any integer"},
		{&v1alpha1.SettingSchema{AttributeType: v1alpha1.SettingTypeString, MinLength: ptr.To[int64](0), MaxLength: ptr.To[int64](16)}, true, "length 0..16"},
		{&v1alpha1.SettingSchema{AttributeType: v1alpha1.SettingTypePassword}, true, "password, cannot be set"},
		{&v1alpha1.SettingSchema{AttributeType: v1alpha1.SettingTypeEnumeration, AllowableValues: []string{"A"}, ReadOnly: ptr.To(true)}, true, "read-only"},
		{&v1alpha1.SettingSchema{}, true, "any"},
	} {
		if got := allowedText(tc.limits, tc.known); got != tc.want {
			t.Errorf("allowedText(%+v, %v) = %q, want %q", tc.limits, tc.known, got, tc.want)
		}
	}
}
