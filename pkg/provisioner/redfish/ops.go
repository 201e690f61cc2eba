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
	"sync"
	"time"

	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Every step reads the BMC and decides from what it reports, so calls are idempotent. What
// the BMC cannot say is remembered here between calls of one operation: when a command was
// sent (to wait before sending it again, to time out, to force a graceful one) and what the
// host looked like before (to recognise that a reset happened). Losing it (a restart, or a new
// leader) must not make a host boot twice: a provisioning taken over is resumed from the BMC
// and the stored start of the operation (resumeLiveISOBoot); a reboot taken over is resumed
// from the BMC and the record its request carries (resumeReboot: the LastResetTime read before
// the reset, and when the reboot was taken on); power changes decide from the power state
// alone (the target is a level: a repeated On or Off cannot cycle the host).

type opKind string

const (
	opPowerOn     opKind = "power-on"
	opPowerOff    opKind = "power-off"
	opReboot      opKind = "reboot"
	opProvision   opKind = "provision"
	opDeprovision opKind = "deprovision"
	opFirmware    opKind = "firmware"
)

// operation is one host's operation in progress.
type operation struct {
	kind    opKind
	uid     types.UID
	started time.Time
	// touched is the last call that worked on it.
	touched time.Time
	// command is the last power command sent and sent when; forced tells that a graceful
	// command was replaced by its forced form.
	command schemas.ResetType
	sent    time.Time
	forced  bool
	// resetBefore is the system's LastResetTime before a reset; sawDown tells that the power
	// was seen anything but On since.
	resetBefore string
	sawDown     bool
	// image is the live ISO being provisioned; inserted and ejected date the media actions.
	image    string
	inserted time.Time
	ejected  time.Time
	// fw is the firmware changes being applied (opFirmware).
	fw firmwareOp
}

// operations are the operations in progress, by host.
type operations struct {
	// abandonAfter is how long an operation may go without a call before it counts as
	// abandoned (its request was withdrawn): a later request starts afresh instead of
	// taking an old reset for its own.
	abandonAfter time.Duration

	mu sync.Mutex
	m  map[string]operation
}

func newOperations(abandonAfter time.Duration) *operations {
	return &operations{abandonAfter: abandonAfter, m: map[string]operation{}}
}

// get returns the host's operation of that kind, if one is in progress. An operation of
// another kind, of an earlier object of the same name, or abandoned, is not continued.
func (o *operations) get(h provisioner.Host, kind opKind, now time.Time) (operation, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, ok := o.m[hostKey(h)]
	if !ok || op.kind != kind || op.uid != h.UID || now.Sub(op.touched) > o.abandonAfter {
		return operation{}, false
	}
	return op, true
}

func (o *operations) put(h provisioner.Host, op operation, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	op.uid, op.touched = h.UID, now
	o.m[hostKey(h)] = op
}

// settle drops a power operation whose target state was read: the reconciler learns it from
// PowerState and does not call the operation again, and a later request must not inherit
// its timers.
func (o *operations) settle(h provisioner.Host, state schemas.PowerState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, ok := o.m[hostKey(h)]
	if ok && (op.kind == opPowerOn && state == schemas.OnPowerState || op.kind == opPowerOff && state == schemas.OffPowerState) {
		delete(o.m, hostKey(h))
	}
}

func (o *operations) clear(h provisioner.Host) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, hostKey(h))
}
