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
	"slices"
	"strings"
)

var (
	bootTargets  = []string{"None", "Pxe", "Cd", "Usb", "Hdd", "BiosSetup", "Utilities", "Diags", "UefiShell", "UefiHttp", "UefiTarget"}
	bootEnabled  = []string{"Disabled", "Once", "Continuous"}
	bootModes    = []string{"UEFI", "Legacy"}
	indicatorLED = []string{"Lit", "Blinking", "Off"}
	restorePols  = []string{"AlwaysOn", "AlwaysOff", "LastState"}
)

func (sim *Simulator) getSystems(c *call) {
	var members []string
	for _, s := range c.visibleSystems() {
		members = append(members, s.path)
	}
	c.resource(collection("/redfish/v1/Systems", "ComputerSystemCollection", "Computer System Collection", members))
}

func (s *System) getSystem(c *call) {
	s.lock()
	o := s.systemObject()
	s.mu.Unlock()
	c.resource(o)
}

func (s *System) systemObject() obj {
	if s.mockDoc != nil {
		return s.mockupSystemObject()
	}
	inv := s.inv
	boot := obj{
		"BootSourceOverrideTarget":                         s.boot.Target,
		"BootSourceOverrideEnabled":                        s.boot.Enabled,
		"BootSourceOverrideMode":                           s.boot.Mode,
		"BootSourceOverrideTarget@Redfish.AllowableValues": bootTargets,
		"BootSourceOverrideMode@Redfish.AllowableValues":   bootModes,
		"UefiTargetBootSourceOverride":                     s.boot.UefiTarget,
	}
	if s.boot.HTTPBootURI != "" {
		boot["HttpBootUri"] = s.boot.HTTPBootURI
	}
	bootState := "None"
	if s.power == PowerOn {
		bootState = "OSRunning"
	}
	return obj{
		"@odata.id":               s.path,
		"@odata.type":             "#ComputerSystem.v1_13_0.ComputerSystem",
		"Id":                      s.id,
		"Name":                    "System " + s.id,
		"Description":             "Simulated " + inv.Manufacturer + " " + inv.Model,
		"SystemType":              "Physical",
		"UUID":                    inv.UUID,
		"Manufacturer":            inv.Manufacturer,
		"Model":                   inv.Model,
		"SKU":                     inv.SKU,
		"SerialNumber":            inv.SerialNumber,
		"PartNumber":              inv.PartNumber,
		"AssetTag":                s.assetTag,
		"HostName":                s.hostName,
		"IndicatorLED":            s.indicatorLED,
		"LocationIndicatorActive": s.locationIndicator,
		"PowerState":              s.power,
		"PowerRestorePolicy":      s.restorePolicy,
		"LastResetTime":           redfishTime(s.lastReset),
		"BiosVersion":             s.firmwareVersion("BIOS"),
		"Status":                  statusOK(),
		"Boot":                    boot,
		"BootProgress":            obj{"LastState": bootState},
		"ProcessorSummary": obj{
			"Count":                 len(inv.Processors),
			"CoreCount":             inv.TotalCores(),
			"LogicalProcessorCount": inv.TotalThreads(),
			"Model":                 inv.Processors[0].Model,
			"ThreadingEnabled":      true,
			"Status":                statusOK(),
		},
		"MemorySummary": obj{
			"TotalSystemMemoryGiB": inv.TotalMemoryGiB(),
			"MemoryMirroring":      "None",
			"Status":               statusOK(),
		},
		"Processors":         link(s.path + "/Processors"),
		"Memory":             link(s.path + "/Memory"),
		"Storage":            link(s.path + "/Storage"),
		"SimpleStorage":      link(s.path + "/SimpleStorage"),
		"EthernetInterfaces": link(s.path + "/EthernetInterfaces"),
		"Bios":               link(s.path + "/Bios"),
		"VirtualMedia":       link(s.path + "/VirtualMedia"),
		"Links": obj{
			"Chassis":   links(s.chassisPath()),
			"ManagedBy": links(s.managerPath()),
		},
		"Actions": obj{
			"#ComputerSystem.Reset": obj{
				"target":                            s.path + "/Actions/ComputerSystem.Reset",
				"ResetType@Redfish.AllowableValues": resetTypes,
			},
		},
	}
}

