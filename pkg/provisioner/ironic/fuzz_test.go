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

package ironic

import (
	"encoding/json"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
)

// FuzzInventory maps whatever Ironic's inventory endpoint and node properties may hold (an
// agent on the host writes them: any content) into hardware details. Mapping may drop what
// it does not understand, never panic, and never yields negative sizes or counts.
func FuzzInventory(f *testing.F) {
	f.Add([]byte(inventoryJSON))
	f.Add([]byte(`{"inventory":{"cpu":{"count":-3,"frequency":"NaN"},"memory":{"physical_mb":-1},"disks":[{"size":-5}]}}`))
	f.Add([]byte(`{"inventory":{"cpu":{"count":9223372036854775807},"memory":{"physical_mb":1e30}},"plugin_data":{"parsed_lldp":{"x":{"switch_port_vlans":[{"id":"a"}]}}}}`))
	f.Add([]byte(`{"cpu_arch":"x86_64","cpus":"4","memory_mb":"-8"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var inv nodes.InventoryData
		if json.Unmarshal(data, &inv) == nil {
			check(t, "inventory", data, detailsFromInventory(&inv).CPU.Count, detailsFromInventory(&inv).RAMMebibytes)
			for _, s := range detailsFromInventory(&inv).Storage {
				if s.SizeBytes < 0 {
					t.Fatalf("negative disk size from %q: %+v", data, s)
				}
			}
		}
		var props map[string]any
		if json.Unmarshal(data, &props) == nil {
			d := detailsFromProperties(props, nil)
			check(t, "properties", data, d.CPU.Count, d.RAMMebibytes)
		}
	})
}

func check(t *testing.T, what string, data []byte, cpus, ram int32) {
	t.Helper()
	if cpus < 0 || ram < 0 {
		t.Fatalf("negative hardware from %s %q: %d CPUs, %d MiB", what, data, cpus, ram)
	}
}
