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

package baremetalhost

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// rebootRequests is what a host's reboot annotations ask for, read as Metal3 reads them
// (its manageHostPower), plus the one-shot reboot of baremetalhosts/reboot.
type rebootRequests struct {
	// once is a reboot asked for through the subresource: one reset, then its annotation goes.
	once     bool
	onceMode provisioner.RebootMode
	// hold lists the Metal3 annotations that apply: while any remains the host is kept off.
	hold     []string
	holdMode provisioner.RebootMode
	// suffixless is set when reboot.metal3.io is present: it is removed once the host is off,
	// which turns "keep off" into "off, then on again": Metal3's plain reboot.
	suffixless bool
}

// readRebootRequests reads the annotations of h. A host that is not provisioned (available,
// say) only honours annotations with "force": true, as in Metal3; the hard mode wins when any
// annotation asks for it. Values that do not parse count as a soft reboot (validation refuses
// them on write; an older object may still hold one).
func readRebootRequests(h *v1alpha1.BareMetalHost) rebootRequests {
	provisioned := h.Status.Provisioning.State == v1alpha1.StateProvisioned ||
		h.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned
	req := rebootRequests{onceMode: provisioner.RebootModeSoft, holdMode: provisioner.RebootModeSoft}
	for k, v := range h.Annotations {
		if k != v1alpha1.RebootAnnotationPrefix && !strings.HasPrefix(k, v1alpha1.RebootAnnotationPrefix+"/") {
			continue
		}
		mode, force, _ := v1alpha1.ParseRebootAnnotation(v)
		hard := mode == string(provisioner.RebootModeHard)
		switch {
		case k == v1alpha1.RebootSubresourceAnnotation:
			req.once = true
			if hard {
				req.onceMode = provisioner.RebootModeHard
			}
			continue
		case k == v1alpha1.RebootAnnotationPrefix:
			req.suffixless = true
		}
		if !provisioned && !force {
			continue
		}
		req.hold = append(req.hold, k)
		if hard {
			req.holdMode = provisioner.RebootModeHard
		}
	}
	sort.Strings(req.hold)
	return req
}

// A reboot taken over by a new leader must not be sent twice, and must not be lost. The rule:
//
//   - Before the first reset of a reboot request, the reconciler writes a record into the
//     request's own annotation value (rebootRecord): when it took the request on, and the BMC's
//     LastResetTime read just before. Record and request are one value, written in one patch
//     conditional on the object's resourceVersion, so a new request (a new value, no record)
//     is never taken for one already carried out, and a crash between any two writes leaves a
//     request that says by itself whether a reset may have gone out for it.
//   - The pass that writes the record sends the reset (Host.OperationRecordedNow): nobody else
//     can have sent one for a record that did not exist a moment ago.
//   - Any later pass without the backend's memory of the reboot (a restart, a new leader)
//     passes the record on (Host.OperationStarted, Host.LastResetBefore) and the backend decides
//     from what the BMC reports (redfish.resumeReboot): a LastResetTime that moved since the
//     record, or the power in transition or off, means the reset was sent, and it follows it
//     to the end (powering the host on if it stays off); the same LastResetTime with the host
//     on at rest means it was not, and it is sent. When the BMC reports no LastResetTime, a
//     host on at rest is truly ambiguous: at most once wins, nothing is sent again, and the
//     request ends with the Rebooted condition Unknown (RebootUnconfirmed) saying why, so that
//     whoever asked can ask again.
//   - The annotation is removed once the reboot is done: that removal is the end of the request.

// rebootRecord is what the reconciler writes into a reboot annotation it carries out, in the
// annotation's own value, before it sends any reset for it. Metal3 ignores JSON fields it does
// not know, so the value reads the same there; validation accepts it the same way.
type rebootRecord struct {
	// Started is when the reboot was taken on; zero when the annotation carries no record.
	Started time.Time
	// LastReset is the BMC's LastResetTime of the host read just before, verbatim: compared
	// only with a later reading of the same BMC, never with this server's clock. Empty when
	// the backend reported none.
	LastReset string
}

// Fields of the record in a reboot annotation's JSON value.
const (
	rebootStartedField   = "started"
	rebootLastResetField = "lastReset"
)

// parseRebootRecord reads the record in a reboot annotation's value; the zero record when it
// carries none (or does not parse).
func parseRebootRecord(value string) rebootRecord {
	var args map[string]any
	if value == "" || json.Unmarshal([]byte(value), &args) != nil {
		return rebootRecord{}
	}
	s, _ := args[rebootStartedField].(string)
	started, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return rebootRecord{}
	}
	last, _ := args[rebootLastResetField].(string)
	return rebootRecord{Started: started, LastReset: last}
}

// withRebootRecord is value with rec written into it, every other field (mode, force, a tool's
// own) kept. A value that is not a JSON object (validation refuses those; an older object may
// hold one) is replaced by the record alone, read as a soft reboot like the value was.
func withRebootRecord(value string, rec rebootRecord) string {
	args := map[string]any{}
	if value != "" {
		if err := json.Unmarshal([]byte(value), &args); err != nil || args == nil {
			args = map[string]any{}
		}
	}
	args[rebootStartedField] = rec.Started.UTC().Format(time.RFC3339Nano)
	delete(args, rebootLastResetField)
	if rec.LastReset != "" {
		args[rebootLastResetField] = rec.LastReset
	}
	b, _ := json.Marshal(args)
	return string(b)
}

// recordedReboot is the record the annotations carried out together carry, when every one of
// them carries the same: one of them without it (a request added since) makes them a new
// reboot, to be recorded afresh.
func recordedReboot(h *v1alpha1.BareMetalHost, annotations []string) (rebootRecord, bool) {
	var rec rebootRecord
	for i, k := range annotations {
		r := parseRebootRecord(h.Annotations[k])
		if !r.Started.IsZero() && (i == 0 || r.Started.Equal(rec.Started) && r.LastReset == rec.LastReset) {
			rec = r
			continue
		}
		return rebootRecord{}, false
	}
	return rec, len(annotations) > 0
}
