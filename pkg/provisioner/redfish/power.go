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
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Power changes are confirmed by reading the system again on later calls: the first call
// sends the command and returns InProgress; later calls report Done once the BMC reports
// the state, send the command again when the BMC shows no sign of acting on it, force a
// graceful command that takes too long, and give up after a timeout.

// PowerOn powers the host on; Done once the BMC reports it On.
func (p *Provisioner) PowerOn(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	return p.changePower(ctx, host, opPowerOn, provisioner.RebootModeHard)
}

// PowerOff powers the host off (soft: GracefulShutdown, forced after SoftTimeout; hard:
// ForceOff); Done once the BMC reports it Off.
func (p *Provisioner) PowerOff(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	if host.DisablePowerOff {
		return provisioner.Failed("powering this host off is disabled (spec.disablePowerOff)"), nil
	}
	return p.changePower(ctx, host, opPowerOff, mode)
}

func (p *Provisioner) changePower(ctx context.Context, host provisioner.Host, kind opKind, mode provisioner.RebootMode) (provisioner.Result, error) {
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.powerStep(ctx, host, sys, kind, mode)
		return err
	})
	return finish(host, res, err)
}

func (p *Provisioner) powerStep(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem, kind opKind, mode provisioner.RebootMode) (provisioner.Result, error) {
	now := p.now()
	want, transit, force, word := schemas.OnPowerState, schemas.PoweringOnPowerState, schemas.OnResetType, "on"
	if kind == opPowerOff {
		want, transit, force, word = schemas.OffPowerState, schemas.PoweringOffPowerState, schemas.ForceOffResetType, "off"
	}
	if sys.PowerState == want {
		p.ops.clear(host)
		return provisioner.Done(), nil
	}
	op, ok := p.ops.get(host, kind, now)
	if !ok {
		op = operation{kind: kind, started: now, command: force, sent: now}
		// A system already on its way was sent a command by someone else: wait for it.
		if sys.PowerState != transit {
			if kind == opPowerOn {
				if err := p.armLiveISO(ctx, host, sys); err != nil {
					return provisioner.Result{}, err
				}
			}
			if kind == opPowerOff && mode == provisioner.RebootModeSoft && supports(sys, schemas.GracefulShutdownResetType) {
				op.command = schemas.GracefulShutdownResetType
			}
			if err := reset(ctx, sys, op.command); err != nil {
				return provisioner.Result{}, err
			}
		}
		p.ops.put(host, op, now)
		return provisioner.InProgress(p.cfg.PollInterval), nil
	}

	logger := klog.FromContext(ctx)
	elapsed := now.Sub(op.started)
	graceful := op.command == schemas.GracefulShutdownResetType
	deadline := p.cfg.PowerTimeout
	if graceful || op.forced {
		deadline += p.cfg.SoftTimeout
	}
	switch {
	case graceful && (elapsed >= p.cfg.SoftTimeout || mode == provisioner.RebootModeHard):
		// Out of time, or a hard power off asked for meanwhile (the host is being deleted).
		logger.Info("Graceful shutdown did not finish; forcing power off", "after", elapsed.Round(time.Millisecond), "timeout", p.cfg.SoftTimeout)
		if err := reset(ctx, sys, schemas.ForceOffResetType); err != nil {
			return provisioner.Result{}, err
		}
		op.command, op.sent, op.forced = schemas.ForceOffResetType, now, true
	case elapsed >= deadline:
		p.ops.clear(host)
		return provisioner.Failed(fmt.Sprintf("the BMC did not power the host %s within %s; it reports power state %q",
			word, deadline, sys.PowerState)), nil
	case !graceful && sys.PowerState != transit && now.Sub(op.sent) >= p.cfg.PowerRetryInterval:
		// Acknowledged but not acted upon (BMCs drop a power-on that comes too soon after a
		// power-off, or while busy): send it again.
		logger.Info("BMC has not acted on the power command; sending it again", "resetType", op.command,
			"powerState", sys.PowerState, "sentAgo", now.Sub(op.sent).Round(time.Millisecond))
		if err := reset(ctx, sys, op.command); err != nil && !refused(err) {
			return provisioner.Result{}, err
		}
		op.sent = now
	}
	p.ops.put(host, op, now)
	return provisioner.InProgress(p.cfg.PollInterval), nil
}

// Reboot restarts the host (soft: GracefulRestart, forced after SoftTimeout; hard:
// ForceRestart); a host that is off is powered on. Done once the host is On again after a
// reset was seen: the power left On, or LastResetTime moved.
func (p *Provisioner) Reboot(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.rebootStep(ctx, host, sys, mode)
		return err
	})
	return finish(host, res, err)
}

