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
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
)

// obj is a JSON object; maps marshal with sorted keys, so bodies and their
// ETags are stable.
type obj = map[string]any

func link(p string) obj { return obj{"@odata.id": p} }

func links(paths ...string) []obj {
	out := make([]obj, 0, len(paths))
	for _, p := range paths {
		out = append(out, link(p))
	}
	return out
}

func collection(p, typ, name string, members []string) obj {
	return obj{
		"@odata.id":           p,
		"@odata.type":         "#" + typ + "." + typ,
		"Name":                name,
		"Members":             links(members...),
		"Members@odata.count": len(members),
	}
}

func statusOK() obj { return obj{"State": "Enabled", "Health": "OK", "HealthRollup": "OK"} }

func redfishTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

// maxBody bounds request bodies; Redfish payloads are tiny.
const maxBody = 1 << 20

// handlerFunc serves one method of one resource.
type handlerFunc func(c *call)

// route is a resolved URL: the system it belongs to and its methods.
type route struct {
	sys *System
	// public routes need no credentials; publicPOST makes only POST public
	// (the sessions collection).
	public     bool
	publicPOST bool
	get        handlerFunc
	post       handlerFunc
	patch      handlerFunc
	del        handlerFunc
}

func (rt route) allow() string {
	var m []string
	if rt.get != nil {
		m = append(m, "GET", "HEAD")
	}
	if rt.post != nil {
		m = append(m, "POST")
	}
	if rt.patch != nil {
		m = append(m, "PATCH")
	}
	if rt.del != nil {
		m = append(m, "DELETE")
	}
	return strings.Join(m, ", ")
}

func (rt route) handler(method string) handlerFunc {
	switch method {
	case http.MethodGet, http.MethodHead:
		return rt.get
	case http.MethodPost:
		return rt.post
	case http.MethodPatch:
		return rt.patch
	case http.MethodDelete:
		return rt.del
	}
	return nil
}

// call is one request being served.
type call struct {
	sim  *Simulator
	w    http.ResponseWriter
	r    *http.Request
	path string
	rt   route
	sys  *System // the system the URL belongs to, if any
	// target is the system whose faults and counters the request meets.
	target *System
	who    *principal
	body   []byte
	now    time.Time
}

// ServeHTTP serves the Redfish tree and the admin endpoint.
func (sim *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		sim.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
	}()
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		sim.serveAdmin(sw, r)
		return
	}
	sim.serveRedfish(sw, r)
}

func (sim *Simulator) serveRedfish(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	if p == "/redfish" {
		writeJSON(w, http.StatusOK, obj{"v1": "/redfish/v1/"}, "")
		return
	}
	if p != "/redfish/v1" && !strings.HasPrefix(p, "/redfish/v1/") {
		writeError(w, http.StatusNotFound, msgResourceNotFound("Resource", r.URL.Path))
		return
	}
	var segs []string
	if rest := strings.TrimPrefix(p, "/redfish/v1"); rest != "" {
		segs = strings.Split(strings.TrimPrefix(rest, "/"), "/")
	}

	now := sim.now()
	c := &call{sim: sim, w: w, r: r, path: p, now: now}
	route := sim.route
	if sim.mock != nil {
		route = sim.mockupRoute
	}
	rt, found := route(segs)
	c.rt, c.sys = rt, rt.sys
	var badCredentials bool
	c.who, badCredentials = sim.authenticate(r, now)

	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, msgMalformedJSON())
			return
		}
		c.body = b
	}

	// Faults belong to the BMC the request reaches: the URL's system, else
	// the only system the caller can see, else the only system there is.
	target := rt.sys
	if target == nil {
		target = c.who.only()
	}
	if target == nil && found && rt.publicPOST && r.Method == http.MethodPost {
		target = sim.loginTarget(c.body)
	}
	if target == nil && len(sim.systems) == 1 {
		target = sim.systems[0]
	}
	c.target = target
	if target != nil {
		target.count(func(cn *Counters) {
			cn.Requests++
			if c.who != nil && c.who.session == nil {
				cn.BasicAuth++
			}
			if badCredentials {
				cn.AuthFailures++
			}
		})
		if !target.injectFaults(w, r) {
			return
		}
	}

	// Public URLs ignore whatever credentials come along, so a client with a
	// stale token can still read the service root and log in again.
	public := rt.public || (rt.publicPOST && r.Method == http.MethodPost)
	if !public {
		if c.who == nil {
			c.fail(http.StatusUnauthorized, msgNoValidSession())
			return
		}
		if rt.sys != nil && !c.who.grants(rt.sys) {
			c.fail(http.StatusForbidden, msgInsufficientPrivilege())
			return
		}
	}
	if !found {
		c.fail(http.StatusNotFound, msgResourceNotFound("Resource", p))
		return
	}
	h := rt.handler(r.Method)
	if h == nil {
		w.Header().Set("Allow", rt.allow())
		c.fail(http.StatusMethodNotAllowed, msgMethodNotAllowed(r.Method))
		return
	}
	h(c)
}

