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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Firmware changes (BIOS settings and firmware updates) are applied by one step, which
// Prepare and Service share. It is ordered so that a failure leaves nothing half-done:
//
//  1. plan: the settings are converted to the registry's types and checked, and every
//     updated component's version is noted, before anything changes. What the BMC would
//     refuse is refused here.
//  2. updates, one at a time in the order given: SimpleUpdate with the component's firmware
//     inventory entry as target, then its task followed until it completes. A failed task
//     stops everything: no settings are staged. An update already running on the BMC is
//     waited for (or followed, when it is this very image, started before a restart).
//  3. settings: staged on the BIOS's settings object, to apply on the next reset.
//  4. one reset applies everything: a restart of a host that is on, a power-on of one
//     that is off.
//  5. verify: Done only when the BMC reports none of the settings pending and each in
//     effect, and each updated component at a version other than before. A setting that
//     is neither in effect nor pending after the reset fails, naming it.
//
// Decisions come from what the BMC reports wherever it can tell (pending settings, running
// update tasks, versions); the operation remembers what it cannot: the versions before the
// updates, the task being followed, when the reset was sent. A new set of changes starts
// over. Done is remembered for as long as an operation is kept without calls, so that a
// reconciler calling again before it records the outcome does not flash the images twice.

// firmwarePhase is where applying firmware changes stands.
type firmwarePhase int

const (
	fwUpdates firmwarePhase = iota
	fwSettings
	fwReset
	fwVerify
	fwDone
)

// firmwareOp is what an opFirmware operation remembers.
type firmwareOp struct {
	// key identifies the changes: another set starts over.
	key   string
	phase firmwarePhase
	// before are the versions of the updated components before their updates.
	before map[string]string
	// body are the settings as the PATCH carries them; want as the BMC reports them once
	// applied.
	body map[string]any
	want map[string]string
	// next is the update under way; task the URI of its task (or task monitor) once sent,
	// at taskSent; waitSince dates the wait for another update the BMC is busy with.
	next      int
	task      string
	taskSent  time.Time
	waitSince time.Time
	// mode is how the host is reset; resetStarted and resetDone date the reset.
	mode         provisioner.RebootMode
	resetStarted time.Time
	resetDone    time.Time
}

// changesKey fingerprints a set of changes; the URLs may carry passwords, hence a hash.
func changesKey(ch provisioner.FirmwareChanges) string {
	h := sha256.New()
	for _, k := range ch.SettingNames() {
		fmt.Fprintf(h, "s\x00%s\x00%s\x00", k, ch.Settings[k])
	}
	for _, u := range ch.Updates {
		fmt.Fprintf(h, "u\x00%s\x00%s\x00", u.Component, u.URL)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// applyFirmware applies firmware changes to the host; see the top of this file.
func (p *Provisioner) applyFirmware(ctx context.Context, host provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	if changes.Empty() {
		return provisioner.Done(), nil
	}
	var res provisioner.Result
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		res, err = p.firmwareStep(ctx, c, host, sys, changes)
		return err
	})
	return finish(host, res, err)
}

func (p *Provisioner) firmwareStep(ctx context.Context, c *gofish.APIClient, host provisioner.Host, sys *schemas.ComputerSystem, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	now := p.now()
	key := changesKey(changes)
	op, ok := p.ops.get(host, opFirmware, now)
	fresh := !ok || op.fw.key != key
	if fresh {
		op = operation{kind: opFirmware, started: now, fw: firmwareOp{key: key}}
	}
	s := &fwStep{p: p, ctx: ctx, logger: klog.FromContext(ctx), c: c, host: host, sys: sys, ch: changes, op: &op, now: now}
	if fresh {
		if res, err := s.plan(); err != nil || res != nil {
			return resultOf(res), err
		}
		s.save()
	}
	for {
		var res *provisioner.Result
		var err error
		switch op.fw.phase {
		case fwUpdates:
			res, err = s.updates()
		case fwSettings:
			res, err = s.stage()
		case fwReset:
			res, err = s.reset()
		case fwVerify:
			res, err = s.verify()
		default:
			// Done before: nothing to do again (and the operation is not refreshed, so it
			// is forgotten once the reconciler stops asking).
			return provisioner.Done(), nil
		}
		switch {
		case err != nil:
			// What was sent is saved; the next call reads the BMC and goes on.
			return provisioner.Result{}, err
		case res != nil && res.ErrorMessage != "":
			p.ops.clear(host)
			return *res, nil
		case res != nil:
			return *res, nil
		}
		op.fw.phase++
		s.save()
	}
}