func (p *Provisioner) rebootStep(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem, mode provisioner.RebootMode) (provisioner.Result, error) {
	logger := klog.FromContext(ctx)
	now := p.now()
	op, ok := p.ops.get(host, opReboot, now)
	if ok && !host.OperationStarted.IsZero() && !op.started.Equal(host.OperationStarted) {
		// Another request than the one followed in memory (asked again meanwhile).
		ok = false
	}
	// failed says that this process tried to send the reset and got an error: it may or may
	// not have gone out.
	failed := ok && op.sent.IsZero()
	if !ok || failed {
		started := now
		if !host.OperationStarted.IsZero() {
			started = host.OperationStarted
		}
		op = operation{kind: opReboot, started: started}
		if !host.OperationStarted.IsZero() && (failed || !host.OperationRecordedNow) {
			// Nothing in memory of a reboot recorded earlier: this process did not start it
			// (it restarted, or it is a new leader), or its reset failed. Whether the reset
			// went out is read from the BMC.
			switch resumeReboot(sys, host.LastResetBefore) {
			case rebootDone:
				logger.Info("Host was reset for this reboot before this process took over", "lastResetTime", sys.LastResetTime)
				p.ops.clear(host)
				return provisioner.Done(), nil
			case rebootUnderWay:
				logger.Info("Host is resetting for this reboot; following it", "powerState", sys.PowerState)
				op.command, op.sent, op.sawDown, op.resetBefore = schemas.ForceRestartResetType, now, true, host.LastResetBefore
				p.ops.put(host, op, now)
				return provisioner.InProgress(p.cfg.PollInterval), nil
			case rebootUnknown:
				if failed {
					// This process's own attempt failed: sent again, as any failed request is.
					break
				}
				p.ops.clear(host)
				logger.Info("Cannot tell whether this reboot's reset was sent before this process took over; not sending it again",
					"powerState", sys.PowerState)
				return provisioner.Result{Done: true, Warnings: []string{rebootUnconfirmed}}, nil
			}
		}
		if err := p.startReset(ctx, host, sys, &op, mode, now); err != nil {
			// Remembered as tried and not known to be sent, for the next call to decide.
			p.ops.put(host, operation{kind: opReboot, started: started}, now)
			return provisioner.Result{}, err
		}
		p.ops.put(host, op, now)
		return provisioner.InProgress(p.cfg.PollInterval), nil
	}
	done, why, err := p.followReset(ctx, sys, &op, op.started, mode, now)
	switch {
	case err != nil:
		return provisioner.Result{}, err
	case why != "":
		p.ops.clear(host)
		return provisioner.Failed(why), nil
	case done:
		p.ops.clear(host)
		return provisioner.Done(), nil
	}
	p.ops.put(host, op, now)
	return provisioner.InProgress(p.cfg.PollInterval), nil
}

// rebootUnconfirmed is the warning of a reboot ended without knowing whether its reset went
// out: the reconciler shows it in the Rebooted condition.
const rebootUnconfirmed = "the process that took this reboot on stopped before it saw the reset happen, and the BMC " +
	"reports no LastResetTime to tell whether it was sent; it was not sent again (at most one reset per request): " +
	"ask for another reboot if the host did not restart"

type rebootResume int

const (
	rebootNotSent rebootResume = iota
	rebootUnderWay
	rebootDone
	rebootUnknown
)

// resumeReboot tells, for a reboot recorded earlier (before any reset for it was sent) of
// which this process has no memory, whether its reset went out, from what the BMC reports now
// and its LastResetTime read just before the record (lastResetBefore):
//   - the power in transition, or off: under way (a reset, or a restart that ended off); it is
//     followed to the end, the host powered on if it stays off (a power-on cannot restart a
//     running host a second time);
//   - on, with a LastResetTime other than the one recorded: done, the host restarted since;
//   - on, with the same LastResetTime: never sent; it is sent now;
//   - on, and no LastResetTime before or now: the BMC cannot tell. A second reset would restart
//     the host twice if the first went out, so it is not sent: unknown, which ends the reboot
//     with a warning saying so (at most once, and the status says why).
//
// Both LastResetTimes come from the BMC's clock, so the server's clock never enters into it.
// A reset within the same second as the previous one leaves LastResetTime unchanged; a reboot
// takes longer than that on real hardware.
func resumeReboot(sys *schemas.ComputerSystem, lastResetBefore string) rebootResume {
	switch sys.PowerState {
	case schemas.PoweringOnPowerState, schemas.PoweringOffPowerState, schemas.OffPowerState:
		return rebootUnderWay
	case schemas.OnPowerState:
	default:
		// No power state: nothing to go by but LastResetTime.
		if lastResetBefore == "" || sys.LastResetTime == "" {
			return rebootUnknown
		}
	}
	switch {
	case lastResetBefore == "" || sys.LastResetTime == "":
		return rebootUnknown
	case sys.LastResetTime != lastResetBefore:
		return rebootDone
	}
	return rebootNotSent
}

