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

package ironic

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// The steps that apply firmware changes, as clean steps (preparing) or service steps
// (servicing), in Metal3's order: BIOS settings, then firmware images.
//
//   - BIOS settings: the bios interface's apply_configuration step, with
//     {"settings": [{"name": ..., "value": ...}]}. Values are typed by the attribute registry
//     Ironic read from the BMC (an Integer as a number, a Boolean as a boolean) since BMCs
//     refuse a string for those; without a registry they are sent as the strings they are.
//   - Firmware images: the firmware interface's update step (API 1.86, Metal3's choice),
//     {"settings": [{"component": ..., "url": ...}]}; on an older Ironic, the Redfish
//     management interface's update_firmware step, {"firmware_images": [{"url": ...,
//     "checksum": ...}]}. Ironic 21.4 (Zed) requires the checksum, the SHA-1 of the image
//     (redfish/firmware_utils.py); see imageSHA1.
//
// Whether BIOS settings still need applying is read from the node's BIOS settings, which
// Ironic reads again from the BMC after the step. Whether images still need installing
// cannot be read from an Ironic without the firmware interface, so it is recorded in the
// node (requestMarker).

// updateStep is the step a node installs firmware images with.
type updateStep int

const (
	noUpdateStep updateStep = iota
	// managementUpdateFirmware is the management interface's update_firmware step.
	managementUpdateFirmware
	// firmwareInterfaceUpdate is the firmware interface's update step (API 1.86).
	firmwareInterfaceUpdate
)

// managementUpdaters are the management interfaces whose update_firmware step installs images
// from URLs through the BMC's Redfish UpdateService (SimpleUpdate). Others have none (ipmitool,
// fake, noop) or take other arguments (ilo).
var managementUpdaters = map[string]bool{"redfish": true, "idrac-redfish": true}

func updateStepFor(node *nodes.Node, f features) updateStep {
	switch {
	case f.hasFirmwareInterface() && hasFirmwareInterface(node):
		return firmwareInterfaceUpdate
	case managementUpdaters[node.ManagementInterface]:
		return managementUpdateFirmware
	}
	return noUpdateStep
}

// firmwareSupport says why node cannot apply changes; "" when it can. It names the
// interface and the driver, so that the message says what to change.
func firmwareSupport(node *nodes.Node, f features, changes provisioner.FirmwareChanges) string {
	var problems []string
	if len(changes.Settings) > 0 && !hasBIOS(node) {
		problems = append(problems, fmt.Sprintf("BIOS settings (%s) cannot be applied: Ironic node %s (driver %s) has bios interface %q",
			strings.Join(changes.SettingNames(), ", "), node.UUID, node.Driver, node.BIOSInterface))
	}
	if len(changes.Updates) > 0 && updateStepFor(node, f) == noUpdateStep {
		msg := fmt.Sprintf("firmware updates cannot be applied: Ironic node %s (driver %s) has management interface %q, which has no update_firmware step (redfish and idrac-redfish have one)",
			node.UUID, node.Driver, node.ManagementInterface)
		if f.hasFirmwareInterface() {
			msg += fmt.Sprintf(", and firmware interface %q", node.FirmwareInterface)
		} else {
			msg += ", and " + f.needs("a firmware interface", firmwareInterfaceMinor, "firmware interface")
		}
		problems = append(problems, msg)
	}
	return strings.Join(problems, "; ")
}

// biosStep is the apply_configuration step for the wanted settings that the node's BIOS does
// not have; nil when it has them all. Settings the registry marks read-only, and values
// that are not of their attribute's type, are refused with a message.
func biosStep(current []nodes.BIOSSetting, want map[string]string) (*nodes.CleanStep, string) {
	byName := make(map[string]nodes.BIOSSetting, len(current))
	for _, s := range current {
		byName[s.Name] = s
	}
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	var settings []any
	var problems []string
	for _, name := range names {
		v := want[name]
		cur, known := byName[name]
		if known && sameBIOSValue(cur, v) {
			continue
		}
		if known && cur.ReadOnly != nil && *cur.ReadOnly {
			problems = append(problems, fmt.Sprintf("BIOS setting %s is read-only", name))
			continue
		}
		value, err := typedBIOSValue(cur, known, v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("BIOS setting %s: %v", name, err))
			continue
		}
		settings = append(settings, map[string]any{"name": name, "value": value})
	}
	if len(problems) > 0 {
		return nil, strings.Join(problems, "; ")
	}
	if len(settings) == 0 {
		return nil, ""
	}
	return &nodes.CleanStep{Interface: nodes.InterfaceBIOS, Step: "apply_configuration", Args: map[string]any{"settings": settings}}, ""
}

// sameBIOSValue compares a wanted value with a cached setting; Booleans in any case.
func sameBIOSValue(cur nodes.BIOSSetting, want string) bool {
	have := biosValue(cur)
	if cur.AttributeType == "Boolean" || have == "true" || have == "false" {
		return strings.EqualFold(have, want)
	}
	return have == want
}

// typedBIOSValue is the JSON value of a wanted setting: of the registry's attribute type
// when Ironic has the registry. Without it (no registry, an API before 1.74, or Debian 12's
// sushy, which lacks its standard registries and so reads none), an integer replacing an
// integer is sent as a number, as Metal3 sends a HostFirmwareSettings value written as a
// number: BMCs refuse a string for an Integer attribute. Everything else is sent as the
// string it is.
func typedBIOSValue(cur nodes.BIOSSetting, known bool, v string) (any, error) {
	switch cur.AttributeType {
	case "Integer":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an Integer", v)
		}
		return n, nil
	case "Boolean":
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%q is not a Boolean", v)
		}
		return b, nil
	case "":
		if n, ok := canonicalInt(v); ok && known {
			if _, curIsInt := canonicalInt(cur.Value); curIsInt {
				return n, nil
			}
		}
	}
	return v, nil
}

