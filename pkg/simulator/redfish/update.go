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
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	updateServicePath = "/redfish/v1/UpdateService"
	firmwarePath      = updateServicePath + "/FirmwareInventory"
)

// initialFirmware lists a system's components. Ids carry the system id so
// that one service-wide inventory can hold every system's components.
func initialFirmware(id string, inv Inventory) []Firmware {
	fw := []Firmware{
		{ID: "BIOS-" + id, Name: "BIOS", Version: inv.BIOSVersion, Updateable: true},
		{ID: "BMC-" + id, Name: inv.BMC.Model + " firmware", Version: inv.BMC.FirmwareVersion, Updateable: true},
		{ID: "Storage-" + id, Name: inv.Controller.Name + " firmware", Version: inv.Controller.FirmwareVersion, Updateable: true},
	}
	seen := map[string]bool{}
	for _, n := range inv.NICs {
		if seen[n.Model] {
			continue
		}
		seen[n.Model] = true
		fw = append(fw, Firmware{ID: "NIC" + strconv.Itoa(len(seen)) + "-" + id, Name: n.Manufacturer + " " + n.Model, Version: n.FirmwareVersion, Updateable: true})
	}
	return append(fw, Firmware{ID: "CPLD-" + id, Name: "System CPLD", Version: "1.0.6", Updateable: false})
}

// bumpVersion increments the last number in v: the version of the image an
// update stages (the simulator does not read images), so that tests can see
// the version change once it takes effect.
func bumpVersion(v string) string {
	end := strings.LastIndexFunc(v, unicode.IsDigit)
	if end < 0 {
		return v + ".1"
	}
	start := end
	for start > 0 && unicode.IsDigit(rune(v[start-1])) {
		start--
	}
	n, _ := strconv.Atoi(v[start : end+1])
	next := strconv.Itoa(n + 1)
	if len(next) < end+1-start {
		next = strings.Repeat("0", end+1-start-len(next)) + next
	}
	return v[:start] + next + v[end+1:]
}

// firmwareOwner finds the system and index of a firmware id.
func (sim *Simulator) firmwareOwner(fid string) (*System, int) {
	for _, s := range sim.systems {
		if !strings.HasSuffix(fid, "-"+s.id) {
			continue
		}
		s.mu.Lock()
		i := slices.IndexFunc(s.firmware, func(f Firmware) bool { return f.ID == fid })
		s.mu.Unlock()
		if i >= 0 {
			return s, i
		}
	}
	return nil, -1
}

func (sim *Simulator) updateRoute(segs []string) (route, bool) {
	n := len(segs)
	switch {
	case n == 0:
		return route{get: sim.getUpdateService}, true
	case n == 1 && segs[0] == "FirmwareInventory":
		return route{get: sim.getFirmwareInventory}, true
	case n == 1 && segs[0] == "SoftwareInventory":
		// Host software (drivers, OS agents) is not simulated.
		return route{get: func(c *call) {
			c.resource(collection(updateServicePath+"/SoftwareInventory", "SoftwareInventoryCollection", "Software Inventory Collection", nil))
		}}, true
	case n == 2 && segs[0] == "FirmwareInventory":
		s, i := sim.firmwareOwner(segs[1])
		if s == nil {
			return route{}, false
		}
		return route{sys: s, get: func(c *call) { c.resource(s.locked(func() obj { return s.firmwareObject(i) })) }}, true
	case n == 2 && segs[0] == "Actions" && segs[1] == "UpdateService.SimpleUpdate":
		return route{post: sim.postSimpleUpdate}, true
	}
	return route{}, false
}

func (sim *Simulator) getUpdateService(c *call) {
	c.resource(obj{
		"@odata.id":         updateServicePath,
		"@odata.type":       "#UpdateService.v1_9_0.UpdateService",
		"Id":                "UpdateService",
		"Name":              "Update Service",
		"ServiceEnabled":    true,
		"Status":            statusOK(),
		"FirmwareInventory": link(firmwarePath),
		"SoftwareInventory": link(updateServicePath + "/SoftwareInventory"),
		"Actions": obj{
			"#UpdateService.SimpleUpdate": obj{
				"target": updateServicePath + "/Actions/UpdateService.SimpleUpdate",
				"TransferProtocol@Redfish.AllowableValues": []string{"HTTP", "HTTPS"},
			},
		},
	})
}

func (sim *Simulator) getFirmwareInventory(c *call) {
	var members []string
	for _, s := range c.visibleSystems() {
		for _, f := range s.Firmware() {
			members = append(members, firmwarePath+"/"+f.ID)
		}
	}
	c.resource(collection(firmwarePath, "SoftwareInventoryCollection", "Firmware Inventory Collection", members))
}

