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

// The registries a client needs to understand this BMC's BIOS: the Registries collection, one
// MessageRegistryFile for the BIOS attribute registry, and the registry itself at the file's
// Location, as real BMCs lay them out (the file and the registry are separate resources).

const (
	biosRegistryID   = "BiosAttributeRegistry.v1_0_0"
	registriesPath   = "/redfish/v1/Registries"
	biosRegistryFile = registriesPath + "/" + biosRegistryID
	biosRegistryURI  = biosRegistryFile + "/" + biosRegistryID + ".json"
)

func (sim *Simulator) registriesRoute(segs []string) (route, bool) {
	switch {
	case len(segs) == 0:
		return route{get: sim.getRegistries}, true
	case len(segs) == 1 && segs[0] == biosRegistryID:
		return route{get: sim.getBIOSRegistryFile}, true
	case len(segs) == 2 && segs[0] == biosRegistryID && segs[1] == biosRegistryID+".json":
		return route{get: sim.getBIOSRegistry}, true
	}
	return route{}, false
}

func (sim *Simulator) getRegistries(c *call) {
	c.resource(obj{
		"@odata.id":           registriesPath,
		"@odata.type":         "#MessageRegistryFileCollection.MessageRegistryFileCollection",
		"Name":                "Registry File Collection",
		"Members":             []obj{link(biosRegistryFile)},
		"Members@odata.count": 1,
	})
}

func (sim *Simulator) getBIOSRegistryFile(c *call) {
	c.resource(obj{
		"@odata.id":   biosRegistryFile,
		"@odata.type": "#MessageRegistryFile.v1_1_3.MessageRegistryFile",
		"Id":          biosRegistryID,
		"Name":        "BIOS Attribute Registry File",
		"Registry":    biosRegistryID,
		"Languages":   []string{"en"},
		"Location":    []obj{{"Language": "en", "Uri": biosRegistryURI}},
	})
}

// getBIOSRegistry renders the attribute registry the BIOS resources name: every attribute's
// type, allowed values, bounds and lengths, from the same table that checks PATCHes.
func (sim *Simulator) getBIOSRegistry(c *call) {
	attrs := make([]obj, 0, len(biosRegistry))
	for _, a := range biosRegistry {
		e := obj{
			"AttributeName": a.name, "Type": a.kind, "DisplayName": a.name,
			"DefaultValue": a.def, "ReadOnly": false, "ResetRequired": true,
		}
		switch a.kind {
		case "Enumeration":
			values := make([]obj, 0, len(a.values))
			for _, v := range a.values {
				values = append(values, obj{"ValueName": v, "ValueDisplayName": v})
			}
			e["Value"] = values
		case "Integer":
			e["LowerBound"], e["UpperBound"] = a.min, a.max
		case "String":
			e["MinLength"], e["MaxLength"] = 0, a.max
		}
		attrs = append(attrs, e)
	}
	c.resource(obj{
		"@odata.id":       biosRegistryURI,
		"@odata.type":     "#AttributeRegistry.v1_3_0.AttributeRegistry",
		"Id":              biosRegistryID,
		"Name":            "BIOS Attribute Registry",
		"Language":        "en",
		"RegistryVersion": "1.0.0",
		"OwningEntity":    "metal3-community",
		"SupportedSystems": []obj{{
			"ProductName": "baremetal-apiserver BMC simulator", "SystemId": "SIM", "FirmwareVersion": "1.0.0",
		}},
		"RegistryEntries": obj{"Attributes": attrs},
	})
}
