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
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestFirmwareReadFromRedfish: a host on the Redfish backend gets its firmware reported as
// Metal3 does - HostFirmwareSettings (the BIOS's settings, its FirmwareSchema from the BMC's
// attribute registry) and HostFirmwareComponents (bios, bmc) - and a desired setting the schema
// forbids is a 422 naming the limit, one it allows is a detected change. Deleting the host
// deletes both.
func TestFirmwareReadFromRedfish(t *testing.T) {
	sim := startRedfishSim(t, 1, 0, "")
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, "--provisioner=redfish", "--power-poll-interval=2s")
	cs := srv.Clientset(t)
	api := cs.BaremetalV1alpha1()
	ctx := ctxFor(t)
	id := sim.SystemIDs()[0]
	writeRedfishCredentials(t, dataDir, "fw-bmc")
	h := &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "fw", Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{Online: true, BootMACAddress: sim.System(id).Inventory().NICs[0].MAC,
			BMC: v1alpha1.BMCDetails{Address: sim.BMCAddress(id), CredentialsName: "fw-bmc"}},
	}
	if _, err := api.BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var hfs *v1alpha1.HostFirmwareSettings
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := api.HostFirmwareSettings(ns).Get(ctx, "fw", metav1.GetOptions{})
		if err == nil && got.Status.Schema != nil {
			hfs = got
		}
		return hfs != nil, nil
	}); err != nil {
		t.Fatal("no HostFirmwareSettings with a schema for the available host")
	}
	for k, v := range sim.System(id).BIOSAttributes() {
		if got := hfs.Status.Settings[k]; got != fmt.Sprint(v) {
			t.Errorf("status.settings[%s] = %q, the BMC has %v", k, got, v)
		}
	}
	schema, err := api.FirmwareSchemas(ns).Get(ctx, hfs.Status.Schema.Name, metav1.GetOptions{})
	if err != nil || len(schema.Spec.Schema) != len(hfs.Status.Settings) {
		t.Fatalf("FirmwareSchema %s: %v, %d rules for %d settings", hfs.Status.Schema.Name, err, len(schema.Spec.Schema), len(hfs.Status.Settings))
	}
	hfc, err := api.HostFirmwareComponents(ns).Get(ctx, "fw", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, c := range hfc.Status.Components {
		found[c.Component] = c.CurrentVersion
	}
	if found["bios"] == "" || found["bmc"] == "" {
		t.Errorf("HostFirmwareComponents %+v: want bios and bmc", hfc.Status.Components)
	}

	// The schema judges desired settings as they are written.
	set := func(v int32) error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := api.HostFirmwareSettings(ns).Get(ctx, "fw", metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Spec.Settings = v1alpha1.DesiredSettingsMap{"BootDelaySeconds": intstr.FromInt32(v)}
			_, err = api.HostFirmwareSettings(ns).Update(ctx, cur, metav1.UpdateOptions{})
			return err
		})
	}
	if err := set(99); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "BootDelaySeconds") || !strings.Contains(err.Error(), "60") {
		t.Errorf("BootDelaySeconds 99: %v, want a 422 naming the attribute and its bound 60", err)
	}
	if err := set(30); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := api.HostFirmwareSettings(ns).Get(ctx, "fw", metav1.GetOptions{})
		return err == nil && meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected), nil
	}); err != nil {
		t.Error("ChangeDetected never True for a desired setting")
	}

	if err := api.BareMetalHosts(ns).Delete(ctx, "fw", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, e1 := api.HostFirmwareSettings(ns).Get(ctx, "fw", metav1.GetOptions{})
		_, e2 := api.HostFirmwareComponents(ns).Get(ctx, "fw", metav1.GetOptions{})
		return apierrors.IsNotFound(e1) && apierrors.IsNotFound(e2), nil
	}); err != nil {
		t.Error("the host's HostFirmwareSettings/Components outlived it")
	}
}
