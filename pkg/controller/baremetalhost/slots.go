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
	"sort"
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
type slots struct {
	mu    sync.Mutex
	limit int
	// holders maps each host holding a slot to its pool; held counts them per pool.
	holders map[string]string
	held    map[string]int
	// waiting maps each waiting host to when it started waiting (a sequence number), so
	// that waiters are woken oldest first: the work queue is FIFO, so the host that waited
	// longest is the first to try the freed slot.
	waiting map[string]waiter
	seq     uint64
}

type waiter struct {
	seq  uint64
	pool string
}

func newSlots(limit int) *slots {
	return &slots{limit: limit, holders: map[string]string{}, held: map[string]int{}, waiting: map[string]waiter{}}
}

// acquire takes a slot for key, or records key as waiting and returns false. taken says
// whether this call took the slot (false when key already held one): only the taker may give
// it back on a failed write, since a stale pass must not release a slot its host still needs.
func (s *slots) acquire(key, pool string) (ok, taken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, held := s.holders[key]; held {
		return true, false
	}
	if s.held[pool] >= s.limit {
		if w, ok := s.waiting[key]; !ok || w.pool != pool {
			s.seq++
			s.waiting[key] = waiter{seq: s.seq, pool: pool}
		}
		return false, false
	}
	delete(s.waiting, key)
	s.holders[key] = pool
	s.held[pool]++
	return true, true
}

// hold records that key holds a slot, even past the limit: used at start for hosts already
// in a long state.
func (s *slots) hold(key, pool string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, held := s.holders[key]; held {
		return
	}
	s.holders[key] = pool
	s.held[pool]++
}

// release gives back key's slot and returns the oldest hosts waiting for one of its pool, as
// many as the pool has free slots, to be woken. Not every waiter: with a thousand hosts
// waiting, waking all at each release cost a thousand passes per release, and the passes
// that had work queued behind them. A woken host that no longer wants a slot (paused, its
// image removed, deleted) leaves the queue through unwait or forget, which wake the next.
func (s *slots) release(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	pool, held := s.holders[key]
	if !held {
		return nil
	}
	delete(s.holders, key)
	if s.held[pool]--; s.held[pool] <= 0 {
		delete(s.held, pool)
	}
	return s.nextLocked(pool)
}

// unwait takes key out of the waiters (a pass of the host asked for no slot) and returns the
// waiters to wake in its place, if its pool has a free slot.
func (s *slots) unwait(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, waiting := s.waiting[key]
	if !waiting {
		return nil
	}
	delete(s.waiting, key)
	return s.nextLocked(w.pool)
}

// nextLocked returns the oldest waiters of pool, as many as it has free slots.
func (s *slots) nextLocked(pool string) []string {
	free := s.limit - s.held[pool]
	if free <= 0 {
		return nil
	}
	woken := make([]string, 0, len(s.waiting))
	for k, w := range s.waiting {
		if w.pool == pool {
			woken = append(woken, k)
		}
	}
	sort.Slice(woken, func(i, j int) bool { return s.waiting[woken[i]].seq < s.waiting[woken[j]].seq })
	if len(woken) > free {
		woken = woken[:free]
	}
	return woken
}

// forget drops key entirely (the host is gone) and returns the waiters to wake.
func (s *slots) forget(key string) []string {
	return append(s.unwait(key), s.release(key)...)
}

func (s *slots) inUse() (held, waiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.holders), len(s.waiting)
}
