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
	"reflect"
	"regexp"
	"strconv"
	"testing"
)

func TestInventoryDeterministic(t *testing.T) {
	a, b := GenerateInventory(99, "17"), GenerateInventory(99, "17")
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed and id gave different inventories")
	}
	if reflect.DeepEqual(a, GenerateInventory(100, "17")) || reflect.DeepEqual(a, GenerateInventory(99, "18")) {
		t.Fatal("inventory ignores the seed or the id")
	}
	// A pinned value catches accidental changes to the generator, which
	// would silently change every recorded inventory.
	if got := GenerateInventory(1, "1"); got.UUID != pinnedUUID {
		t.Errorf("GenerateInventory(1, \"1\").UUID = %s, want %s (generator changed?)", got.UUID, pinnedUUID)
	}
}

const pinnedUUID = "7cc0e134-93ad-4e7d-b60e-112b34a8e39c"

var macPattern = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){5}$`)

func TestInventoryShape(t *testing.T) {
	seen := map[string]string{}
	vendors := map[string]bool{}
	for seed := int64(0); seed < 3; seed++ {
		for i := 1; i <= 300; i++ {
			id := strconv.Itoa(i)
			inv := GenerateInventory(seed, id)
			vendors[inv.Manufacturer] = true
			if n := len(inv.NICs); n < 4 || n > 8 {
				t.Fatalf("%d/%s: %d NICs", seed, id, n)
			}
			if n := len(inv.Disks); n < 4 || n > 12 {
				t.Fatalf("%d/%s: %d disks", seed, id, n)
			}
			if inv.TotalMemoryGiB() < 64 || inv.TotalThreads() < 32 || inv.Disks[0].CapacityBytes < 4<<30 {
				t.Fatalf("%d/%s: implausible %+v", seed, id, inv)
			}
			for _, n := range inv.NICs {
				if !macPattern.MatchString(n.MAC) {
					t.Fatalf("bad MAC %q", n.MAC)
				}
				key := fmt.Sprint(seed, n.MAC)
				if other, dup := seen[key]; dup {
					t.Fatalf("seed %d: MAC %s on %s and %s", seed, n.MAC, other, id)
				}
				seen[key] = id
			}
		}
	}
	if len(vendors) < 3 {
		t.Errorf("only %d vendors over 900 systems", len(vendors))
	}
	// Non-numeric ids take the hashed MAC path.
	if inv := GenerateInventory(1, "rack1-node7"); !macPattern.MatchString(inv.NICs[0].MAC) {
		t.Fatalf("MAC %q", inv.NICs[0].MAC)
	}
}

// TestServedInventoryDeterministic compares what two simulators with the
// same seed serve, resource by resource.
func TestServedInventoryDeterministic(t *testing.T) {
	cfg := Config{Count: 3, Seed: 1234}
	a, b := start(t, cfg, newFakeClock()), start(t, cfg, newFakeClock())
	c := start(t, Config{Count: 3, Seed: 4321}, newFakeClock())
	paths := []string{"/redfish/v1/", "/redfish/v1/Systems/3", "/redfish/v1/Systems/3/Bios", "/redfish/v1/Managers/3", "/redfish/v1/Chassis/3",
		"/redfish/v1/UpdateService/FirmwareInventory"}
	for _, coll := range []string{"Processors", "Memory", "EthernetInterfaces", "SimpleStorage", "Storage"} {
		_, _, body := raw(t, a, "GET", "/redfish/v1/Systems/3/"+coll, "admin", "password", "")
		for _, m := range body["Members"].([]any) {
			paths = append(paths, m.(map[string]any)["@odata.id"].(string))
		}
	}
	_, _, st := raw(t, a, "GET", "/redfish/v1/Systems/3/Storage/1", "admin", "password", "")
	for _, d := range st["Drives"].([]any) {
		paths = append(paths, d.(map[string]any)["@odata.id"].(string))
	}
	differs := 0
	for _, p := range paths {
		_, ha, ba := raw(t, a, "GET", p, "admin", "password", "")
		_, hb, bb := raw(t, b, "GET", p, "admin", "password", "")
		if !reflect.DeepEqual(ba, bb) || ha.Get("ETag") != hb.Get("ETag") {
			t.Errorf("%s differs between simulators with the same seed:\n%v\n%v", p, ba, bb)
		}
		if _, _, bc := raw(t, c, "GET", p, "admin", "password", ""); !reflect.DeepEqual(ba, bc) {
			differs++
		}
	}
	if differs == 0 {
		t.Error("another seed served the same inventory")
	}
}
