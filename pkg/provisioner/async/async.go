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

// Package async keeps slow hardware from holding the reconciler's workers hostage.
//
// A backend call normally takes milliseconds. A BMC that accepts connections and never
// answers makes it take the whole request timeout (30 s by default), and a dozen such hosts
// used to occupy every reconcile worker, so healthy hosts waited minutes for a power change.
// Provisioner wraps a backend so that a caller waits for a call at most a short budget: a call
// still running then goes on in its own goroutine and the caller gets ErrInProgress at once.
// When the call ends, the host is handed back to the reconciler (Notify), and the next call
// that asks for exactly the same thing (same method, host fields, credentials and arguments)
// gets that call's answer instead of starting another. A BMC that already has a call running
// past the budget is known to be slow: calls to it do not wait at all, so fifty hosts behind
// one dead BMC cost the workers one budget, not fifty. So a slow BMC slows its own hosts only.
//
// What it keeps is about calls in flight, never a decision: one call per host at a time (a
// second, different call for the host waits for the first: a host never gets two hardware
// commands at once), and finished calls' answers for a short while. A restart loses both,
// and the reconciler then simply calls again: every backend step is idempotent and re-reads
// the hardware before acting.
//
// A host keeps the answer of each distinct read (PowerState, PowerDraw, and ReadBIOS and
// FirmwareComponents, read back after a firmware change) until it is taken: a
// pass over a host at rest reads both, and when one read's answer evicted the other's, every
// wake-up started the other read again and the host never rested (thirty hosts behind one
// slow BMC kept its session saturated and stalled every action for minutes). Any other call
// but adoption (which changes nothing a read reads) changes the hardware, so it drops the
// host's kept answers: a read answered before an action is never handed out after it.
package async

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// ErrInProgress says that a backend call for the host is still running (this one, or an
// earlier one the host must wait for). Nothing is known yet: the reconciler leaves the host's
// status as it is and is notified when the call ends.
var ErrInProgress = errors.New("a call to the hardware for this host is still running")

// Defaults.
const (
	// DefaultBudget is how long a caller waits for a call before it continues without it.
	// Ironic and most BMCs answer within it, so most calls complete inline; a call that takes
	// longer costs one more pass of the reconciler (when it is notified), not a worker.
	DefaultBudget = 100 * time.Millisecond
	// DefaultResultTTL is how long a finished call's answer waits for the caller that asks
	// again. The reconciler asks again at once when notified; an older answer (the host was
	// paused meanwhile, say) would be stale, so the call is made afresh.
	DefaultResultTTL = 30 * time.Second
)

// Config tunes a Provisioner.
type Config struct {
	// Budget is the longest a caller waits for a call (DefaultBudget when zero).
	Budget time.Duration
	// ResultTTL is how long a finished call's answer is kept (DefaultResultTTL when zero).
	ResultTTL time.Duration
	// Notify is called, outside any lock, when a call the caller stopped waiting for ends.
	Notify func(namespace, name string)
	// Clock is for tests (the real clock when nil).
	Clock clock.Clock
}

// Provisioner is a provisioner.Provisioner whose calls return within the budget.
type Provisioner struct {
	inner  provisioner.Provisioner
	budget time.Duration
	ttl    time.Duration
	notify func(namespace, name string)
	clock  clock.Clock

	mu sync.Mutex
	// calls holds each host's call in flight.
	calls map[string]*call
	// answers holds each host's finished calls whose callers stopped waiting, one per
	// distinct call, until taken or older than ttl.
	answers map[string][]*call
	// slow counts, per BMC endpoint, the calls running past the budget.
	slow map[string]int
}

var _ provisioner.Provisioner = &Provisioner{}

// New wraps inner.
func New(inner provisioner.Provisioner, cfg Config) *Provisioner {
	p := &Provisioner{inner: inner, budget: cfg.Budget, ttl: cfg.ResultTTL, notify: cfg.Notify, clock: cfg.Clock,
		calls: map[string]*call{}, answers: map[string][]*call{}, slow: map[string]int{}}
	if p.budget <= 0 {
		p.budget = DefaultBudget
	}
	if p.ttl <= 0 {
		p.ttl = DefaultResultTTL
	}
	if p.clock == nil {
		p.clock = clock.RealClock{}
	}
	if p.notify == nil {
		p.notify = func(string, string) {}
	}
	return p
}

