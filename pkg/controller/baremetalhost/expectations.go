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
	"time"
)

// expectations remember the resourceVersion of each host's last write by the reconciler until
// the informer has delivered it. Until then the cache holds an older copy, and acting on it
// would repeat a step already done (start a provisioning twice, release a slot early).
// Conflicts would catch the write, but not the backend call before it; this catches both.
type expectations struct {
	mu      sync.Mutex
	pending map[string]expectation
	// maxWait bounds how long a lost event can hold a host back.
	maxWait time.Duration
}

type expectation struct {
	rv string
	// stale are the versions our writes replaced: while the cache shows one of them it is
	// behind our write; any other version is our write or a later one (writes are
	// conditional on the version they replace, and the cache never goes backwards).
	stale map[string]bool
	at    time.Time
	// waiting says a pass found the cache behind this write and left the host to its event.
	waiting bool
}

func newExpectations() *expectations {
	return &expectations{pending: map[string]expectation{}, maxWait: 10 * time.Second}
}

// wrote records that key was written and is now at rv.
func (e *expectations) wrote(key, base, rv string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if base == rv {
		return // a no-op write: the cache is not behind it
	}
	exp, ok := e.pending[key]
	if !ok {
		exp = expectation{stale: map[string]bool{}}
	}
	exp.stale[base] = true
	exp.rv, exp.at = rv, time.Now()
	e.pending[key] = exp
}

// observed is called with every version the informer delivers; it says whether a pass waits
// for this one (the host must then be reconciled, even if only its status changed).
func (e *expectations) observed(key, rv string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if exp, ok := e.pending[key]; ok && !exp.stale[rv] {
		delete(e.pending, key)
		return exp.waiting
	}
	return false
}

// satisfied says whether the cache has caught up with our last write of key.
func (e *expectations) satisfied(key, cachedRV string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	exp, ok := e.pending[key]
	if !ok || !exp.stale[cachedRV] || time.Since(exp.at) > e.maxWait {
		delete(e.pending, key)
		return true
	}
	exp.waiting = true
	e.pending[key] = exp
	return false
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.pending, key)
}
