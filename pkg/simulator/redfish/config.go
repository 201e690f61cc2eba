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
	"log/slog"
	"net"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Config describes one simulator. The zero value serves one system, "1", on a
// free loopback port over plain HTTP with the credentials admin/password.
type Config struct {
	// Listen is the TCP address to listen on; default 127.0.0.1:0.
	Listen string `json:"listen,omitempty"`
	// Count is how many systems to serve, with ids "1".."Count". Systems
	// entries with other ids are served in addition. Zero with no Systems
	// means one system.
	Count int `json:"count,omitempty"`
	// Seed makes inventories, serial numbers, UUIDs and MACs reproducible.
	Seed int64 `json:"seed,omitempty"`
	// Username and Password are the credentials of every system that does not
	// set its own; defaults admin/password.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// TLS serves HTTPS with a self-signed certificate generated in memory.
	TLS bool `json:"tls,omitempty"`
	// PowerDelay is how long a system stays PoweringOn or PoweringOff; a
	// restart takes twice as long. Zero switches power at once.
	PowerDelay time.Duration `json:"powerDelay,omitempty"`
	// TaskDuration is how long asynchronous actions other than power (virtual
	// media with AsyncActions, firmware updates) run before they complete. A
	// firmware update also waits for its image download, whichever is longer.
	TaskDuration time.Duration `json:"taskDuration,omitempty"`
	// UpdateDownloadTimeout bounds the download of a firmware image (an HTTP
	// GET of SimpleUpdate's ImageURI, made by the simulator's process like a
	// BMC makes it); default 2 minutes. A download that takes longer ends the
	// update task with an exception.
	UpdateDownloadTimeout time.Duration `json:"updateDownloadTimeout,omitempty"`
	// UpdateMaxImageSize bounds a firmware image in bytes; default 1 GiB. The
	// image is read and discarded, never kept.
	UpdateMaxImageSize int64 `json:"updateMaxImageSize,omitempty"`
	// AsyncActions makes ComputerSystem.Reset, InsertMedia and EjectMedia
	// answer 202 with a task monitor instead of 204, as some BMCs do.
	AsyncActions bool `json:"asyncActions,omitempty"`
	// SessionLimit caps the sessions of each system; zero means no limit.
	SessionLimit int `json:"sessionLimit,omitempty"`
	// SessionLimitStatus is the HTTP status of a refused login; default 503.
	// Some BMCs answer 400 instead.
	SessionLimitStatus int `json:"sessionLimitStatus,omitempty"`
	// SessionTimeout ends sessions idle for that long; default 30 minutes.
	SessionTimeout time.Duration `json:"sessionTimeout,omitempty"`
	// StrictETags rejects a PATCH whose If-Match does not match the current
	// ETag with 412, as strict BMCs do. Off by default because most do not.
	StrictETags bool `json:"strictETags,omitempty"`
	// MaxEventSubscriptions caps the event subscriptions of the service;
	// default 20 (as OpenBMC's bmcweb). A POST beyond it is refused with 503
	// EventSubscriptionLimitExceeded.
	MaxEventSubscriptions int `json:"maxEventSubscriptions,omitempty"`
	// EventTimeout bounds one attempt to post an event to a subscriber;
	// default 10 seconds.
	EventTimeout time.Duration `json:"eventTimeout,omitempty"`
	// EventRetryInterval is the wait between attempts to deliver an event
	// that failed (a connection error or a non-2xx answer); default 1 second.
	// An event is tried 1+DeliveryRetryAttempts (3) times.
	EventRetryInterval time.Duration `json:"eventRetryInterval,omitempty"`
	// AdminToken, when set, is required as a bearer token on /simulator/.
	AdminToken string `json:"adminToken,omitempty"`
	// DisableAdmin removes the /simulator/ endpoint.
	DisableAdmin bool `json:"disableAdmin,omitempty"`
	// Mockup is a folder holding a capture of a real BMC in the DMTF mockup layout (the
	// folder that answers /redfish/v1). The simulator then serves that BMC: the capture's
	// systems instead of generated ones, its JSON as captured, with power, the boot
	// override, virtual media, sessions, tasks and events simulated on top (initialised
	// from the capture). Count must be zero; Systems may configure the capture's ids.
	Mockup string `json:"mockup,omitempty"`
	// Systems configures individual systems by id.
	Systems []SystemConfig `json:"systems,omitempty"`
	// Logger receives one debug line per request and lifecycle messages;
	// nil discards them. Credentials are never logged.
	Logger *slog.Logger `json:"-"`
}

