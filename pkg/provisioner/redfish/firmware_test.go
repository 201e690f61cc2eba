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
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// TestReadBIOSFromSimulator: the settings in effect, the staged ones, and the registry's rules,
// read through the backend from the simulator's BMC.
func TestReadBIOSFromSimulator(t *testing.T) {
	s := startSim(t, sim.Config{Count: 2, Seed: 3})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("2"), "bios"))

	// Stage a change the way a client does: PATCH the settings object.
	u, _ := url.Parse(strings.Replace(s.BMCAddress("2"), "redfish+http", "http", 1))
	req, _ := http.NewRequest(http.MethodPatch, "http://"+u.Host+"/redfish/v1/Systems/2/Bios/Settings",
		strings.NewReader(`{"Attributes":{"BootDelaySeconds":7,"WorkloadProfile":"Performance"}}`))
	req.SetBasicAuth("admin", "password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("staging a BIOS change: %s", resp.Status)
	}

	bios, err := p.ReadBIOS(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range s.System("2").BIOSAttributes() {
		if got := bios.Settings[k]; got != fmt.Sprint(v) {
			t.Errorf("setting %s = %q, want %v", k, got, v)
		}
	}
	if bios.Pending["BootDelaySeconds"] != "7" || bios.Pending["WorkloadProfile"] != "Performance" || len(bios.Pending) != 2 {
		t.Errorf("pending = %v, want the two staged values", bios.Pending)
	}
	if bios.RegistryID == "" || len(bios.Schema) != len(bios.Settings) {
		t.Fatalf("registry %q with %d rules for %d settings", bios.RegistryID, len(bios.Schema), len(bios.Settings))
	}
	if d := bios.Schema["BootDelaySeconds"]; d.AttributeType != "Integer" || d.LowerBound == nil || *d.LowerBound != 0 || d.UpperBound == nil || *d.UpperBound != 60 {
		t.Errorf("BootDelaySeconds rules %+v", d)
	}
	if w := bios.Schema["WorkloadProfile"]; w.AttributeType != "Enumeration" || !slices.Equal(w.AllowableValues, []string{"Balanced", "Performance", "PowerSaving"}) {
		t.Errorf("WorkloadProfile rules %+v", w)
	}
	if x := bios.Schema["PxeDev1Interface"]; x.AttributeType != "String" || x.MaxLength == nil || *x.MaxLength != 32 {
		t.Errorf("PxeDev1Interface rules %+v", x)
	}

	comps, err := p.FirmwareComponents(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	// The firmware reader's one-session reading reads the same.
	if r := p.ReadFirmware(ctx, h); r.BIOSErr != nil || r.ComponentsErr != nil || r.BIOS == nil ||
		!reflect.DeepEqual(*r.BIOS, bios) || !reflect.DeepEqual(r.Components, comps) {
		t.Errorf("ReadFirmware = %+v (BIOS %+v), want the BIOS and components read apart: %+v, %v", r, r.BIOS, bios, comps)
	}
	got := map[string]string{}
	for _, c := range comps {
		got[c.Component] = c.Version
	}
	if got[provisioner.FirmwareComponentBIOS] == "" || got[provisioner.FirmwareComponentBMC] == "" {
		t.Errorf("firmware components %v: want bios and bmc versions", comps)
	}
}

// TestFirmwareFromRealBMCCaptures reads every capture of a real BMC in the shared mockups:
// whatever a BMC offers (a BIOS resource, an attribute registry it serves, firmware versions)
// is read, what it lacks is said clearly, and nothing panics on vendor quirks.
func TestFirmwareFromRealBMCCaptures(t *testing.T) {
	root := "../../../../shared/redfish-mockups"
	cases := []struct {
		mockup string
		// settings: the BIOS resource is read (empty: it lists no attributes); schema: its
		// registry is served (HPE and DMTF captures name registries kept only in a registry
		// store the captures left out).
		settings, empty, schema bool
		// components that must be found.
		components []string
		// gets bounds the BIOS reading's requests: the BIOS resource once (its
		// @Redfish.Settings from the same answer), its settings object, the registry files
		// and the registry. A BMC whose registry file is named after the registry (Gigabyte:
		// 15 files) costs the collection and that one file, not every file.
		gets int64
	}{
		{mockup: "dmtf/public-rackmount1", settings: true, components: []string{"bios", "bmc"}, gets: 4},
		{mockup: "dmtf/public-tower", settings: true, components: []string{"bios", "bmc"}, gets: 4},
		{mockup: "hpe-csm/Gigabyte", settings: true, schema: true, components: []string{"bios", "bmc"}, gets: 5},
		{mockup: "hpe-csm/Intel", settings: true, components: []string{"bios", "bmc"}, gets: 6},
		{mockup: "hpe-csm/OpenBMC-stock", settings: true, empty: true, components: []string{"bmc"}, gets: 1},
		{mockup: "hpe-csm/DL325", components: []string{"bios", "bmc"}, gets: 1},
		{mockup: "hpe-csm/XL675d_A100", components: []string{"bios", "bmc"}, gets: 1},
	}
	for _, tc := range cases {
		t.Run(tc.mockup, func(t *testing.T) {
			tree := mockupTree(t, filepath.Join(root, tc.mockup))
			client := &treeClient{tree: tree}
			systems, err := schemas.ListReferencedComputerSystems(client, "/redfish/v1/Systems")
			if err != nil || len(systems) == 0 {
				t.Fatalf("no system in the capture: %v", err)
			}
			sys := systems[0]
			client.gets.Store(0)
			bios, err := readBIOS(client, sys)
			switch {
			case tc.settings && err != nil:
				t.Fatalf("reading the BIOS: %v", err)
			case !tc.settings && err == nil:
				t.Fatalf("a BIOS read from a capture without one: %+v", bios)
			case !tc.settings:
				if !strings.Contains(err.Error(), "BIOS resource") {
					t.Errorf("the missing BIOS is not said clearly: %v", err)
				}
			}
			if gets := client.gets.Load(); gets > tc.gets {
				t.Errorf("reading the BIOS took %d GETs, want at most %d", gets, tc.gets)
			}
			if tc.settings && (len(bios.Settings) == 0) != tc.empty {
				t.Errorf("%d settings, want some: %v", len(bios.Settings), !tc.empty)
			}
			if (bios.Schema != nil) != tc.schema {
				t.Errorf("registry %q: %d rules, want rules: %v", bios.RegistryID, len(bios.Schema), tc.schema)
			}
			for name, rule := range bios.Schema {
				if rule.AttributeType == "Enumeration" && len(rule.AllowableValues) == 0 {
					t.Errorf("enumeration %s without values", name)
				}
				if rule.LowerBound != nil && rule.UpperBound != nil && *rule.LowerBound > *rule.UpperBound {
					t.Errorf("%s: bounds %d > %d", name, *rule.LowerBound, *rule.UpperBound)
				}
			}
			client.gets.Store(0)
			comps := firmwareComponents(sys)
			found := map[string]string{}
			for _, c := range comps {
				if c.Version == "" {
					t.Errorf("component %s without a version", c.Component)
				}
				found[c.Component] = c.Version
			}
			for _, want := range tc.components {
				if found[want] == "" {
					t.Errorf("no %s version among %v", want, comps)
				}
			}
			t.Logf("%d settings, %d pending, registry %q with %d rules; components %v",
				len(bios.Settings), len(bios.Pending), bios.RegistryID, len(bios.Schema), comps)
		})
	}
}
