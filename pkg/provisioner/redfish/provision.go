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
	"net/url"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Provisioning without Ironic means without an agent on the host, so nothing can be written
// to its disks: the one kind of image this backend provisions is a live ISO, which the host
// boots from the BMC's virtual CD and runs from memory.

// Provision boots a live ISO from virtual media: whatever else is in the drive is ejected,
// the image inserted, a one-time boot override to the CD set and the host reset (or powered
// on). Done once the host is on after that reset and the firmware consumed the override.
// Config drive data is not attached: a live ISO carries its own configuration.
func (p *Provisioner) Provision(ctx context.Context, host provisioner.Host, data provisioner.ProvisionData) (provisioner.Result, error) {
	if msg := unsupportedImage(data); msg != "" {
		return provisioner.Failed(msg), nil
	}
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.provisionStep(ctx, host, sys, data.Image.URL)
		return err
	})
	return finish(host, res, err)
}

// unsupportedImage explains why the data cannot be provisioned by this backend, or is "".
func unsupportedImage(data provisioner.ProvisionData) string {
	if data.CustomDeploy != nil && data.CustomDeploy.Method != "" {
		return fmt.Sprintf("custom deploy %q needs Ironic's agent; the redfish provisioner only provisions live-iso images (use --provisioner=ironic)",
			data.CustomDeploy.Method)
	}
	if data.Image == nil || data.Image.URL == "" {
		return "no image to provision"
	}
	format := "unset"
	if data.Image.Format != nil {
		format = *data.Image.Format
	}
	if format != v1alpha1.ImageFormatLiveISO {
		return fmt.Sprintf("image format %s: the redfish provisioner only provisions live-iso images (spec.image.format: live-iso), "+
			"which it boots from virtual media; writing disk images needs Ironic's agent (use --provisioner=ironic)", format)
	}
	return ""
}

