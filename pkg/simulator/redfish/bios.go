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
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
)

// biosAttribute is one entry of the simulated attribute registry.
type biosAttribute struct {
	name     string
	kind     string // Enumeration, String, Integer or Boolean
	values   []string
	def      any
	min, max int
}

var enabledDisabled = []string{"Enabled", "Disabled"}

// biosRegistry is a vendor-neutral set in the style of real BIOSes, with one
// attribute of every type so clients' type handling gets exercised.
var biosRegistry = []biosAttribute{
	{name: "BootMode", kind: "Enumeration", values: []string{"Uefi", "Bios"}, def: "Uefi"},
	{name: "SecureBoot", kind: "Enumeration", values: enabledDisabled, def: "Disabled"},
	{name: "ProcVirtualization", kind: "Enumeration", values: enabledDisabled, def: "Enabled"},
	{name: "LogicalProc", kind: "Enumeration", values: enabledDisabled, def: "Enabled"},
	{name: "ProcTurboMode", kind: "Enumeration", values: enabledDisabled, def: "Enabled"},
	{name: "SriovGlobalEnable", kind: "Enumeration", values: enabledDisabled, def: "Disabled"},
	{name: "WorkloadProfile", kind: "Enumeration", values: []string{"Balanced", "Performance", "PowerSaving"}, def: "Balanced"},
	{name: "EmbeddedSata", kind: "Enumeration", values: []string{"AhciMode", "RaidMode", "Off"}, def: "AhciMode"},
	{name: "PxeDev1EnDis", kind: "Enumeration", values: enabledDisabled, def: "Enabled"},
	{name: "PxeDev1Interface", kind: "String", def: "NIC1", max: 32},
	{name: "BootDelaySeconds", kind: "Integer", def: 0, min: 0, max: 60},
	{name: "QuietBoot", kind: "Boolean", def: true},
}

func defaultBIOS() map[string]any {
	m := make(map[string]any, len(biosRegistry))
	for _, a := range biosRegistry {
		m[a.name] = a.def
	}
	return m
}

// applyPendingBIOS is what firmware does at boot: defaults first if a reset
// to defaults is pending, then the staged settings, less those the
// IgnoreBIOSAttributes fault makes it drop.
func (s *System) applyPendingBIOS() {
	if !s.biosResetPending && len(s.pendingBIOS) == 0 {
		return
	}
	if s.biosResetPending {
		s.bios = defaultBIOS()
		s.biosResetPending = false
	}
	for _, name := range s.faults.IgnoreBIOSAttributes {
		if _, ok := s.pendingBIOS[name]; ok {
			delete(s.pendingBIOS, name)
			s.counters.BIOSIgnored++
		}
	}
	maps.Copy(s.bios, s.pendingBIOS)
	clear(s.pendingBIOS)
	s.counters.BIOSApplied++
}

func (s *System) biosRoute(segs []string) (route, bool) {
	n := len(segs)
	switch {
	case n == 0:
		return route{sys: s, get: func(c *call) { c.resource(s.locked(s.biosObject)) }}, true
	case n == 1 && segs[0] == "Settings":
		return route{sys: s, get: func(c *call) { c.resource(s.locked(s.biosSettingsObject)) }, patch: s.patchBIOSSettings}, true
	case n == 2 && segs[0] == "Actions" && segs[1] == "Bios.ResetBios":
		return route{sys: s, post: s.postResetBIOS}, true
	case n == 2 && segs[0] == "Actions" && segs[1] == "Bios.ChangePassword":
		return route{sys: s, post: func(c *call) { c.noContent() }}, true
	}
	return route{}, false
}

