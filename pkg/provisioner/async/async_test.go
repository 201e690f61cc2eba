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

package async

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// gated is a backend whose PowerOn and PowerOff answer only when released, and count calls.
// Other methods are not used by these tests (the embedded nil interface would panic).
type gated struct {
	provisioner.Provisioner
	mu      sync.Mutex
	calls   map[string]int
	release map[string]chan provisioner.Result
}

func newGated() *gated {
	return &gated{calls: map[string]int{}, release: map[string]chan provisioner.Result{}}
}

// gate makes the next calls of method wait for a value sent on the returned channel.
func (g *gated) gate(method string) chan provisioner.Result {
	ch := make(chan provisioner.Result, 1)
	g.mu.Lock()
	g.release[method] = ch
	g.mu.Unlock()
	return ch
}

func (g *gated) answer(method string) (provisioner.Result, error) {
	g.mu.Lock()
	g.calls[method]++
	ch := g.release[method]
	g.mu.Unlock()
	if ch == nil {
		return provisioner.Done(), nil
	}
	return <-ch, nil
}

func (g *gated) count(method string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[method]
}

func (g *gated) PowerOn(ctx context.Context, h provisioner.Host) (provisioner.Result, error) {
	return g.answer("PowerOn")
}

func (g *gated) PowerOff(ctx context.Context, h provisioner.Host, _ provisioner.RebootMode) (provisioner.Result, error) {
	return g.answer("PowerOff")
}

var host = provisioner.Host{Namespace: "ns", Name: "h", Credentials: provisioner.Credentials{Username: "u", Password: "p"}}

type fixture struct {
	inner    *gated
	clock    *clocktesting.FakeClock
	p        *Provisioner
	notified chan string
}

func newFixture() *fixture {
	f := &fixture{inner: newGated(), clock: clocktesting.NewFakeClock(time.Unix(0, 0)), notified: make(chan string, 10)}
	f.p = New(f.inner, Config{Budget: time.Second, ResultTTL: time.Minute, Clock: f.clock,
		Notify: func(ns, name string) { f.notified <- ns + "/" + name }})
	return f
}

// callAbandoned calls PowerOn with its backend call gated, and lets the budget run out.
func (f *fixture) callAbandoned(t *testing.T, call func() (provisioner.Result, error)) {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := call(); done <- err }()
	// The caller waits on the budget timer; run the clock past it.
	for !f.clock.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	f.clock.Step(time.Second)
	if err := <-done; !errors.Is(err, ErrInProgress) {
		t.Fatalf("got %v, want ErrInProgress once the budget ran out", err)
	}
}

