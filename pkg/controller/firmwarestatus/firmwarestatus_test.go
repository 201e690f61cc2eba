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

package firmwarestatus

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// TestWrite: readings become status; the first version seen stays the initial one; updates a
// change carried out are recorded with their components' flash; conditions follow the
// desired settings and updates.
func TestWrite(t *testing.T) {
	ctx := context.Background()
	const ns = "metal"
	host := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns, UID: "u1"}}
	update := v1alpha1.FirmwareUpdate{Component: "bios", URL: "http://192.0.2.1/bios.bin"}
	// Created through the client: the fake's object tracker would guess these kinds' plurals
	// wrong ("hostfirmwaresettingses").
	client := fake.NewSimpleClientset()
	api := client.BaremetalV1alpha1()
	if _, err := api.HostFirmwareSettings(ns).Create(ctx, &v1alpha1.HostFirmwareSettings{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns},
		Spec: v1alpha1.HostFirmwareSettingsSpec{Settings: v1alpha1.DesiredSettingsMap{"SecureBoot": intstr.FromString("Enabled")}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.HostFirmwareComponents(ns).Create(ctx, &v1alpha1.HostFirmwareComponents{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns},
		Spec: v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{update}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := Writer{Client: client}
	t0 := metav1.NewTime(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))

	first := Reading{
		BIOS:       &provisioner.BIOS{Settings: map[string]string{"SecureBoot": "Disabled"}},
		Components: []provisioner.FirmwareComponent{{Component: "bios", Version: "1.0"}, {Component: "bmc", Version: "5.0"}},
	}
	if err := w.Write(ctx, host, first, nil, t0); err != nil {
		t.Fatal(err)
	}
	hfs, _ := api.HostFirmwareSettings(ns).Get(ctx, "h", metav1.GetOptions{})
	if c := meta.FindStatusCondition(hfs.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected); c == nil || c.Status != metav1.ConditionTrue || c.Message == "" {
		t.Errorf("settings ChangeDetected %+v, want True naming SecureBoot", c)
	}
	hfc, _ := api.HostFirmwareComponents(ns).Get(ctx, "h", metav1.GetOptions{})
	if !meta.IsStatusConditionTrue(hfc.Status.Conditions, v1alpha1.HostFirmwareComponentsChangeDetected) || len(hfc.Status.Updates) != 0 {
		t.Errorf("components before the update: %+v", hfc.Status)
	}

	// The change carried out: new readings, the update recorded.
	t1 := metav1.NewTime(t0.Add(time.Hour))
	second := Reading{
		BIOS:       &provisioner.BIOS{Settings: map[string]string{"SecureBoot": "Enabled"}},
		Components: []provisioner.FirmwareComponent{{Component: "bios", Version: "1.1"}, {Component: "bmc", Version: "5.0"}},
	}
	if err := w.Write(ctx, host, second, []v1alpha1.FirmwareUpdate{update}, t1); err != nil {
		t.Fatal(err)
	}
	hfs, _ = api.HostFirmwareSettings(ns).Get(ctx, "h", metav1.GetOptions{})
	if meta.IsStatusConditionTrue(hfs.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected) {
		t.Errorf("settings ChangeDetected after the change: %+v", hfs.Status.Conditions)
	}
	hfc, _ = api.HostFirmwareComponents(ns).Get(ctx, "h", metav1.GetOptions{})
	if meta.IsStatusConditionTrue(hfc.Status.Conditions, v1alpha1.HostFirmwareComponentsChangeDetected) || len(hfc.Status.Updates) != 1 {
		t.Errorf("components after the update: %+v", hfc.Status)
	}
	want := []v1alpha1.FirmwareComponentStatus{
		{Component: "bios", InitialVersion: "1.0", CurrentVersion: "1.1", LastVersionFlashed: "1.1", UpdatedAt: &t1},
		{Component: "bmc", InitialVersion: "5.0", CurrentVersion: "5.0"},
	}
	for i, c := range hfc.Status.Components {
		if c.Component != want[i].Component || c.InitialVersion != want[i].InitialVersion || c.CurrentVersion != want[i].CurrentVersion ||
			c.LastVersionFlashed != want[i].LastVersionFlashed || (c.UpdatedAt == nil) != (want[i].UpdatedAt == nil) {
			t.Errorf("component %d = %+v, want %+v", i, c, want[i])
		}
	}

	// Updates carried out on a backend that cannot read versions are recorded all the same.
	update2 := v1alpha1.FirmwareUpdate{Component: "bmc", URL: "http://192.0.2.1/bmc.bin"}
	if err := w.Write(ctx, host, Reading{BIOS: second.BIOS, ComponentsErr: errors.New("needs Ironic API 1.86")},
		[]v1alpha1.FirmwareUpdate{update, update2}, t1); err != nil {
		t.Fatal(err)
	}
	hfc, _ = api.HostFirmwareComponents(ns).Get(ctx, "h", metav1.GetOptions{})
	if len(hfc.Status.Updates) != 2 || len(hfc.Status.Components) != 2 || hfc.Status.Components[0].CurrentVersion != "1.1" {
		t.Errorf("components after an update whose versions could not be read: %+v", hfc.Status)
	}

	// A part not read is not written over.
	if err := w.Write(ctx, host, Reading{BIOSErr: errors.New("down"), ComponentsErr: errors.New("down")}, nil, metav1.NewTime(t1.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if got, _ := api.HostFirmwareSettings(ns).Get(ctx, "h", metav1.GetOptions{}); !got.Status.LastUpdated.Equal(&t1) {
		t.Errorf("lastUpdated %v after a failed reading, want %v", got.Status.LastUpdated, t1)
	}
}

// reader is a FirmwareReader that records its calls; snapshotReader also reads in one call.
type reader struct{ calls []string }

func (r *reader) ReadBIOS(context.Context, provisioner.Host) (provisioner.BIOS, error) {
	r.calls = append(r.calls, "ReadBIOS")
	return provisioner.BIOS{Settings: map[string]string{"SecureBoot": "Enabled"}}, nil
}

func (r *reader) FirmwareComponents(context.Context, provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	r.calls = append(r.calls, "FirmwareComponents")
	return nil, errors.New("no firmware interface")
}

type snapshotReader struct{ reader }

func (r *snapshotReader) ReadFirmware(context.Context, provisioner.Host) provisioner.FirmwareReading {
	r.calls = append(r.calls, "ReadFirmware")
	return provisioner.FirmwareReading{BIOS: &provisioner.BIOS{}, Components: []provisioner.FirmwareComponent{{Component: "bmc", Version: "1"}}}
}

// TestRead: a backend that reads everything in one call is asked once; another is asked for
// each part, and a part it cannot read comes with its error.
func TestRead(t *testing.T) {
	ctx := context.Background()
	snap := &snapshotReader{}
	if r := Read(ctx, snap, provisioner.Host{}); len(snap.calls) != 1 || snap.calls[0] != "ReadFirmware" || r.BIOS == nil || len(r.Components) != 1 {
		t.Errorf("calls %v, reading %+v: want one ReadFirmware and its reading", snap.calls, r)
	}
	two := &reader{}
	r := Read(ctx, two, provisioner.Host{})
	if len(two.calls) != 2 || r.BIOS == nil || r.BIOS.Settings["SecureBoot"] != "Enabled" || r.BIOSErr != nil || r.ComponentsErr == nil {
		t.Errorf("calls %v, reading %+v: want ReadBIOS and FirmwareComponents, the components' error kept", two.calls, r)
	}
}
