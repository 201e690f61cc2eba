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
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

type session struct {
	id       string
	token    string
	username string
	acct     *account
	created  time.Time
	lastUsed time.Time
}

// sessionStore holds the sessions of one simulator. Lock order: the store's
// lock may be held while taking a system's lock, never the other way round.
type sessionStore struct {
	mu      sync.Mutex
	timeout time.Duration
	next    int
	byID    map[string]*session
	byToken map[string]*session
	perSys  map[*System]int
}

func newSessionStore(timeout time.Duration) *sessionStore {
	return &sessionStore{timeout: timeout, byID: map[string]*session{}, byToken: map[string]*session{}, perSys: map[*System]int{}}
}

// sessionRefused says why a login failed: no matching credentials, or a
// system's limit.
type sessionRefused struct{ limitedBy *System }

func (ss *sessionStore) create(username string, acct *account, now time.Time) (*session, *sessionRefused) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	for _, s := range acct.systems {
		s.mu.Lock()
		limit := s.sessionLimit
		if s.faults.SessionLimit > 0 {
			limit = s.faults.SessionLimit
		}
		refuse := s.faults.RefuseSessions || (limit > 0 && ss.perSys[s] >= limit)
		if refuse {
			s.counters.SessionsRefused++
		}
		s.mu.Unlock()
		if refuse {
			return nil, &sessionRefused{limitedBy: s}
		}
	}
	ss.next++
	sess := &session{
		id:       strconv.Itoa(ss.next),
		token:    newToken(),
		username: username,
		acct:     acct,
		created:  now,
		lastUsed: now,
	}
	ss.byID[sess.id] = sess
	ss.byToken[sess.token] = sess
	for _, s := range acct.systems {
		ss.perSys[s]++
		n := int64(ss.perSys[s])
		s.mu.Lock()
		s.counters.SessionsCreated++
		s.counters.PeakSessions = max(s.counters.PeakSessions, n)
		s.mu.Unlock()
	}
	return sess, nil
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lookup finds a live session by token and marks it used.
func (ss *sessionStore) lookup(token string, now time.Time) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess := ss.byToken[token]
	if sess == nil {
		return nil
	}
	if now.Sub(sess.lastUsed) > ss.timeout {
		ss.removeLocked(sess, func(c *Counters) { c.SessionsExpired++ })
		return nil
	}
	sess.lastUsed = now
	return sess
}

func (ss *sessionStore) get(id string, now time.Time) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	return ss.byID[id]
}

func (ss *sessionStore) delete(id string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess := ss.byID[id]
	if sess == nil {
		return false
	}
	ss.removeLocked(sess, func(c *Counters) { c.SessionsDeleted++ })
	return true
}

// dropSystem ends every session granted s, as a BMC reboot does.
func (ss *sessionStore) dropSystem(s *System) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, sess := range ss.byID {
		if _, granted := sess.acct.set[s]; granted {
			ss.removeLocked(sess, func(c *Counters) { c.SessionsDeleted++ })
		}
	}
}

func (ss *sessionStore) visible(who *principal, now time.Time) []*session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	var out []*session
	for _, sess := range ss.byID {
		if sharesSystem(sess, who) {
			out = append(out, sess)
		}
	}
	slices.SortFunc(out, func(a, b *session) int { return a.created.Compare(b.created) })
	return out
}

func sharesSystem(sess *session, who *principal) bool {
	if who == nil {
		return false
	}
	if sess.acct == who.acct {
		return true
	}
	for _, s := range sess.acct.systems {
		if who.grants(s) {
			return true
		}
	}
	return false
}

func (ss *sessionStore) activeFor(s *System, now time.Time) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	return ss.perSys[s]
}

func (ss *sessionStore) active(now time.Time) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	return len(ss.byID)
}

func (ss *sessionStore) expireLocked(now time.Time) {
	for _, sess := range ss.byID {
		if now.Sub(sess.lastUsed) > ss.timeout {
			ss.removeLocked(sess, func(c *Counters) { c.SessionsExpired++ })
		}
	}
}

func (ss *sessionStore) removeLocked(sess *session, note func(*Counters)) {
	delete(ss.byID, sess.id)
	delete(ss.byToken, sess.token)
	for _, s := range sess.acct.systems {
		ss.perSys[s]--
		s.count(note)
	}
}

const sessionsPath = "/redfish/v1/SessionService/Sessions"

func (sess *session) object() obj {
	return obj{
		"@odata.id":   sessionsPath + "/" + sess.id,
		"@odata.type": "#Session.v1_3_0.Session",
		"Id":          sess.id,
		"Name":        "User Session " + sess.id,
		"UserName":    sess.username,
		"Password":    nil,
		"CreatedTime": redfishTime(sess.created),
		"SessionType": "Redfish",
	}
}

func (sim *Simulator) getSessionService(c *call) {
	c.resource(obj{
		"@odata.id":      "/redfish/v1/SessionService",
		"@odata.type":    "#SessionService.v1_1_8.SessionService",
		"Id":             "SessionService",
		"Name":           "Session Service",
		"ServiceEnabled": true,
		"SessionTimeout": int(sim.cfg.SessionTimeout / time.Second),
		"Status":         statusOK(),
		"Sessions":       link(sessionsPath),
	})
}

func (sim *Simulator) getSessions(c *call) {
	if c.who == nil {
		c.fail(http.StatusUnauthorized, msgNoValidSession())
		return
	}
	var members []string
	for _, sess := range sim.sessions.visible(c.who, c.now) {
		members = append(members, sessionsPath+"/"+sess.id)
	}
	c.resource(collection(sessionsPath, "SessionCollection", "Session Collection", members))
}

// postSession logs in. It is the one unauthenticated write; the credentials
// in the body decide which systems the session opens.
func (sim *Simulator) postSession(c *call) {
	var body struct {
		UserName *string
		Password *string
	}
	if !c.decode(&body) {
		return
	}
	if body.UserName == nil || body.Password == nil {
		c.fail(http.StatusBadRequest, msgActionParameterMissing("Session creation", "UserName and Password"))
		return
	}
	acct := sim.accountFor(*body.UserName, *body.Password)
	if acct == nil {
		if c.target != nil {
			c.target.count(func(cn *Counters) { cn.AuthFailures++ })
		}
		c.fail(http.StatusUnauthorized, msgNoValidSession())
		return
	}
	sess, refused := sim.sessions.create(*body.UserName, acct, c.now)
	if refused != nil {
		sim.log.Debug("session refused", "system", refused.limitedBy.id, "user", *body.UserName)
		c.fail(sim.cfg.SessionLimitStatus, msgSessionLimitExceeded())
		return
	}
	loc := sessionsPath + "/" + sess.id
	c.w.Header().Set("X-Auth-Token", sess.token)
	c.w.Header().Set("Location", loc)
	c.writeJSON(http.StatusCreated, sess.object())
}

func (sim *Simulator) visibleSession(c *call, id string) *session {
	sess := sim.sessions.get(id, c.now)
	if sess == nil || !sharesSystem(sess, c.who) {
		c.fail(http.StatusNotFound, msgResourceNotFound("Session", id))
		return nil
	}
	return sess
}

func (sim *Simulator) getSession(c *call, id string) {
	if sess := sim.visibleSession(c, id); sess != nil {
		c.resource(sess.object())
	}
}

func (sim *Simulator) deleteSession(c *call, id string) {
	if sess := sim.visibleSession(c, id); sess != nil {
		sim.sessions.delete(sess.id)
		c.noContent()
	}
}
