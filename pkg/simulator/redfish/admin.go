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
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// adminPrefix is outside /redfish so that no Redfish client stumbles on it.
const adminPrefix = "/simulator/"

// serveAdmin lets tests and demos change systems at run time. It sees no
// faults: it is the operator's console, not the BMC.
func (sim *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if sim.cfg.DisableAdmin {
		http.NotFound(w, r)
		return
	}
	if tok := sim.cfg.AdminToken; tok != "" {
		got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			adminError(w, http.StatusUnauthorized, "bearer token required")
			return
		}
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, adminPrefix), "/"), "/")
	if segs[0] != "systems" {
		adminError(w, http.StatusNotFound, "not found")
		return
	}
	if len(segs) == 1 {
		if r.Method != http.MethodGet {
			adminError(w, http.StatusMethodNotAllowed, "GET only")
			return
		}
		states := make([]adminSystem, 0, len(sim.systems))
		for _, s := range sim.systems {
			states = append(states, sim.adminState(s))
		}
		writeJSON(w, http.StatusOK, states, "")
		return
	}
	s := sim.byID[segs[1]]
	if s == nil {
		adminError(w, http.StatusNotFound, "no system "+segs[1])
		return
	}
	switch {
	case len(segs) == 2 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, sim.adminState(s), "")
	case len(segs) == 3 && segs[2] == "faults":
		sim.adminFaults(w, r, s)
	case len(segs) == 3 && segs[2] == "power" && r.Method == http.MethodPost:
		var body struct{ PowerState PowerState }
		if err := readAdminJSON(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := s.SetPowerState(body.PowerState); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, sim.adminState(s), "")
	default:
		adminError(w, http.StatusNotFound, "not found")
	}
}

// adminSystem is a State with the addresses a human needs.
type adminSystem struct {
	State
	URL        string `json:"url"`
	BMCAddress string `json:"bmcAddress"`
}

func (sim *Simulator) adminState(s *System) adminSystem {
	return adminSystem{State: s.State(), URL: sim.SystemURL(s.id), BMCAddress: sim.BMCAddress(s.id)}
}

// adminFaults: PUT replaces, PATCH merges (fields absent keep their value),
// DELETE clears.
func (sim *Simulator) adminFaults(w http.ResponseWriter, r *http.Request, s *System) {
	var f Faults
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.Faults(), "")
		return
	case http.MethodDelete:
	case http.MethodPut, http.MethodPatch:
		if r.Method == http.MethodPatch {
			f = s.Faults()
		}
		if err := readAdminJSON(r, &f); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
	default:
		adminError(w, http.StatusMethodNotAllowed, "GET, PUT, PATCH or DELETE")
		return
	}
	if err := s.SetFaults(f); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.Faults(), "")
}

func readAdminJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func adminError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]string{"error": text}, "")
}
