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
	"slices"
	"time"
)

// resetTypes are the ResetType values ComputerSystem.Reset accepts, in the
// order advertised by ResetType@Redfish.AllowableValues.
var resetTypes = []string{"On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "PowerCycle", "Nmi"}

// resetLocked carries out a reset and returns when the transition it started
// will be over. Commands that change nothing succeed, as on most BMCs.
func (s *System) resetLocked(resetType string, now time.Time) time.Time {
	s.counters.Resets++
	if resetType == "PushPowerButton" {
		resetType = "On"
		if s.power == PowerOn || s.power == PowerPoweringOn {
			resetType = "ForceOff"
		}
	}
	switch resetType {
	case "On", "ForceOn":
		if s.power == PowerOn || s.power == PowerPoweringOn {
			return s.powerSettlesAt(now)
		}
		if w := s.faults.DropPowerOnWindow; w > 0 && !s.offAt.IsZero() && now.Sub(s.offAt) < w {
			s.counters.DroppedPowerOns++
			return now
		}
		return s.powerOnLocked(now)
	case "ForceOff", "GracefulShutdown":
		if s.power == PowerOff || s.power == PowerPoweringOff {
			return s.powerSettlesAt(now)
		}
		return s.powerOffLocked(now)
	case "ForceRestart", "GracefulRestart", "PowerCycle":
		if s.power == PowerOff || s.power == PowerPoweringOff {
			return s.powerOnLocked(now)
		}
		return s.restartLocked(now)
	case "Nmi":
		s.counters.NMIs++
	}
	return now
}

func (s *System) powerOnLocked(now time.Time) time.Time {
	s.cancelPowerEvents()
	if s.powerDelay <= 0 {
		s.bootLocked(now)
		return now
	}
	s.power = PowerPoweringOn
	done := now.Add(s.powerDelay)
	s.schedule(done, true, s.bootLocked)
	return done
}

func (s *System) powerOffLocked(now time.Time) time.Time {
	s.cancelPowerEvents()
	off := func(at time.Time) {
		s.power = PowerOff
		s.offAt = at
	}
	// A BMC that drops early power-ons is one that reports Off before the
	// host is really down; that is what makes the drop plausible.
	if s.powerDelay <= 0 || s.faults.DropPowerOnWindow > 0 {
		off(now)
		return now
	}
	s.power = PowerPoweringOff
	done := now.Add(s.powerDelay)
	s.schedule(done, true, off)
	return done
}

func (s *System) restartLocked(now time.Time) time.Time {
	s.cancelPowerEvents()
	if s.powerDelay <= 0 {
		s.bootLocked(now)
		return now
	}
	s.power = PowerPoweringOff
	s.schedule(now.Add(s.powerDelay), true, func(time.Time) { s.power = PowerPoweringOn })
	done := now.Add(2 * s.powerDelay)
	s.schedule(done, true, s.bootLocked)
	return done
}

// bootLocked is the host coming up: staged firmware images take effect,
// firmware applies pending BIOS settings and honours (then clears, if
// one-time) the boot override.
func (s *System) bootLocked(at time.Time) {
	s.power = PowerOn
	s.lastReset = at
	s.activateFirmware(false)
	s.applyPendingBIOS()

	rec := BootRecord{Time: at, Source: "Hdd", Mode: biosBootMode(s.bios)}
	if s.boot.Enabled != "Disabled" && s.boot.Target != "None" {
		rec.Source, rec.Override, rec.Mode = s.boot.Target, true, s.boot.Mode
		if s.boot.Enabled == "Once" {
			s.boot.Enabled, s.boot.Target = "Disabled", "None"
		}
	}
	if dev := s.mediaForBootSource(rec.Source); dev != nil && dev.inserted {
		rec.Image = dev.image
	}
	for _, dev := range s.media {
		if dev.inserted && dev.image != "" {
			rec.Media = append(rec.Media, dev.image)
		}
	}
	s.boots = append(s.boots, rec)
	if n := len(s.boots); n > maxBootRecords {
		s.boots = slices.Clone(s.boots[n-maxBootRecords:])
	}
	s.counters.Boots++
}

func biosBootMode(attrs map[string]any) string {
	if attrs["BootMode"] == "Bios" {
		return "Legacy"
	}
	return "UEFI"
}