func (s *System) firmwareObject(i int) obj {
	f := s.firmware[i]
	return obj{
		"@odata.id":    firmwarePath + "/" + f.ID,
		"@odata.type":  "#SoftwareInventory.v1_5_0.SoftwareInventory",
		"Id":           f.ID,
		"Name":         f.Name,
		"Version":      f.Version,
		"Updateable":   f.Updateable,
		"Manufacturer": s.inv.Manufacturer,
		"SoftwareId":   strings.TrimSuffix(f.ID, "-"+s.id),
		"Status":       statusOK(),
		"RelatedItem":  links(s.path),
	}
}

// postSimpleUpdate updates one system's components the way BMCs do: the
// request is checked at once (400 for what can never work), then a task
// downloads the image from ImageURI and stages it; the new version takes
// effect at the next boot of the system (for the BMC's own firmware, also
// at a reset of the BMC), not when the task completes. A download that
// fails ends the task with TaskState Exception, TaskStatus Critical and a
// message saying why, and stages nothing.
//
// Targets are firmware inventory, system or manager URIs; without targets,
// the BIOS of the only system the caller can see.
func (sim *Simulator) postSimpleUpdate(c *call) {
	const action = "UpdateService.SimpleUpdate"
	var body struct {
		ImageURI         *string
		Targets          []string
		TransferProtocol *string
		Username         *string
		Password         *string
	}
	if !c.decode(&body) {
		return
	}
	if body.ImageURI == nil || *body.ImageURI == "" {
		c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "ImageURI"))
		return
	}
	image, bad := imageURL(*body.ImageURI, body.TransferProtocol, action)
	if bad != nil {
		c.fail(http.StatusBadRequest, *bad)
		return
	}
	var sys *System
	var ids []string
	targets := body.Targets
	if len(targets) == 0 {
		if only := c.who.only(); only != nil {
			targets = []string{only.path}
		} else {
			c.fail(http.StatusBadRequest, msgActionParameterMissing(action, "Targets"))
			return
		}
	}
	for _, t := range targets {
		s, fid := sim.resolveUpdateTarget(strings.TrimSuffix(t, "/"))
		if s == nil || (sys != nil && s != sys) {
			c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(t, "Targets", action))
			return
		}
		if !c.who.grants(s) {
			c.fail(http.StatusForbidden, msgInsufficientPrivilege())
			return
		}
		sys = s
		if !slices.Contains(ids, fid) {
			ids = append(ids, fid)
		}
	}

	now := sys.lock()
	for _, fid := range ids {
		i := slices.IndexFunc(sys.firmware, func(f Firmware) bool { return f.ID == fid })
		if !sys.firmware[i].Updateable {
			sys.mu.Unlock()
			c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(fid, "Targets", action))
			return
		}
	}
	u := &update{sys: sys, ids: ids, image: image.Redacted()}
	u.task = sim.tasks.add(sys, "Firmware update", c, now, now.Add(sim.cfg.TaskDuration))
	sys.schedule(u.task.doneAt, false, func(at time.Time) {
		u.timeUp = true
		u.finish(at)
	})
	user, pass := deref(body.Username), deref(body.Password)
	started := sim.goBackground(func(ctx context.Context) {
		err := sim.download(ctx, image, user, pass)
		now := sys.lock()
		defer sys.mu.Unlock()
		u.downloaded, u.err = true, err
		u.finish(now)
	})
	if !started {
		u.downloaded, u.err = true, errors.New("the BMC is shutting down")
	}
	sys.advance(now)
	sys.mu.Unlock()
	c.accepted(u.task)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// update is one SimpleUpdate in progress; guarded by sys's lock.
type update struct {
	sys   *System
	task  *task
	ids   []string
	image string // ImageURI without its password, for messages
	// timeUp: TaskDuration has passed; downloaded: the download ended, with
	// err when it failed. The task ends once both are true.
	timeUp, downloaded bool
	err                error
}

// finish ends the task once the download is over and TaskDuration has
// passed: the image is staged on every target, or nothing is.
func (u *update) finish(at time.Time) {
	t, s := u.task, u.sys
	if t.finished() || !u.timeUp || !u.downloaded {
		return
	}
	if u.err != nil {
		s.counters.FirmwareFailed++
		t.fail(at, msgTransferFailed(u.image, strings.Join(u.ids, ", "), u.err.Error()))
		return
	}
	var msgs []message
	for _, fid := range u.ids {
		i := slices.IndexFunc(s.firmware, func(f Firmware) bool { return f.ID == fid })
		f := &s.firmware[i]
		f.Staged = bumpVersion(f.Version)
		activate := "ComputerSystem.Reset on " + s.path
		if fid == "BMC-"+s.id {
			activate += " or Manager.Reset on " + s.managerPath()
		}
		msgs = append(msgs, msgAwaitToActivate(u.image, fid, activate))
	}
	s.counters.FirmwareStaged++
	t.complete(at, msgs...)
}

