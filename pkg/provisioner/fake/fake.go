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

// Package fake is an in-memory Provisioner for unit tests of the reconciler: every step
// completes after a configurable number of polls, and failures can be injected per host.
package fake

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

var (
	_ provisioner.Provisioner                = &Provisioner{}
	_ provisioner.FirmwareReader             = &Provisioner{}
	_ provisioner.DataImageAttacher          = &Provisioner{}
	_ provisioner.PreprovisioningImageBooter = &Provisioner{}
	_ provisioner.PowerMeter                 = &Provisioner{}
)

// Host is the fake backend's record of one host.
type Host struct {
	ID string
	// Address is the BMC address of the last registration.
	Address   string
	PoweredOn bool
	Image     string
	// BIOS is the host's BIOS settings; firmware changes set them.
	BIOS map[string]string
	// Firmware is the version of each component; an update makes it "<component>@<url>".
	Firmware map[string]string
	// Watts is the host's power draw, 0 when its BMC does not report one.
	Watts float64
	// Media is the image in the host's one virtual CD (a DataImage), "" when it is empty.
	Media string
	// AgentImage is the preprovisioning image the host boots: the last one a call passed.
	AgentImage *provisioner.PreprovisioningImage
	// LastReset is what PowerState reports as the BMC's record of the last reset; each Reboot
	// changes it.
	LastReset string
	// Reboots are the reboot records the Reboot calls passed, in order.
	Reboots []RebootCall
	// polls counts calls per step, to finish a step after StepPolls calls.
	polls map[string]int
}

// RebootCall is what one Reboot call passed of its reboot's record.
type RebootCall struct {
	Started         time.Time
	LastResetBefore string
	RecordedNow     bool
}

// Provisioner is the fake backend.
type Provisioner struct {
	// StepPolls is how many calls a long step (inspect, prepare, provision, deprovision)
	// takes before it is Done; 0 or 1 means the first call completes it.
	StepPolls int
	// PollInterval is the RequeueAfter of steps in progress.
	PollInterval time.Duration
	// Hardware is what inspection reports.
	Hardware v1alpha1.HardwareDetails
	// InspectWarnings are the warnings a completed inspection reports with it.
	InspectWarnings []string
	// IgnoredSettings are BIOS settings the fake reports applied without changing them: a
	// backend that pretends, for the reconciler's check of what it says.
	IgnoredSettings map[string]bool

	mu     sync.Mutex
	hosts  map[string]*Host // by namespace/name
	nextID int
	// errs and failures inject errors: errs[key][method] is returned as error, failures as
	// Result.ErrorMessage, until cleared.
	errs     map[string]map[string]error
	failures map[string]map[string]string
	// warnings[key][method] are the warnings a completed step reports, until cleared.
	warnings map[string]map[string][]string
	calls    map[string][]string
	active   int // hosts in a long step right now
	maxSeen  int
}

// New returns an empty fake backend.
func New() *Provisioner {
	return &Provisioner{
		PollInterval: 10 * time.Millisecond,
		Hardware: v1alpha1.HardwareDetails{
			CPU:          v1alpha1.CPU{Arch: "x86_64", Count: 8, Model: "Fake CPU"},
			RAMMebibytes: 16384,
			NICs:         []v1alpha1.NIC{{Name: "eth0", MAC: "52:54:00:00:00:01"}},
		},
		hosts:    map[string]*Host{},
		errs:     map[string]map[string]error{},
		failures: map[string]map[string]string{},
		warnings: map[string]map[string][]string{},
		calls:    map[string][]string{},
	}
}

func key(h provisioner.Host) string { return h.Namespace + "/" + h.Name }

// SetError makes method fail with err for the host until SetError(..., nil).
func (p *Provisioner) SetError(namespace, name, method string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := namespace + "/" + name
	if p.errs[k] == nil {
		p.errs[k] = map[string]error{}
	}
	p.errs[k][method] = err
}