// patchSystem writes the Boot override and the few asset properties real
// BMCs let clients write. Annotations (keys with '@') that clients echo back
// from a GET are ignored; anything else is an error, so that client bugs
// show up here rather than on real hardware.
func (s *System) patchSystem(c *call) {
	var body map[string]any
	if !c.decode(&body) {
		return
	}
	s.lock()
	defer s.mu.Unlock()
	if !c.checkIfMatch(s.systemObject()) {
		return
	}
	// Changes go to a copy so that a request with one bad property changes
	// nothing, as the spec asks.
	boot, assetTag, hostName := s.boot, s.assetTag, s.hostName
	led, policy, locator := s.indicatorLED, s.restorePolicy, s.locationIndicator
	var problems []message
	for k, v := range body {
		if strings.Contains(k, "@") {
			continue
		}
		switch k {
		case "Boot":
			m, ok := v.(map[string]any)
			if !ok {
				problems = append(problems, msgPropertyValueTypeError(fmt.Sprint(v), k))
				continue
			}
			problems = append(problems, patchBoot(&boot, m)...)
		case "AssetTag":
			problems = append(problems, setString(&assetTag, v, k)...)
		case "HostName":
			problems = append(problems, setString(&hostName, v, k)...)
		case "IndicatorLED":
			problems = append(problems, setEnum(&led, v, k, indicatorLED)...)
		case "PowerRestorePolicy":
			problems = append(problems, setEnum(&policy, v, k, restorePols)...)
		case "LocationIndicatorActive":
			b, ok := v.(bool)
			if !ok {
				problems = append(problems, msgPropertyValueTypeError(fmt.Sprint(v), k))
			}
			locator = b
		case "Id", "Name", "UUID", "PowerState", "SerialNumber", "Manufacturer", "Model", "SKU", "PartNumber",
			"BiosVersion", "Status", "ProcessorSummary", "MemorySummary", "SystemType", "Links", "Actions",
			"LastResetTime", "BootProgress", "Description":
			problems = append(problems, msgPropertyNotWritable(k))
		default:
			problems = append(problems, msgPropertyUnknown(k))
		}
	}
	if len(problems) > 0 {
		c.fail(http.StatusBadRequest, problems...)
		return
	}
	if _, ok := body["Boot"]; ok {
		s.counters.BootPatches++
	}
	s.boot, s.assetTag, s.hostName = boot, assetTag, hostName
	s.indicatorLED, s.restorePolicy, s.locationIndicator = led, policy, locator
	c.resource(s.systemObject())
}

// bootIgnored are Boot properties clients send back unchanged (gofish's
// SetBoot marshals the whole Boot object); accepting them keeps round trips
// working without pretending to implement boot order.
var bootIgnored = []string{"BootOrder", "BootNext", "AliasBootOrder", "BootOrderPropertySelection",
	"AutomaticRetryConfig", "AutomaticRetryAttempts", "RemainingAutomaticRetryAttempts",
	"StopBootOnFault", "TrustedModuleRequiredToBoot", "BootOptions", "Certificates"}

func patchBoot(b *BootOverride, m map[string]any) []message {
	var problems []message
	for k, v := range m {
		switch {
		case strings.Contains(k, "@"), slices.Contains(bootIgnored, k):
		case k == "BootSourceOverrideTarget":
			problems = append(problems, setEnum(&b.Target, v, "Boot/"+k, bootTargets)...)
		case k == "BootSourceOverrideEnabled":
			problems = append(problems, setEnum(&b.Enabled, v, "Boot/"+k, bootEnabled)...)
		case k == "BootSourceOverrideMode":
			problems = append(problems, setEnum(&b.Mode, v, "Boot/"+k, bootModes)...)
		case k == "UefiTargetBootSourceOverride" || k == "HttpBootUri":
			var str string
			if v != nil {
				var ok bool
				if str, ok = v.(string); !ok {
					problems = append(problems, msgPropertyValueTypeError(fmt.Sprint(v), "Boot/"+k))
					continue
				}
			}
			if k == "HttpBootUri" {
				b.HTTPBootURI = str
			} else {
				b.UefiTarget = str
			}
		default:
			problems = append(problems, msgPropertyUnknown("Boot/"+k))
		}
	}
	return problems
}

func setString(dst *string, v any, prop string) []message {
	str, ok := v.(string)
	if !ok {
		return []message{msgPropertyValueTypeError(fmt.Sprint(v), prop)}
	}
	*dst = str
	return nil
}

func setEnum(dst *string, v any, prop string, allowed []string) []message {
	str, ok := v.(string)
	if !ok {
		return []message{msgPropertyValueTypeError(fmt.Sprint(v), prop)}
	}
	if !slices.Contains(allowed, str) {
		return []message{msgPropertyValueNotInList(str, prop)}
	}
	*dst = str
	return nil
}

func (s *System) postReset(c *call) {
	const action = "ComputerSystem.Reset"
	var body struct{ ResetType *string }
	if !c.decode(&body) {
		return
	}
	if body.ResetType == nil {
		c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "ResetType"))
		return
	}
	allowed := resetTypes
	if s.mockDoc != nil {
		allowed = mockupResetTypes
	}
	if !slices.Contains(allowed, *body.ResetType) {
		c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(*body.ResetType, "ResetType", action))
		return
	}
	now := s.lock()
	done := s.resetLocked(*body.ResetType, now)
	var t *task
	if c.sim.cfg.AsyncActions {
		t = c.sim.tasks.start(s, "Reset "+*body.ResetType, c, now, done, nil)
	}
	s.mu.Unlock()
	if t != nil {
		c.accepted(t)
		return
	}
	c.noContent()
}
