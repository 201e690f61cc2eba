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
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// slowReads answers PowerState and PowerDraw after a delay longer than the budget, as a busy
// BMC does, and counts the calls.
type slowReads struct {
	provisioner.Provisioner
	delay time.Duration
	mu    sync.Mutex
	calls map[string]int
}

func (s *slowReads) count(method string) {
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
	time.Sleep(s.delay)
}

func (s *slowReads) PowerState(context.Context, provisioner.Host) (provisioner.PowerState, error) {
	s.count("PowerState")
	return provisioner.PowerState{Known: true, PoweredOn: true}, nil
}

// Adopt answers at once, as the Redfish backend's does (nothing to do on the BMC).
func (s *slowReads) Adopt(context.Context, provisioner.Host) (provisioner.Result, error) {
	s.mu.Lock()
	s.calls["Adopt"]++
	s.mu.Unlock()
	return provisioner.Done(), nil
}

// PowerOn answers at once: an action, which makes every earlier read stale.
func (s *slowReads) PowerOn(context.Context, provisioner.Host) (provisioner.Result, error) {
	s.mu.Lock()
	s.calls["PowerOn"]++
	s.mu.Unlock()
	return provisioner.Done(), nil
}

func (s *slowReads) PowerDraw(context.Context, provisioner.Host) (float64, bool, error) {
	s.count("PowerDraw")
	return 230, true, nil
}

// TestHostAtRestComesToRestOnASlowBMC: the reconciler's pass over a host at rest reads its
// power state, then its power draw. On a BMC slower than the budget both reads finish in the
// background and each end wakes the host. When the second read's answer evicted the first's,
// every wake-up started the other read again and the host never rested: with thirty hosts
// behind one BMC, a hot loop that kept the BMC's session saturated and stalled every action
// for minutes (test/cluster caught it on a new leader). Reads keep each other's answers, so the
// host rests after a few passes.
//
// A provisioned host is adopted first in every pass: adoption changes nothing a read reads,
// so it keeps them (when it dropped them, each pass's adoption dropped the read the last pass
// started, and the host never rested).
func TestHostAtRestComesToRestOnASlowBMC(t *testing.T) {
	for _, adopted := range []bool{false, true} {
		t.Run(fmt.Sprintf("adopted=%v", adopted), func(t *testing.T) { testHostAtRest(t, adopted) })
	}
}

func testHostAtRest(t *testing.T, adopted bool) {
	inner := &slowReads{delay: 20 * time.Millisecond, calls: map[string]int{}}
	woken := make(chan struct{}, 100)
	p := New(inner, Config{Budget: time.Millisecond, Notify: func(string, string) { woken <- struct{}{} }})
	ctx := context.Background()
	// pass is the reconciler's pass over a host at rest; it reports whether both reads were
	// answered, so that the host waits for its next poll and nothing else.
	pass := func() bool {
		if adopted {
			if _, err := p.Adopt(ctx, host); errors.Is(err, ErrInProgress) {
				return false
			}
		}
		if _, err := p.PowerState(ctx, host); errors.Is(err, ErrInProgress) {
			return false
		}
		_, _, err := p.PowerMeter().PowerDraw(ctx, host)
		return !errors.Is(err, ErrInProgress)
	}
	const maxPasses = 8
	for n := 1; ; n++ {
		if pass() {
			t.Logf("the host rests after %d passes", n)
			return
		}
		if n == maxPasses {
			t.Fatalf("the host never rests: %d passes, each ending in a read left running", n)
		}
		select {
		case <-woken:
		case <-time.After(10 * time.Second):
			t.Fatal("a read left running never woke the host")
		}
	}
}

// TestKeptReadIsDroppedByAnAction: a read answered before an action is never handed out after
// it: the power state read before a power-on says nothing about the host after it.
func TestKeptReadIsDroppedByAnAction(t *testing.T) {
	inner := &slowReads{delay: 20 * time.Millisecond, calls: map[string]int{}}
	woken := make(chan struct{}, 100)
	p := New(inner, Config{Budget: time.Millisecond, Notify: func(string, string) { woken <- struct{}{} }})
	ctx := context.Background()
	wait := func() {
		t.Helper()
		select {
		case <-woken:
		case <-time.After(10 * time.Second):
			t.Fatal("a call left running never woke the host")
		}
	}
	if _, err := p.PowerState(ctx, host); !errors.Is(err, ErrInProgress) {
		t.Fatalf("a read slower than the budget answered %v, want ErrInProgress", err)
	}
	wait() // its answer is kept now
	for {
		_, err := p.PowerOn(ctx, host)
		if !errors.Is(err, ErrInProgress) {
			break
		}
		wait() // the machine was too busy for the budget: take the answer next time
	}
	if _, err := p.PowerState(ctx, host); !errors.Is(err, ErrInProgress) {
		t.Fatalf("the power state read before the power-on was handed out after it (%v)", err)
	}
	wait()
	inner.mu.Lock()
	defer inner.mu.Unlock()
	if inner.calls["PowerState"] != 2 {
		t.Fatalf("backend read the power state %d times, want 2", inner.calls["PowerState"])
	}
}
