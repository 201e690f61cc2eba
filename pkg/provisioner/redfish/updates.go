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
	"io"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// What a firmware update needs from the BMC beyond the Provisioner's reads: the target of
// SimpleUpdate, the tasks running, the state of the update's own task.

// maxInventoryItems bounds the firmware inventory entries read to choose a target.
const maxInventoryItems = 256

// inventoryItem is a firmware inventory entry, read by hand for its RelatedItem links, which
// gofish keeps to itself.
type inventoryItem struct {
	ODataID     string `json:"@odata.id"`
	ID          string `json:"Id"`
	Name        string
	Version     string
	SoftwareID  string `json:"SoftwareId"`
	RelatedItem []struct {
		ODataID string `json:"@odata.id"`
	}
}

// updateScope is what choosing and recognising an update of one host takes: the resources
// of the host and its firmware inventory entries.
type updateScope struct {
	// resource is each component's own resource: the system for bios, its manager for
	// bmc, the network adapter for nic:<id>.
	resource map[string]string
	// uris are the host's resources (system, managers, chassis); what lies below them is
	// the host's too.
	uris []string
	// items are the firmware inventory entries related to the host, or to nothing in
	// particular (BMCs of one server often leave RelatedItem out).
	items []inventoryItem
}

func readUpdateScope(c schemas.Client, us *schemas.UpdateService, sys *schemas.ComputerSystem) (updateScope, error) {
	s := updateScope{
		resource: map[string]string{provisioner.FirmwareComponentBIOS: sys.ODataID},
		uris:     []string{sys.ODataID},
	}
	if managers, err := sys.ManagedBy(); err == nil {
		for i, m := range managers {
			if i == 0 {
				s.resource[provisioner.FirmwareComponentBMC] = m.ODataID
			}
			s.uris = append(s.uris, m.ODataID)
		}
	}
	if chassis, err := sys.Chassis(); err == nil {
		for _, ch := range chassis {
			s.uris = append(s.uris, ch.ODataID)
			adapters, err := ch.NetworkAdapters()
			if err != nil {
				continue
			}
			for _, a := range adapters {
				s.resource[provisioner.FirmwareComponentNICPrefix+a.ID] = a.ODataID
			}
		}
	}
	var root struct {
		FirmwareInventory struct {
			ODataID string `json:"@odata.id"`
		}
	}
	if err := getJSON(c, us.ODataID, &root); err != nil {
		return s, err
	}
	if root.FirmwareInventory.ODataID == "" {
		return s, nil
	}
	var coll struct {
		Members []struct {
			ODataID string `json:"@odata.id"`
		}
	}
	if err := getJSON(c, root.FirmwareInventory.ODataID, &coll); err != nil {
		// Without an inventory the component's own resource is the target.
		return s, nil
	}
	for i, m := range coll.Members {
		if i == maxInventoryItems {
			break
		}
		var it inventoryItem
		if err := getJSON(c, m.ODataID, &it); err != nil {
			continue
		}
		if it.ODataID == "" {
			it.ODataID = m.ODataID
		}
		if s.related(it) {
			s.items = append(s.items, it)
		}
	}
	return s, nil
}

// owns reports a URI of the host's resources.
func (s updateScope) owns(uri string) bool {
	uri = strings.TrimSuffix(uri, "/")
	for _, u := range s.uris {
		if uri == u || strings.HasPrefix(uri, u+"/") {
			return true
		}
	}
	return false
}

func (s updateScope) related(it inventoryItem) bool {
	if len(it.RelatedItem) == 0 {
		return true
	}
	for _, r := range it.RelatedItem {
		if s.owns(r.ODataID) {
			return true
		}
	}
	return false
}

// mine reports whether an update target concerns the host: one of its resources or one of
// its inventory entries.
func (s updateScope) mine(target string) bool {
	if s.owns(target) {
		return true
	}
	for _, it := range s.items {
		if strings.TrimSuffix(target, "/") == strings.TrimSuffix(it.ODataID, "/") {
			return true
		}
	}
	return false
}