// startReset restarts the host (soft: GracefulRestart when offered; hard: ForceRestart), or
// powers it on when it is off, recording in op what followReset needs to see it happen. A
// host running a live ISO is armed to boot it again.
func (p *Provisioner) startReset(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem, op *operation, mode provisioner.RebootMode, now time.Time) error {
	op.sent, op.resetBefore, op.sawDown, op.forced = now, sys.LastResetTime, false, false
	op.command = schemas.ForceRestartResetType
	switch state := sys.PowerState; {
	case state == schemas.OffPowerState || state == schemas.PoweringOffPowerState:
		op.command = schemas.OnResetType
	case mode == provisioner.RebootModeSoft && supports(sys, schemas.GracefulRestartResetType):
		op.command = schemas.GracefulRestartResetType
	}
	if err := p.armLiveISO(ctx, host, sys); err != nil {
		return err
	}
	return reset(ctx, sys, op.command)
}

// followReset follows a reset sent by startReset, which began at started: done once the host
// is On again after the reset was seen (the power left On, or LastResetTime moved); failed
// says why it gave up. A graceful restart is forced after SoftTimeout, a host that stays off
// is powered on again.
func (p *Provisioner) followReset(ctx context.Context, sys *schemas.ComputerSystem, op *operation, started time.Time, mode provisioner.RebootMode, now time.Time) (done bool, failed string, err error) {
	logger := klog.FromContext(ctx)
	state := sys.PowerState
	if state != schemas.OnPowerState {
		op.sawDown = true
	}
	resetSeen := op.sawDown || (op.resetBefore != "" && sys.LastResetTime != "" && sys.LastResetTime != op.resetBefore)
	elapsed, sinceSent := now.Sub(started), now.Sub(op.sent)
	deadline := p.cfg.PowerTimeout
	if op.command == schemas.GracefulRestartResetType || op.forced {
		deadline += p.cfg.SoftTimeout
	}
	switch {
	case state == schemas.OnPowerState && (resetSeen || op.command == schemas.OnResetType):
		return true, "", nil
	case state == schemas.OnPowerState && op.command == schemas.ForceRestartResetType && sinceSent >= p.cfg.PowerRetryInterval:
		// A forced reset the BMC accepted but that left no trace to see (faster than the
		// polls, and no LastResetTime or one within the same second): take the BMC's word.
		return true, "", nil
	case op.command == schemas.GracefulRestartResetType && (elapsed >= p.cfg.SoftTimeout || mode == provisioner.RebootModeHard):
		logger.Info("Graceful restart did not happen; forcing it", "after", elapsed.Round(time.Millisecond), "timeout", p.cfg.SoftTimeout)
		if err := reset(ctx, sys, schemas.ForceRestartResetType); err != nil {
			return false, "", err
		}
		op.command, op.sent, op.forced = schemas.ForceRestartResetType, now, true
	case elapsed >= deadline:
		return false, fmt.Sprintf("the host did not come back on within %s of the reboot; the BMC reports power state %q",
			deadline, state), nil
	case state == schemas.OffPowerState && sinceSent >= p.cfg.PowerRetryInterval:
		// Down and staying down: a restart that ended off, or a dropped power-on.
		logger.Info("Host stayed off after the reset; powering it on", "sentAgo", sinceSent.Round(time.Millisecond))
		if err := reset(ctx, sys, schemas.OnResetType); err != nil && !refused(err) {
			return false, "", err
		}
		op.command, op.sent = schemas.OnResetType, now
	}
	return false, "", nil
}

// supports reports whether the system offers a reset type; a BMC that lists none is taken
// to offer them all, as the specification's default.
func supports(sys *schemas.ComputerSystem, t schemas.ResetType) bool {
	types, err := sys.GetSupportedResetTypes()
	return err != nil || len(types) == 0 || slices.Contains(types, t)
}

// reset sends ComputerSystem.Reset. An answer with a task monitor (202) is not followed: the
// next call reads the power state, which is what counts.
func reset(ctx context.Context, sys *schemas.ComputerSystem, t schemas.ResetType) error {
	if !supports(sys, t) {
		types, _ := sys.GetSupportedResetTypes()
		return refusedf("the BMC does not offer reset type %s for %s (it offers %v)", t, sys.ODataID, types)
	}
	klog.FromContext(ctx).V(1).Info("Sending reset", "system", sys.ODataID, "resetType", t)
	_, err := sys.Reset(t)
	return err
}

// refused reports a request the BMC answered with a 4xx other than 401, e.g. a repeated
// power-on refused as "already in progress".
func refused(err error) bool {
	s := statusOf(err)
	return s >= 400 && s < 500 && s != 401
}
