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

// slots enforces --max-concurrent-provisioning as a hard limit. A host takes a slot before
// its status says inspecting, provisioning or deprovisioning and gives it back only after its
// status says otherwise, so the number of hosts in those states, as anyone watching the API
// sees them, never exceeds the limit. (Metal3 counts hosts as it goes and overflows.) It is
// in memory: only the elected reconciler moves hosts, and it rebuilds the slots from the
// informer cache when it starts.
//
// Hosts that find no slot wait in line. A freed slot is offered to the oldest waiter alone
// (one host per free slot), and kept for it until its next pass: a host arriving meanwhile
// does not take it. A woken host whose pass ends without taking its slot (deleted, paused, no
// longer needing it) passes it on to the next in line. Waking every waiter at each release
// instead cost a pass of every waiting host per freed slot: with 10,000 hosts registered at
// once, 9,000 waiters woken for each of 10,000 slots, and the reconciler did little else.
type slots struct {
	mu      sync.Mutex
	limit   int
	holders map[string]bool
	// waiting maps each waiting host to when it started waiting (a sequence number); line
	// holds them in that order. An entry of line whose host left waiting, or waits again
	// under a newer number, is skipped when reached.
	waiting map[string]uint64
	line    []waiter
	seq     uint64
	// woken are the hosts offered a freed slot, one per slot, until their next pass ends.
	// seen says that pass began after the offer: a pass already running when the host was
	// woken says nothing about whether it wants the slot.
	woken map[string]*offer
}

type waiter struct {
	key string
	seq uint64
}

type offer struct{ seen bool }

func newSlots(limit int) *slots {
	return &slots{limit: limit, holders: map[string]bool{}, waiting: map[string]uint64{}, woken: map[string]*offer{}}
}

// acquire takes a slot for key, or records key as waiting and returns false. taken says
// whether this call took the slot (false when key already held one): only the taker may give
// it back on a failed write, since a stale pass must not release a slot its host still needs.
func (s *slots) acquire(key string) (ok, taken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holders[key] {
		return true, false
	}
	_, offered := s.woken[key]
	if !offered && len(s.holders)+len(s.woken) >= s.limit {
		if _, ok := s.waiting[key]; !ok {
			s.seq++
			s.waiting[key] = s.seq
			s.line = append(s.line, waiter{key: key, seq: s.seq})
		}
		return false, false
	}
	delete(s.woken, key)
	delete(s.waiting, key)
	s.holders[key] = true
	return true, true
}

// hold records that key holds a slot, even past the limit: used at start for hosts already
// in a long state.
func (s *slots) hold(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holders[key] = true
}

// release gives back key's slot and returns the hosts to wake for the slots now free: the
// oldest waiters, one per free slot.
func (s *slots) release(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.holders[key] {
		delete(s.waiting, key)
		return nil
	}
	delete(s.holders, key)
	return s.offerLocked()
}

// forget drops key entirely (the host is gone) and returns the hosts to wake.
func (s *slots) forget(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.waiting, key)
	delete(s.woken, key)
	delete(s.holders, key)
	return s.offerLocked()
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
	if o := s.woken[key]; o == nil || !o.seen {
		return nil
	}
	delete(s.woken, key)
	return s.offerLocked()
}

// offerLocked offers each free slot to the oldest waiter not yet offered one.
func (s *slots) offerLocked() []string {
	var wake []string
	for len(s.holders)+len(s.woken) < s.limit && len(s.line) > 0 {
		w := s.line[0]
		s.line = s.line[1:]
		if seq, ok := s.waiting[w.key]; !ok || seq != w.seq {
			continue // left the line, or waits again further back
		}
		delete(s.waiting, w.key)
		s.woken[w.key] = &offer{}
		wake = append(wake, w.key)
	}
	if len(s.line) == 0 {
		s.line = nil // let the backing array go
	}
	return wake
}

// inUse counts the slots held, and the hosts waiting for one (including those offered one
// and not yet come to take it).
func (s *slots) inUse() (held, waiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.holders), len(s.waiting) + len(s.woken)
}