// SetFailure makes method report a hardware failure for the host until SetFailure(..., "").
func (p *Provisioner) SetFailure(namespace, name, method, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := namespace + "/" + name
	if p.failures[k] == nil {
		p.failures[k] = map[string]string{}
	}
	p.failures[k][method] = msg
}

// Calls returns the methods called for a host, in order.
func (p *Provisioner) Calls(namespace, name string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls[namespace+"/"+name]...)
}

// Lookup returns a copy of the backend's record of a host.
func (p *Provisioner) Lookup(namespace, name string) (Host, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h, ok := p.hosts[namespace+"/"+name]
	if !ok {
		return Host{}, false
	}
	return *h, true
}

// Seed sets the backend's record of a host, as if earlier calls had left it so: a test of one
// reconciliation starts from the backend state it names.
func (p *Provisioner) Seed(namespace, name string, rec Host) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec.polls = nil
	p.hosts[namespace+"/"+name] = &rec
}

// Forget drops a host's record, as a backend that lost its database would.
func (p *Provisioner) Forget(namespace, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.hosts, namespace+"/"+name)
}

// begin records a call and returns the host record and any injected outcome.
func (p *Provisioner) begin(h provisioner.Host, method string, mustExist bool) (*Host, *provisioner.Result, error) {
	k := key(h)
	p.calls[k] = append(p.calls[k], method)
	if err := p.errs[k][method]; err != nil {
		return nil, nil, err
	}
	if msg := p.failures[k][method]; msg != "" {
		r := provisioner.Failed(msg)
		return nil, &r, nil
	}
	rec := p.hosts[k]
	if mustExist && (rec == nil || rec.ID != h.ID) {
		return nil, nil, provisioner.ErrNeedsRegistration
	}
	return rec, nil, nil
}

// limitedSteps are the steps the reconciler's provisioning limit covers (Prepare is not).
var limitedSteps = map[string]bool{"Inspect": true, "Provision": true, "Deprovision": true}

// longStep finishes after StepPolls calls.
func (p *Provisioner) longStep(rec *Host, step string) provisioner.Result {
	if rec.polls == nil {
		rec.polls = map[string]int{}
	}
	if rec.polls[step] == 0 && limitedSteps[step] {
		p.active++
		if p.active > p.maxSeen {
			p.maxSeen = p.active
		}
	}
	rec.polls[step]++
	if rec.polls[step] < p.StepPolls {
		return provisioner.InProgress(p.PollInterval)
	}
	delete(rec.polls, step)
	if limitedSteps[step] {
		p.active--
	}
	return provisioner.Done()
}

// MaxConcurrentLongSteps is the most hosts that were in an inspection, provisioning or
// deprovisioning at once.
func (p *Provisioner) MaxConcurrentLongSteps() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxSeen
}

func (p *Provisioner) Name() string { return "fake" }

func (p *Provisioner) Register(ctx context.Context, h provisioner.Host) (string, provisioner.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, res, err := p.begin(h, "Register", false)
	if err != nil || res != nil {
		return "", deref(res), err
	}
	if rec == nil {
		p.nextID++
		rec = &Host{ID: fmt.Sprintf("fake-%d", p.nextID)}
		p.hosts[key(h)] = rec
	}
	if h.BMC != nil {
		rec.Address = h.BMC.Address
	}
	rec.bootsImage(h)
	return rec.ID, provisioner.Done(), nil
}

// bootsImage records the preprovisioning image a call passed, as Ironic writes it into the
// node: the node keeps its image when a call passes none.
func (r *Host) bootsImage(h provisioner.Host) {
	if img := h.PreprovisioningImage; img != nil {
		c := *img
		r.AgentImage = &c
	}
}

