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
	"path/filepath"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// TestPowerDrawFromSimulator: the reading follows the system's power state.
func TestPowerDrawFromSimulator(t *testing.T) {
	s := startSim(t, sim.Config{Count: 1})
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	h := registered(t, ctx, p, simHost(t, s.BMCAddress("1"), "meter"))
	sys := s.System("1")
	for _, state := range []sim.PowerState{sim.PowerOff, sim.PowerOn} {
		if err := sys.SetPowerState(state); err != nil {
			t.Fatal(err)
		}
		watts, ok, err := p.PowerDraw(ctx, h)
		if err != nil || !ok || int(watts) != sys.PowerDrawWatts() {
			t.Errorf("power %s: PowerDraw = %v, %v, %v; the BMC draws %d W", state, watts, ok, err, sys.PowerDrawWatts())
		}
	}
}

// TestPowerDrawFromRealBMCCaptures: each capture's reading, counted by hand from its JSON,
// wherever the vendor put it.
func TestPowerDrawFromRealBMCCaptures(t *testing.T) {
	root := "../../../../shared/redfish-mockups"
	cases := []struct {
		mockup string
		// watts is the reading (0: the capture has none).
		watts float64
	}{
		// Chassis/1U/EnvironmentMetrics PowerWatts.Reading (the Power resource says 344).
		{mockup: "dmtf/public-rackmount1", watts: 374},
		// Chassis/Tower/EnvironmentMetrics PowerWatts.Reading (Power says 926).
		{mockup: "dmtf/public-tower", watts: 974},
		// Chassis/Self/Power PowerControl[0].PowerConsumedWatts.
		{mockup: "hpe-csm/Gigabyte", watts: 100},
		// The system links Chassis/RackMount, captured as an error; the reading is on
		// Chassis/RackMount/Baseboard/Power.
		{mockup: "hpe-csm/Intel", watts: 148},
		// OpenBMC's chassis reports no power draw.
		{mockup: "hpe-csm/OpenBMC-stock"},
		// Chassis/1/Power PowerControl[0].PowerConsumedWatts.
		{mockup: "hpe-csm/DL325", watts: 97},
		{mockup: "hpe-csm/XL675d_A100", watts: 894},
	}
	for _, tc := range cases {
		t.Run(tc.mockup, func(t *testing.T) {
			client := &treeClient{tree: mockupTree(t, filepath.Join(root, tc.mockup))}
			systems, err := schemas.ListReferencedComputerSystems(client, "/redfish/v1/Systems")
			if err != nil || len(systems) == 0 {
				t.Fatalf("no system in the capture: %v", err)
			}
			watts, ok := systemPowerDraw(client, systems[0])
			if ok != (tc.watts != 0) || watts != tc.watts {
				t.Errorf("power draw %v (%v), want %v", watts, ok, tc.watts)
			}
		})
	}
}
