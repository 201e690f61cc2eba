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

package redfish

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

func liveISO(url string) provisioner.ProvisionData {
	format := v1alpha1.ImageFormatLiveISO
	return provisioner.ProvisionData{Image: &v1alpha1.Image{URL: url, Format: &format}}
}

// checkBootedFromCD checks the simulator's last boot: from the virtual CD holding image,
// chosen by a one-time override that the firmware consumed.
func checkBootedFromCD(t *testing.T, sys *sim.System, image, what string) {
	t.Helper()
	boots := sys.Boots()
	if len(boots) == 0 {
		t.Fatalf("%s: the host never booted", what)
	}
	last := boots[len(boots)-1]
	if last.Source != "Cd" || !last.Override || last.Image != image || last.Mode != "UEFI" {
		t.Errorf("%s: last boot = %+v, want from Cd by override, image %s, UEFI", what, last, image)
	}
	if b := sys.Boot(); b.Enabled != "Disabled" {
		t.Errorf("%s: boot override left %+v; a one-time override is consumed by the boot", what, b)
	}
}

func TestProvisionLiveISO(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sim.Config
	}{
		{"synchronous BMC", sim.Config{Count: 1, PowerDelay: 100 * time.Millisecond}},
		{"asynchronous BMC", sim.Config{Count: 1, PowerDelay: 100 * time.Millisecond, AsyncActions: true, TaskDuration: 200 * time.Millisecond}},
		{"instant BMC", sim.Config{Count: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, tc.cfg)
			p := newBackend(t, testConfig())
			ctx, _ := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "live"))
			sys := s.System("1")
			const image = "http://192.0.2.1/images/live.iso"
			const other = "http://192.0.2.1/images/left-behind.iso"
			mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
			// Something else left media in the drive: it goes first.
			if !tc.cfg.AsyncActions {
				insertRaw(t, s, "1", other)
			}

			start := time.Now()
			calls := mustDrive(t, ctx, "provision", func(ctx context.Context) (provisioner.Result, error) {
				return p.Provision(ctx, h, liveISO(image))
			})
			t.Logf("live ISO booted in %s (%d calls)", time.Since(start).Round(time.Millisecond), calls)
			if got := sys.InsertedImage(); got != image {
				t.Errorf("inserted image = %q, want %q", got, image)
			}
			if sys.PowerState() != sim.PowerOn {
				t.Errorf("power %s after provisioning", sys.PowerState())
			}
			checkBootedFromCD(t, sys, image, "provisioning")
			if n := sys.Counters().BootPatches; n != 1 {
				t.Errorf("%d boot override patches, want 1", n)
			}

			// A reboot of a live-ISO host boots the ISO again (the reconciler names the host's
			// live ISO once its status records it).
			h.LiveISO = image
			mustDrive(t, ctx, "reboot", func(ctx context.Context) (provisioner.Result, error) {
				return p.Reboot(ctx, h, provisioner.RebootModeHard)
			})
			checkBootedFromCD(t, sys, image, "reboot")

			mustDrive(t, ctx, "deprovision", func(ctx context.Context) (provisioner.Result, error) {
				return p.Deprovision(ctx, h)
			})
			if got := sys.InsertedImage(); got != "" {
				t.Errorf("image %q still inserted after deprovisioning", got)
			}
			if sys.PowerState() != sim.PowerOff {
				t.Errorf("power %s after deprovisioning", sys.PowerState())
			}
			if b := sys.Boot(); b.Target != "None" || b.Enabled != "Disabled" {
				t.Errorf("boot override %+v after deprovisioning", b)
			}
			// Deprovisioning what is deprovisioned is Done at once.
			if res, err := p.Deprovision(ctx, h); !res.Done || err != nil {
				t.Errorf("second Deprovision = %+v, %v", res, err)
			}
			// A power-on after deprovisioning boots the disk, not the ejected CD.
			h.LiveISO = ""
			mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
			if boots := sys.Boots(); boots[len(boots)-1].Source != "Hdd" {
				t.Errorf("power-on after deprovisioning booted %+v", boots[len(boots)-1])
			}
		})
	}
}

// insertRaw inserts media behind the backend's back, through the Redfish API.
func insertRaw(t *testing.T, s *sim.Simulator, id, image string) {
	t.Helper()
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress(id), "other-tool"))
	err := p.with(ctx, h, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, h)
		if err != nil {
			return err
		}
		cds, err := cdDrives(sys)
		if err != nil {
			return err
		}
		_, err = cds[0].InsertMedia(&schemas.VirtualMediaInsertMediaParameters{Image: image})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
}

