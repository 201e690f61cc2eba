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

package hostfirmware

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/ptr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// reader is a backend's firmware, counting reads.
type reader struct {
	bios    provisioner.BIOS
	comps   []provisioner.FirmwareComponent
	compErr error
	reads   int
}

func (r *reader) ReadBIOS(context.Context, provisioner.Host) (provisioner.BIOS, error) {
	r.reads++
	return r.bios, nil
}

func (r *reader) FirmwareComponents(context.Context, provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	return r.comps, r.compErr
}

// TestFirmwareVersionsUnavailable: versions the backend cannot read are said on the host, and
// the BIOS is recorded all the same.
func TestFirmwareVersionsUnavailable(t *testing.T) {
	ctx := context.Background()
	host := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: "metal", UID: "u1"}}
	host.Status.Provisioning.State = v1alpha1.StateAvailable
	host.Status.Provisioning.ID = "node-1"
	client := fake.NewSimpleClientset(host)
	factory := informers.NewSharedInformerFactory(client, 0)
	const msg = "reading firmware versions needs Ironic API 1.86 (the firmware interface); this Ironic offers up to 1.82"
	r := &reader{bios: provisioner.BIOS{Settings: map[string]string{"ProcTurboMode": "Enabled"}}, compErr: errors.New(msg)}
	events := record.NewFakeRecorder(10)
	c, err := New(client, factory.Baremetal().V1alpha1(), r,
		func(context.Context, *v1alpha1.BareMetalHost) (provisioner.Host, error) {
			return provisioner.Host{}, nil
		}, time.Hour, events)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	if _, err := c.sync(ctx, "metal/h"); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events.Events:
		if !strings.Contains(e, "FirmwareVersionsUnavailable") || !strings.Contains(e, "1.86") {
			t.Errorf("event %q", e)
		}
	default:
		t.Error("no event for the versions that could not be read")
	}
	if hfs, err := client.BaremetalV1alpha1().HostFirmwareSettings("metal").Get(ctx, "h", metav1.GetOptions{}); err != nil || hfs.Status.Settings["ProcTurboMode"] != "Enabled" {
		t.Errorf("HostFirmwareSettings %+v, %v", hfs, err)
	}
	if _, err := client.BaremetalV1alpha1().HostFirmwareComponents("metal").Get(ctx, "h", metav1.GetOptions{}); err == nil {
		t.Error("HostFirmwareComponents written without versions")
	}
}

