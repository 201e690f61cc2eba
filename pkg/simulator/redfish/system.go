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
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"
)

// PowerState is a Redfish PowerState.
type PowerState string

const (
	PowerOn          PowerState = "On"
	PowerOff         PowerState = "Off"
	PowerPoweringOn  PowerState = "PoweringOn"
	PowerPoweringOff PowerState = "PoweringOff"
)

// BootOverride is the Boot object's override settings, with Redfish values
// (Target "Cd", Enabled "Once", Mode "UEFI").
type BootOverride struct {
	Target      string `json:"target"`
	Enabled     string `json:"enabled"`
	Mode        string `json:"mode"`
	UefiTarget  string `json:"uefiTarget,omitempty"`
	HTTPBootURI string `json:"httpBootUri,omitempty"`
}

// Media is the state of one virtual media device. Passwords given with an
// image are kept but never shown.
type Media struct {
	ID                   string   `json:"id"`
	MediaTypes           []string `json:"mediaTypes"`
	Image                string   `json:"image,omitempty"`
	ImageName            string   `json:"imageName,omitempty"`
	Inserted             bool     `json:"inserted"`
	WriteProtected       bool     `json:"writeProtected"`
	ConnectedVia         string   `json:"connectedVia"`
	TransferMethod       string   `json:"transferMethod,omitempty"`
	TransferProtocolType string   `json:"transferProtocolType,omitempty"`
	UserName             string   `json:"userName,omitempty"`
}

// BootRecord is one boot of the simulated host: what it booted from.
type BootRecord struct {
	Time time.Time `json:"time"`
	// Source is the boot device, a BootSourceOverrideTarget value ("Hdd"
	// when no override was active).
	Source string `json:"source"`
	// Image is the virtual media image booted, if Source was Cd or Usb.
	Image string `json:"image,omitempty"`
	// Media are the images inserted in the virtual drives when the host booted, booted or
	// not: what the host could see (a configuration image attached as virtual media).
	Media []string `json:"media,omitempty"`
	// Override tells whether a boot override chose Source.
	Override bool   `json:"override"`
	Mode     string `json:"mode"`
}

// Firmware is one component of the firmware inventory.
type Firmware struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Version    string `json:"version"`
	Updateable bool   `json:"updateable"`
	// Staged is the version of an image an update downloaded, waiting for
	// the next reset of the system (or, for the BMC, of the BMC) to take
	// effect; empty when none is.
	Staged string `json:"staged,omitempty"`
}

// Counters count what happened to a system since the simulator started.
type Counters struct {
	// Requests counts every request attributed to the system, faulted or not.
	Requests        int64 `json:"requests"`
	InjectedErrors  int64 `json:"injectedErrors"`
	OutageResponses int64 `json:"outageResponses"`
	BasicAuth       int64 `json:"basicAuth"`
	AuthFailures    int64 `json:"authFailures"`
	SessionsCreated int64 `json:"sessionsCreated"`
	SessionsDeleted int64 `json:"sessionsDeleted"`
	SessionsExpired int64 `json:"sessionsExpired"`
	SessionsRefused int64 `json:"sessionsRefused"`
	// PeakSessions is the most sessions the system ever had at once.
	PeakSessions    int64 `json:"peakSessions"`
	Resets          int64 `json:"resets"`
	DroppedPowerOns int64 `json:"droppedPowerOns"`
	NMIs            int64 `json:"nmis"`
	Boots           int64 `json:"boots"`
	BootPatches     int64 `json:"bootPatches"`
	MediaInserts    int64 `json:"mediaInserts"`
	MediaEjects     int64 `json:"mediaEjects"`
	// BIOSApplied counts boots that applied staged BIOS settings;
	// BIOSIgnored the staged values the IgnoreBIOSAttributes fault dropped.
	BIOSApplied int64 `json:"biosApplied"`
	BIOSIgnored int64 `json:"biosIgnored"`
	// FirmwareStaged counts update tasks that downloaded their image and
	// staged it, FirmwareFailed those that ended in an exception,
	// FirmwareApplied the staged images that took effect (one per
	// component, at the reset that activated it) and FirmwareDropped those
	// the FailFirmwareActivation fault dropped instead.
	FirmwareStaged  int64 `json:"firmwareStaged"`
	FirmwareFailed  int64 `json:"firmwareFailed"`
	FirmwareApplied int64 `json:"firmwareApplied"`
	FirmwareDropped int64 `json:"firmwareDropped"`
	ManagerResets   int64 `json:"managerResets"`
}