func (p *Provisioner) provisionStep(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem, image string) (provisioner.Result, error) {
	logger := klog.FromContext(ctx)
	now := p.now()
	op, ok := p.ops.get(host, opProvision, now)
	if !ok || op.image != image {
		op = operation{kind: opProvision, started: now, image: image}
		ok = false
	}
	if now.Sub(op.started) >= p.cfg.BootTimeout {
		p.ops.clear(host)
		return provisioner.Failed(fmt.Sprintf("the host did not boot the live ISO within %s (power %q, boot override %s/%s)",
			p.cfg.BootTimeout, sys.PowerState, sys.Boot.BootSourceOverrideTarget, sys.Boot.BootSourceOverrideEnabled)), nil
	}
	cds, err := cdDrives(sys)
	if err != nil {
		return provisioner.Result{}, err
	}
	if len(cds) == 0 {
		return provisioner.Result{}, refusedf("the BMC offers no virtual CD/DVD drive for %s to boot the live ISO from", sys.ODataID)
	}
	drive := pickDrive(cds, image)
	if !holds(drive, image) {
		switch {
		case drive.Image != "" || inserted(drive):
			if !op.ejected.IsZero() && now.Sub(op.ejected) < p.cfg.PowerRetryInterval {
				break // an asynchronous eject is running
			}
			logger.Info("Ejecting virtual media to make room for the live ISO", "drive", drive.ODataID, "image", loggable(drive.Image))
			if _, err := drive.EjectMedia(); err != nil {
				return provisioner.Result{}, err
			}
			op.ejected = now
		case !op.inserted.IsZero() && now.Sub(op.inserted) < p.cfg.PowerRetryInterval:
			// An asynchronous insert is running.
		default:
			logger.Info("Inserting the live ISO into virtual media", "drive", drive.ODataID, "image", loggable(image))
			task, err := drive.InsertMedia(&schemas.VirtualMediaInsertMediaParameters{
				Image: image, Inserted: gofish.ToRef(true), WriteProtected: gofish.ToRef(true),
			})
			if err != nil {
				return provisioner.Result{}, err
			}
			op.inserted = now
			if task == nil {
				// Done already: on to the boot without waiting for the next call.
				return p.bootLiveISO(ctx, host, sys, op, now)
			}
		}
		p.ops.put(host, op, now)
		return provisioner.InProgress(p.cfg.PollInterval), nil
	}
	if op.sent.IsZero() {
		if !ok {
			// Nothing in memory: this process did not start this provisioning (it restarted,
			// or it is a new leader). What the earlier one did is read from the BMC.
			switch resumeLiveISOBoot(sys, host.OperationStarted) {
			case liveISOBooted:
				logger.Info("Host booted the live ISO before this process took over", "image", loggable(image))
				p.ops.clear(host)
				return provisioner.Done(), nil
			case liveISOBooting:
				logger.Info("Host is resetting into the live ISO; waiting for it", "powerState", sys.PowerState)
				op.sent, op.sawDown = now, true
				p.ops.put(host, op, now)
				return provisioner.InProgress(p.cfg.PollInterval), nil
			}
		}
		return p.bootLiveISO(ctx, host, sys, op, now)
	}

	state := sys.PowerState
	if state != schemas.OnPowerState {
		op.sawDown = true
	}
	booted := !overridesToCD(sys) || op.sawDown ||
		(op.resetBefore != "" && sys.LastResetTime != "" && sys.LastResetTime != op.resetBefore)
	switch {
	case state == schemas.OnPowerState && booted:
		p.ops.clear(host)
		logger.Info("Host booted the live ISO", "image", loggable(image), "took", now.Sub(op.started).Round(time.Millisecond))
		return provisioner.Done(), nil
	case state == schemas.OffPowerState && now.Sub(op.sent) >= p.cfg.PowerRetryInterval:
		logger.Info("Host stayed off after the reset; powering it on", "sentAgo", now.Sub(op.sent).Round(time.Millisecond))
		if err := reset(ctx, sys, schemas.OnResetType); err != nil && !refused(err) {
			return provisioner.Result{}, err
		}
		op.sent = now
	}
	p.ops.put(host, op, now)
	return provisioner.InProgress(p.cfg.PollInterval), nil
}

type liveISOBoot int

const (
	liveISONotBooted liveISOBoot = iota
	liveISOBooting
	liveISOBooted
)

// resumeLiveISOBoot tells, for a host whose drive holds the live ISO, whether the reset into it
// was sent by an earlier process (a leader that died, this one before a restart), from what
// the BMC reports and when the provisioning began (status.operationHistory, stored before any
// of its BMC actions). Resetting again would boot the host twice:
//   - the one-time override to the CD still pending while the power is in transition: the
//     reset is under way;
//   - the override consumed (a boot happened since it was set), the host on, and its last
//     reset not older than the provisioning: the host booted the ISO.
//
// Anything else (the override pending on a host at rest, or not set at all) means the reset
// was never sent. The comparison is in whole seconds (Redfish dates and stored times have no
// more), and trusts the BMC's clock to within them; a BMC that reports no LastResetTime gets
// the reset again, as before.
func resumeLiveISOBoot(sys *schemas.ComputerSystem, started time.Time) liveISOBoot {
	transit := sys.PowerState == schemas.PoweringOnPowerState || sys.PowerState == schemas.PoweringOffPowerState
	if overridesToCD(sys) {
		if transit {
			return liveISOBooting
		}
		return liveISONotBooted
	}
	if sys.PowerState != schemas.OnPowerState || started.IsZero() {
		return liveISONotBooted
	}
	last, err := time.Parse(time.RFC3339, sys.LastResetTime)
	if err != nil || last.Unix() < started.Unix() {
		return liveISONotBooted
	}
	return liveISOBooted
}

