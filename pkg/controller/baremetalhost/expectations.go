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
	at time.Time
}

func newExpectations() *expectations {
	return &expectations{pending: map[string]expectation{}, maxWait: 10 * time.Second}
}

// wrote records that key was written and is now at rv.
func (e *expectations) wrote(key, rv string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending[key] = expectation{rv: rv, at: time.Now()}
}

// observed is called with every version the informer delivers.
func (e *expectations) observed(key, rv string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if exp, ok := e.pending[key]; ok && exp.rv == rv {
		delete(e.pending, key)
	}
}

// satisfied says whether the cache has caught up with our last write of key.
func (e *expectations) satisfied(key, cachedRV string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	exp, ok := e.pending[key]
	if !ok || exp.rv == cachedRV || time.Since(exp.at) > e.maxWait {
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