// State is a snapshot of a system, as served by the admin endpoint.
type State struct {
	ID             string         `json:"id"`
	PowerState     PowerState     `json:"powerState"`
	Boot           BootOverride   `json:"boot"`
	VirtualMedia   []Media        `json:"virtualMedia"`
	BIOS           map[string]any `json:"bios"`
	PendingBIOS    map[string]any `json:"pendingBios"`
	Firmware       []Firmware     `json:"firmware"`
	Boots          []BootRecord   `json:"boots"`
	ActiveSessions int            `json:"activeSessions"`
	Counters       Counters       `json:"counters"`
	Faults         Faults         `json:"faults"`
}

// maxBootRecords bounds the boot history kept per system.
const maxBootRecords = 64

// System is one simulated server and its BMC. Its methods are safe for
// concurrent use; they see time-dependent state (power transitions, tasks) as
// of the moment they are called.
type System struct {
	sim          *Simulator
	id           string
	path         string
	inv          Inventory
	cred         credentials
	powerDelay   time.Duration
	sessionLimit int
	// mockDoc is the captured system a mockup simulator serves (with live power and boot
	// override); mockMediaBase is where its virtual media live in the capture.
	mockDoc       obj
	mockMediaBase string

	mu    sync.Mutex
	power PowerState
	// offAt is when power last went off; zero for a host that started off,
	// which has been off long enough for no power-on to be dropped.
	offAt             time.Time
	events            []event
	boot              BootOverride
	media             []*mediaDevice
	bios              map[string]any
	pendingBIOS       map[string]any
	biosResetPending  bool
	firmware          []Firmware
	boots             []BootRecord
	faults            Faults
	rng               *rng
	counters          Counters
	assetTag          string
	hostName          string
	indicatorLED      string
	locationIndicator bool
	restorePolicy     string
	lastReset         time.Time
	bmcResetAt        time.Time
}

// event is a state change due at a point in time, applied lazily by advance.
type event struct {
	at    time.Time
	power bool // power events are cancelled by a later power command
	fn    func(at time.Time)
}

func newSystem(sim *Simulator, sc SystemConfig, seed int64, now time.Time) *System {
	inv := GenerateInventory(seed, sc.ID)
	s := &System{
		sim:          sim,
		id:           sc.ID,
		path:         "/redfish/v1/Systems/" + sc.ID,
		inv:          inv,
		cred:         credentials{username: sc.Username, password: sc.Password},
		powerDelay:   sc.PowerDelay,
		sessionLimit: sc.SessionLimit,
		power:        sc.PowerState,
		boot:         BootOverride{Target: "None", Enabled: "Disabled", Mode: "UEFI"},
		media:        newMediaDevices(),
		bios:         defaultBIOS(),
		pendingBIOS:  map[string]any{},
		firmware:     initialFirmware(sc.ID, inv),
		faults:       sc.Faults.clone(),
		rng:          newRNG(seed^0x7fb5d329728ea185, sc.ID),
		indicatorLED: "Off",
		// Power restored to a rack typically leaves servers off.
		restorePolicy: "AlwaysOff",
		lastReset:     now,
		bmcResetAt:    now,
	}
	return s
}

// ID is the system's Redfish Id.
func (s *System) ID() string { return s.id }

// Inventory is the system's hardware.
func (s *System) Inventory() Inventory { return s.inv.clone() }

// lock takes the system lock with its lazy state brought up to now.
func (s *System) lock() time.Time {
	s.mu.Lock()
	now := s.sim.now()
	s.advance(now)
	return now
}

// locked renders under the system lock, with lazy state brought up to now.
func (s *System) locked(render func() obj) obj {
	s.lock()
	defer s.mu.Unlock()
	return render()
}

// advance applies every event due by now, in time order.
func (s *System) advance(now time.Time) {
	for len(s.events) > 0 && !s.events[0].at.After(now) {
		ev := s.events[0]
		s.events = s.events[1:]
		ev.fn(ev.at)
	}
}

func (s *System) schedule(at time.Time, power bool, fn func(time.Time)) {
	i := sort.Search(len(s.events), func(i int) bool { return s.events[i].at.After(at) })
	s.events = append(s.events, event{})
	copy(s.events[i+1:], s.events[i:])
	s.events[i] = event{at: at, power: power, fn: fn}
}

