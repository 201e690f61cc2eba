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
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	updateServicePath = "/redfish/v1/UpdateService"
	firmwarePath      = updateServicePath + "/FirmwareInventory"
)

// initialFirmware lists a system's components. Ids carry the system id so
// that one service-wide inventory can hold every system's components.
func initialFirmware(id string, inv Inventory) []Firmware {
	fw := []Firmware{
		{ID: "BIOS-" + id, Name: "BIOS", Version: inv.BIOSVersion, Updateable: true},
		{ID: "BMC-" + id, Name: inv.BMC.Model + " firmware", Version: inv.BMC.FirmwareVersion, Updateable: true},
		{ID: "Storage-" + id, Name: inv.Controller.Name + " firmware", Version: inv.Controller.FirmwareVersion, Updateable: true},
	}
	seen := map[string]bool{}
	for _, n := range inv.NICs {
		if seen[n.Model] {
			continue
		}
		seen[n.Model] = true
		fw = append(fw, Firmware{ID: "NIC" + strconv.Itoa(len(seen)) + "-" + id, Name: n.Manufacturer + " " + n.Model, Version: n.FirmwareVersion, Updateable: true})
	}
	return append(fw, Firmware{ID: "CPLD-" + id, Name: "System CPLD", Version: "1.0.6", Updateable: false})
}

// bumpVersion increments the last number in v: what a firmware update
// installs, so that tests can see the version change.
func bumpVersion(v string) string {
	end := strings.LastIndexFunc(v, unicode.IsDigit)
	if end < 0 {
		return v + ".1"
	}
	start := end
	for start > 0 && unicode.IsDigit(rune(v[start-1])) {
		start--
	}
	n, _ := strconv.Atoi(v[start : end+1])
	next := strconv.Itoa(n + 1)
	if len(next) < end+1-start {
		next = strings.Repeat("0", end+1-start-len(next)) + next
	}
	return v[:start] + next + v[end+1:]
}

// firmwareOwner finds the system and index of a firmware id.
func (sim *Simulator) firmwareOwner(fid string) (*System, int) {
	for _, s := range sim.systems {
		if !strings.HasSuffix(fid, "-"+s.id) {
			continue
		}
		s.mu.Lock()
		i := slices.IndexFunc(s.firmware, func(f Firmware) bool { return f.ID == fid })
		s.mu.Unlock()
		if i >= 0 {
			return s, i
		}
	}
	return nil, -1
}

func (sim *Simulator) updateRoute(segs []string) (route, bool) {
	n := len(segs)
	switch {
	case n == 0:
		return route{get: sim.getUpdateService}, true
	case n == 1 && segs[0] == "FirmwareInventory":
		return route{get: sim.getFirmwareInventory}, true
	case n == 1 && segs[0] == "SoftwareInventory":
		// Host software (drivers, OS agents) is not simulated.
		return route{get: func(c *call) {
			c.resource(collection(updateServicePath+"/SoftwareInventory", "SoftwareInventoryCollection", "Software Inventory Collection", nil))
		}}, true
	case n == 2 && segs[0] == "FirmwareInventory":
		s, i := sim.firmwareOwner(segs[1])
		if s == nil {
			return route{}, false
		}
		return route{sys: s, get: func(c *call) { c.resource(s.locked(func() obj { return s.firmwareObject(i) })) }}, true
	case n == 2 && segs[0] == "Actions" && segs[1] == "UpdateService.SimpleUpdate":
		return route{post: sim.postSimpleUpdate}, true
	}
	return route{}, false
}

func (sim *Simulator) getUpdateService(c *call) {
	c.resource(obj{
		"@odata.id":         updateServicePath,
		"@odata.type":       "#UpdateService.v1_9_0.UpdateService",
		"Id":                "UpdateService",
		"Name":              "Update Service",
		"ServiceEnabled":    true,
		"Status":            statusOK(),
		"FirmwareInventory": link(firmwarePath),
		"SoftwareInventory": link(updateServicePath + "/SoftwareInventory"),
		"Actions": obj{
			"#UpdateService.SimpleUpdate": obj{
				"target": updateServicePath + "/Actions/UpdateService.SimpleUpdate",
				"TransferProtocol@Redfish.AllowableValues": []string{"HTTP", "HTTPS"},
			},
		},
	})
}