func resultOf(res *provisioner.Result) provisioner.Result {
	if res == nil {
		return provisioner.Result{}
	}
	return *res
}

// fwStep is one call of the firmware step.
type fwStep struct {
	p      *Provisioner
	ctx    context.Context
	logger klog.Logger
	c      *gofish.APIClient
	host   provisioner.Host
	sys    *schemas.ComputerSystem
	ch     provisioner.FirmwareChanges
	op     *operation
	now    time.Time
}

func (s *fwStep) save() { s.p.ops.put(s.host, *s.op, s.now) }

func (s *fwStep) inProgress() *provisioner.Result {
	s.save()
	res := provisioner.InProgress(s.p.cfg.PollInterval)
	return &res
}

func failed(format string, args ...any) *provisioner.Result {
	res := provisioner.Failed(fmt.Sprintf(format, args...))
	return &res
}

func (s *fwStep) done() *provisioner.Result {
	s.op.fw.phase = fwDone
	s.save()
	res := provisioner.Done()
	return &res
}

// updateFailed is the failure of one update, in the one form every such failure takes.
func updateFailed(u provisioner.FirmwareUpdate, why string) *provisioner.Result {
	return failed("firmware update of %s from %s failed: %s", u.Component, loggable(u.URL), why)
}

// plan checks the changes against what the BMC reports before anything changes.
func (s *fwStep) plan() (*provisioner.Result, error) {
	fw := &s.op.fw
	if len(s.ch.Settings) > 0 {
		b, err := readBIOSResource(s.c, s.sys, true)
		if err != nil {
			return nil, err
		}
		body, err := settingsBody(s.ch.Settings, b.Schema, b.Attributes)
		if err != nil {
			return nil, err
		}
		fw.body, fw.want = body, attributeStrings(body)
	}
	if len(s.ch.Updates) > 0 {
		versions := componentVersions(s.sys)
		fw.before = map[string]string{}
		for _, u := range s.ch.Updates {
			v, ok := versions[u.Component]
			switch {
			case u.URL == "":
				return failed("firmware update of %s: no image URL", u.Component), nil
			case !ok:
				return failed("firmware update of %s from %s: the BMC reports no such component (it reports %s)",
					u.Component, loggable(u.URL), strings.Join(slices.Sorted(maps.Keys(versions)), ", ")), nil
			}
			fw.before[u.Component] = v
		}
	}
	s.logger.Info("Applying firmware changes", "settings", s.ch.SettingNames(), "updates", len(s.ch.Updates),
		"versionsBefore", fw.before)
	return nil, nil
}

// componentVersions are the versions FirmwareComponents reports, by component.
func componentVersions(sys *schemas.ComputerSystem) map[string]string {
	out := map[string]string{}
	for _, c := range firmwareComponents(sys) {
		out[c.Component] = c.Version
	}
	return out
}

// updates starts the updates one after the other and follows each to its end.
func (s *fwStep) updates() (*provisioner.Result, error) {
	fw := &s.op.fw
	for fw.next < len(s.ch.Updates) {
		u := s.ch.Updates[fw.next]
		if fw.task == "" {
			started, res, err := s.startUpdate(u)
			if err != nil || res != nil {
				return res, err
			}
			if started {
				return s.inProgress(), nil
			}
		} else if res, err := s.followUpdate(u); err != nil || res != nil {
			return res, err
		}
		fw.next++
		fw.task, fw.taskSent, fw.waitSince = "", time.Time{}, time.Time{}
		s.save()
	}
	return nil, nil
}