// componentWords are what names an inventory entry of a component, in lower case.
func componentWords(component string) []string {
	switch {
	case component == provisioner.FirmwareComponentBIOS:
		return []string{"bios", "uefi", "system rom"}
	case component == provisioner.FirmwareComponentBMC:
		return []string{"bmc", "idrac", "ilo", "xcc", "manager", "management controller"}
	case strings.HasPrefix(component, provisioner.FirmwareComponentNICPrefix):
		id := strings.ToLower(strings.TrimPrefix(component, provisioner.FirmwareComponentNICPrefix))
		return []string{id, "nic", "network", "ethernet"}
	}
	return nil
}

// target is the Targets URI of an update of component, now at version: the host's firmware
// inventory entry of that component, else the component's own resource, which the
// specification lets the BMC resolve. The entry is recognised by its version, which BMCs
// write differently in the inventory and where FirmwareComponents reads it ("P79 v1.45" and
// "P79 v1.45 (12/06/2017)"; "2.46 May 11 2021" and "iLO 5 v2.46"): the closest match wins,
// a name that says what it is (and is no backup bank) breaking ties. Without a version that
// matches, an entry related to the component's resource by name is taken.
func (s updateScope) target(component, version string) string {
	words := componentWords(component)
	named := func(it inventoryItem) bool {
		text := strings.ToLower(it.ID + " " + it.Name + " " + it.SoftwareID)
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	best, bestScore := []inventoryItem(nil), 0
	for _, it := range s.items {
		score := versionMatch(it.Version, version)
		switch {
		case score == 0 || score < bestScore:
			continue
		case score > bestScore:
			best, bestScore = nil, score
		}
		best = append(best, it)
	}
	if bestScore == 0 {
		// No version to go by: an entry linked to the component's resource, named like it.
		for _, it := range s.items {
			for _, r := range it.RelatedItem {
				if r.ODataID != "" && strings.TrimSuffix(r.ODataID, "/") == strings.TrimSuffix(s.resource[component], "/") && named(it) {
					best = append(best, it)
					break
				}
			}
		}
	}
	if t := pickOne(best, named); t != "" {
		return t
	}
	return s.resource[component]
}

// pickOne is the one candidate left by narrowing down to the named ones and then to those
// that are no backup; "" when none or several are.
func pickOne(cands []inventoryItem, named func(inventoryItem) bool) string {
	if len(cands) == 1 {
		return cands[0].ODataID
	}
	var byName, primary []inventoryItem
	for _, it := range cands {
		if !named(it) {
			continue
		}
		byName = append(byName, it)
		name := strings.ToLower(it.Name + " " + it.ID)
		if !strings.Contains(name, "redundant") && !strings.Contains(name, "backup") && !strings.Contains(name, "recovery") {
			primary = append(primary, it)
		}
	}
	switch {
	case len(byName) == 1:
		return byName[0].ODataID
	case len(primary) == 1:
		return primary[0].ODataID
	}
	return ""
}

// versionMatch scores how well an inventory entry's version matches the version read from
// the system or manager: 3 equal, 2 one holding the other, 1 a dotted number in common
// ("2.46"), 0 no match.
func versionMatch(entry, version string) int {
	entry, version = strings.TrimSpace(entry), strings.TrimSpace(version)
	switch {
	case entry == "" || version == "":
		return 0
	case entry == version:
		return 3
	case len(entry) >= 3 && len(version) >= 3 && (strings.Contains(version, entry) || strings.Contains(entry, version)):
		return 2
	}
	for _, a := range dottedNumbers(entry) {
		for _, b := range dottedNumbers(version) {
			if a == b {
				return 1
			}
		}
	}
	return 0
}

// dottedNumbers are the words of v that are version numbers (1.45, v2.46), without their v.
func dottedNumbers(v string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' }) {
		w = strings.TrimPrefix(strings.TrimPrefix(w, "v"), "V")
		if strings.Contains(w, ".") && strings.IndexFunc(w, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) < 0 {
			out = append(out, w)
		}
	}
	return out
}

