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
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Ironic's power_state values.
const (
	powerOn  = "power on"
	powerOff = "power off"
)

// PowerOn powers the host on; Done once Ironic reports it on.
func (p *Provisioner) PowerOn(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	res, err := p.powerOn(ctx, host)
	return p.finish(host, res, err)
}

func (p *Provisioner) powerOn(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	if node.PowerState == powerOn && node.TargetPowerState == "" {
		return provisioner.Done(), nil
	}
	if res, wait := p.powerBusy(host, node, "power on"); wait {
		return res, nil
	}
	_, res, err := p.changePower(ctx, c, host, node, nodes.PowerOn)
	return res, err
}

// PowerOff powers the host off, asking the operating system first in soft mode and
// cutting power when the BMC cannot do that; Done once Ironic reports it off.
func (p *Provisioner) PowerOff(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	res, err := p.powerOff(ctx, host, mode)
	return p.finish(host, res, err)
}

func (p *Provisioner) powerOff(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	if host.DisablePowerOff {
		// Ironic refuses too; say why in the host's terms.
		return provisioner.Failed("the host has disablePowerOff set and cannot be powered off"), nil
	}
	if node.PowerState == powerOff && node.TargetPowerState == "" {
		return provisioner.Done(), nil
	}
	if res, wait := p.powerBusy(host, node, "power off"); wait {
		return res, nil
	}
	if mode == provisioner.RebootModeSoft {
		_, res, err := p.changePower(ctx, c, host, node, nodes.SoftPowerOff)
		if !statusIs(err, http.StatusBadRequest) {
			return res, err
		}
		logger(ctx, host).Info("Soft power off is not supported; powering off hard", "node", node.UUID, "reason", fault(err))
	}
	_, res, err := p.changePower(ctx, c, host, node, nodes.PowerOff)
	return res, err
}

// Reboot restarts the host, softly (ACPI) when asked and supported; Done once Ironic
// accepted the reboot. Ironic carries it out as a power off then on (or a reset for
// disablePowerOff hosts), which the next PowerState shows.
func (p *Provisioner) Reboot(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	res, err := p.reboot(ctx, host, mode)
	return p.finish(host, res, err)
}

func (p *Provisioner) reboot(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	if res, wait := p.powerBusy(host, node, "reboot"); wait {
		return res, nil
	}
	if p.rebootTakenOver(host) {
		// Recorded by a process that stopped before it saw the reboot through (or by this
		// one before a restart), and the node is at rest: Ironic keeps no record of when it
		// last rebooted a node, so whether the reboot went out cannot be told. At most one
		// reboot per request: it is not sent again, and the request ends with a warning.
		p.reboots.Delete(host.UID)
		logger(ctx, host).Info("Cannot tell whether this reboot was sent before this process took over; not sending it again", "node", node.UUID)
		return provisioner.Result{Done: true, Warnings: []string{rebootUnconfirmed}}, nil
	}
	if !host.OperationStarted.IsZero() {
		p.reboots.Store(host.UID, host.OperationStarted)
	}
	if mode == provisioner.RebootModeSoft {
		accepted, res, err := p.changePower(ctx, c, host, node, nodes.SoftRebooting)
		if accepted {
			return provisioner.Done(), nil
		}
		if !statusIs(err, http.StatusBadRequest) {
			return res, err
		}
		logger(ctx, host).Info("Soft reboot is not supported; rebooting hard", "node", node.UUID, "reason", fault(err))
	}
	accepted, res, err := p.changePower(ctx, c, host, node, nodes.Rebooting)
	if accepted {
		p.reboots.Delete(host.UID)
		return provisioner.Done(), nil
	}
	return res, err
}

// rebootTakenOver says that the host's reboot was recorded (host.OperationStarted) by
// another process, or by this one before it restarted: not in the pass that recorded it
// (host.OperationRecordedNow), and not one this process has been sending since (a refused
// or failed request is sent again by the process that made it, as any failed request is).
func (p *Provisioner) rebootTakenOver(host provisioner.Host) bool {
	if host.OperationStarted.IsZero() || host.OperationRecordedNow {
		return false
	}
	started, ok := p.reboots.Load(host.UID)
	return !ok || !started.(time.Time).Equal(host.OperationStarted)
}

// rebootUnconfirmed is the warning of a reboot ended without knowing whether it was sent:
// the reconciler shows it in the Rebooted condition.
const rebootUnconfirmed = "the process that took this reboot on stopped before it saw Ironic accept it, and Ironic keeps " +
	"no record of when it last rebooted a node to tell whether it was sent; it was not sent again (at most one reboot " +
	"per request): ask for another reboot if the host did not restart"

// PowerState reads the power state Ironic last recorded (it syncs with the BMC
// periodically and after every power action).
func (p *Provisioner) PowerState(ctx context.Context, host provisioner.Host) (provisioner.PowerState, error) {
	_, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return provisioner.PowerState{}, p.scrubError(host.Credentials.Password, err)
	}
	switch node.PowerState {
	case powerOn:
		return provisioner.PowerState{Known: true, PoweredOn: true}, nil
	case powerOff:
		return provisioner.PowerState{Known: true}, nil
	default:
		// null before the first power action (fake-hardware) or "error".
		return provisioner.PowerState{}, nil
	}
}

// powerBusy reports whether a power action must wait: one is running, or the node is
// locked by a provisioning task. A failed earlier power action (last_error and no target)
// is reported; once the host's status records it (host.RestartOnFailure) it is retried.
func (p *Provisioner) powerBusy(host provisioner.Host, node *nodes.Node, op string) (provisioner.Result, bool) {
	if node.TargetPowerState != "" || locked(node) {
		return p.poll(), true
	}
	if node.LastError != "" && strings.Contains(strings.ToLower(node.LastError), "power") && !host.RestartOnFailure {
		return provisioner.Failed(op + " failed: " + node.LastError), true
	}
	return provisioner.Result{}, false
}

// changePower requests a power state change; accepted says Ironic took it (202). Soft
// power off and soft reboot answer 400 when the BMC type cannot do them: that error is
// returned for the caller's fallback.
func (p *Provisioner) changePower(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node, target nodes.TargetPowerState) (bool, provisioner.Result, error) {
	err := nodes.ChangePowerState(ctx, c.sc, node.UUID, nodes.PowerStateOpts{Target: target}).ExtractErr()
	switch {
	case err == nil:
		logger(ctx, host).V(2).Info("Requested a power change", "node", node.UUID, "target", target)
		return true, p.poll(), nil
	case statusIs(err, http.StatusConflict):
		return false, p.poll(), nil
	case statusIs(err, http.StatusNotFound):
		return false, provisioner.Result{}, provisioner.ErrNeedsRegistration
	case statusIs(err, http.StatusBadRequest) && (target == nodes.SoftPowerOff || target == nodes.SoftRebooting):
		return false, provisioner.Result{}, err
	case statusIs(err, http.StatusBadRequest):
		return false, provisioner.Failed(fmt.Sprintf("Ironic refused %q: %s", target, fault(err))), nil
	default:
		p.forgetVersion(err)
		return false, provisioner.Result{}, fmt.Errorf("requesting %q for Ironic node %s: %w", target, node.UUID, describe(err))
	}
}