// startUpdate sends SimpleUpdate, or waits for an update the BMC is running already. started
// says a task is now followed; neither started nor a result means the BMC updated at once.
func (s *fwStep) startUpdate(u provisioner.FirmwareUpdate) (started bool, res *provisioner.Result, err error) {
	fw := &s.op.fw
	us, err := s.c.Service.UpdateService()
	if err != nil {
		return false, nil, err
	}
	if us == nil {
		return false, updateFailed(u, "the BMC has no update service"), nil
	}
	scope, err := readUpdateScope(s.c, us, s.sys)
	if err != nil {
		return false, nil, err
	}
	target := scope.target(u.Component, fw.before[u.Component])
	running, ours, err := runningUpdate(s.c, scope, u.URL, target)
	if err != nil {
		return false, nil, err
	}
	switch {
	case running != "" && ours:
		s.logger.Info("Following the update of this image the BMC is running already", "component", u.Component, "task", running)
		fw.task, fw.taskSent = running, s.now
		s.save()
		return true, nil, nil
	case running != "":
		if fw.waitSince.IsZero() {
			fw.waitSince = s.now
		}
		if waited := s.now.Sub(fw.waitSince); waited >= s.p.cfg.UpdateTimeout {
			return false, updateFailed(u, fmt.Sprintf("the BMC has been busy with another update (task %s) for %s", running, waited.Round(time.Second))), nil
		}
		s.logger.V(1).Info("Waiting for another update the BMC is running", "component", u.Component, "task", running)
		return false, s.inProgress(), nil
	}
	s.logger.Info("Starting firmware update", "component", u.Component, "image", loggable(u.URL), "target", target)
	tm, err := us.SimpleUpdate(&schemas.UpdateServiceSimpleUpdateParameters{ImageURI: u.URL, Targets: []string{target}})
	if err != nil {
		if refused(err) {
			return false, updateFailed(u, "the BMC refused it: "+describe(err)), nil
		}
		return false, nil, err
	}
	if tm == nil {
		s.logger.Info("The BMC carried out the update at once", "component", u.Component)
		return false, nil, nil
	}
	fw.task, fw.taskSent, fw.waitSince = tm.TaskMonitor, s.now, time.Time{}
	if tm.Task != nil && tm.Task.ODataID != "" {
		fw.task = tm.Task.ODataID
	}
	s.save()
	return true, nil, nil
}

// followUpdate reads the update's task: nil once it completed, a result while it runs or
// when it failed or ran out of time.
func (s *fwStep) followUpdate(u provisioner.FirmwareUpdate) (*provisioner.Result, error) {
	fw := &s.op.fw
	t, err := readTask(s.c, fw.task)
	if err != nil {
		return nil, err
	}
	switch {
	case t.gone:
		// BMCs drop tasks when they restart (as a BMC update may make them): the versions
		// after the reset tell whether it worked.
		s.logger.Info("The BMC no longer has the update's task; the version after the reset will tell", "component", u.Component, "task", fw.task)
		return nil, nil
	case t.failed():
		return updateFailed(u, t.why()), nil
	case t.completed():
		s.logger.Info("Firmware update staged", "component", u.Component, "image", loggable(u.URL), "took", s.now.Sub(fw.taskSent).Round(time.Millisecond))
		return nil, nil
	}
	if ran := s.now.Sub(fw.taskSent); ran >= s.p.cfg.UpdateTimeout {
		return updateFailed(u, fmt.Sprintf("its task %s did not finish within %s (the BMC reports it %s, %d%% done)",
			fw.task, s.p.cfg.UpdateTimeout, t.state, t.percent)), nil
	}
	return s.inProgress(), nil
}

// stage writes the settings not yet in effect nor staged to the BIOS's settings object.
// Settings only, and all of them in effect: nothing to apply, done without a reset.
func (s *fwStep) stage() (*provisioner.Result, error) {
	fw := &s.op.fw
	if len(fw.body) == 0 {
		return nil, nil
	}
	b, err := readBIOSResource(s.c, s.sys, false)
	if err != nil {
		return nil, err
	}
	attrs := map[string]any{}
	waiting := false
	for name, v := range fw.body {
		want := fw.want[name]
		pending, isPending := b.Pending[name]
		switch {
		case isPending && pending == want:
			waiting = true
		case isPending:
			attrs[name] = v // someone staged another value: ours replaces it
		case b.Settings[name] != want:
			attrs[name] = v
		}
	}
	if len(attrs) == 0 {
		if !waiting && len(s.ch.Updates) == 0 {
			s.logger.Info("BIOS settings in effect already; nothing to apply", "settings", s.ch.SettingNames())
			return s.done(), nil
		}
		return nil, nil
	}
	payload := map[string]any{"Attributes": attrs}
	if slices.Contains(b.ApplyTimes, string(schemas.OnResetSettingsApplyTime)) {
		payload["@Redfish.SettingsApplyTime"] = map[string]string{"ApplyTime": string(schemas.OnResetSettingsApplyTime)}
	}
	s.logger.Info("Staging BIOS settings", "settings", slices.Sorted(maps.Keys(attrs)), "at", b.SettingsURI)
	// If-Match with the settings object's ETag, which strict BMCs require; gofish drops it
	// and tries once more when the BMC answers 412 to it (some refuse it there).
	headers := map[string]string{}
	if resp, err := s.c.Get(b.SettingsURI); err == nil {
		if etag := resp.Header.Get("ETag"); etag != "" {
			headers["If-Match"] = etag
		}
		resp.Body.Close()
	}
	resp, _, err := schemas.PatchWithTask(s.c, b.SettingsURI, payload, headers)
	if err != nil {
		if refused(err) {
			msg := fmt.Sprintf("staging BIOS settings %s failed: the BMC refused them: %s",
				strings.Join(slices.Sorted(maps.Keys(attrs)), ", "), describe(err))
			if len(s.ch.Updates) > 0 {
				msg += "; the firmware updates staged before take effect at the host's next reset"
			}
			return failed("%s", msg), nil
		}
		return nil, err
	}
	if resp != nil {
		resp.Body.Close()
	}
	s.save()
	return nil, nil
}