// loggable hides the password of an image URL that carries credentials
// (http://user:password@host/...), which some image servers need.
func loggable(image string) string {
	if u, err := url.Parse(image); err == nil && u.User != nil {
		return u.Redacted()
	}
	return image
}

// bootLiveISO sets the one-time override to the CD and resets the host into it.
func (p *Provisioner) bootLiveISO(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem, op operation, now time.Time) (provisioner.Result, error) {
	if err := bootFromCDOnce(ctx, sys, host.BootMode); err != nil {
		return provisioner.Result{}, err
	}
	op.command = schemas.OnResetType
	if sys.PowerState == schemas.OnPowerState || sys.PowerState == schemas.PoweringOnPowerState {
		op.command = schemas.ForceRestartResetType
	}
	op.resetBefore = sys.LastResetTime
	if err := reset(ctx, sys, op.command); err != nil {
		return provisioner.Result{}, err
	}
	op.sent = now
	p.ops.put(host, op, now)
	return provisioner.InProgress(p.cfg.PollInterval), nil
}

// Deprovision ejects the virtual media, drops a pending boot override to the CD and powers
// the host off (hard: a live ISO keeps nothing worth a clean shutdown). Done once the drives
// are empty and the host is off. Nothing is cleaned: there is no agent to do it.
func (p *Provisioner) Deprovision(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.deprovisionStep(ctx, host, sys)
		return err
	})
	return finish(host, res, err)
}

func (p *Provisioner) deprovisionStep(ctx context.Context, host provisioner.Host, sys *schemas.ComputerSystem) (provisioner.Result, error) {
	logger := klog.FromContext(ctx)
	now := p.now()
	op, ok := p.ops.get(host, opDeprovision, now)
	if !ok {
		op = operation{kind: opDeprovision, started: now}
	}
	cds, err := cdDrives(sys)
	if err != nil {
		return provisioner.Result{}, err
	}
	pending, ejecting, attached := false, false, 0
	for _, d := range cds {
		if d.Image == "" && !inserted(d) {
			continue
		}
		pending = true
		attached++
		if !op.ejected.IsZero() && now.Sub(op.ejected) < p.cfg.PowerRetryInterval {
			continue // an eject is running
		}
		logger.Info("Ejecting virtual media", "drive", d.ODataID, "image", loggable(d.Image))
		if _, err := d.EjectMedia(); err != nil {
			return provisioner.Result{}, err
		}
		ejecting = true
	}
	if ejecting {
		op.ejected = now
	}
	if overridesToCD(sys) {
		// Nothing to boot from any more; a pending override would make the next boot fail.
		err := sys.SetBoot(&schemas.Boot{
			BootSourceOverrideTarget:  schemas.NoneBootSource,
			BootSourceOverrideEnabled: schemas.DisabledBootSourceOverrideEnabled,
		})
		if err != nil && !refused(err) {
			return provisioner.Result{}, err
		}
	}
	if !host.DisablePowerOff && sys.PowerState != schemas.OffPowerState {
		pending = true
		if op.sent.IsZero() || (sys.PowerState != schemas.PoweringOffPowerState && now.Sub(op.sent) >= p.cfg.PowerRetryInterval) {
			if err := reset(ctx, sys, schemas.ForceOffResetType); err != nil && (op.sent.IsZero() || !refused(err)) {
				return provisioner.Result{}, err
			}
			op.command, op.sent = schemas.ForceOffResetType, now
		}
	}
	if !pending {
		p.ops.clear(host)
		return provisioner.Done(), nil
	}
	if now.Sub(op.started) >= p.cfg.PowerTimeout {
		p.ops.clear(host)
		return provisioner.Failed(fmt.Sprintf("deprovisioning did not finish within %s: the BMC reports power state %q and %d virtual drive(s) still holding media",
			p.cfg.PowerTimeout, sys.PowerState, attached)), nil
	}
	p.ops.put(host, op, now)
	return provisioner.InProgress(p.cfg.PollInterval), nil
}
