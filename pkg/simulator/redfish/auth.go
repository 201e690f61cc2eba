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
	"crypto/sha256"
	"net/http"
	"time"
)

type credentials struct{ username, password string }

// accountKey identifies a pair of credentials by a digest, so that looking them up takes the
// same time whichever part is wrong and the index holds no password.
type accountKey [sha256.Size]byte

func (c credentials) key() accountKey { return keyOf(c.username, c.password) }

func keyOf(username, password string) accountKey {
	h := sha256.New()
	h.Write([]byte(username))
	h.Write([]byte{0})
	h.Write([]byte(password))
	var k accountKey
	copy(k[:], h.Sum(nil))
	return k
}

// account is what one pair of credentials opens: the systems, in configuration order, and
// the same as a set. A simulator serving thousands of systems with one account answers each
// request with a map lookup instead of a scan of every system.
type account struct {
	systems []*System
	set     map[*System]struct{}
}

func (a *account) add(s *System) {
	a.systems = append(a.systems, s)
	a.set[s] = struct{}{}
}

// indexAccounts groups the systems by their credentials; systems never change theirs.
func indexAccounts(systems []*System) map[accountKey]*account {
	idx := map[accountKey]*account{}
	for _, s := range systems {
		k := s.cred.key()
		a := idx[k]
		if a == nil {
			a = &account{set: map[*System]struct{}{}}
			idx[k] = a
		}
		a.add(s)
	}
	return idx
}

// principal is an authenticated caller and the systems it may see.
type principal struct {
	username string
	session  *session // nil for basic auth
	acct     *account
}

func (p *principal) grants(s *System) bool {
	if p == nil {
		return false
	}
	_, ok := p.acct.set[s]
	return ok
}

// systems lists, in configuration order, the systems the caller may see; callers must not
// modify it.
func (p *principal) systems() []*System {
	if p == nil {
		return nil
	}
	return p.acct.systems
}

// only is the single system the caller may see, if there is exactly one.
func (p *principal) only() *System {
	if p != nil && len(p.acct.systems) == 1 {
		return p.acct.systems[0]
	}
	return nil
}

// accountFor is what these credentials open, nil when they open nothing.
func (sim *Simulator) accountFor(username, password string) *account {
	return sim.accounts[keyOf(username, password)]
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
		return &principal{username: sess.username, session: sess, acct: sess.acct}, false
	}
	if user, pass, ok := r.BasicAuth(); ok {
		acct := sim.accountFor(user, pass)
		if acct == nil {
			return nil, true
		}
		return &principal{username: user, acct: acct}, false
	}
	return nil, false
}
