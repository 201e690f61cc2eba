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
}

// polls remembers, per host, the resourceVersion of the reconciler's own last write and when
// the host is next due. The watch event of that write would otherwise reconcile the host at
// once, costing its backend an extra call per step: when the cached host is still exactly what
// we wrote, nothing new happened, and the host waits for its timer.
type polls struct {
	mu  sync.Mutex
	due map[string]poll
}

type poll struct {
	rv string
	at time.Time
}

func newPolls() *polls { return &polls{due: map[string]poll{}} }

// schedule records that key, last written at rv (empty when this pass wrote nothing), is due
// at t.
func (p *polls) schedule(key, rv string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rv == "" {
		rv = p.due[key].rv
	}
	p.due[key] = poll{rv: rv, at: t}
}

// wait is how long key must still wait when the cached host is at cachedRV: zero unless the
// host is exactly as we last wrote it and its timer has not fired.
func (p *polls) wait(key, cachedRV string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.due[key]
	if !ok || d.rv == "" || d.rv != cachedRV || !now.Before(d.at) {
		return 0
	}
	return d.at.Sub(now)
}

func (p *polls) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.due, key)
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

// observed is called with every version the informer delivers.
func (e *expectations) observed(key, rv string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if exp, ok := e.pending[key]; ok && !exp.stale[rv] {
		delete(e.pending, key)
	}
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
	return false
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.pending, key)
}
