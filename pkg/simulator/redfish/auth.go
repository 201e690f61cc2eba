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
	"net/http"
	"slices"
	"time"
)

type credentials struct{ username, password string }

// match compares in constant time so that the simulator does not teach
// clients bad habits through timing.
func (c credentials) match(username, password string) bool {
	u := subtle.ConstantTimeCompare([]byte(c.username), []byte(username))
	p := subtle.ConstantTimeCompare([]byte(c.password), []byte(password))
	return u&p == 1
}

// principal is an authenticated caller and the systems it may see.
type principal struct {
	username string
	session  *session // nil for basic auth
	systems  []*System
}

func (p *principal) grants(s *System) bool {
	return p != nil && slices.Contains(p.systems, s)
}

// only is the single system the caller may see, if there is exactly one.
func (p *principal) only() *System {
	if p != nil && len(p.systems) == 1 {
		return p.systems[0]
	}
	return nil
}

// systemsFor lists, in configuration order, the systems these credentials open.
func (sim *Simulator) systemsFor(username, password string) []*System {
	var out []*System
	for _, s := range sim.systems {
		if s.cred.match(username, password) {
			out = append(out, s)
		}
	}
	return out
}

// authenticate identifies the caller. A token wins over basic credentials, as
// in sushy's and gofish's use. bad reports credentials that were offered but
// are wrong, which is a 401 even on public URLs' neighbours.
func (sim *Simulator) authenticate(r *http.Request, now time.Time) (who *principal, bad bool) {
	if token := r.Header.Get("X-Auth-Token"); token != "" {
		sess := sim.sessions.lookup(token, now)
		if sess == nil {
			return nil, true
		}
		return &principal{username: sess.username, session: sess, systems: sess.systems}, false
	}
	if user, pass, ok := r.BasicAuth(); ok {
		systems := sim.systemsFor(user, pass)
		if len(systems) == 0 {
			return nil, true
		}
		return &principal{username: user, systems: systems}, false
	}
	return nil, false
}
