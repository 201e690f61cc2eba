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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// TestDataImage: a DataImage goes into the free virtual CD, is exposed (not booted) at the next
// power-on, is left alone when asked again, and is ejected on detach; on a synchronous and an
// asynchronous BMC.
func TestDataImage(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sim.Config
	}{
		{"synchronous BMC", sim.Config{Count: 1, PowerDelay: 50 * time.Millisecond}},
		{"asynchronous BMC", sim.Config{Count: 1, PowerDelay: 50 * time.Millisecond, AsyncActions: true, TaskDuration: 100 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, tc.cfg)
			p := newBackend(t, testConfig())
			ctx, logs := logCtx(t)
			h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "data"))
			sys := s.System("1")
			const image = "http://192.0.2.1/images/config.iso"

			calls := mustDrive(t, ctx, "attach", func(ctx context.Context) (provisioner.Result, error) {
				return p.AttachDataImage(ctx, h, image)
			})
			if got := sys.InsertedImage(); got != image {
				t.Fatalf("inserted image %q, want %q", got, image)
			}
			if calls != 1 {
				// The insert's task is followed and the drive read back in the same call.
				t.Errorf("attach took %d calls, want 1", calls)
			}
			// Asked again (the reconciler does at every power-on): nothing is inserted again.
			if res, err := p.AttachDataImage(ctx, h, image); err != nil || !res.Done {
				t.Fatalf("second attach = %+v, %v", res, err)
			}
			if n := sys.Counters().MediaInserts; n != 1 {
				t.Errorf("%d inserts, want 1", n)
			}
			// Exposed, not booted: the power-on sets no boot override.
			mustDrive(t, ctx, "power on", func(ctx context.Context) (provisioner.Result, error) { return p.PowerOn(ctx, h) })
			boots := sys.Boots()
			if last := boots[len(boots)-1]; last.Source != "Hdd" || last.Override || !slices.Equal(last.Media, []string{image}) {
				t.Errorf("power-on with the DataImage attached: boot %+v, want the disk with the image in sight", last)
			}
			if n := sys.Counters().BootPatches; n != 0 {
				t.Errorf("%d boot override patches, want none", n)
			}

			mustDrive(t, ctx, "detach", func(ctx context.Context) (provisioner.Result, error) {
				return p.DetachDataImage(ctx, h, image)
			})
			if got := sys.InsertedImage(); got != "" {
				t.Errorf("image %q still inserted after detach", got)
			}
			if res, err := p.DetachDataImage(ctx, h, image); err != nil || !res.Done {
				t.Fatalf("second detach = %+v, %v", res, err)
			}
			if n := sys.Counters().MediaEjects; n != 1 {
				t.Errorf("%d ejects, want 1", n)
			}
			noSecret(t, "logs", logs(), "password")
		})
	}
}

// TestDataImageBesideLiveISO: the simulator's one virtual CD holds the live ISO the host runs;
// a DataImage is refused, naming it, and the live ISO stays (and is booted again), as Ironic
// never ejects an image for another. Detaching an image that is not there leaves it alone too.
func TestDataImageBesideLiveISO(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1, PowerDelay: 50 * time.Millisecond})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "live"))
	sys := s.System("1")
	const live, data = "http://192.0.2.1/images/live.iso", "http://192.0.2.1/images/config.iso"
	mustDrive(t, ctx, "provision", func(ctx context.Context) (provisioner.Result, error) {
		return p.Provision(ctx, h, liveISO(live))
	})
	h.LiveISO = live

	res, err := p.AttachDataImage(ctx, h, data)
	if err != nil || !strings.Contains(res.ErrorMessage, "no free virtual CD/DVD drive") || !strings.Contains(res.ErrorMessage, live) {
		t.Fatalf("attach beside a live ISO = %+v, %v; want a failure naming the live ISO", res, err)
	}
	if res, err := p.DetachDataImage(ctx, h, data); err != nil || !res.Done {
		t.Fatalf("detach of an image not attached = %+v, %v", res, err)
	}
	if got := sys.InsertedImage(); got != live {
		t.Errorf("inserted image %q, want the live ISO %q", got, live)
	}
	mustDrive(t, ctx, "reboot", func(ctx context.Context) (provisioner.Result, error) {
		return p.Reboot(ctx, h, provisioner.RebootModeHard)
	})
	checkBootedFromCD(t, sys, live, "reboot")
}