// reset applies everything staged with one reset: a restart of a host that is on (forced,
// as Ironic reboots for its steps; graceful on a BMC that offers only that), a power-on of
// one that is off. A host that was off is left on: the reconciler powers it off again as
// its spec says, Done does not restore power.
func (s *fwStep) reset() (*provisioner.Result, error) {
	fw := &s.op.fw
	if fw.resetStarted.IsZero() {
		fw.mode = provisioner.RebootModeHard
		if !supports(s.sys, schemas.ForceRestartResetType) && supports(s.sys, schemas.GracefulRestartResetType) {
			fw.mode = provisioner.RebootModeSoft
		}
		s.logger.Info("Resetting the host to apply the firmware changes", "powerState", s.sys.PowerState, "mode", fw.mode)
		if err := s.p.startReset(s.ctx, s.host, s.sys, s.op, fw.mode, s.now); err != nil {
			return nil, err
		}
		fw.resetStarted = s.now
		return s.inProgress(), nil
	}
	done, why, err := s.p.followReset(s.ctx, s.sys, s.op, fw.resetStarted, fw.mode, s.now)
	switch {
	case err != nil:
		return nil, err
	case why != "":
		return failed("applying the firmware changes: %s", why), nil
	case !done:
		return s.inProgress(), nil
	}
	fw.resetDone = s.now
	return nil, nil
}

// verify waits for the BMC to report the changes in effect, within ApplyTimeout of the reset.
func (s *fwStep) verify() (*provisioner.Result, error) {
	fw := &s.op.fw
	var waiting []string
	if len(fw.want) > 0 {
		b, err := readBIOSResource(s.c, s.sys, false)
		if err != nil {
			return nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(fw.want)) {
			want := fw.want[name]
			if pending, ok := b.Pending[name]; ok {
				waiting = append(waiting, fmt.Sprintf("BIOS setting %s still pending (%q)", name, pending))
				continue
			}
			if got := b.Settings[name]; got != want {
				return failed("BIOS setting %s was not applied: wanted %q, the BMC reports %q after the reset with nothing pending", name, want, got), nil
			}
		}
	}
	if len(s.ch.Updates) > 0 {
		versions := componentVersions(s.sys)
		seen := map[string]bool{}
		for _, u := range s.ch.Updates {
			if seen[u.Component] {
				continue
			}
			seen[u.Component] = true
			if got := versions[u.Component]; got == "" || got == fw.before[u.Component] {
				waiting = append(waiting, fmt.Sprintf("firmware update of %s from %s not in effect (version %q, as before)", u.Component, loggable(u.URL), got))
			}
		}
	}
	if len(waiting) > 0 {
		if since := s.now.Sub(fw.resetDone); since >= s.p.cfg.ApplyTimeout {
			return failed("the firmware changes did not take effect within %s of the reset: %s", s.p.cfg.ApplyTimeout, strings.Join(waiting, "; ")), nil
		}
		s.logger.V(1).Info("Waiting for the firmware changes to take effect", "waiting", waiting)
		return s.inProgress(), nil
	}
	s.logger.Info("Firmware changes applied", "settings", s.ch.SettingNames(), "versions", componentVersions(s.sys),
		"took", s.now.Sub(s.op.started).Round(time.Millisecond))
	return s.done(), nil
}