// answer is everything a backend method can return.
type answer struct {
	watts      *float64
	bios       *provisioner.BIOS
	components []provisioner.FirmwareComponent
	id         string
	details    *v1alpha1.HardwareDetails
	state      provisioner.PowerState
	res        provisioner.Result
	err        error
}

type call struct {
	digest [sha256.Size]byte
	// read says the call only reads the hardware.
	read     bool
	endpoint string
	done     chan struct{}

	// Guarded by Provisioner.mu.
	answer   answer
	finished time.Time
	// abandoned is set when the caller stopped waiting: the end of the call notifies.
	abandoned bool
	// forgotten is set when the host went away while the call ran: its answer is not kept.
	forgotten bool
}

// digest identifies a call: the method, every field of the host (credentials included, so a
// corrected password is a new call) and the arguments. It is only compared, never shown.
func digest(method string, host provisioner.Host, args ...any) [sha256.Size]byte {
	b, err := json.Marshal(struct {
		Method string
		Host   provisioner.Host
		Args   []any
	}{method, host, args})
	if err != nil {
		// Every argument is plain data; should one ever fail to encode, no two calls match.
		b = []byte(err.Error() + method)
	}
	return sha256.Sum256(b)
}

func hostKey(h provisioner.Host) string { return h.Namespace + "/" + h.Name }

// endpoint is the BMC a call talks to, as far as the host says.
func endpoint(h provisioner.Host) string {
	if h.BMC == nil {
		return ""
	}
	return h.BMC.Endpoint()
}

// reads are the methods that only read the hardware.
var reads = map[string]bool{"PowerState": true, "PowerDraw": true, "ReadBIOS": true, "FirmwareComponents": true}

// keepsReads are the calls that change nothing a read reads: adoption tells the backend the
// host is deployed, leaving its power, BIOS and firmware alone. The reconciler adopts a
// provisioned host in every pass, before it reads the power state; when adoption dropped the
// kept answers, on a BMC slower than the budget each pass's adoption dropped the power state
// read the last pass started, and the host never got it (a provisioned host never rested, and a
// reboot, which reads the power state before its reset, was never sent).
var keepsReads = map[string]bool{"Adopt": true}

