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
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"
)

// Faults make one system misbehave like real BMCs do. The zero value is a
// healthy BMC. Faults apply to every request attributed to the system: its
// own URLs, and service-wide URLs when the caller's credentials open only that
// system (or the simulator serves only that system).
type Faults struct {
	// Latency delays every response.
	Latency time.Duration `json:"latency,omitempty"`
	// ErrorRate is the fraction (0..1) of requests answered 500.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// SessionLimit, when positive, replaces the configured session limit.
	SessionLimit int `json:"sessionLimit,omitempty"`
	// RefuseSessions refuses every new session as if the limit were reached;
	// basic auth keeps working.
	RefuseSessions bool `json:"refuseSessions,omitempty"`
	// DropPowerOnWindow makes power-off report Off at once and silently drop
	// (204, no effect) a power-on that arrives within this window after it,
	// like BMCs that acknowledge commands they are too busy to carry out.
	DropPowerOnWindow time.Duration `json:"dropPowerOnWindow,omitempty"`
	// Outage makes the BMC unreachable.
	Outage OutageMode `json:"outage,omitempty"`
	// IgnoreBIOSAttributes names BIOS attributes whose staged values the
	// firmware drops at boot without applying them: the PATCH is accepted and
	// the settings object clears, but the value in effect stays. Real BIOSes
	// do that to a setting another one overrides (a dependency), or that the
	// firmware version does not honour.
	IgnoreBIOSAttributes []string `json:"ignoreBiosAttributes,omitempty"`
	// FailFirmwareActivation makes staged firmware images vanish at the
	// reset that should activate them: the update task completed, the
	// version stays. Real BMCs do that when the flash fails its checks at
	// boot (a bad signature, a downgrade the firmware refuses).
	FailFirmwareActivation bool `json:"failFirmwareActivation,omitempty"`
}

// OutageMode says how an unreachable BMC fails.
type OutageMode string

const (
	// OutageNone is a reachable BMC.
	OutageNone OutageMode = ""
	// OutageUnavailable answers 503 to everything.
	OutageUnavailable OutageMode = "Unavailable"
	// OutageReset resets the TCP connection without answering.
	OutageReset OutageMode = "Reset"
)

// clone copies f, so that callers never share its slices with the system.
func (f Faults) clone() Faults {
	f.IgnoreBIOSAttributes = slices.Clone(f.IgnoreBIOSAttributes)
	return f
}

func (f Faults) validate() error {
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		return fmt.Errorf("faults: errorRate %v not in [0,1]", f.ErrorRate)
	}
	if f.Latency < 0 || f.DropPowerOnWindow < 0 || f.SessionLimit < 0 {
		return fmt.Errorf("faults: latency, dropPowerOnWindow and sessionLimit must not be negative")
	}
	switch f.Outage {
	case OutageNone, OutageUnavailable, OutageReset:
	default:
		return fmt.Errorf("faults: outage %q: want %q, %q or empty", f.Outage, OutageUnavailable, OutageReset)
	}
	return nil
}

// UnmarshalJSON accepts durations as strings ("200ms") or seconds. Fields
// absent from the input keep their value, so decoding into a copy of the
// current faults merges (the admin endpoint's PATCH relies on that).
func (f *Faults) UnmarshalJSON(b []byte) error {
	type plain Faults
	aux := struct {
		*plain
		Latency           *jsonDuration `json:"latency"`
		DropPowerOnWindow *jsonDuration `json:"dropPowerOnWindow"`
	}{plain: (*plain)(f)}
	if err := strictUnmarshal(b, &aux); err != nil {
		return err
	}
	if aux.Latency != nil {
		f.Latency = time.Duration(*aux.Latency)
	}
	if aux.DropPowerOnWindow != nil {
		f.DropPowerOnWindow = time.Duration(*aux.DropPowerOnWindow)
	}
	return nil
}

// MarshalJSON writes durations as strings so that the admin endpoint's
// output can be sent back as is.
func (f Faults) MarshalJSON() ([]byte, error) {
	type plain Faults
	aux := struct {
		plain
		Latency           jsonDuration `json:"latency,omitempty"`
		DropPowerOnWindow jsonDuration `json:"dropPowerOnWindow,omitempty"`
	}{plain: plain(f), Latency: jsonDuration(f.Latency), DropPowerOnWindow: jsonDuration(f.DropPowerOnWindow)}
	return json.Marshal(aux)
}

// injectFaults applies sys's faults to one request. It reports whether the
// request may go on; when it may not, the response has been dealt with.
func (sys *System) injectFaults(w http.ResponseWriter, r *http.Request) bool {
	sys.mu.Lock()
	f := sys.faults
	fail := f.ErrorRate > 0 && sys.rng.float64() < f.ErrorRate
	sys.mu.Unlock()

	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	switch f.Outage {
	case OutageUnavailable:
		sys.count(func(c *Counters) { c.OutageResponses++ })
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, msgServiceUnavailable())
		return false
	case OutageReset:
		sys.count(func(c *Counters) { c.OutageResponses++ })
		resetConnection(w)
		return false
	}
	if fail {
		sys.count(func(c *Counters) { c.InjectedErrors++ })
		writeError(w, http.StatusInternalServerError, msgInternalError())
		return false
	}
	return true
}

// resetConnection closes the client connection with a TCP RST, which is what
// a client sees when a BMC reboots under it.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hand the connection over; aborting the stream is
		// the closest equivalent.
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = nc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = raw.Close()
}
