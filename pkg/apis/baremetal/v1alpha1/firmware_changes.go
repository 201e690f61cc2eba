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

package v1alpha1

// The firmware changes a host has to go through, derived from its HostFirmwareSettings and
// HostFirmwareComponents: one definition for the reconciler (which applies them while
// preparing or servicing), the firmware reader (ChangeDetected) and the kubectl plugin.

// PendingSettings are the desired settings the BIOS did not have at the last reading, by name,
// each as the string the BIOS reports. None before the first reading (no settings and no
// status.lastUpdated): nothing is known to differ then (Metal3 waits for the status too). A
// reading that found no settings at all (a BIOS that reports none until it is given some, as
// Ironic's fake hardware) has every desired setting pending.
func (s *HostFirmwareSettings) PendingSettings() map[string]string {
	if s == nil || (s.Status.Settings == nil && s.Status.LastUpdated == nil) {
		return nil
	}
	var out map[string]string
	for name, want := range s.Spec.Settings {
		if v := want.String(); s.Status.Settings[name] != v {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = v
		}
	}
	return out
}

// PendingUpdates are the desired updates not applied yet: those of spec.updates that
// status.updates does not hold with the same URL for their component (Metal3's
// getUpdatesDifference), in spec order.
func (c *HostFirmwareComponents) PendingUpdates() []FirmwareUpdate {
	if c == nil {
		return nil
	}
	applied := make(map[string]string, len(c.Status.Updates))
	for _, u := range c.Status.Updates {
		applied[u.Component] = u.URL
	}
	var out []FirmwareUpdate
	for _, u := range c.Spec.Updates {
		if url, ok := applied[u.Component]; !ok || url != u.URL {
			out = append(out, u)
		}
	}
	return out
}