// do runs fn for host, or answers from the host's call in flight or finished.
func (p *Provisioner) do(ctx context.Context, host provisioner.Host, method string, d [sha256.Size]byte, fn func(context.Context) answer) answer {
	logger := klog.FromContext(ctx).WithValues("call", method)
	key := hostKey(host)
	p.mu.Lock()
	if c := p.calls[key]; c != nil {
		// One call per host at a time, whatever it is.
		p.mu.Unlock()
		logger.V(4).Info("A hardware call for this host is still running; not calling again")
		return answer{err: ErrInProgress}
	}
	if a, ok := p.takeLocked(key, d); ok {
		p.mu.Unlock()
		return a
	}
	// No answer of this call, or too old: the call is made afresh. One that changes the
	// hardware makes every kept answer stale.
	c := &call{digest: d, read: reads[method], endpoint: endpoint(host), done: make(chan struct{})}
	if !c.read && !keepsReads[method] {
		delete(p.answers, key)
	}
	p.calls[key] = c
	budget := p.budget
	if c.endpoint != "" && p.slow[c.endpoint] > 0 {
		// This BMC is busy with calls that outlived the budget: this one would too.
		budget = 0
	}
	p.mu.Unlock()

	go func() {
		a := fn(ctx)
		p.mu.Lock()
		c.answer, c.finished = a, p.clock.Now()
		abandoned := c.abandoned
		delete(p.calls, key)
		// The caller that waited takes the answer itself; one that stopped waiting finds it
		// kept.
		if abandoned {
			if !c.forgotten {
				p.keepLocked(key, c)
			}
			if c.endpoint != "" {
				if p.slow[c.endpoint]--; p.slow[c.endpoint] <= 0 {
					delete(p.slow, c.endpoint)
				}
			}
		}
		p.mu.Unlock()
		close(c.done)
		if abandoned {
			logger.V(2).Info("Hardware call finished in the background", "bmc", c.endpoint, "error", a.err != nil)
			p.notify(host.Namespace, host.Name)
		}
	}()

	if budget > 0 {
		timer := p.clock.NewTimer(budget)
		select {
		case <-c.done:
		case <-timer.C():
		case <-ctx.Done():
		}
		timer.Stop()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !c.finished.IsZero() {
		return c.answer
	}
	c.abandoned = true
	if c.endpoint != "" {
		p.slow[c.endpoint]++
	}
	logger.V(2).Info("Hardware call outlived the call budget; it finishes in the background", "bmc", c.endpoint, "budget", budget)
	return answer{err: ErrInProgress}
}

// keepLocked keeps a finished call's answer for the host, replacing an older answer of the
// same call.
func (p *Provisioner) keepLocked(key string, c *call) {
	kept := p.answers[key][:0]
	for _, k := range p.answers[key] {
		if k.digest != c.digest && p.clock.Since(k.finished) <= p.ttl {
			kept = append(kept, k)
		}
	}
	p.answers[key] = append(kept, c)
}

// takeLocked hands out, once, the kept answer of the call with digest d if it is fresh.
func (p *Provisioner) takeLocked(key string, d [sha256.Size]byte) (answer, bool) {
	kept := p.answers[key]
	for i, k := range kept {
		if k.digest != d {
			continue
		}
		p.answers[key] = append(kept[:i:i], kept[i+1:]...)
		if len(p.answers[key]) == 0 {
			delete(p.answers, key)
		}
		if p.clock.Since(k.finished) > p.ttl {
			return answer{}, false
		}
		return k.answer, true
	}
	return answer{}, false
}

// Forget drops what is kept for a host that is gone (its call in flight still ends, and
// notifies, but its answer is never used).
func (p *Provisioner) Forget(namespace, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := namespace + "/" + name
	delete(p.answers, key)
	if c := p.calls[key]; c != nil {
		c.forgotten = true
	}
}

// InFlight counts the hosts with a call in flight, for metrics.
func (p *Provisioner) InFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

func (p *Provisioner) Name() string { return p.inner.Name() }

func (p *Provisioner) Register(ctx context.Context, host provisioner.Host) (string, provisioner.Result, error) {
	a := p.do(ctx, host, "Register", digest("Register", host), func(ctx context.Context) answer {
		id, res, err := p.inner.Register(ctx, host)
		return answer{id: id, res: res, err: err}
	})
	return a.id, a.res, a.err
}

func (p *Provisioner) Inspect(ctx context.Context, host provisioner.Host, restart bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	a := p.do(ctx, host, "Inspect", digest("Inspect", host, restart), func(ctx context.Context) answer {
		details, res, err := p.inner.Inspect(ctx, host, restart)
		return answer{details: details, res: res, err: err}
	})
	return a.details, a.res, a.err
}

func (p *Provisioner) Prepare(ctx context.Context, host provisioner.Host, data provisioner.PrepareData) (provisioner.Result, error) {
	return p.result(ctx, host, "Prepare", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Prepare(ctx, host, data)
	}, data)
}

func (p *Provisioner) Service(ctx context.Context, host provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	return p.result(ctx, host, "Service", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Service(ctx, host, changes)
	}, changes)
}

func (p *Provisioner) Provision(ctx context.Context, host provisioner.Host, data provisioner.ProvisionData) (provisioner.Result, error) {
	return p.result(ctx, host, "Provision", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Provision(ctx, host, data)
	}, data)
}

func (p *Provisioner) Deprovision(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	return p.result(ctx, host, "Deprovision", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Deprovision(ctx, host)
	})
}

func (p *Provisioner) Adopt(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	return p.result(ctx, host, "Adopt", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Adopt(ctx, host)
	})
}

func (p *Provisioner) PowerOn(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	return p.result(ctx, host, "PowerOn", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.PowerOn(ctx, host)
	})
}

func (p *Provisioner) PowerOff(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	return p.result(ctx, host, "PowerOff", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.PowerOff(ctx, host, mode)
	}, mode)
}

func (p *Provisioner) Reboot(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	return p.result(ctx, host, "Reboot", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Reboot(ctx, host, mode)
	}, mode)
}

func (p *Provisioner) PowerState(ctx context.Context, host provisioner.Host) (provisioner.PowerState, error) {
	a := p.do(ctx, host, "PowerState", digest("PowerState", host), func(ctx context.Context) answer {
		state, err := p.inner.PowerState(ctx, host)
		return answer{state: state, err: err}
	})
	return a.state, a.err
}