func (sim *Simulator) getFirmwareInventory(c *call) {
	var members []string
	for _, s := range c.visibleSystems() {
		for _, f := range s.Firmware() {
			members = append(members, firmwarePath+"/"+f.ID)
		}
	}
	c.resource(collection(firmwarePath, "SoftwareInventoryCollection", "Firmware Inventory Collection", members))
}

func (s *System) firmwareObject(i int) obj {
	f := s.firmware[i]
	return obj{
		"@odata.id":    firmwarePath + "/" + f.ID,
		"@odata.type":  "#SoftwareInventory.v1_5_0.SoftwareInventory",
		"Id":           f.ID,
		"Name":         f.Name,
		"Version":      f.Version,
		"Updateable":   f.Updateable,
		"Manufacturer": s.inv.Manufacturer,
		"SoftwareId":   strings.TrimSuffix(f.ID, "-"+s.id),
		"Status":       statusOK(),
		"RelatedItem":  links(s.path),
	}
}

// postSimpleUpdate installs an image on one system's components. Targets are
// firmware inventory, system or manager URIs; without targets, the BIOS of
// the only system the caller can see. The update always runs as a task.
func (sim *Simulator) postSimpleUpdate(c *call) {
	const action = "UpdateService.SimpleUpdate"
	var body struct {
		ImageURI         *string
		Targets          []string
		TransferProtocol *string
	}
	if !c.decode(&body) {
		return
	}
	if body.ImageURI == nil || *body.ImageURI == "" {
		c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "ImageURI"))
		return
	}
	var sys *System
	var ids []string
	targets := body.Targets
	if len(targets) == 0 {
		if only := c.who.only(); only != nil {
			targets = []string{only.path}
		} else {
			c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "Targets"))
			return
		}
	}
	for _, t := range targets {
		s, fid := sim.resolveUpdateTarget(strings.TrimSuffix(t, "/"))
		if s == nil || (sys != nil && s != sys) {
			c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(t, "Targets", action))
			return
		}
		if !c.who.grants(s) {
			c.fail(http.StatusForbidden, msgInsufficientPrivilege())
			return
		}
		sys = s
		ids = append(ids, fid)
	}

	now := sys.lock()
	for _, fid := range ids {
		i := slices.IndexFunc(sys.firmware, func(f Firmware) bool { return f.ID == fid })
		if !sys.firmware[i].Updateable {
			sys.mu.Unlock()
			c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(fid, "Targets", action))
			return
		}
	}
	t := sim.tasks.start(sys, "Firmware update", c, now, now.Add(sim.cfg.TaskDuration), func(time.Time) {
		for _, fid := range ids {
			i := slices.IndexFunc(sys.firmware, func(f Firmware) bool { return f.ID == fid })
			sys.firmware[i].Version = bumpVersion(sys.firmware[i].Version)
		}
		sys.counters.FirmwareUpdates++
	})
	sys.mu.Unlock()
	c.accepted(t)
}

// resolveUpdateTarget maps a target URI to a system and a firmware id.
func (sim *Simulator) resolveUpdateTarget(uri string) (*System, string) {
	if fid, ok := strings.CutPrefix(uri, firmwarePath+"/"); ok {
		if s, _ := sim.firmwareOwner(fid); s != nil {
			return s, fid
		}
		return nil, ""
	}
	for _, s := range sim.systems {
		switch uri {
		case s.path, s.path + "/Bios":
			return s, "BIOS-" + s.id
		case s.managerPath():
			return s, "BMC-" + s.id
		}
	}
	return nil, ""
}
