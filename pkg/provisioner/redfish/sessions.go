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
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// A BMC allows a handful of sessions (often 4 to 16) shared by every tool that talks to it,
// and keeps a session open for its idle timeout when a client forgets to log out. So the
// backend logs in once per BMC endpoint and user and reuses that session for every host
// behind it and every call, logs in again only when the BMC answers 401, and logs out as soon
// as no host uses the session any more (Delete, Detach, changed credentials, idle).

// sessionKey identifies one session. The password is in it as a keyed hash, so that a
// changed password means another session and the key itself holds no secret.
type sessionKey struct {
	endpoint string
	username string
	password [sha256.Size]byte
	insecure bool
}

// sessionCache holds the sessions and which host uses which.
type sessionCache struct {
	cfg  Config
	now  func() time.Time
	salt [32]byte

	mu        sync.Mutex
	byKey     map[sessionKey]*session
	byHost    map[string]sessionKey // namespace/name -> the key the host used last
	lastSweep time.Time
	closed    bool
}

func newSessionCache(cfg Config, now func() time.Time) *sessionCache {
	c := &sessionCache{cfg: cfg, now: now, byKey: map[sessionKey]*session{}, byHost: map[string]sessionKey{}}
	_, _ = rand.Read(c.salt[:])
	return c
}

func hostKey(h provisioner.Host) string { return h.Namespace + "/" + h.Name }

func (c *sessionCache) keyOf(h provisioner.Host) sessionKey {
	mac := hmac.New(sha256.New, c.salt[:])
	mac.Write([]byte(h.Credentials.Password))
	k := sessionKey{endpoint: h.BMC.Endpoint(), username: h.Credentials.Username, insecure: h.DisableCertificateVerification}
	copy(k.password[:], mac.Sum(nil))
	return k
}

// acquire returns the session of the host's BMC and credentials, recording that the host
// uses it. A host that used another session before (its credentials changed) leaves it, and
// a session left by every host is logged out.
func (c *sessionCache) acquire(ctx context.Context, h provisioner.Host) (*session, error) {
	key := c.keyOf(h)
	hk := hostKey(h)
	now := c.now()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	s := c.byKey[key]
	if s == nil {
		s = &session{
			cfg: c.cfg, now: c.now,
			endpoint: key.endpoint, username: h.Credentials.Username, password: h.Credentials.Password,
			http:  newHTTPClient(c.cfg, h.DisableCertificateVerification),
			users: map[string]struct{}{},
		}
		c.byKey[key] = s
	}
	var unused []*session
	if old, ok := c.byHost[hk]; ok && old != key {
		unused = append(unused, c.leaveLocked(hk, old)...)
	}
	c.byHost[hk] = key
	s.users[hk] = struct{}{}
	s.lastUsed = now
	unused = append(unused, c.sweepLocked(now)...)
	c.mu.Unlock()
	logoutAll(ctx, unused)
	return s, nil
}

// forget records that the host no longer uses any session, logging out a session it was
// the last user of.
func (c *sessionCache) forget(ctx context.Context, h provisioner.Host) {
	hk := hostKey(h)
	c.mu.Lock()
	var unused []*session
	if key, ok := c.byHost[hk]; ok {
		unused = c.leaveLocked(hk, key)
		delete(c.byHost, hk)
	}
	c.mu.Unlock()
	logoutAll(ctx, unused)
}

// leaveLocked removes a host from a session's users and returns the session if it has no
// user left, removed from the cache; the caller logs it out without holding c.mu.
func (c *sessionCache) leaveLocked(hk string, key sessionKey) []*session {
	s := c.byKey[key]
	if s == nil {
		return nil
	}
	delete(s.users, hk)
	if len(s.users) > 0 {
		return nil
	}
	delete(c.byKey, key)
	return []*session{s}
}

