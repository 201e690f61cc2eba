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

// route resolves the path segments below /redfish/v1. Member ids are looked
// up here so that handlers receive what they serve and unknown ids are 404s.
func (sim *Simulator) route(segs []string) (route, bool) {
	n := len(segs)
	if n == 0 {
		return route{public: true, get: sim.getServiceRoot}, true
	}
	switch segs[0] {
	case "odata":
		if n == 1 {
			return route{public: true, get: sim.getODataDocument}, true
		}
	case "SessionService":
		switch {
		case n == 1:
			return route{get: sim.getSessionService}, true
		case n == 2 && segs[1] == "Sessions":
			return route{publicPOST: true, get: sim.getSessions, post: sim.postSession}, true
		case n == 3 && segs[1] == "Sessions":
			id := segs[2]
			return route{
				get: func(c *call) { sim.getSession(c, id) },
				del: func(c *call) { sim.deleteSession(c, id) },
			}, true
		}
	case "Systems":
		if n == 1 {
			return route{get: sim.getSystems}, true
		}
		if s := sim.byID[segs[1]]; s != nil {
			return s.route(segs[2:])
		}
	case "Managers":
		if n == 1 {
			return route{get: sim.getManagers}, true
		}
		if s := sim.byID[segs[1]]; s != nil {
			return s.managerRoute(segs[2:])
		}
	case "Chassis":
		if n == 1 {
			return route{get: sim.getChassisCollection}, true
		}
		if s := sim.byID[segs[1]]; s != nil {
			switch {
			case n == 2:
				return route{sys: s, get: s.getChassis}, true
			case n == 3 && segs[2] == "Power":
				return route{sys: s, get: s.getChassisPower}, true
			case n == 3 && segs[2] == "EnvironmentMetrics":
				return route{sys: s, get: s.getChassisEnvironmentMetrics}, true
			}
		}
	case "UpdateService":
		return sim.updateRoute(segs[1:])
	case "Registries":
		return sim.registriesRoute(segs[1:])
	case "TaskService":
		return sim.taskRoute(segs[1:])
	case "EventService":
		return sim.eventRoute(segs[1:])
	}
	return route{}, false
}

// route resolves the segments below /redfish/v1/Systems/{id}.
func (s *System) route(segs []string) (route, bool) {
	n := len(segs)
	if n == 0 {
		return route{sys: s, get: s.getSystem, patch: s.patchSystem}, true
	}
	switch segs[0] {
	case "Actions":
		if n == 2 && segs[1] == "ComputerSystem.Reset" {
			return route{sys: s, post: s.postReset}, true
		}
	case "Bios":
		return s.biosRoute(segs[1:])
	case "Processors", "Memory", "EthernetInterfaces", "SimpleStorage":
		return s.hardwareRoute(segs)
	case "Storage":
		return s.storageRoute(segs[1:])
	case "VirtualMedia":
		return s.mediaRoute(s.path+"/VirtualMedia", segs[1:])
	}
	return route{}, false
}

// managerRoute resolves the segments below /redfish/v1/Managers/{id}.
func (s *System) managerRoute(segs []string) (route, bool) {
	n := len(segs)
	switch {
	case n == 0:
		return route{sys: s, get: s.getManager}, true
	case n == 2 && segs[0] == "Actions" && segs[1] == "Manager.Reset":
		return route{sys: s, post: s.postManagerReset}, true
	case segs[0] == "VirtualMedia":
		return s.mediaRoute(s.managerPath()+"/VirtualMedia", segs[1:])
	}
	return route{}, false
}