func (s *System) cancelPowerEvents() {
	kept := s.events[:0]
	for _, ev := range s.events {
		if !ev.power {
			kept = append(kept, ev)
		}
	}
	s.events = kept
}

// powerSettlesAt is when the current power transition ends (now if none).
func (s *System) powerSettlesAt(now time.Time) time.Time {
	end := now
	for _, ev := range s.events {
		if ev.power && ev.at.After(end) {
			end = ev.at
		}
	}
	return end
}

func (s *System) count(f func(*Counters)) {
	s.mu.Lock()
	f(&s.counters)
	s.mu.Unlock()
}

// PowerState is the current power state.
func (s *System) PowerState() PowerState {
	s.lock()
	defer s.mu.Unlock()
	return s.power
}

// SetPowerState switches power at once, as someone pressing the button
// would: On boots the host (applying pending BIOS settings and consuming a
// one-time boot override), Off cuts power. Pending transitions are dropped.
func (s *System) SetPowerState(p PowerState) error {
	now := s.lock()
	defer s.mu.Unlock()
	s.cancelPowerEvents()
	switch p {
	case PowerOn:
		if s.power != PowerOn {
			s.bootLocked(now)
		}
	case PowerOff:
		s.power = PowerOff
		s.offAt = now
	default:
		return fmt.Errorf("power state %q: want On or Off", p)
	}
	return nil
}

// Boot is the current boot override.
func (s *System) Boot() BootOverride {
	s.lock()
	defer s.mu.Unlock()
	return s.boot
}

// VirtualMedia lists the virtual media devices.
func (s *System) VirtualMedia() []Media {
	s.lock()
	defer s.mu.Unlock()
	out := make([]Media, 0, len(s.media))
	for _, m := range s.media {
		out = append(out, m.public())
	}
	return out
}

// InsertedImage is the image in the first device that has one inserted.
func (s *System) InsertedImage() string {
	for _, m := range s.VirtualMedia() {
		if m.Inserted {
			return m.Image
		}
	}
	return ""
}

// BIOSAttributes are the attributes in effect.
func (s *System) BIOSAttributes() map[string]any {
	s.lock()
	defer s.mu.Unlock()
	return maps.Clone(s.bios)
}

// PendingBIOSAttributes are the settings waiting for the next boot.
func (s *System) PendingBIOSAttributes() map[string]any {
	s.lock()
	defer s.mu.Unlock()
	return maps.Clone(s.pendingBIOS)
}

// Firmware is the current firmware inventory.
func (s *System) Firmware() []Firmware {
	s.lock()
	defer s.mu.Unlock()
	return append([]Firmware(nil), s.firmware...)
}

// Boots is the boot history, oldest first (the last 64 boots).
func (s *System) Boots() []BootRecord {
	s.lock()
	defer s.mu.Unlock()
	return append([]BootRecord(nil), s.boots...)
}

// Counters are the system's counters.
func (s *System) Counters() Counters {
	s.lock()
	defer s.mu.Unlock()
	return s.counters
}

// ActiveSessions counts the live sessions granted this system.
func (s *System) ActiveSessions() int {
	return s.sim.sessions.activeFor(s, s.sim.now())
}

// Faults are the faults in force.
func (s *System) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.clone()
}

// SetFaults replaces the system's faults.
func (s *System) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f.clone()
	s.mu.Unlock()
	return nil
}

// State is a snapshot of everything above.
func (s *System) State() State {
	active := s.ActiveSessions()
	s.lock()
	defer s.mu.Unlock()
	st := State{
		ID:             s.id,
		PowerState:     s.power,
		Boot:           s.boot,
		BIOS:           maps.Clone(s.bios),
		PendingBIOS:    maps.Clone(s.pendingBIOS),
		Firmware:       append([]Firmware(nil), s.firmware...),
		Boots:          append([]BootRecord(nil), s.boots...),
		ActiveSessions: active,
		Counters:       s.counters,
		Faults:         s.faults.clone(),
	}
	for _, m := range s.media {
		st.VirtualMedia = append(st.VirtualMedia, m.public())
	}
	return st
}

func (s *System) firmwareVersion(prefix string) string {
	for _, f := range s.firmware {
		if f.ID == prefix+"-"+s.id {
			return f.Version
		}
	}
	return ""
}