// sweepLocked removes sessions idle for IdleSessionTimeout (at most once a minute): hosts
// that went away without Delete or Detach, e.g. while the server was down.
func (c *sessionCache) sweepLocked(now time.Time) []*session {
	if now.Sub(c.lastSweep) < time.Minute {
		return nil
	}
	c.lastSweep = now
	var idle []*session
	for key, s := range c.byKey {
		if now.Sub(s.lastUsed) < c.cfg.IdleSessionTimeout {
			continue
		}
		for hk := range s.users {
			if c.byHost[hk] == key {
				delete(c.byHost, hk)
			}
		}
		delete(c.byKey, key)
		idle = append(idle, s)
	}
	return idle
}

// close logs out every session and refuses new ones.
func (c *sessionCache) close(ctx context.Context) {
	c.mu.Lock()
	c.closed = true
	var all []*session
	for _, s := range c.byKey {
		all = append(all, s)
	}
	c.byKey, c.byHost = map[sessionKey]*session{}, map[string]sessionKey{}
	c.mu.Unlock()
	logoutAll(ctx, all)
}

// loggedIn counts sessions currently logged in (with a session or basic auth).
func (c *sessionCache) loggedIn() int {
	c.mu.Lock()
	all := make([]*session, 0, len(c.byKey))
	for _, s := range c.byKey {
		all = append(all, s)
	}
	c.mu.Unlock()
	n := 0
	for _, s := range all {
		if s.active() {
			n++
		}
	}
	return n
}

func logoutAll(ctx context.Context, sessions []*session) {
	for _, s := range sessions {
		s.retire(ctx)
	}
}

// errRetired tells a caller that raced with a logout to take a fresh session from the cache.
var errRetired = errors.New("BMC session was retired")

// session is one login to one BMC. mu serialises login and logout, so that concurrent calls
// for hosts behind the same BMC wait for one login instead of each opening a session.
type session struct {
	cfg                          Config
	now                          func() time.Time
	endpoint, username, password string
	http                         *http.Client

	// users and lastUsed are guarded by the cache's mutex.
	users    map[string]struct{}
	lastUsed time.Time

	mu      sync.Mutex
	client  *gofish.APIClient // nil until logged in
	gen     uint64            // counts logins, so that a 401 seen by many callers logs in once
	basic   bool              // the BMC refused a session: basic auth on every request
	basicAt time.Time
	retired bool
}

// clientFor returns the logged-in client bound to ctx, logging in first if needed, and the
// login generation to pass to relogin.
func (s *session) clientFor(ctx context.Context) (*gofish.APIClient, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retired {
		return nil, 0, errRetired
	}
	if s.client != nil && s.basic && s.now().Sub(s.basicAt) >= s.cfg.SessionRetryInterval {
		// Try a session again: basic auth makes the BMC check the password on every
		// request, which is slow on many BMCs.
		s.logoutLocked(ctx)
	}
	if s.client == nil {
		if err := s.loginLocked(ctx); err != nil {
			return nil, 0, err
		}
	}
	return s.client.WithContext(ctx), s.gen, nil
}

// relogin logs in again after a 401 seen with the client of generation gen, unless another
// caller did already.
func (s *session) relogin(ctx context.Context, gen uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retired {
		return errRetired
	}
	if s.gen != gen && s.client != nil {
		return nil
	}
	klog.FromContext(ctx).V(2).Info("BMC session no longer valid; logging in again", "bmc", s.endpoint, "username", s.username)
	// The old session is most likely gone, but a BMC that answered 401 for another reason
	// would keep it until its timeout: try to end it.
	s.logoutLocked(ctx)
	return s.loginLocked(ctx)
}

// retire logs out for good.
func (s *session) retire(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retired = true
	s.logoutLocked(ctx)
	s.http.CloseIdleConnections()
}

func (s *session) active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client != nil
}

func (s *session) clientConfig() gofish.ClientConfig {
	return gofish.ClientConfig{
		Endpoint:              s.endpoint,
		HTTPClient:            s.http,
		NoModifyTransport:     true,
		ReuseConnections:      true,
		MaxConcurrentRequests: int64(s.cfg.MaxRequestsPerBMC),
	}
}

