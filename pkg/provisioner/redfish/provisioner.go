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
	"errors"
	"net/http"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

var _ provisioner.Provisioner = &Provisioner{}

// Provisioner drives Redfish BMCs directly. One value serves every host; it is safe for
// concurrent use.
type Provisioner struct {
	cfg      Config
	now      func() time.Time
	sessions *sessionCache
	ops      *operations
}

// New returns a Redfish backend. It contacts no BMC until a host is registered.
func New(cfg Config) (*Provisioner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.loadCABundle(); err != nil {
		return nil, err
	}
	now := time.Now
	return &Provisioner{
		cfg:      cfg,
		now:      now,
		sessions: newSessionCache(cfg, now),
		ops:      newOperations(max(time.Minute, 5*cfg.PollInterval)),
	}, nil
}

// Name names the backend.
func (p *Provisioner) Name() string { return "redfish" }

// HasCapacity is always true: no step of this backend keeps a BMC busy for long, and the
// reconciler's own limit bounds how many hosts are in long states.
func (p *Provisioner) HasCapacity(context.Context) (bool, error) { return true, nil }

// Close logs out of every BMC session and makes later calls fail; the server calls it when it
// stops, so that a restart does not leave sessions behind on the BMCs.
func (p *Provisioner) Close(ctx context.Context) {
	p.sessions.close(ctx)
}

// ActiveSessions counts the BMC logins the backend holds (one per BMC endpoint and user in
// use), for tests and diagnostics.
func (p *Provisioner) ActiveSessions() int { return p.sessions.loggedIn() }

// with runs fn with a client of the host's BMC session, bounded by the call timeout. A 401
// means the session ended on the BMC (timeout, BMC reboot): fn runs once more after a new
// login, which is safe because every step re-reads the state before acting.
func (p *Provisioner) with(ctx context.Context, host provisioner.Host, fn func(ctx context.Context, c *gofish.APIClient) error) error {
	if host.BMC == nil {
		// Only a host whose credentials could not be read while being deleted comes
		// without an address: there is nothing to talk to, so nothing to undo.
		return provisioner.ErrNeedsRegistration
	}
	if !host.BMC.Redfish {
		return refusedf("the redfish provisioner drives Redfish BMCs only, and %q is a %s address; use --provisioner=ironic for other BMCs",
			host.BMC.Address, host.BMC.Type)
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.callTimeout())
	defer cancel()
	relogged := false
	// A few rounds at most: a round starts over only after a race with a logout or a 401.
	for range 4 {
		s, err := p.sessions.acquire(ctx, host)
		if err != nil {
			return err
		}
		c, gen, err := s.clientFor(ctx)
		if errors.Is(err, errRetired) {
			continue
		}
		if err != nil {
			return err
		}
		err = fn(ctx, c)
		if !isStatus(err, http.StatusUnauthorized) {
			return err
		}
		if relogged {
			return &credentialsError{endpoint: s.endpoint, username: s.username, status: http.StatusUnauthorized}
		}
		relogged = true
		if err := s.relogin(ctx, gen); err != nil && !errors.Is(err, errRetired) {
			return err
		}
	}
	return errRetired
}

// systemPath is the host's system, as registered.
func systemPath(host provisioner.Host) (string, error) {
	if host.ID == "" {
		return "", provisioner.ErrNeedsRegistration
	}
	if want := host.BMC.SystemID(); want != "" && want != host.ID {
		// The address now names another system: register again to check it.
		return "", provisioner.ErrNeedsRegistration
	}
	return host.ID, nil
}

// system reads the host's ComputerSystem. Gone means the host must be registered again.
func (p *Provisioner) system(c *gofish.APIClient, host provisioner.Host) (*schemas.ComputerSystem, error) {
	path, err := systemPath(host)
	if err != nil {
		return nil, err
	}
	sys, err := schemas.GetComputerSystem(c, path)
	if isStatus(err, http.StatusNotFound) {
		return nil, provisioner.ErrNeedsRegistration
	}
	return sys, err
}

// Adopt takes over a host provisioned by something else: nothing to do on the BMC, whose
// registration already proved it answers.
func (p *Provisioner) Adopt(context.Context, provisioner.Host) (provisioner.Result, error) {
	return provisioner.Done(), nil
}

// Prepare applies the firmware changes asked for (BIOS settings, firmware updates; see
// service.go), and is otherwise done at once: cleaning disks needs an agent running on the
// host, which this backend does not have (it never boots a ramdisk of its own). RAID is
// refused rather than silently skipped, since status would otherwise claim it was applied.
func (p *Provisioner) Prepare(ctx context.Context, host provisioner.Host, data provisioner.PrepareData) (provisioner.Result, error) {
	if data.RAID != nil && (len(data.RAID.HardwareRAIDVolumes) > 0 || len(data.RAID.SoftwareRAIDVolumes) > 0) {
		return provisioner.Failed("the redfish provisioner cannot configure RAID; remove spec.raid or use --provisioner=ironic"), nil
	}
	return p.applyFirmware(ctx, host, data.Firmware)
}

// Service applies firmware changes to a provisioned host (see service.go): updates staged,
// settings staged, one reset, and Done once the BMC reports everything in effect. The host
// is left on after that reset; the reconciler brings it to its spec.online afterwards.
func (p *Provisioner) Service(ctx context.Context, host provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	return p.applyFirmware(ctx, host, changes)
}

// Detach forgets the host: its BMC session is logged out unless other hosts use it.
func (p *Provisioner) Detach(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	p.forget(ctx, host)
	return provisioner.Done(), nil
}

// Delete forgets the host, like Detach: the backend keeps no record of hosts on the BMC.
func (p *Provisioner) Delete(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	p.forget(ctx, host)
	return provisioner.Done(), nil
}

func (p *Provisioner) forget(ctx context.Context, host provisioner.Host) {
	p.ops.clear(host)
	p.sessions.forget(ctx, host)
	klog.FromContext(ctx).V(2).Info("Forgot host", "host", hostKey(host))
}