// PreprovisioningImageFormats are Ironic's: an ISO where the BMC boots one, always an initrd.
func (p *Provisioner) PreprovisioningImageFormats(access *bmc.Access) []v1alpha1.ImageFormat {
	if access != nil && access.Capabilities.SupportsISO {
		return []v1alpha1.ImageFormat{v1alpha1.ImageFormatISO, v1alpha1.ImageFormatInitRD}
	}
	return []v1alpha1.ImageFormat{v1alpha1.ImageFormatInitRD}
}

func deref(r *provisioner.Result) provisioner.Result {
	if r == nil {
		return provisioner.Result{}
	}
	return *r
}

func (p *Provisioner) step(h provisioner.Host, method string, long bool, apply func(*Host)) (provisioner.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, res, err := p.begin(h, method, true)
	if err != nil || res != nil {
		return deref(res), err
	}
	rec.bootsImage(h)
	if long {
		if r := p.longStep(rec, method); !r.Done {
			return r, nil
		}
	}
	if apply != nil {
		apply(rec)
	}
	return provisioner.Result{Done: true, Warnings: p.warnings[key(h)][method]}, nil
}

// SetWarnings makes method's completed step report warnings for the host, until
// SetWarnings(..., method) with none.
func (p *Provisioner) SetWarnings(namespace, name, method string, warnings ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := namespace + "/" + name
	if p.warnings[k] == nil {
		p.warnings[k] = map[string][]string{}
	}
	p.warnings[k][method] = warnings
}

func (p *Provisioner) Inspect(ctx context.Context, h provisioner.Host, restart bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	res, err := p.step(h, "Inspect", true, nil)
	if err != nil || !res.Done {
		return nil, res, err
	}
	hw := p.Hardware.DeepCopy()
	res.Warnings = slices.Clone(p.InspectWarnings)
	return hw, res, nil
}

func (p *Provisioner) Prepare(ctx context.Context, h provisioner.Host, d provisioner.PrepareData) (provisioner.Result, error) {
	return p.step(h, "Prepare", true, func(r *Host) { p.applyFirmware(r, d.Firmware) })
}

// Service applies the changes as Prepare does.
func (p *Provisioner) Service(ctx context.Context, h provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	return p.step(h, "Service", true, func(r *Host) { p.applyFirmware(r, changes) })
}

func (p *Provisioner) applyFirmware(r *Host, changes provisioner.FirmwareChanges) {
	for k, v := range changes.Settings {
		if p.IgnoredSettings[k] {
			continue
		}
		if r.BIOS == nil {
			r.BIOS = map[string]string{}
		}
		r.BIOS[k] = v
	}
	for _, u := range changes.Updates {
		if r.Firmware == nil {
			r.Firmware = map[string]string{}
		}
		r.Firmware[u.Component] = u.Component + "@" + u.URL
	}
}

// ReadBIOS reports the host's BIOS settings.
func (p *Provisioner) ReadBIOS(_ context.Context, h provisioner.Host) (provisioner.BIOS, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, ok := p.hosts[key(h)]
	if !ok {
		return provisioner.BIOS{}, provisioner.ErrNeedsRegistration
	}
	settings := map[string]string{}
	for k, v := range rec.BIOS {
		settings[k] = v
	}
	return provisioner.BIOS{Settings: settings}, nil
}