// loginLocked opens a session, or falls back to basic authentication when the BMC refuses
// sessions (limit reached by other clients, no session service) but accepts the
// credentials.
func (s *session) loginLocked(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	anon, err := gofish.ConnectContext(ctx, s.clientConfig())
	if err != nil {
		return fmt.Errorf("reading the service root: %w", err)
	}
	token, err := anon.Service.CreateSession(s.username, s.password)
	switch status := statusOf(err); {
	case err == nil && token.Token != "":
		cfg := s.clientConfig()
		cfg.Session = &gofish.Session{ID: token.Session, Token: token.Token}
		client, err := gofish.ConnectContext(ctx, cfg)
		if err != nil {
			// Do not leave the new session behind.
			resp, derr := anon.DeleteWithHeaders(token.Session, map[string]string{"X-Auth-Token": token.Token})
			schemas.DeferredCleanupHTTPResponse(resp)
			if derr != nil {
				logger.V(2).Info("Could not log out of a BMC session", "bmc", s.endpoint, "err", s.scrub(describe(derr)))
			}
			return err
		}
		s.client, s.basic = client, false
		logger.V(2).Info("Logged in to BMC", "bmc", s.endpoint, "username", s.username)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &credentialsError{endpoint: s.endpoint, username: s.username, status: status}
	case err != nil && status == 0:
		return fmt.Errorf("logging in: %w", err)
	default:
		reason := "no session token in the answer"
		if err != nil {
			// The answer to the request that carried the password: a BMC may quote it.
			reason = s.scrub(describe(err))
		}
		if err := s.loginBasicLocked(ctx); err != nil {
			return err
		}
		logger.Info("BMC refused a session; using basic authentication", "bmc", s.endpoint, "reason", reason,
			"retryAfter", s.cfg.SessionRetryInterval)
	}
	s.gen++
	return nil
}

func (s *session) loginBasicLocked(ctx context.Context) error {
	cfg := s.clientConfig()
	cfg.Username, cfg.Password, cfg.BasicAuth = s.username, s.password, true
	client, err := gofish.ConnectContext(ctx, cfg)
	if err != nil {
		return fmt.Errorf("reading the service root: %w", err)
	}
	// Basic auth is checked per request: read something that needs it. /redfish/v1/Systems
	// is a fixed URI in the Redfish specification.
	if _, err := schemas.GetCollection(client, "/redfish/v1/Systems"); err != nil {
		if s := statusOf(err); s == http.StatusUnauthorized || s == http.StatusForbidden {
			return &credentialsError{endpoint: cfg.Endpoint, username: cfg.Username, status: s}
		}
		return fmt.Errorf("logging in with basic authentication: %w", err)
	}
	s.client, s.basic, s.basicAt = client, true, s.now()
	return nil
}

// logoutLocked ends the session on the BMC (best effort, bounded) and forgets the client.
func (s *session) logoutLocked(ctx context.Context) {
	if s.client == nil {
		return
	}
	client := s.client
	s.client = nil
	s.gen++
	if s.basic {
		return
	}
	sess, err := client.GetSession()
	if err != nil {
		return
	}
	// A logout must happen even when the caller's context is done (a cancelled request, a
	// stopping server), but not take longer than one request.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RequestTimeout)
	defer cancel()
	resp, err := client.WithContext(lctx).Delete(sess.ID)
	schemas.DeferredCleanupHTTPResponse(resp)
	logger := klog.FromContext(ctx)
	if err != nil && !isStatus(err, http.StatusUnauthorized) && !isStatus(err, http.StatusNotFound) {
		logger.Info("Could not log out of BMC session; it ends at the BMC's session timeout", "bmc", s.endpoint, "err", s.scrub(describe(err)))
		return
	}
	logger.V(2).Info("Logged out of BMC", "bmc", s.endpoint, "username", s.username)
}

// scrub removes the password from a BMC's words before they are logged; errors returned go
// through provisioner.Scrub at the backend's boundary instead (see finish).
func (s *session) scrub(msg string) string { return provisioner.ScrubMessage(msg, s.password) }
