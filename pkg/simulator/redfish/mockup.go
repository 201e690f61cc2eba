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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// mockup is a capture of a real BMC in the DMTF mockup layout (every URI a folder holding
// index.json; the folder given is /redfish/v1). The simulator serves it as that BMC would:
// its JSON as captured, except what a client changes — power, the boot override, virtual
// media and sessions — which is live state initialised from the capture.
type mockup struct {
	docs map[string][]byte // by cleaned URI, without a trailing slash
	// errors are the URIs whose capture is an error answer (the BMC listed a resource it
	// then did not serve): served again as an error, 404, the status being lost.
	errors map[string]bool
}

const mockupRoot = "/redfish/v1"

func loadMockup(dir string) (*mockup, error) {
	m := &mockup{docs: map[string][]byte{}, errors: map[string]bool{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != "index.json" {
			return nil
		}
		rel, err := filepath.Rel(dir, filepath.Dir(p))
		if err != nil {
			return err
		}
		uri := mockupRoot
		if rel != "." {
			for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
				if u, err := url.PathUnescape(seg); err == nil {
					seg = u
				}
				uri += "/" + seg
			}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m.docs[uri] = b
		var probe struct {
			Error *json.RawMessage `json:"error"`
			ID    string           `json:"@odata.id"`
		}
		if json.Unmarshal(b, &probe) == nil && probe.Error != nil && probe.ID == "" {
			m.errors[uri] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mockup %s: %w", dir, err)
	}
	if _, ok := m.docs[mockupRoot]; !ok {
		return nil, fmt.Errorf("mockup %s: no index.json for the service root (want the folder that answers /redfish/v1)", dir)
	}
	return m, nil
}

// object decodes the document at uri; nil when there is none or it is not an object.
func (m *mockup) object(uri string) obj {
	b, ok := m.docs[cleanURI(uri)]
	if !ok {
		return nil
	}
	var o obj
	if json.Unmarshal(b, &o) != nil {
		return nil
	}
	return o
}

// members are the @odata.id of a collection's members.
func (m *mockup) members(uri string) []string {
	var out []string
	if list, ok := m.object(uri)["Members"].([]any); ok {
		for _, v := range list {
			if id := odataID(v); id != "" {
				out = append(out, cleanURI(id))
			}
		}
	}
	return out
}

// systems are the capture's systems: the id of each and the live state it starts with.
func (m *mockup) systems() ([]mockupSystem, error) {
	var out []mockupSystem
	for _, p := range m.members(mockupRoot + "/Systems") {
		if path.Dir(p) != mockupRoot+"/Systems" {
			return nil, fmt.Errorf("system %s is not under %s/Systems", p, mockupRoot)
		}
		doc := m.object(p)
		if doc == nil {
			return nil, fmt.Errorf("system %s is listed but not captured", p)
		}
		ms := mockupSystem{id: path.Base(p), doc: doc, power: PowerOff}
		if ps, _ := doc["PowerState"].(string); ps == string(PowerOn) {
			ms.power = PowerOn
		}
		ms.boot = BootOverride{Target: "None", Enabled: "Disabled"}
		if b, ok := doc["Boot"].(map[string]any); ok {
			str := func(k string) string { s, _ := b[k].(string); return s }
			ms.boot = BootOverride{Target: str("BootSourceOverrideTarget"), Enabled: str("BootSourceOverrideEnabled"),
				Mode: str("BootSourceOverrideMode"), UefiTarget: str("UefiTargetBootSourceOverride"), HTTPBootURI: str("HttpBootUri")}
			if ms.boot.Target == "" {
				ms.boot.Target = "None"
			}
			if ms.boot.Enabled == "" {
				ms.boot.Enabled = "Disabled"
			}
		}
		// Virtual media sit under the system on newer BMCs and under its manager on older
		// ones (iLO 5, AMI, the DMTF tower); the capture says which.
		ms.mediaBase = cleanURI(odataID(doc["VirtualMedia"]))
		if ms.mediaBase == "" {
			if mgrs, ok := mapGet(doc, "Links", "ManagedBy").([]any); ok && len(mgrs) > 0 {
				ms.mediaBase = cleanURI(odataID(m.object(odataID(mgrs[0]))["VirtualMedia"]))
			}
		}
		for _, dp := range m.members(ms.mediaBase) {
			d := m.object(dp)
			if d == nil {
				continue
			}
			dev := &mediaDevice{id: path.Base(dp), doc: d}
			dev.name, _ = d["Name"].(string)
			for _, t := range asSlice(d["MediaTypes"]) {
				if s, ok := t.(string); ok {
					dev.types = append(dev.types, s)
				}
			}
			dev.inserted, _ = d["Inserted"].(bool)
			dev.writeProtected, _ = d["WriteProtected"].(bool)
			if img, _ := d["Image"].(string); img != "" && img != "None" {
				dev.image = img
			}
			ms.media = append(ms.media, dev)
		}
		out = append(out, ms)
	}
	if len(out) == 0 {
		return nil, errors.New("the capture lists no system under /redfish/v1/Systems")
	}
	return out, nil
}

// mockupSystem is what a captured system starts with.
type mockupSystem struct {
	id        string
	doc       obj
	power     PowerState
	boot      BootOverride
	mediaBase string
	media     []*mediaDevice
}

// mockupRoute resolves a URL of a mockup simulator: live state first (sessions, a system's
// resource, its reset action and virtual media, tasks, events), the capture for the rest.
func (sim *Simulator) mockupRoute(segs []string) (route, bool) {
	uri := mockupRoot
	if len(segs) > 0 {
		uri += "/" + strings.Join(segs, "/")
	}
	n := len(segs)
	switch {
	case n >= 1 && (segs[0] == "SessionService" || segs[0] == "TaskService" || segs[0] == "EventService"):
		return sim.route(segs)
	case n >= 2 && segs[0] == "Systems":
		if s := sim.byID[segs[1]]; s != nil {
			switch {
			case n == 2:
				return route{sys: s, get: s.getSystem, patch: s.patchSystem}, true
			case n == 4 && segs[2] == "Actions" && segs[3] == "ComputerSystem.Reset":
				return route{sys: s, post: s.postReset}, true
			}
		}
	}
	for _, s := range sim.systems {
		if s.mockMediaBase != "" && (uri == s.mockMediaBase || strings.HasPrefix(uri, s.mockMediaBase+"/")) {
			var rest []string
			if r := strings.TrimPrefix(uri[len(s.mockMediaBase):], "/"); r != "" {
				rest = strings.Split(r, "/")
			}
			return s.mediaRoute(s.mockMediaBase, rest)
		}
	}
	if b, ok := sim.mock.docs[uri]; ok {
		rt := route{get: func(c *call) { c.static(b) }}
		if sim.mock.errors[uri] {
			rt.get = func(c *call) { writeRaw(c.w, http.StatusNotFound, b, "") }
		}
		if n == 0 || (n == 1 && segs[0] == "odata") {
			rt.public = true
		}
		if n >= 2 && (segs[0] == "Systems" || segs[0] == "Managers") {
			rt.sys = sim.byID[segs[1]]
		}
		return rt, true
	}
	return route{}, false
}

// static answers with a captured document as it was captured.
func (c *call) static(b []byte) {
	etag := etagOf(b)
	if inm := c.r.Header.Get("If-None-Match"); inm != "" && inm == etag && c.r.Method == http.MethodGet {
		c.w.Header().Set("ETag", etag)
		c.w.WriteHeader(http.StatusNotModified)
		return
	}
	c.w.Header().Set("Allow", c.rt.allow())
	writeRaw(c.w, http.StatusOK, b, etag)
}

// mockupSystemObject is the captured system with its live power state and boot override.
func (s *System) mockupSystemObject() obj {
	o := deepCopy(s.mockDoc)
	o["PowerState"] = s.power
	boot, _ := o["Boot"].(map[string]any)
	if boot == nil {
		boot = obj{}
		o["Boot"] = boot
	}
	boot["BootSourceOverrideTarget"] = s.boot.Target
	boot["BootSourceOverrideEnabled"] = s.boot.Enabled
	if _, had := boot["BootSourceOverrideMode"]; had || s.boot.Mode != "" {
		boot["BootSourceOverrideMode"] = s.boot.Mode
	}
	if _, had := boot["UefiTargetBootSourceOverride"]; had || s.boot.UefiTarget != "" {
		boot["UefiTargetBootSourceOverride"] = s.boot.UefiTarget
	}
	if s.boot.HTTPBootURI != "" {
		boot["HttpBootUri"] = s.boot.HTTPBootURI
	}
	return o
}

// mockupMediaObject is a captured virtual media device with its live state.
func mockupMediaObject(m *mediaDevice) obj {
	o := deepCopy(m.doc)
	o["Image"] = nilIfEmpty(m.image)
	o["ImageName"] = nilIfEmpty(imageName(m.image))
	o["Inserted"] = m.inserted
	o["WriteProtected"] = m.writeProtected
	o["ConnectedVia"] = m.connectedVia()
	if m.transferMethod != "" {
		o["TransferMethod"] = m.transferMethod
	}
	if m.transferProtocol != "" {
		o["TransferProtocolType"] = m.transferProtocol
	}
	if m.userName != "" {
		o["UserName"] = m.userName
	}
	return o
}

func deepCopy(o obj) obj {
	var out obj
	b, _ := json.Marshal(o)
	_ = json.Unmarshal(b, &out)
	return out
}

func odataID(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["@odata.id"].(string)
	return s
}

func mapGet(o map[string]any, keys ...string) any {
	var v any = o
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func cleanURI(p string) string {
	if p == "" {
		return ""
	}
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	return path.Clean("/" + p)
}

// mockupResetTypes are reset types real BMCs offer beyond those of the generated systems.
var mockupResetTypes = slices.Concat(resetTypes, []string{"ForceOn", "PushPowerButton"})

// fromMockup makes s the captured system ms; a power state configured for it wins over the
// captured one.
func (s *System) fromMockup(ms mockupSystem, sc SystemConfig) {
	s.mockDoc = ms.doc
	s.mockMediaBase = ms.mediaBase
	s.media = ms.media
	s.boot = ms.boot
	s.power = ms.power
	if sc.PowerState != "" {
		s.power = sc.PowerState
	}
}
