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
	"net"
	"strings"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

func TestRegister(t *testing.T) {
	s := startSim(t, sim.Config{Count: 3, Seed: 1, Password: "Reg1ster-S3cret"})
	one := startSim(t, sim.Config{Seed: 2})
	p := newBackend(t, testConfig())
	ctx, logs := logCtx(t)

	t.Run("system path in the address", func(t *testing.T) {
		h := simHost(t, s.BMCAddress("2"), "with-path")
		h.Credentials.Password = "Reg1ster-S3cret"
		id, res, err := p.Register(ctx, h)
		if err != nil || !res.Done || id != "/redfish/v1/Systems/2" {
			t.Fatalf("Register = %q, %+v, %v; want /redfish/v1/Systems/2, Done", id, res, err)
		}
		// Registering again is the same answer, on the same session.
		if id2, res, err := p.Register(ctx, h); id2 != id || !res.Done || err != nil {
			t.Errorf("second Register = %q, %+v, %v", id2, res, err)
		}
		if n := s.ActiveSessions(); n != 1 {
			t.Errorf("simulator sessions = %d, want 1", n)
		}
	})

	t.Run("the only system when the address has no path", func(t *testing.T) {
		h := simHost(t, "redfish+"+one.URL(), "no-path")
		id, res, err := p.Register(ctx, h)
		if err != nil || !res.Done || id != "/redfish/v1/Systems/1" {
			t.Fatalf("Register = %q, %+v, %v", id, res, err)
		}
	})

	failures := []struct {
		name, address, password, want string
	}{
		{"wrong password", s.BMCAddress("1"), "not-the-password", "rejected the credentials of user \"admin\""},
		{"no such system", "redfish+" + s.URL() + "/redfish/v1/Systems/9", "Reg1ster-S3cret", "has no system /redfish/v1/Systems/9"},
		{"several systems and no path", "redfish+" + s.URL(), "Reg1ster-S3cret", "manages 3 systems"},
		{"not a Redfish BMC", "ipmi://192.0.2.1", "Reg1ster-S3cret", "drives Redfish BMCs only"},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			h := simHost(t, tc.address, strings.ReplaceAll(tc.name, " ", "-"))
			h.Credentials.Password = tc.password
			id, res, err := p.Register(ctx, h)
			if err != nil || res.ErrorMessage == "" || res.Done || id != "" {
				t.Fatalf("Register = %q, %+v, %v; want a Failed result", id, res, err)
			}
			if !strings.Contains(res.ErrorMessage, tc.want) {
				t.Errorf("message %q does not say %q", res.ErrorMessage, tc.want)
			}
			noSecret(t, "failure message", res.ErrorMessage, tc.password)
		})
	}

	t.Run("unreachable BMC is an error", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		h := simHost(t, "redfish+http://"+addr+"/redfish/v1/Systems/1", "unreachable")
		_, res, err := p.Register(ctx, h)
		if err == nil || res.ErrorMessage != "" {
			t.Fatalf("Register = %+v, %v; want an error", res, err)
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("error %q does not name the BMC", err)
		}
	})

	noSecret(t, "logs", logs(), "Reg1ster-S3cret")
	noSecret(t, "logs", logs(), "not-the-password")
	if n := s.ActiveSessions(); n != 1 {
		t.Errorf("after failed logins the simulator has %d sessions, want 1", n)
	}
}

func TestAdoptPrepareDetachDelete(t *testing.T) {
	s := startSim(t, sim.Config{Count: 2})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h1 := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "h1"))
	h2 := registered(t, ctx, p, simHost(t, s.BMCAddress("2"), "h2"))

	if res, err := p.Adopt(ctx, h1); err != nil || !res.Done {
		t.Errorf("Adopt = %+v, %v", res, err)
	}
	if res, err := p.Prepare(ctx, h1, provisioner.PrepareData{}); err != nil || !res.Done {
		t.Errorf("Prepare = %+v, %v", res, err)
	}
	if res, err := p.Prepare(ctx, h1, provisioner.PrepareData{RAID: &v1alpha1.RAIDConfig{HardwareRAIDVolumes: []v1alpha1.HardwareRAIDVolume{{Level: "1"}}}}); err != nil || !strings.Contains(res.ErrorMessage, "RAID") {
		t.Errorf("Prepare with RAID = %+v, %v; want a failure naming RAID", res, err)
	}
	if ok, err := p.HasCapacity(ctx); !ok || err != nil {
		t.Errorf("HasCapacity = %v, %v", ok, err)
	}

	// Both hosts share the BMC's session: it stays until the last one is gone.
	if res, err := p.Detach(ctx, h1); err != nil || !res.Done {
		t.Fatalf("Detach = %+v, %v", res, err)
	}
	if n := s.ActiveSessions(); n != 1 {
		t.Errorf("sessions after detaching one of two hosts = %d, want 1", n)
	}
	if res, err := p.Delete(ctx, h2); err != nil || !res.Done {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
	if n := s.ActiveSessions(); n != 0 {
		t.Errorf("sessions after both hosts left = %d, want 0", n)
	}
	// Deleting a host whose credentials could not be read (no BMC) is fine too.
	h1.BMC = nil
	if res, err := p.Delete(ctx, h1); err != nil || !res.Done {
		t.Errorf("Delete without BMC = %+v, %v", res, err)
	}
}
