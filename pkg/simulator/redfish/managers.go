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
		"@odata.id":          s.chassisPath(),
		"@odata.type":        "#Chassis.v1_17_0.Chassis",
		"Id":                 s.id,
		"Name":               "Chassis " + s.id,
		"ChassisType":        "RackMount",
		"Manufacturer":       s.inv.Manufacturer,
		"Model":              s.inv.Model,
		"SerialNumber":       s.inv.SerialNumber,
		"PartNumber":         s.inv.PartNumber,
		"PowerState":         power,
		"Status":             statusOK(),
		"Power":              link(s.chassisPath() + "/Power"),
		"EnvironmentMetrics": link(s.chassisPath() + "/EnvironmentMetrics"),
		"Links": obj{
			"ComputerSystems": links(s.path),
			"ManagedBy":       links(s.managerPath()),
		},
	})
}

// PowerDrawWatts is what the system draws now: a few watts of standby power when off, a
// steady load of its own when on (a number between 180 and 279 derived from its id, so
// that systems differ and runs repeat).
func (s *System) PowerDrawWatts() int {
	s.lock()
	defer s.mu.Unlock()
	return s.powerDrawLocked()
}

func (s *System) powerDrawLocked() int {
	if s.power != PowerOn {
		return 12
	}
	sum := 0
	for _, r := range s.id {
		sum = sum*31 + int(r)
	}
	if sum < 0 {
		sum = -sum
	}
	return 180 + sum%100
}

// getChassisPower is the older Power resource, which most BMCs still serve.
func (s *System) getChassisPower(c *call) {
	s.lock()
	watts := s.powerDrawLocked()
	s.mu.Unlock()
	p := s.chassisPath() + "/Power"
	c.resource(obj{
		"@odata.id":   p,
		"@odata.type": "#Power.v1_7_1.Power",
		"Id":          "Power",
		"Name":        "Power",
		"PowerControl": []obj{{
			"@odata.id":          p + "#/PowerControl/0",
			"MemberId":           "0",
			"Name":               "System Power Control",
			"PowerConsumedWatts": watts,
			"Status":             statusOK(),
		}},
	})
}

// getChassisEnvironmentMetrics is the newer place of the same reading.
func (s *System) getChassisEnvironmentMetrics(c *call) {
	s.lock()
	watts := s.powerDrawLocked()
	s.mu.Unlock()
	c.resource(obj{
		"@odata.id":   s.chassisPath() + "/EnvironmentMetrics",
		"@odata.type": "#EnvironmentMetrics.v1_3_0.EnvironmentMetrics",
		"Id":          "EnvironmentMetrics",
		"Name":        "Chassis Environment Metrics",
		"PowerWatts":  obj{"Reading": watts},
	})
}