// runningUpdate finds an update task the BMC is running for the host: ours when it installs
// image (it was started before this server restarted: follow it), else another one (wait for
// it: BMCs refuse or mishandle a second update meanwhile). A task whose payload does not say
// what it updates is taken as the host's. Empty when there is none.
func runningUpdate(c *gofish.APIClient, scope updateScope, image, target string) (uri string, ours bool, err error) {
	ts, err := c.Service.Tasks()
	if err != nil || ts == nil {
		// A BMC without a task service runs no task to wait for.
		return "", false, nil
	}
	tasks, err := ts.Tasks()
	if err != nil {
		return "", false, err
	}
	for _, t := range tasks {
		if taskFinished(string(t.TaskState)) || !strings.Contains(t.Payload.TargetURI, "UpdateService") {
			continue
		}
		var body struct {
			ImageURI string
			Targets  []string
		}
		_ = json.Unmarshal([]byte(t.Payload.JSONBody), &body)
		mine := len(body.Targets) == 0
		for _, tg := range body.Targets {
			mine = mine || tg == target || scope.mine(tg)
		}
		if !mine {
			continue
		}
		return t.ODataID, body.ImageURI == image, nil
	}
	return "", false, nil
}

// taskFinished reports a final TaskState.
func taskFinished(state string) bool {
	switch schemas.TaskState(state) {
	case schemas.CompletedTaskState, schemas.ExceptionTaskState, schemas.KilledTaskState, schemas.CancelledTaskState:
		return true
	}
	return false
}

// taskReport is a task as read from its URI or its monitor.
type taskReport struct {
	state, health string
	percent       uint
	messages      []string
	// gone: the BMC no longer knows the task.
	gone bool
}

// failed reports a task that ended without doing its job.
func (t taskReport) failed() bool {
	switch schemas.TaskState(t.state) {
	case schemas.ExceptionTaskState, schemas.KilledTaskState, schemas.CancelledTaskState:
		return true
	case schemas.CompletedTaskState:
		return t.health == string(schemas.CriticalHealth)
	}
	return false
}

func (t taskReport) completed() bool {
	return schemas.TaskState(t.state) == schemas.CompletedTaskState && !t.failed()
}

// why is what the BMC said about a failed task.
func (t taskReport) why() string {
	if len(t.messages) > 0 {
		return strings.Join(t.messages, "; ")
	}
	return fmt.Sprintf("the BMC ended its task in state %s (status %s)", t.state, t.health)
}

// readTask reads a task, by its URI or its monitor's. A monitor answers 202 while the task
// runs and, once it is over, the task or the action's result (which may be no task at all:
// it completed).
func readTask(c schemas.Client, uri string) (taskReport, error) {
	resp, err := c.Get(uri)
	if isStatus(err, http.StatusNotFound) {
		return taskReport{gone: true}, nil
	}
	if err != nil {
		return taskReport{}, err
	}
	defer resp.Body.Close()
	var raw struct {
		TaskState       string
		TaskStatus      string
		PercentComplete *uint
		Messages        []struct {
			Message   string
			MessageID string `json:"MessageId"`
		}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResourceBytes))
	if err != nil {
		return taskReport{}, err
	}
	_ = json.Unmarshal(b, &raw)
	t := taskReport{state: raw.TaskState, health: raw.TaskStatus}
	if raw.PercentComplete != nil {
		t.percent = *raw.PercentComplete
	}
	for _, m := range raw.Messages {
		if msg := strings.TrimSpace(m.Message); msg != "" {
			t.messages = append(t.messages, msg)
		} else if m.MessageID != "" {
			t.messages = append(t.messages, m.MessageID)
		}
	}
	if t.state == "" {
		t.state = string(schemas.CompletedTaskState)
		if resp.StatusCode == http.StatusAccepted {
			t.state = string(schemas.RunningTaskState)
		}
	}
	return t, nil
}
