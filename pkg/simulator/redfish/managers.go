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
	"slices"
)

var managerResetTypes = []string{"GracefulRestart", "ForceRestart"}

func (s *System) managerPath() string { return "/redfish/v1/Managers/" + s.id }
func (s *System) chassisPath() string { return "/redfish/v1/Chassis/" + s.id }

func (sim *Simulator) getManagers(c *call) {
	var members []string
	for _, s := range c.visibleSystems() {
		members = append(members, s.managerPath())
	}
	c.resource(collection("/redfish/v1/Managers", "ManagerCollection", "Manager Collection", members))
}

func (s *System) getManager(c *call) {
	now := s.lock()
	o := obj{
		"@odata.id":       s.managerPath(),
		"@odata.type":     "#Manager.v1_13_0.Manager",
		"Id":              s.id,
		"Name":            "Manager " + s.id,
		"ManagerType":     "BMC",
		"Manufacturer":    s.inv.Manufacturer,
		"Model":           s.inv.BMC.Model,
		"FirmwareVersion": s.firmwareVersion("BMC"),
		"UUID":            s.inv.UUID,
		"PowerState":      "On",
		"DateTime":        redfishTime(now),
		"LastResetTime":   redfishTime(s.bmcResetAt),
		"Status":          statusOK(),
		"VirtualMedia":    link(s.managerPath() + "/VirtualMedia"),
		"Links": obj{
			"ManagerForServers": links(s.path),
			"ManagerForChassis": links(s.chassisPath()),
		},
		"Actions": obj{
			"#Manager.Reset": obj{
				"target":                            s.managerPath() + "/Actions/Manager.Reset",
				"ResetType@Redfish.AllowableValues": managerResetTypes,
			},
		},
	}
	s.mu.Unlock()
	c.resource(o)
}

// postManagerReset reboots the BMC, which ends its sessions: clients must
// cope with their token going stale.
func (s *System) postManagerReset(c *call) {
	var body struct{ ResetType *string }
	if !c.decode(&body) {
		return
	}
	if body.ResetType != nil && !slices.Contains(managerResetTypes, *body.ResetType) {
		c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(*body.ResetType, "ResetType", "Manager.Reset"))
		return
	}
	c.sim.sessions.dropSystem(s)
	now := s.lock()
	s.bmcResetAt = now
	s.counters.ManagerResets++
	s.activateFirmware(true)
	s.mu.Unlock()
	c.noContent()
}

func (sim *Simulator) getChassisCollection(c *call) {
	var members []string
	for _, s := range c.visibleSystems() {
		members = append(members, s.chassisPath())
	}
	c.resource(collection("/redfish/v1/Chassis", "ChassisCollection", "Chassis Collection", members))
}

func (s *System) getChassis(c *call) {
	s.lock()
	power := s.power
	s.mu.Unlock()
	c.resource(obj{
		"@odata.id":    s.chassisPath(),
		"@odata.type":  "#Chassis.v1_17_0.Chassis",
		"Id":           s.id,
		"Name":         "Chassis " + s.id,
		"ChassisType":  "RackMount",
		"Manufacturer": s.inv.Manufacturer,
		"Model":        s.inv.Model,
		"SerialNumber": s.inv.SerialNumber,
		"PartNumber":   s.inv.PartNumber,
		"PowerState":   power,
		"Status":       statusOK(),
		"Links": obj{
			"ComputerSystems": links(s.path),
			"ManagedBy":       links(s.managerPath()),
		},
	})
}