func TestProvisionRefusesWhatNeedsAnAgent(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "disk-image"))
	qcow2 := v1alpha1.ImageFormatQCOW2
	for name, data := range map[string]provisioner.ProvisionData{
		"qcow2":     {Image: &v1alpha1.Image{URL: "http://192.0.2.1/disk.qcow2", Format: &qcow2, Checksum: "abc"}},
		"no format": {Image: &v1alpha1.Image{URL: "http://192.0.2.1/disk.img", Checksum: "abc"}},
		"custom":    {CustomDeploy: &v1alpha1.CustomDeploy{Method: "install_coreos"}},
	} {
		res, err := p.Provision(ctx, h, data)
		if err != nil || res.ErrorMessage == "" {
			t.Errorf("%s: Provision = %+v, %v; want a failure", name, res, err)
			continue
		}
		if !strings.Contains(res.ErrorMessage, "live-iso") || !strings.Contains(res.ErrorMessage, "--provisioner=ironic") {
			t.Errorf("%s: message %q should point at live-iso and --provisioner=ironic", name, res.ErrorMessage)
		}
	}
	if c := s.System("1").Counters(); c.MediaInserts != 0 || c.Resets != 0 {
		t.Errorf("a refused provisioning touched the BMC: %+v", c)
	}
}

// TestProvisionTakenOverByAnotherProcess: a backend that did not start a provisioning (a new
// leader, or this one restarted) continues it from what the BMC reports and when the
// provisioning began (provisioner.Host.OperationStarted, from the stored host): the host boots
// the ISO exactly once, wherever the first process stopped.
func TestProvisionTakenOverByAnotherProcess(t *testing.T) {
	const image = "http://192.0.2.1/images/live.iso"
	for _, tc := range []struct {
		name string
		// firstCalls is how many Provision calls the first process made before it died;
		// settle waits, after them, until the simulator's power is at rest.
		firstCalls int
		settle     bool
	}{
		{"nothing done yet", 0, false},
		{"died with the reset under way", 1, false},
		{"died after the host booted the ISO", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, sim.Config{Count: 1, PowerDelay: 200 * time.Millisecond})
			ctx, _ := logCtx(t)
			first := newBackend(t, testConfig())
			h := registered(t, ctx, first, simHost(t, s.BMCAddress("1"), "taken-over"))
			// The reconciler stored the start of the provisioning before calling the backend;
			// stored times have whole seconds.
			h.OperationStarted = time.Now().Truncate(time.Second)
			sys := s.System("1")
			for i := 0; i < tc.firstCalls; i++ {
				if _, err := first.Provision(ctx, h, liveISO(image)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.settle {
				if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
					return sys.PowerState() == sim.PowerOn, nil
				}); err != nil {
					t.Fatal("the host never came on")
				}
			}
			second := newBackend(t, testConfig())
			mustDrive(t, ctx, "provision by the second process", func(ctx context.Context) (provisioner.Result, error) {
				return second.Provision(ctx, h, liveISO(image))
			})
			checkBootedFromCD(t, sys, image, "provisioning")
			if c := sys.Counters(); c.Boots != 1 || c.Resets != 1 || c.MediaInserts != 1 {
				t.Errorf("%d boots, %d resets, %d media inserts; the provisioning needs 1 of each", c.Boots, c.Resets, c.MediaInserts)
			}
		})
	}
}

// TestResumeLiveISOBoot is the decision a backend without memory of a provisioning makes
// from the BMC.
func TestResumeLiveISOBoot(t *testing.T) {
	started := time.Date(2026, 11, 29, 18, 0, 10, 0, time.UTC)
	cd := schemas.Boot{BootSourceOverrideTarget: schemas.CdBootSource, BootSourceOverrideEnabled: schemas.OnceBootSourceOverrideEnabled}
	consumed := schemas.Boot{BootSourceOverrideTarget: schemas.NoneBootSource, BootSourceOverrideEnabled: schemas.DisabledBootSourceOverrideEnabled}
	for _, tc := range []struct {
		name    string
		power   schemas.PowerState
		boot    schemas.Boot
		last    string
		started time.Time
		want    liveISOBoot
	}{
		{"override pending, powering on", schemas.PoweringOnPowerState, cd, "", started, liveISOBooting},
		{"override pending, powering off (a restart)", schemas.PoweringOffPowerState, cd, "", started, liveISOBooting},
		{"override pending, on: the reset was never sent", schemas.OnPowerState, cd, "2026-11-29T18:00:11+00:00", started, liveISONotBooted},
		{"override pending, off", schemas.OffPowerState, cd, "", started, liveISONotBooted},
		{"consumed by a boot since the provisioning began", schemas.OnPowerState, consumed, "2026-11-29T18:00:11+00:00", started, liveISOBooted},
		{"booted within the second it began", schemas.OnPowerState, consumed, "2026-11-29T18:00:10+00:00", started.Add(400 * time.Millisecond), liveISOBooted},
		{"last boot before the provisioning: override never set", schemas.OnPowerState, consumed, "2026-11-29T17:59:00+00:00", started, liveISONotBooted},
		{"no LastResetTime", schemas.OnPowerState, consumed, "", started, liveISONotBooted},
		{"start unknown", schemas.OnPowerState, consumed, "2026-11-29T18:00:11+00:00", time.Time{}, liveISONotBooted},
		{"off, override consumed", schemas.OffPowerState, consumed, "2026-11-29T18:00:11+00:00", started, liveISONotBooted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := &schemas.ComputerSystem{PowerState: tc.power, Boot: tc.boot, LastResetTime: tc.last}
			if got := resumeLiveISOBoot(sys, tc.started); got != tc.want {
				t.Errorf("resumeLiveISOBoot = %d, want %d", got, tc.want)
			}
		})
	}
}