// FirmwareComponents reports the host's firmware versions, sorted by component.
func (p *Provisioner) FirmwareComponents(_ context.Context, h provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, ok := p.hosts[key(h)]
	if !ok {
		return nil, provisioner.ErrNeedsRegistration
	}
	var out []provisioner.FirmwareComponent
	for c, v := range rec.Firmware {
		out = append(out, provisioner.FirmwareComponent{Component: c, Version: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Component < out[j].Component })
	return out, nil
}

func (p *Provisioner) Provision(ctx context.Context, h provisioner.Host, d provisioner.ProvisionData) (provisioner.Result, error) {
	return p.step(h, "Provision", true, func(r *Host) {
		if d.Image != nil {
			r.Image = d.Image.URL
		}
		r.PoweredOn = true
	})
}

func (p *Provisioner) Deprovision(ctx context.Context, h provisioner.Host) (provisioner.Result, error) {
	return p.step(h, "Deprovision", true, func(r *Host) { r.Image = ""; r.Media = ""; r.PoweredOn = false })
}

// AttachDataImage puts url in the host's virtual CD, refusing a CD that holds another image.
func (p *Provisioner) AttachDataImage(ctx context.Context, h provisioner.Host, url string) (provisioner.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, res, err := p.begin(h, "AttachDataImage", true)
	if err != nil || res != nil {
		return deref(res), err
	}
	if rec.Media != "" && rec.Media != url {
		return provisioner.Failed("no free virtual CD/DVD drive to attach the DataImage to (drive Cd holds " + rec.Media + ")"), nil
	}
	rec.Media = url
	return provisioner.Done(), nil
}

// DetachDataImage empties the host's virtual CD if it holds url.
func (p *Provisioner) DetachDataImage(ctx context.Context, h provisioner.Host, url string) (provisioner.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, res, err := p.begin(h, "DetachDataImage", true)
	if err != nil || res != nil {
		return deref(res), err
	}
	if rec.Media == url {
		rec.Media = ""
	}
	return provisioner.Done(), nil
}

func (p *Provisioner) Adopt(ctx context.Context, h provisioner.Host) (provisioner.Result, error) {
	return p.step(h, "Adopt", false, nil)
}

func (p *Provisioner) PowerOn(ctx context.Context, h provisioner.Host) (provisioner.Result, error) {
	return p.step(h, "PowerOn", false, func(r *Host) { r.PoweredOn = true })
}

func (p *Provisioner) PowerOff(ctx context.Context, h provisioner.Host, _ provisioner.RebootMode) (provisioner.Result, error) {
	return p.step(h, "PowerOff", false, func(r *Host) { r.PoweredOn = false })
}

func (p *Provisioner) Reboot(ctx context.Context, h provisioner.Host, _ provisioner.RebootMode) (provisioner.Result, error) {
	return p.step(h, "Reboot", false, func(r *Host) {
		r.PoweredOn = true
		r.Reboots = append(r.Reboots, RebootCall{Started: h.OperationStarted, LastResetBefore: h.LastResetBefore, RecordedNow: h.OperationRecordedNow})
		r.LastReset = fmt.Sprintf("reset-%d", len(r.Reboots))
	})
}

func (p *Provisioner) PowerState(ctx context.Context, h provisioner.Host) (provisioner.PowerState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, res, err := p.begin(h, "PowerState", true)
	if err != nil {
		return provisioner.PowerState{}, err
	}
	if res != nil {
		return provisioner.PowerState{}, fmt.Errorf("%s", res.ErrorMessage)
	}
	return provisioner.PowerState{Known: true, PoweredOn: rec.PoweredOn, LastReset: rec.LastReset}, nil
}

func (p *Provisioner) Detach(ctx context.Context, h provisioner.Host) (provisioner.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, res, err := p.begin(h, "Detach", false); err != nil || res != nil {
		return deref(res), err
	}
	delete(p.hosts, key(h))
	return provisioner.Done(), nil
}

func (p *Provisioner) Delete(ctx context.Context, h provisioner.Host) (provisioner.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, res, err := p.begin(h, "Delete", false); err != nil || res != nil {
		return deref(res), err
	}
	delete(p.hosts, key(h))
	return provisioner.Done(), nil
}

func (p *Provisioner) HasCapacity(ctx context.Context) (bool, error) { return true, nil }

// PowerDraw reports the host's Watts, when it reports one.
func (p *Provisioner) PowerDraw(_ context.Context, h provisioner.Host) (float64, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, res, err := p.begin(h, "PowerDraw", true)
	if err != nil {
		return 0, false, err
	}
	if res != nil {
		return 0, false, fmt.Errorf("%s", res.ErrorMessage)
	}
	return rec.Watts, rec.Watts != 0, nil
}