// SystemConfig configures one system. Zero fields inherit from Config.
type SystemConfig struct {
	ID           string        `json:"id"`
	Username     string        `json:"username,omitempty"`
	Password     string        `json:"password,omitempty"`
	PowerDelay   time.Duration `json:"powerDelay,omitempty"`
	SessionLimit int           `json:"sessionLimit,omitempty"`
	// PowerState is the state at start, On or Off (default).
	PowerState PowerState `json:"powerState,omitempty"`
	Faults     Faults     `json:"faults,omitempty"`
}

const (
	defaultListen         = "127.0.0.1:0"
	defaultUsername       = "admin"
	defaultPassword       = "password"
	defaultSessionTimeout = 30 * time.Minute

	defaultUpdateDownloadTimeout = 2 * time.Minute
	defaultUpdateMaxImageSize    = 1 << 30

	defaultMaxEventSubscriptions = 20
	defaultEventTimeout          = 10 * time.Second
	defaultEventRetryInterval    = time.Second
)

// idPattern keeps ids usable as a single URL path segment without escaping.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ParseConfig reads a JSON configuration. Durations are Go duration strings
// ("500ms") or numbers of seconds. Unknown fields are errors so that typos do
// not silently fall back to defaults. YAML callers convert to JSON first.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("parse simulator config: %w", err)
	}
	return c, nil
}

// UnmarshalJSON accepts durations as strings and rejects unknown fields.
func (c *Config) UnmarshalJSON(b []byte) error {
	type plain Config
	aux := struct {
		*plain
		PowerDelay            jsonDuration `json:"powerDelay"`
		TaskDuration          jsonDuration `json:"taskDuration"`
		SessionTimeout        jsonDuration `json:"sessionTimeout"`
		UpdateDownloadTimeout jsonDuration `json:"updateDownloadTimeout"`
		EventTimeout          jsonDuration `json:"eventTimeout"`
		EventRetryInterval    jsonDuration `json:"eventRetryInterval"`
	}{plain: (*plain)(c)}
	if err := strictUnmarshal(b, &aux); err != nil {
		return err
	}
	c.PowerDelay = time.Duration(aux.PowerDelay)
	c.TaskDuration = time.Duration(aux.TaskDuration)
	c.SessionTimeout = time.Duration(aux.SessionTimeout)
	c.UpdateDownloadTimeout = time.Duration(aux.UpdateDownloadTimeout)
	c.EventTimeout = time.Duration(aux.EventTimeout)
	c.EventRetryInterval = time.Duration(aux.EventRetryInterval)
	return nil
}

// UnmarshalJSON accepts durations as strings and rejects unknown fields.
func (sc *SystemConfig) UnmarshalJSON(b []byte) error {
	type plain SystemConfig
	aux := struct {
		*plain
		PowerDelay jsonDuration `json:"powerDelay"`
	}{plain: (*plain)(sc)}
	if err := strictUnmarshal(b, &aux); err != nil {
		return err
	}
	sc.PowerDelay = time.Duration(aux.PowerDelay)
	return nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// UnmarshalJSON also takes true and false, which is what YAML 1.1 makes of
// an unquoted On and Off in a hand-written config.
func (p *PowerState) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*p = PowerOn
		return nil
	case "false":
		*p = PowerOff
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("power state %s: want \"On\" or \"Off\"", b)
	}
	*p = PowerState(s)
	return nil
}

// jsonDuration reads "1.5s" or a number of seconds.
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = jsonDuration(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration %s: want a string like \"500ms\" or a number of seconds", b)
	}
	*d = jsonDuration(f * float64(time.Second))
	return nil
}

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// resolved is a Config with defaults applied and systems expanded.
type resolved struct {
	Config
	systems []SystemConfig
}