// canonicalInt parses a decimal integer written without sign noise or leading zeros ("7",
// "-3"; not "07", "+7", " 7"), which is what an integer attribute's value looks like.
func canonicalInt(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != v {
		return 0, false
	}
	return n, true
}

// updatesStepFor is the step that installs updates on a node; checksums holds each URL's
// SHA-1 for the management interface's update_firmware step.
func updatesStepFor(kind updateStep, updates []provisioner.FirmwareUpdate, checksums map[string]string) nodes.CleanStep {
	var items []any
	for _, u := range updates {
		if kind == firmwareInterfaceUpdate {
			items = append(items, map[string]any{"component": u.Component, "url": u.URL})
		} else {
			items = append(items, map[string]any{"url": u.URL, "checksum": checksums[u.URL]})
		}
	}
	if kind == firmwareInterfaceUpdate {
		return nodes.CleanStep{Interface: nodes.InterfaceFirmware, Step: "update", Args: map[string]any{"settings": items}}
	}
	return nodes.CleanStep{Interface: nodes.InterfaceManagement, Step: "update_firmware", Args: map[string]any{"firmware_images": items}}
}

// requestMarkerKey is the key of the node's extra field recording the steps requested of it
// (an Ironic extra key: no "/" or "~", which JSON patch paths escape).
const requestMarkerKey = "baremetal_apiserver_request"

// requestMarker records, in the node, what a clean (or service) was asked to do that the node
// cannot show afterwards - the firmware updates to install, and whether the RAID
// configuration was to be applied - with the node's provision_updated_at when it was asked,
// before it started. A node found at rest again (manageable, available, active) with another
// provision_updated_at went through the steps: failures end in clean failed or service failed,
// whose recovery drops an unconfirmed marker. Applied confirms it once seen, so that a later,
// unrelated failure (automated cleaning) does not drop it.
//
// Ironic before API 1.86 keeps no record of firmware versions, Ironic's own records of a
// clean's steps are wiped when it ends, and the target RAID configuration is written before
// the clean starts: without the marker a restarted server (or a call after Ironic refused to
// start the clean, say a 409) could not tell work done from work never started, and would
// redo it or, worse, report it done.
type requestMarker struct {
	Updates []markedUpdate `json:"updates,omitempty"`
	RAID    bool           `json:"raid,omitempty"`
	Since   string         `json:"since"`
	Applied bool           `json:"applied,omitempty"`
}

type markedUpdate struct {
	Component string `json:"component"`
	URL       string `json:"url"`
}

func markedUpdates(updates []provisioner.FirmwareUpdate) []markedUpdate {
	if len(updates) == 0 {
		return nil
	}
	out := make([]markedUpdate, 0, len(updates))
	for _, u := range updates {
		out = append(out, markedUpdate{Component: u.Component, URL: u.URL})
	}
	return out
}

// markerOf reads the node's marker; nil when there is none (or it is not one).
func markerOf(node *nodes.Node) *requestMarker {
	raw, ok := node.Extra[requestMarkerKey]
	if !ok || raw == nil {
		return nil
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var m requestMarker
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	return &m
}

// provisionStamp is the node's provision_updated_at as the marker records it.
func provisionStamp(node *nodes.Node) string {
	return node.ProvisionUpdatedAt.UTC().Format(time.RFC3339Nano)
}

// newMarker is the marker written before starting steps.
func newMarker(node *nodes.Node, updates []provisioner.FirmwareUpdate, raid bool) requestMarker {
	return requestMarker{Updates: markedUpdates(updates), RAID: raid, Since: provisionStamp(node)}
}

// ran says, for a node at rest, that the steps the marker records have run.
func (m *requestMarker) ran(node *nodes.Node) bool {
	return m.Applied || m.Since != provisionStamp(node)
}

// updatesInstalled says, for a node at rest, whether updates were installed by steps
// requested earlier; confirm says that the marker does not record it yet.
func updatesInstalled(node *nodes.Node, updates []provisioner.FirmwareUpdate) (installed, confirm bool) {
	m := markerOf(node)
	if m == nil || len(m.Updates) == 0 || !reflect.DeepEqual(m.Updates, markedUpdates(updates)) || !m.ran(node) {
		return false, false
	}
	return true, !m.Applied
}

// raidRequested says, for a node at rest, that a clean applying the target RAID configuration
// was requested and never started: the target is set, but not applied.
func raidRequested(node *nodes.Node) bool {
	m := markerOf(node)
	return m != nil && m.RAID && !m.ran(node)
}

// markerValue is the marker as the node's extra holds it.
func markerValue(m requestMarker) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// firmwareWork is what of a host's firmware changes its node still needs.
type firmwareWork struct {
	bios    *nodes.CleanStep
	updates []provisioner.FirmwareUpdate
	kind    updateStep
}

func (w firmwareWork) needed() bool { return w.bios != nil || len(w.updates) > 0 }

// names lists the work for logs: setting names and update components, never URLs (which may
// carry credentials).
func (w firmwareWork) names() []string {
	var out []string
	if w.bios != nil {
		for _, s := range w.bios.Args["settings"].([]any) {
			out = append(out, "bios:"+s.(map[string]any)["name"].(string))
		}
	}
	for _, u := range w.updates {
		out = append(out, "update:"+u.Component)
	}
	return out
}