func (f *fixture) waitNotified(t *testing.T) {
	t.Helper()
	select {
	case got := <-f.notified:
		if got != "ns/h" {
			t.Fatalf("notified %q, want ns/h", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the end of an abandoned call was not notified")
	}
}

func TestFastCallPassesThrough(t *testing.T) {
	f := newFixture()
	res, err := f.p.PowerOn(context.Background(), host)
	if err != nil || !res.Done {
		t.Fatalf("got %+v, %v; want Done", res, err)
	}
	if _, err := f.p.PowerOn(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	if n := f.inner.count("PowerOn"); n != 2 {
		t.Fatalf("backend called %d times, want 2: an answer taken inline is not kept", n)
	}
	if f.p.InFlight() != 0 || len(f.p.calls) != 0 {
		t.Fatalf("something kept after inline calls: %d in flight, %d entries", f.p.InFlight(), len(f.p.calls))
	}
}

func TestSlowCallAnswersTheNextIdenticalCall(t *testing.T) {
	f := newFixture()
	release := f.inner.gate("PowerOn")
	f.callAbandoned(t, func() (provisioner.Result, error) { return f.p.PowerOn(context.Background(), host) })

	// While it runs, the host gets no second call, the same or another.
	for name, call := range map[string]func() (provisioner.Result, error){
		"same": func() (provisioner.Result, error) { return f.p.PowerOn(context.Background(), host) },
		"another": func() (provisioner.Result, error) {
			return f.p.PowerOff(context.Background(), host, provisioner.RebootModeSoft)
		},
	} {
		if _, err := call(); !errors.Is(err, ErrInProgress) {
			t.Fatalf("%s call while one runs: %v, want ErrInProgress", name, err)
		}
	}
	if f.p.InFlight() != 1 {
		t.Fatalf("%d calls in flight, want 1", f.p.InFlight())
	}

	release <- provisioner.InProgress(5 * time.Second)
	f.waitNotified(t)
	res, err := f.p.PowerOn(context.Background(), host)
	if err != nil || res.RequeueAfter != 5*time.Second {
		t.Fatalf("got %+v, %v; want the abandoned call's answer", res, err)
	}
	if n := f.inner.count("PowerOn"); n != 1 {
		t.Fatalf("backend called %d times, want 1", n)
	}
	if n := f.inner.count("PowerOff"); n != 0 {
		t.Fatalf("PowerOff reached the backend while PowerOn ran")
	}
	// The answer is taken once: the next call goes to the backend.
	release <- provisioner.Done()
	if _, err := f.p.PowerOn(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	if n := f.inner.count("PowerOn"); n != 2 {
		t.Fatalf("backend called %d times, want 2", n)
	}
}

func TestFinishedAnswerIsNotGivenToAnotherCall(t *testing.T) {
	cases := []struct {
		name string
		// next is the call made after the abandoned PowerOn ended; age is how long after.
		next func(p *Provisioner) (provisioner.Result, error)
		age  time.Duration
		// forget is set to call Forget before the next call.
		forget bool
	}{
		{name: "another method", next: func(p *Provisioner) (provisioner.Result, error) {
			return p.PowerOff(context.Background(), host, provisioner.RebootModeSoft)
		}},
		{name: "changed credentials", next: func(p *Provisioner) (provisioner.Result, error) {
			h := host
			h.Credentials.Password = "corrected"
			return p.PowerOn(context.Background(), h)
		}},
		{name: "answer too old", age: 2 * time.Minute, next: func(p *Provisioner) (provisioner.Result, error) {
			return p.PowerOn(context.Background(), host)
		}},
		{name: "host forgotten", forget: true, next: func(p *Provisioner) (provisioner.Result, error) {
			return p.PowerOn(context.Background(), host)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			release := f.inner.gate("PowerOn")
			f.callAbandoned(t, func() (provisioner.Result, error) { return f.p.PowerOn(context.Background(), host) })
			release <- provisioner.Failed("stale answer")
			f.waitNotified(t)
			f.clock.Step(tc.age)
			if tc.forget {
				f.p.Forget("ns", "h")
			}
			// The new call is not gated again: it answers Done at once.
			f.inner.gate("PowerOn")
			f.inner.mu.Lock()
			f.inner.release["PowerOn"] = nil
			f.inner.mu.Unlock()
			res, err := tc.next(f.p)
			if err != nil || res.ErrorMessage != "" || !res.Done {
				t.Fatalf("got %+v, %v; want a fresh answer (Done), not the stale one", res, err)
			}
		})
	}
}

func TestCancelledCallerDoesNotWait(t *testing.T) {
	f := newFixture()
	release := f.inner.gate("PowerOn")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.p.PowerOn(ctx, host); !errors.Is(err, ErrInProgress) {
		t.Fatalf("got %v, want ErrInProgress", err)
	}
	release <- provisioner.Done()
	f.waitNotified(t)
}

// TestSlowBMCCallsDoNotWait: once a BMC has a call running past the budget, calls for other
// hosts behind it do not wait for the budget at all; hosts behind other BMCs still do.
func TestSlowBMCCallsDoNotWait(t *testing.T) {
	f := newFixture()
	at := func(name, address string) provisioner.Host {
		access, err := bmc.Parse(address)
		if err != nil {
			t.Fatal(err)
		}
		h := host
		h.Name, h.BMC = name, access
		return h
	}
	a := at("h", "redfish+http://192.0.2.1/redfish/v1/Systems/1")
	b := at("b", "redfish+http://192.0.2.1/redfish/v1/Systems/2")
	other := at("o", "redfish+http://192.0.2.2/redfish/v1/Systems/1")
	release := f.inner.gate("PowerOn")
	f.callAbandoned(t, func() (provisioner.Result, error) { return f.p.PowerOn(context.Background(), a) })

	// No clock step: the call for b must come back on its own.
	if _, err := f.p.PowerOn(context.Background(), b); !errors.Is(err, ErrInProgress) {
		t.Fatalf("call behind the slow BMC: %v, want ErrInProgress at once", err)
	}
	// Behind another BMC, the caller waits for the budget again.
	f.callAbandoned(t, func() (provisioner.Result, error) { return f.p.PowerOn(context.Background(), other) })
	if n := f.p.InFlight(); n != 3 {
		t.Fatalf("%d calls in flight, want 3", n)
	}
	for range 3 {
		release <- provisioner.Done()
		<-f.notified
	}
	if len(f.p.slow) != 0 {
		t.Fatalf("slow BMCs still counted after every call ended: %v", f.p.slow)
	}
}

// withDataImages is gated that also attaches DataImages.
type withDataImages struct{ *gated }

func (w withDataImages) AttachDataImage(ctx context.Context, h provisioner.Host, url string) (provisioner.Result, error) {
	return w.answer("AttachDataImage")
}

func (w withDataImages) DetachDataImage(ctx context.Context, h provisioner.Host, url string) (provisioner.Result, error) {
	return w.answer("DetachDataImage")
}

// TestDataImages: the DataImage calls are the backend's, one per host at a time with the
// others; a backend without them has none.
func TestDataImages(t *testing.T) {
	if New(newGated(), Config{}).DataImages() != nil {
		t.Fatal("a backend without DataImage support has an attacher")
	}
	inner := withDataImages{newGated()}
	clock := clocktesting.NewFakeClock(time.Unix(0, 0))
	p := New(inner, Config{Budget: time.Second, Clock: clock})
	d := p.DataImages()
	if res, err := d.AttachDataImage(context.Background(), host, "http://192.0.2.1/a.iso"); err != nil || !res.Done {
		t.Fatalf("attach = %+v, %v", res, err)
	}
	gate := inner.gate("PowerOn")
	go func() { _, _ = p.PowerOn(context.Background(), host) }()
	for !clock.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	// A power-on in flight: the detach waits for it, without calling the backend.
	if _, err := d.DetachDataImage(context.Background(), host, "http://192.0.2.1/a.iso"); !errors.Is(err, ErrInProgress) {
		t.Fatalf("detach during a power-on = %v, want ErrInProgress", err)
	}
	gate <- provisioner.Done()
	if n := inner.count("DetachDataImage"); n != 0 {
		t.Fatalf("detach called %d times during the power-on", n)
	}
}

// withFirmware reads firmware; ReadBIOS answers only when the gate of "ReadBIOS" is released.
type withFirmware struct{ *gated }

func (w withFirmware) ReadBIOS(ctx context.Context, h provisioner.Host) (provisioner.BIOS, error) {
	_, err := w.answer("ReadBIOS")
	return provisioner.BIOS{Settings: map[string]string{"BootMode": "Uefi"}}, err
}

func (w withFirmware) FirmwareComponents(ctx context.Context, h provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	_, err := w.answer("FirmwareComponents")
	return []provisioner.FirmwareComponent{{Component: "bios", Version: "2.1"}}, err
}

func TestFirmwareReader(t *testing.T) {
	if New(newGated(), Config{}).FirmwareReader() != nil {
		t.Fatal("a backend that cannot read firmware has a reader")
	}
	inner := withFirmware{newGated()}
	clock := clocktesting.NewFakeClock(time.Unix(0, 0))
	notified := make(chan string, 1)
	p := New(inner, Config{Budget: time.Second, ResultTTL: time.Minute, Clock: clock, Notify: func(ns, name string) { notified <- name }})
	r := p.FirmwareReader()
	if c, err := r.FirmwareComponents(context.Background(), host); err != nil || len(c) != 1 || c[0].Version != "2.1" {
		t.Fatalf("components = %+v, %v", c, err)
	}
	// A slow BIOS read: the caller gets ErrInProgress after the budget, and the answer once
	// the read ends, from the next identical call, without a second read.
	gate := inner.gate("ReadBIOS")
	done := make(chan error, 1)
	go func() { _, err := r.ReadBIOS(context.Background(), host); done <- err }()
	for !clock.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	clock.Step(time.Second)
	if err := <-done; !errors.Is(err, ErrInProgress) {
		t.Fatalf("slow BIOS read = %v, want ErrInProgress", err)
	}
	if _, err := r.FirmwareComponents(context.Background(), host); !errors.Is(err, ErrInProgress) {
		t.Fatalf("components during the BIOS read = %v, want ErrInProgress (one call per host)", err)
	}
	gate <- provisioner.Done()
	<-notified
	bios, err := r.ReadBIOS(context.Background(), host)
	if err != nil || bios.Settings["BootMode"] != "Uefi" || inner.count("ReadBIOS") != 1 {
		t.Fatalf("BIOS after the read ended = %+v, %v (%d reads)", bios, err, inner.count("ReadBIOS"))
	}
}
