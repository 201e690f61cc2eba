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

package baremetalhost

import (
	"sync"
)

// slots enforces --max-concurrent-provisioning as a hard limit, per pool: per Ironic endpoint
// (status.provisioning.endpoint), since the limit protects the Ironic doing the work (Metal3's
// one Ironic), so each Ironic of a server with several gets as many. A host takes a slot before
// its status says inspecting, provisioning or deprovisioning and gives it back only after its
// status says otherwise, so the number of hosts in those states, as anyone watching the API
// sees them, never exceeds the limit. (Metal3 counts hosts as it goes and overflows.) It is
// in memory: only the elected reconciler moves hosts, and it rebuilds the slots from the
// informer cache when it starts.
//
// Hosts that find no slot wait in their pool's line. A freed slot is offered to the oldest
// waiter of its pool alone (one host per free slot), and kept for it until its next pass: a
// host arriving meanwhile does not take it. A woken host whose pass ends without taking its
// slot (deleted, paused, no longer needing it) passes it on to the next in line. Waking every
// waiter at each release instead cost a pass of every waiting host per freed slot: with 10,000
// hosts registered at once, 9,000 waiters woken for each of 10,000 slots, and the reconciler
// did little else.
type slots struct {
	mu    sync.Mutex
	limit int
	// holders maps each host holding a slot to its pool.
	holders map[string]string
	// waiting maps each waiting host to when it started waiting (a sequence number) and in
	// which pool; lines hold them in that order, per pool. An entry of a line whose host left
	// waiting, or waits again under a newer number, is skipped when reached.
	waiting map[string]waiter
	lines   map[string][]waiter
	// waitingIn counts the waiting hosts of each pool, for the metrics: waiting is the one map
	// that grows with the fleet (10,000 hosts registered at once), too large to count on
	// every pass.
	waitingIn map[string]int
	seq       uint64
	// woken are the hosts offered a freed slot, one per slot, until their next pass ends.
	woken map[string]*offer
}

type waiter struct {
	key  string
	seq  uint64
	pool string
}

// offer is a slot of pool kept for a woken host. seen says that a pass of the host began
// after the offer: a pass already running when the host was woken says nothing about whether
// it wants the slot.
type offer struct {
	pool string
	seen bool
}

func newSlots(limit int) *slots {
	return &slots{limit: limit, holders: map[string]string{}, waiting: map[string]waiter{},
		lines: map[string][]waiter{}, waitingIn: map[string]int{}, woken: map[string]*offer{}}
}

// usedLocked counts the slots of pool held or kept for a woken host (a few dozen at most).
func (s *slots) usedLocked(pool string) int {
	n := 0
	for _, p := range s.holders {
		if p == pool {
			n++
		}
	}
	for _, o := range s.woken {
		if o.pool == pool {
			n++
		}
	}
	return n
}

// acquire takes a slot of pool for key, or records key as waiting and returns false. taken
// says whether this call took the slot (false when key already held one): only the taker may
// give it back on a failed write, since a stale pass must not release a slot its host still
// needs.
func (s *slots) acquire(key, pool string) (ok, taken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, held := s.holders[key]; held {
		return true, false
	}
	o, offered := s.woken[key]
	if offered && o.pool != pool {
		// Offered in another pool (its endpoint changed since: a detach): given up.
		delete(s.woken, key)
		offered = false
		s.offerLocked(o.pool)
	}
	if !offered && s.usedLocked(pool) >= s.limit {
		// A host already waiting in another pool (its endpoint changed since: a detach)
		// moves to the end of this pool's line; its entry in the other is skipped.
		if w, ok := s.waiting[key]; !ok || w.pool != pool {
			s.unwaitLocked(key)
			s.seq++
			w = waiter{key: key, seq: s.seq, pool: pool}
			s.waiting[key] = w
			s.waitingIn[pool]++
			s.lines[pool] = append(s.lines[pool], w)
		}
		return false, false
	}
	delete(s.woken, key)
	s.unwaitLocked(key)
	s.holders[key] = pool
	return true, true
}