func (p *Provisioner) Detach(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	return p.result(ctx, host, "Detach", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Detach(ctx, host)
	})
}

func (p *Provisioner) Delete(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	return p.result(ctx, host, "Delete", func(ctx context.Context) (provisioner.Result, error) {
		return p.inner.Delete(ctx, host)
	})
}

// DataImages is the backend's DataImageAttacher behind the same budget (one call per host at a
// time with every other call), nil when the backend cannot attach DataImages.
func (p *Provisioner) DataImages() provisioner.DataImageAttacher {
	inner, ok := p.inner.(provisioner.DataImageAttacher)
	if !ok {
		return nil
	}
	return dataImages{p: p, inner: inner}
}

type dataImages struct {
	p     *Provisioner
	inner provisioner.DataImageAttacher
}

func (d dataImages) AttachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	return d.p.result(ctx, host, "AttachDataImage", func(ctx context.Context) (provisioner.Result, error) {
		return d.inner.AttachDataImage(ctx, host, url)
	}, url)
}

func (d dataImages) DetachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	return d.p.result(ctx, host, "DetachDataImage", func(ctx context.Context) (provisioner.Result, error) {
		return d.inner.DetachDataImage(ctx, host, url)
	}, url)
}

// PowerMeter is the backend's PowerMeter behind the same budget, nil when the backend cannot
// read power draw.
func (p *Provisioner) PowerMeter() provisioner.PowerMeter {
	inner, ok := p.inner.(provisioner.PowerMeter)
	if !ok {
		return nil
	}
	return powerMeter{p: p, inner: inner}
}

type powerMeter struct {
	p     *Provisioner
	inner provisioner.PowerMeter
}

func (m powerMeter) PowerDraw(ctx context.Context, host provisioner.Host) (float64, bool, error) {
	a := m.p.do(ctx, host, "PowerDraw", digest("PowerDraw", host), func(ctx context.Context) answer {
		watts, ok, err := m.inner.PowerDraw(ctx, host)
		if !ok {
			return answer{err: err}
		}
		return answer{watts: &watts, err: err}
	})
	if a.watts == nil {
		return 0, false, a.err
	}
	return *a.watts, true, a.err
}

// HasCapacity asks the backend, not the hardware: it is not deferred.
func (p *Provisioner) HasCapacity(ctx context.Context) (bool, error) { return p.inner.HasCapacity(ctx) }

func (p *Provisioner) result(ctx context.Context, host provisioner.Host, method string, fn func(context.Context) (provisioner.Result, error), args ...any) (provisioner.Result, error) {
	a := p.do(ctx, host, method, digest(method, host, args...), func(ctx context.Context) answer {
		res, err := fn(ctx)
		return answer{res: res, err: err}
	})
	return a.res, a.err
}

// FirmwareReader is the backend's FirmwareReader behind the same budget, nil when the backend
// cannot read firmware. The reconciler reads the firmware back after a change through it, so
// that a slow BMC holds no worker for that read either.
func (p *Provisioner) FirmwareReader() provisioner.FirmwareReader {
	inner, ok := p.inner.(provisioner.FirmwareReader)
	if !ok {
		return nil
	}
	return firmwareReader{p: p, inner: inner}
}

type firmwareReader struct {
	p     *Provisioner
	inner provisioner.FirmwareReader
}

func (f firmwareReader) ReadBIOS(ctx context.Context, host provisioner.Host) (provisioner.BIOS, error) {
	a := f.p.do(ctx, host, "ReadBIOS", digest("ReadBIOS", host), func(ctx context.Context) answer {
		bios, err := f.inner.ReadBIOS(ctx, host)
		return answer{bios: &bios, err: err}
	})
	if a.bios == nil {
		return provisioner.BIOS{}, a.err
	}
	return *a.bios, a.err
}

func (f firmwareReader) FirmwareComponents(ctx context.Context, host provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	a := f.p.do(ctx, host, "FirmwareComponents", digest("FirmwareComponents", host), func(ctx context.Context) answer {
		components, err := f.inner.FirmwareComponents(ctx, host)
		return answer{components: components, err: err}
	})
	return a.components, a.err
}