// loginTarget attributes a login to a system when its credentials open
// exactly one, so that a single BMC's faults apply to logging in to it.
func (sim *Simulator) loginTarget(body []byte) *System {
	var creds struct{ UserName, Password string }
	if json.Unmarshal(body, &creds) != nil {
		return nil
	}
	if a := sim.accountFor(creds.UserName, creds.Password); a != nil && len(a.systems) == 1 {
		return a.systems[0]
	}
	return nil
}

// decode reads the JSON body into v; an empty body is an empty object
// because clients post actions without one (sushy's EjectMedia does).
func (c *call) decode(v any) bool {
	b := bytes.TrimSpace(c.body)
	if len(b) == 0 {
		return true
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.fail(http.StatusBadRequest, msgMalformedJSON())
		return false
	}
	return true
}

func (c *call) fail(status int, msgs ...message) {
	if status == http.StatusUnauthorized {
		c.w.Header().Set("WWW-Authenticate", `Basic realm="Redfish"`)
	}
	writeError(c.w, status, msgs...)
}

func (c *call) noContent() {
	c.w.Header().Set("OData-Version", "4.0")
	c.w.WriteHeader(http.StatusNoContent)
}

func (c *call) writeJSON(status int, v any) { writeJSON(c.w, status, v, "") }

// resource answers a GET (or a PATCH) with the resource, its ETag and Allow.
func (c *call) resource(o obj) {
	b := marshal(o)
	etag := etagOf(b)
	if inm := c.r.Header.Get("If-None-Match"); inm != "" && inm == etag && c.r.Method == http.MethodGet {
		c.w.Header().Set("ETag", etag)
		c.w.WriteHeader(http.StatusNotModified)
		return
	}
	c.w.Header().Set("Allow", c.rt.allow())
	writeRaw(c.w, http.StatusOK, b, etag)
}

// checkIfMatch enforces If-Match on writes when StrictETags is on. current
// renders the resource as a GET would.
func (c *call) checkIfMatch(current obj) bool {
	im := c.r.Header.Get("If-Match")
	if !c.sim.cfg.StrictETags || im == "" || im == "*" {
		return true
	}
	if im != etagOf(marshal(current)) {
		c.fail(http.StatusPreconditionFailed, msgPreconditionFailed())
		return false
	}
	return true
}

func marshal(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("redfish simulator: marshal: %v", err))
	}
	return b
}

func etagOf(b []byte) string {
	h := fnv.New64a()
	_, _ = h.Write(b)
	return fmt.Sprintf(`W/"%016x"`, h.Sum64())
}

func writeJSON(w http.ResponseWriter, status int, v any, etag string) {
	writeRaw(w, status, marshal(v), etag)
}

func writeRaw(w http.ResponseWriter, status int, b []byte, etag string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("Cache-Control", "no-cache")
	if etag != "" {
		h.Set("ETag", etag)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// statusWriter remembers the status for the request log; Unwrap keeps
// hijacking possible (through http.ResponseController) for reset faults.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