// hold records that key holds a slot of pool, even past the limit: used at start for hosts
// already in a long state.
func (s *slots) hold(key, pool string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holders[key] = pool
}

// release gives back key's slot and returns the hosts to wake for the slots now free in its
// pool: the oldest waiters, one per free slot.
func (s *slots) release(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	pool, held := s.holders[key]
	if !held {
		s.unwaitLocked(key)
		return nil
	}
	delete(s.holders, key)
	return s.offerLocked(pool)
}

// forget drops key entirely (the host is gone) and returns the hosts to wake.
func (s *slots) forget(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	pools := map[string]bool{}
	if p, ok := s.holders[key]; ok {
		pools[p] = true
	}
	if o := s.woken[key]; o != nil {
		pools[o.pool] = true
	}
	s.unwaitLocked(key)
	delete(s.woken, key)
	delete(s.holders, key)
	var wake []string
	for p := range pools {
		wake = append(wake, s.offerLocked(p)...)
	}
	return wake
}

// begin notes that a pass of key starts: if key was offered a slot, this pass will show
// whether it takes it.
func (s *slots) begin(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.woken[key]; o != nil {
		o.seen = true
	}
}

// end notes that a pass of key ended. A host offered a slot before this pass began and that
// did not take it gives the offer up, and the next waiter is returned to be woken. If it
// still wants a slot, its next pass waits in line again.
func (s *slots) end(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.woken[key]
	if o == nil || !o.seen {
		return nil
	}
	delete(s.woken, key)
	return s.offerLocked(o.pool)
}

// unwaitLocked takes key out of waiting (its entry in its line is skipped when reached).
func (s *slots) unwaitLocked(key string) {
	w, ok := s.waiting[key]
	if !ok {
		return
	}
	delete(s.waiting, key)
	if s.waitingIn[w.pool]--; s.waitingIn[w.pool] == 0 {
		delete(s.waitingIn, w.pool)
	}
}

// offerLocked offers each free slot of pool to the oldest waiter of its line not yet offered one.
func (s *slots) offerLocked(pool string) []string {
	var wake []string
	line := s.lines[pool]
	for s.usedLocked(pool) < s.limit && len(line) > 0 {
		w := line[0]
		line = line[1:]
		if cur, ok := s.waiting[w.key]; !ok || cur.seq != w.seq {
			continue // left the line, or waits again further back
		}
		s.unwaitLocked(w.key)
		s.woken[w.key] = &offer{pool: pool}
		wake = append(wake, w.key)
	}
	if len(line) == 0 {
		delete(s.lines, pool) // let the backing array go
	} else {
		s.lines[pool] = line
	}
	return wake
}

// inLine says whether key waits in line for a slot: neither holding one nor offered one.
func (s *slots) inLine(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.waiting[key]
	return ok
}

// poolUsage is what one pool's slots are doing.
type poolUsage struct {
	// held counts the slots held; waiting the hosts waiting for one, including those offered
	// one and not yet come to take it.
	held, waiting int
}

// usage is poolUsage for every pool with a holder or a waiter.
func (s *slots) usage() map[string]poolUsage {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := map[string]poolUsage{}
	add := func(pool string, held, waiting int) {
		p := u[pool]
		p.held += held
		p.waiting += waiting
		u[pool] = p
	}
	for _, pool := range s.holders {
		add(pool, 1, 0)
	}
	for pool, n := range s.waitingIn {
		add(pool, 0, n)
	}
	for _, o := range s.woken {
		add(o.pool, 0, 1)
	}
	return u
}

// inUse is usage summed over the pools.
func (s *slots) inUse() (held, waiting int) {
	for _, p := range s.usage() {
		held += p.held
		waiting += p.waiting
	}
	return held, waiting
}