func TestFirmwareReadings(t *testing.T) {
	ctx := context.Background()
	const ns = "metal"
	host := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns, UID: "u1"}}
	host.Status.Provisioning.State = v1alpha1.StateAvailable
	host.Status.Provisioning.ID = "sys-1"
	client := fake.NewSimpleClientset(host)
	factory := informers.NewSharedInformerFactory(client, 0)
	r := &reader{
		bios: provisioner.BIOS{Settings: map[string]string{"BootDelaySeconds": "0"}, RegistryID: "Reg.v1",
			Schema: map[string]provisioner.SettingSchema{"BootDelaySeconds": {AttributeType: "Integer", LowerBound: ptr.To[int64](0), UpperBound: ptr.To[int64](60)}}},
		comps: []provisioner.FirmwareComponent{{Component: "bios", Version: "1.0"}, {Component: "bmc", Version: "2.0"}},
	}
	c, err := New(client, factory.Baremetal().V1alpha1(), r,
		func(context.Context, *v1alpha1.BareMetalHost) (provisioner.Host, error) {
			return provisioner.Host{}, nil
		}, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	c.clock = clk
	c.justRead = utilcache.NewExpiringWithClock(clk)
	stop := make(chan struct{})
	defer close(stop)
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	// cached waits until the informer holds the desired settings last written (the fake API
	// keeps no resourceVersions to compare).
	cached := func(want v1alpha1.DesiredSettingsMap) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			got, err := c.settings.HostFirmwareSettings(ns).Get("h")
			return err == nil && apiequality.Semantic.DeepEqual(got.Spec.Settings, want), nil
		})
		if err != nil {
			t.Fatal("the informer never caught up")
		}
	}

	// First look: read, written to HFS (with its schema) and HFC, owned by the host.
	if after, err := c.sync(ctx, ns+"/h"); err != nil || after != time.Hour {
		t.Fatalf("sync = %v, %v", after, err)
	}
	// Back at once (the HostFirmwareSettings' creation brings the host back before the
	// informer has the reading): not read again.
	if _, err := c.sync(ctx, ns+"/h"); err != nil || r.reads != 1 {
		t.Fatalf("sync right after the reading: %v with %d reads", err, r.reads)
	}
	api := client.BaremetalV1alpha1()
	hfs, err := api.HostFirmwareSettings(ns).Get(ctx, "h", metav1.GetOptions{})
	if err != nil || hfs.Status.Settings["BootDelaySeconds"] != "0" || hfs.Status.Schema == nil || len(hfs.OwnerReferences) != 1 {
		t.Fatalf("HostFirmwareSettings %+v, %v", hfs, err)
	}
	fs, err := api.FirmwareSchemas(ns).Get(ctx, hfs.Status.Schema.Name, metav1.GetOptions{})
	if err != nil || *fs.Spec.Schema["BootDelaySeconds"].UpperBound != 60 {
		t.Fatalf("FirmwareSchema %+v, %v", fs, err)
	}
	hfc, err := api.HostFirmwareComponents(ns).Get(ctx, "h", metav1.GetOptions{})
	if err != nil || len(hfc.Status.Components) != 2 || hfc.Status.Components[0].InitialVersion != "1.0" {
		t.Fatalf("HostFirmwareComponents %+v, %v", hfc, err)
	}

	// Not due: no BMC read, but a desired setting is seen as a change at once.
	hfs.Spec.Settings = v1alpha1.DesiredSettingsMap{"BootDelaySeconds": intstr.FromInt32(5)}
	if _, err := api.HostFirmwareSettings(ns).Update(ctx, hfs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cached(hfs.Spec.Settings)
	clk.SetTime(clk.Now().Add(time.Minute))
	if after, err := c.sync(ctx, ns+"/h"); err != nil || after != 59*time.Minute || r.reads != 1 {
		t.Fatalf("second sync = %v, %v with %d reads", after, err, r.reads)
	}
	hfs, _ = api.HostFirmwareSettings(ns).Get(ctx, "h", metav1.GetOptions{})
	if !meta.IsStatusConditionTrue(hfs.Status.Conditions, v1alpha1.FirmwareSettingsChangeDetected) {
		t.Errorf("ChangeDetected not set for a desired setting: %+v", hfs.Status.Conditions)
	}

	// Due again after the interval: a new version keeps the first one as the initial version.
	r.comps[0].Version = "1.1"
	clk.SetTime(clk.Now().Add(time.Hour))
	if _, err := c.sync(ctx, ns+"/h"); err != nil || r.reads != 2 {
		t.Fatalf("third sync: %v with %d reads", err, r.reads)
	}
	hfc, _ = api.HostFirmwareComponents(ns).Get(ctx, "h", metav1.GetOptions{})
	if s := hfc.Status.Components[0]; s.InitialVersion != "1.0" || s.CurrentVersion != "1.1" {
		t.Errorf("bios component %+v, want initial 1.0, current 1.1", s)
	}

	// The host gone: its HFS and HFC go too (no garbage collector in a standalone server).
	if err := client.BaremetalV1alpha1().BareMetalHosts(ns).Delete(ctx, "h", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		_, err := c.hosts.BareMetalHosts(ns).Get("h")
		return err != nil, nil
	}); err != nil {
		t.Fatal("the informer never saw the host deleted")
	}
	if _, err := c.sync(ctx, ns+"/h"); err != nil {
		t.Fatal(err)
	}
	if _, err := api.HostFirmwareSettings(ns).Get(ctx, "h", metav1.GetOptions{}); err == nil {
		t.Error("HostFirmwareSettings kept after its host was deleted")
	}
	if _, err := api.HostFirmwareComponents(ns).Get(ctx, "h", metav1.GetOptions{}); err == nil {
		t.Error("HostFirmwareComponents kept after its host was deleted")
	}
}