func (s *System) biosObject() obj {
	p := s.path + "/Bios"
	return obj{
		"@odata.id":                  p,
		"@odata.type":                "#Bios.v1_2_0.Bios",
		"Id":                         "BIOS",
		"Name":                       "BIOS Configuration Current Settings",
		"AttributeRegistry":          biosRegistryID,
		"Attributes":                 maps.Clone(s.bios),
		"ResetBiosToDefaultsPending": s.biosResetPending,
		"@Redfish.Settings": obj{
			"@odata.type":         "#Settings.v1_3_5.Settings",
			"SettingsObject":      link(p + "/Settings"),
			"SupportedApplyTimes": []string{"OnReset", "Immediate"},
		},
		"Actions": obj{
			"#Bios.ResetBios":      obj{"target": p + "/Actions/Bios.ResetBios"},
			"#Bios.ChangePassword": obj{"target": p + "/Actions/Bios.ChangePassword"},
		},
	}
}

// biosSettingsObject shows only the staged attributes, as most BMCs do;
// gofish and sushy both fall back to the current value for the rest.
func (s *System) biosSettingsObject() obj {
	return obj{
		"@odata.id":         s.path + "/Bios/Settings",
		"@odata.type":       "#Bios.v1_2_0.Bios",
		"Id":                "Settings",
		"Name":              "BIOS Configuration Pending Settings",
		"AttributeRegistry": biosRegistryID,
		"Attributes":        maps.Clone(s.pendingBIOS),
	}
}

func (s *System) patchBIOSSettings(c *call) {
	var body map[string]any
	if !c.decode(&body) {
		return
	}
	s.lock()
	defer s.mu.Unlock()
	if !c.checkIfMatch(s.biosSettingsObject()) {
		return
	}
	staged := map[string]any{}
	immediate := false
	var problems []message
	for k, v := range body {
		switch {
		case k == "Attributes":
			attrs, ok := v.(map[string]any)
			if !ok {
				problems = append(problems, msgPropertyValueTypeError(fmt.Sprint(v), k))
				continue
			}
			for name, val := range attrs {
				norm, m := validateBIOSAttribute(name, val)
				if m != nil {
					problems = append(problems, *m)
					continue
				}
				staged[name] = norm
			}
		case k == "@Redfish.SettingsApplyTime":
			at, _ := v.(map[string]any)
			switch at["ApplyTime"] {
			case nil, "OnReset":
			case "Immediate":
				immediate = true
			default:
				problems = append(problems, msgPropertyValueNotInList(fmt.Sprint(at["ApplyTime"]), "@Redfish.SettingsApplyTime/ApplyTime"))
			}
		case strings.Contains(k, "@"):
		default:
			problems = append(problems, msgPropertyUnknown(k))
		}
	}
	if len(problems) > 0 {
		c.fail(http.StatusBadRequest, problems...)
		return
	}
	maps.Copy(s.pendingBIOS, staged)
	if immediate {
		s.applyPendingBIOS()
	}
	c.resource(s.biosSettingsObject())
}

func validateBIOSAttribute(name string, v any) (any, *message) {
	i := slices.IndexFunc(biosRegistry, func(a biosAttribute) bool { return a.name == name })
	if i < 0 {
		m := msgPropertyUnknown("Attributes/" + name)
		return nil, &m
	}
	a := biosRegistry[i]
	prop := "Attributes/" + name
	typeErr := func() (any, *message) {
		m := msgPropertyValueTypeError(fmt.Sprint(v), prop)
		return nil, &m
	}
	switch a.kind {
	case "Enumeration":
		str, ok := v.(string)
		if !ok {
			return typeErr()
		}
		if !slices.Contains(a.values, str) {
			m := msgPropertyValueNotInList(str, prop)
			return nil, &m
		}
		return str, nil
	case "String":
		str, ok := v.(string)
		if !ok {
			return typeErr()
		}
		if len(str) > a.max {
			m := msgPropertyValueNotInList(str, prop)
			return nil, &m
		}
		return str, nil
	case "Integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return typeErr()
		}
		if int(f) < a.min || int(f) > a.max {
			m := msgPropertyValueNotInList(fmt.Sprint(v), prop)
			return nil, &m
		}
		return int(f), nil
	case "Boolean":
		b, ok := v.(bool)
		if !ok {
			return typeErr()
		}
		return b, nil
	}
	return typeErr()
}

func (s *System) postResetBIOS(c *call) {
	s.lock()
	s.biosResetPending = true
	s.mu.Unlock()
	c.noContent()
}
