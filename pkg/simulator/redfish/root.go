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

// getServiceRoot serves /redfish/v1/. Both Sessions links matter: gofish
// logs in through Links.Sessions only, sushy tries it first.
func (sim *Simulator) getServiceRoot(c *call) {
	c.resource(obj{
		"@odata.id":      "/redfish/v1/",
		"@odata.type":    "#ServiceRoot.v1_11_0.ServiceRoot",
		"Id":             "RootService",
		"Name":           "Root Service",
		"RedfishVersion": "1.15.0",
		"UUID":           sim.uuid,
		"Product":        "baremetal-apiserver BMC simulator",
		"Vendor":         "metal3-community",
		"Systems":        link("/redfish/v1/Systems"),
		"Chassis":        link("/redfish/v1/Chassis"),
		"Managers":       link("/redfish/v1/Managers"),
		"SessionService": link("/redfish/v1/SessionService"),
		"UpdateService":  link("/redfish/v1/UpdateService"),
		"Tasks":          link("/redfish/v1/TaskService"),
		"EventService":   link(eventServicePath),
		"Registries":     link(registriesPath),
		"Links":          obj{"Sessions": link(sessionsPath)},
		// Advertising no query support keeps clients from sending $expand.
		"ProtocolFeaturesSupported": obj{
			"ExcerptQuery":    false,
			"OnlyMemberQuery": false,
			"FilterQuery":     false,
			"SelectQuery":     false,
			"ExpandQuery":     obj{"ExpandAll": false, "Levels": false, "Links": false, "NoLinks": false},
		},
	})
}

func (sim *Simulator) getODataDocument(c *call) {
	services := []obj{}
	for _, name := range []string{"Systems", "Chassis", "Managers", "SessionService", "UpdateService", "TaskService", "EventService", "Registries"} {
		services = append(services, obj{"name": name, "kind": "Singleton", "url": "/redfish/v1/" + name})
	}
	c.writeJSON(200, obj{"@odata.context": "/redfish/v1/$metadata", "value": services})
}

// visibleSystems lists, in configuration order, the systems the caller may see.
func (c *call) visibleSystems() []*System {
	return c.who.systems()
}