// resolve applies the defaults; captured are the system ids of a mockup, served instead of
// numbered systems.
func (c Config) resolve(captured ...string) (resolved, error) {
	r := resolved{Config: c}
	if r.Listen == "" {
		r.Listen = defaultListen
	}
	if _, _, err := net.SplitHostPort(r.Listen); err != nil {
		return r, fmt.Errorf("listen address %q: %w", r.Listen, err)
	}
	if r.Username == "" {
		r.Username = defaultUsername
	}
	if r.Password == "" {
		r.Password = defaultPassword
	}
	if r.SessionTimeout <= 0 {
		r.SessionTimeout = defaultSessionTimeout
	}
	if r.UpdateDownloadTimeout <= 0 {
		r.UpdateDownloadTimeout = defaultUpdateDownloadTimeout
	}
	if r.UpdateMaxImageSize <= 0 {
		r.UpdateMaxImageSize = defaultUpdateMaxImageSize
	}
	if r.MaxEventSubscriptions < 0 || r.EventTimeout < 0 || r.EventRetryInterval < 0 {
		return r, fmt.Errorf("maxEventSubscriptions, eventTimeout and eventRetryInterval must not be negative")
	}
	if r.MaxEventSubscriptions == 0 {
		r.MaxEventSubscriptions = defaultMaxEventSubscriptions
	}
	if r.EventTimeout == 0 {
		r.EventTimeout = defaultEventTimeout
	}
	if r.EventRetryInterval == 0 {
		r.EventRetryInterval = defaultEventRetryInterval
	}
	if r.SessionLimitStatus == 0 {
		r.SessionLimitStatus = 503
	}
	if r.SessionLimitStatus < 400 || r.SessionLimitStatus > 599 {
		return r, fmt.Errorf("sessionLimitStatus %d is not an HTTP error status", r.SessionLimitStatus)
	}
	if r.Count < 0 || r.SessionLimit < 0 || r.PowerDelay < 0 || r.TaskDuration < 0 {
		return r, fmt.Errorf("count, sessionLimit, powerDelay and taskDuration must not be negative")
	}
	count := r.Count
	if count == 0 && len(c.Systems) == 0 {
		count = 1
	}
	if c.Mockup != "" {
		if r.Count != 0 {
			return r, fmt.Errorf("count %d with a mockup: the capture says which systems there are", r.Count)
		}
		count = 0
	}

	byID := map[string]SystemConfig{}
	for _, sc := range c.Systems {
		if !idPattern.MatchString(sc.ID) {
			return r, fmt.Errorf("system id %q: want 1-63 characters of [A-Za-z0-9._-]", sc.ID)
		}
		if _, dup := byID[sc.ID]; dup {
			return r, fmt.Errorf("system id %q configured twice", sc.ID)
		}
		if sc.PowerDelay < 0 || sc.SessionLimit < 0 {
			return r, fmt.Errorf("system %s: powerDelay and sessionLimit must not be negative", sc.ID)
		}
		switch sc.PowerState {
		case "", PowerOn, PowerOff:
		default:
			return r, fmt.Errorf("system %s: powerState %q: want On or Off", sc.ID, sc.PowerState)
		}
		if err := sc.Faults.validate(); err != nil {
			return r, fmt.Errorf("system %s: %w", sc.ID, err)
		}
		if (sc.Username == "") != (sc.Password == "") {
			return r, fmt.Errorf("system %s: set both username and password or neither", sc.ID)
		}
		byID[sc.ID] = sc
	}
	ids := slices.Clone(captured)
	for i := 1; i <= count; i++ {
		ids = append(ids, strconv.Itoa(i))
	}
	for _, id := range ids {
		sc, ok := byID[id]
		if !ok {
			sc = SystemConfig{ID: id}
		}
		delete(byID, id)
		r.systems = append(r.systems, sc)
	}
	for _, sc := range c.Systems {
		if _, extra := byID[sc.ID]; extra {
			if c.Mockup != "" {
				return r, fmt.Errorf("system %s is not in the mockup", sc.ID)
			}
			r.systems = append(r.systems, sc)
		}
	}
	for i := range r.systems {
		sc := &r.systems[i]
		if sc.Username == "" {
			sc.Username, sc.Password = r.Username, r.Password
		}
		if sc.PowerDelay == 0 {
			sc.PowerDelay = r.PowerDelay
		}
		if sc.SessionLimit == 0 {
			sc.SessionLimit = r.SessionLimit
		}
		if sc.PowerState == "" && c.Mockup == "" { // a mockup's system starts as captured
			sc.PowerState = PowerOff
		}
	}
	return r, nil
}
