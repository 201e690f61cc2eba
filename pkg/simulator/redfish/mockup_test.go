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
	"net/http"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stmcginnis/gofish/schemas"
)

// mockups is where the captures of real BMCs are kept, beside the project (never copied in).
const mockups = "../../../../shared/redfish-mockups"

// TestMockupServesCaptures serves every capture and drives it as the backends do: log in,
// find the system under its captured id, power it, set the boot override, insert virtual
// media where the BMC has a device for it, read static resources as captured.
func TestMockupServesCaptures(t *testing.T) {
	cases := []struct {
		mockup string
		id     string     // the captured system id
		power  PowerState // as captured
		// media is the captured CD device (empty: the BMC has no virtual CD).
		media string
		// static is a captured resource that must be served as captured.
		static string
	}{
		{"dmtf/public-rackmount1", "437XR1138R2", PowerOn, "/redfish/v1/Systems/437XR1138R2/VirtualMedia/CD1", "/redfish/v1/Chassis/1U/Power"},
		{"dmtf/public-tower", "437XR1238R2", PowerOn, "/redfish/v1/Managers/BMC/VirtualMedia/CD1", "/redfish/v1/Chassis/Tower/PCIeDevices/Slot1"},
		{"hpe-csm/DL325", "1", PowerOn, "/redfish/v1/Managers/1/VirtualMedia/2", "/redfish/v1/Chassis/1/Power"},
		{"hpe-csm/Gigabyte", "Self", PowerOn, "/redfish/v1/Managers/Self/VirtualMedia/CD1", "/redfish/v1/Systems/Self/Processors/1"},
		{"hpe-csm/Intel", "QSBP74100021", PowerOn, "", "/redfish/v1/Systems/QSBP74100021/Processors/CPU1"},
		{"hpe-csm/OpenBMC-stock", "system", PowerOff, "", "/redfish/v1/Systems/system/Processors"},
		{"hpe-csm/XL675d_A100", "1", PowerOn, "/redfish/v1/Managers/1/VirtualMedia/2", "/redfish/v1/Chassis/1/Devices/3"},
	}
	for _, tc := range cases {
		t.Run(tc.mockup, func(t *testing.T) {
			sim := start(t, Config{Mockup: filepath.Join(mockups, tc.mockup)}, nil)
			if ids := sim.SystemIDs(); len(ids) != 1 || ids[0] != tc.id {
				t.Fatalf("systems %v, want [%s]", ids, tc.id)
			}
			s := sim.System(tc.id)
			if got := s.PowerState(); got != tc.power {
				t.Fatalf("power %s, want %s as captured", got, tc.power)
			}
			c := connect(t, sim, "admin", "password", false)
			systems, err := c.Service.Systems()
			if err != nil || len(systems) != 1 || systems[0].ID != tc.id {
				t.Fatalf("systems %v, %v", systems, err)
			}
			sys := systems[0]

			for _, rt := range []schemas.ResetType{schemas.ForceOffResetType, schemas.OnResetType} {
				if _, err := sys.Reset(rt); err != nil {
					t.Fatalf("reset %s: %v", rt, err)
				}
			}
			sys, err = schemas.GetComputerSystem(c, sys.ODataID)
			if err != nil || sys.PowerState != schemas.OnPowerState {
				t.Fatalf("after ForceOff, On: %s, %v", sys.PowerState, err)
			}
			if err := sys.SetBoot(&schemas.Boot{
				BootSourceOverrideTarget: schemas.PxeBootSource, BootSourceOverrideEnabled: schemas.OnceBootSourceOverrideEnabled,
			}); err != nil {
				t.Fatalf("boot override: %v", err)
			}
			sys, _ = schemas.GetComputerSystem(c, sys.ODataID)
			if sys.Boot.BootSourceOverrideTarget != schemas.PxeBootSource || sys.Boot.BootSourceOverrideEnabled != schemas.OnceBootSourceOverrideEnabled {
				t.Errorf("boot override not kept: %+v", sys.Boot)
			}
			if sys.Manufacturer == "" && tc.mockup != "hpe-csm/OpenBMC-stock" {
				t.Errorf("the captured system lost its manufacturer")
			}

			if tc.media != "" {
				const image = "http://127.0.0.1:1/boot.iso"
				// The DMTF captures have a CD inserted: like the BMC, the simulator wants it
				// ejected first.
				if st, _, body := raw(t, sim, http.MethodPost, tc.media+"/Actions/VirtualMedia.EjectMedia", "admin", "password", "{}"); st >= 300 {
					t.Fatalf("eject: %d %v", st, body)
				}
				st, _, body := raw(t, sim, http.MethodPost, tc.media+"/Actions/VirtualMedia.InsertMedia", "admin", "password",
					`{"Image":"`+image+`","Inserted":true}`)
				if st != http.StatusNoContent && st != http.StatusOK {
					t.Fatalf("insert: %d %v", st, body)
				}
				_, _, vm := raw(t, sim, http.MethodGet, tc.media, "admin", "password", "")
				if vm["Image"] != image || vm["Inserted"] != true || vm["@odata.id"] == nil {
					t.Errorf("media after insert: %v", vm)
				}
				if !slices.ContainsFunc(s.VirtualMedia(), func(m Media) bool { return m.Image == image && m.Inserted }) {
					t.Errorf("VirtualMedia %+v", s.VirtualMedia())
				}
			}

			st, _, doc := raw(t, sim, http.MethodGet, tc.static, "admin", "password", "")
			if st != http.StatusOK || doc["@odata.id"] == nil {
				t.Errorf("GET %s: %d %v", tc.static, st, doc)
			}
			if st, _, _ := raw(t, sim, http.MethodPatch, tc.static, "admin", "password", `{"Name":"x"}`); st != http.StatusMethodNotAllowed {
				t.Errorf("PATCH of a static resource: %d, want 405", st)
			}
			if st, _, _ := raw(t, sim, http.MethodGet, tc.static, "", "", ""); st != http.StatusUnauthorized {
				t.Errorf("GET without credentials: %d, want 401", st)
			}
			if st, _, _ := raw(t, sim, http.MethodGet, "/redfish/v1", "", "", ""); st != http.StatusOK {
				t.Errorf("service root without credentials: %d, want 200", st)
			}
			if st, _, _ := raw(t, sim, http.MethodGet, "/redfish/v1/Systems/"+tc.id+"/NoSuchThing", "admin", "password", ""); st != http.StatusNotFound {
				t.Errorf("an uncaptured resource: %d, want 404", st)
			}
		})
	}
}

func TestMockupConfigErrors(t *testing.T) {
	dir := filepath.Join(mockups, "hpe-csm/DL325")
	for name, cfg := range map[string]Config{
		"count":        {Mockup: dir, Count: 2},
		"unknown id":   {Mockup: dir, Systems: []SystemConfig{{ID: "7"}}},
		"not a folder": {Mockup: filepath.Join(mockups, "no-such-capture")},
		"not the root": {Mockup: filepath.Join(dir, "Systems")},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A configured power state wins over the captured one.
	sim, err := New(Config{Mockup: dir, Systems: []SystemConfig{{ID: "1", PowerState: PowerOff}}})
	if err != nil {
		t.Fatal(err)
	}
	if p := sim.System("1").PowerState(); p != PowerOff {
		t.Errorf("power %s, want the configured Off", p)
	}
}