// activateFirmware makes staged images take effect: every one at a boot of
// the system, only the BMC's own at a reset of the BMC; with the
// FailFirmwareActivation fault they are dropped instead. The caller holds
// the lock.
func (s *System) activateFirmware(bmcOnly bool) {
	for i := range s.firmware {
		f := &s.firmware[i]
		if f.Staged == "" || (bmcOnly && f.ID != "BMC-"+s.id) {
			continue
		}
		if s.faults.FailFirmwareActivation {
			f.Staged = ""
			s.counters.FirmwareDropped++
			continue
		}
		f.Version, f.Staged = f.Staged, ""
		s.counters.FirmwareApplied++
	}
}

// imageURL checks SimpleUpdate's ImageURI the way BMCs do before accepting
// the action: an absolute http or https URL. A URI without a scheme takes
// TransferProtocol's, else HTTP (as the specification says). Other schemes
// (file, ftp, nfs, tftp, ...) are refused at once with 400, as the update
// service advertises only HTTP and HTTPS, instead of failing later in a task.
func imageURL(raw string, proto *string, action string) (*url.URL, *message) {
	if proto != nil && !slices.Contains(imageProtocols, strings.ToUpper(*proto)) {
		m := msgActionParameterValueNotInList(*proto, "TransferProtocol", action)
		return nil, &m
	}
	formatError := func() (*url.URL, *message) {
		shown := raw
		if u, err := url.Parse(raw); err == nil {
			shown = u.Redacted()
		}
		m := msgActionParameterValueFormatError(shown, "ImageURI", action)
		return nil, &m
	}
	if !hasScheme.MatchString(raw) {
		scheme := "http"
		if proto != nil {
			scheme = strings.ToLower(*proto)
		}
		raw = scheme + "://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return formatError()
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		m := msgActionParameterNotSupported("ImageURI", action)
		m.text += fmt.Sprintf(" The scheme %q is not a transfer protocol of this update service, which fetches images over HTTP and HTTPS only.", u.Scheme)
		return nil, &m
	}
	if u.Host == "" {
		return formatError()
	}
	u.Scheme = scheme
	return u, nil
}

// hasScheme matches a URI that starts with a scheme and an authority.
var hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// imageProtocols are the TransferProtocol values the update service takes.
var imageProtocols = []string{"HTTP", "HTTPS"}

// download fetches the image as a BMC does and throws it away: only whether it
// could be had matters. It is bounded in time (UpdateDownloadTimeout) and size
// (UpdateMaxImageSize). Errors never show the URL's password.
func (sim *Simulator) download(ctx context.Context, image *url.URL, user, pass string) error {
	timeout := sim.cfg.UpdateDownloadTimeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, image.String(), nil)
	if err != nil {
		return fmt.Errorf("invalid image URI: %w", unwrapURLError(err))
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := sim.images.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("the image server did not answer within %s", timeout)
		}
		if ctx.Err() != nil {
			return errors.New("the BMC is shutting down")
		}
		return fmt.Errorf("the image server cannot be reached: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the image server answered %s", resp.Status)
	}
	limit := sim.cfg.UpdateMaxImageSize
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("the download did not finish within %s (%d bytes read)", timeout, n)
	case err != nil:
		return fmt.Errorf("the download broke off after %d bytes: %w", n, unwrapURLError(err))
	case n > limit:
		return fmt.Errorf("the image is larger than %d bytes", limit)
	case n == 0:
		return errors.New("the image is empty")
	}
	return nil
}

// unwrapURLError drops the *url.Error around a transport error: it repeats
// the URL, which may carry a password.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// resolveUpdateTarget maps a target URI to a system and a firmware id.
func (sim *Simulator) resolveUpdateTarget(uri string) (*System, string) {
	if fid, ok := strings.CutPrefix(uri, firmwarePath+"/"); ok {
		if s, _ := sim.firmwareOwner(fid); s != nil {
			return s, fid
		}
		return nil, ""
	}
	for _, s := range sim.systems {
		switch uri {
		case s.path, s.path + "/Bios":
			return s, "BIOS-" + s.id
		case s.managerPath():
			return s, "BMC-" + s.id
		}
	}
	return nil, ""
}
