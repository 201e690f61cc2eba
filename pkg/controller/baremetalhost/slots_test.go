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
	"slices"
	"testing"
)

func TestSlotsWakeOldestFirstAndNeverExceed(t *testing.T) {
	s := newSlots(2)
	for _, k := range []string{"a", "b"} {
		if ok, taken := s.acquire(k, ""); !ok || !taken {
			t.Fatalf("acquire(%s) = %t, %t; want a slot", k, ok, taken)
		}
	}
	for _, k := range []string{"w3", "w1", "w2", "w3"} { // w3 asks twice: it keeps its place
		if ok, _ := s.acquire(k, ""); ok {
			t.Fatalf("acquire(%s) got a slot past the limit", k)
		}
	}
	if ok, taken := s.acquire("a", ""); !ok || taken {
		t.Errorf("a holder asking again = %t, %t; want ok without taking", ok, taken)
	}
	if got, want := s.release("a"), []string{"w3"}; !slices.Equal(got, want) {
		t.Errorf("woken = %v, want the oldest, as many as slots are free: %v", got, want)
	}
	if ok, _ := s.acquire("w1", ""); !ok {
		t.Fatal("w1 did not get the freed slot")
	}
	if ok, _ := s.acquire("w3", ""); ok {
		t.Error("w3 got a slot while both are held")
	}
	if held, waiting := s.inUse(); held != 2 || waiting != 2 {
		t.Errorf("inUse = %d held, %d waiting; want 2, 2", held, waiting)
	}
	if got := s.release("nobody"); got != nil {
		t.Errorf("release of a non-holder woke %v", got)
	}
	if got := s.unwait("w3"); got != nil {
		t.Errorf("unwait with every slot held woke %v", got)
	}
	if got, want := s.release("b"), []string{"w2"}; !slices.Equal(got, want) {
		t.Errorf("woken = %v, want %v (w3 no longer waits)", got, want)
	}
}

// With several Ironic endpoints, each is its own pool of --max-concurrent-provisioning slots:
// a full pool delays only its own hosts, and a release wakes only its own waiters.
func TestSlotsPerPool(t *testing.T) {
	type step struct {
		op        string // acquire, release, hold
		key, pool string
		ok        bool     // acquire: got a slot
		woken     []string // release, unwait, forget: who is woken
	}
	for _, tc := range []struct {
		name  string
		limit int
		steps []step
		held  int
		wait  int
	}{{
		name: "pools fill independently", limit: 1,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "acquire", key: "a2", pool: "A"},
			{op: "acquire", key: "b2", pool: "B"},
		},
		held: 2, wait: 2,
	}, {
		name: "a release wakes only its pool's waiters", limit: 1,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "acquire", key: "a2", pool: "A"},
			{op: "acquire", key: "b2", pool: "B"},
			{op: "acquire", key: "a3", pool: "A"},
			{op: "release", key: "b1", woken: []string{"b2"}},
			{op: "acquire", key: "a2", pool: "A"},
			{op: "release", key: "a1", woken: []string{"a2"}},
			{op: "acquire", key: "a3", pool: "A", ok: true},
			{op: "acquire", key: "a2", pool: "A"},
		},
		held: 1, wait: 2,
	}, {
		name: "a woken waiter that no longer wants a slot makes way for the next", limit: 2,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "a2", pool: "A", ok: true},
			{op: "acquire", key: "w1", pool: "A"},
			{op: "acquire", key: "w2", pool: "A"},
			{op: "acquire", key: "w3", pool: "A"},
			{op: "unwait", key: "a1"}, // not waiting: nothing happens
			{op: "release", key: "a1", woken: []string{"w1"}},
			{op: "unwait", key: "w1", woken: []string{"w2"}},
			{op: "forget", key: "w2", woken: []string{"w3"}},
			{op: "forget", key: "a2", woken: []string{"w3"}},
			{op: "acquire", key: "w3", pool: "A", ok: true},
		},
		held: 1, wait: 0,
	}, {
		name: "hosts held at start count against their pool only", limit: 2,
		steps: []step{
			{op: "hold", key: "a1", pool: "A"},
			{op: "hold", key: "a2", pool: "A"},
			{op: "hold", key: "a2", pool: "A"}, // twice: still one slot
			{op: "acquire", key: "a3", pool: "A"},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "release", key: "a2", woken: []string{"a3"}},
			{op: "acquire", key: "a3", pool: "A", ok: true},
		},
		held: 3, wait: 0,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSlots(tc.limit)
			for i, st := range tc.steps {
				switch st.op {
				case "acquire":
					if ok, _ := s.acquire(st.key, st.pool); ok != st.ok {
						t.Fatalf("step %d: acquire(%s, %s) = %t, want %t", i, st.key, st.pool, ok, st.ok)
					}
				case "hold":
					s.hold(st.key, st.pool)
				case "release", "unwait", "forget":
					f := map[string]func(string) []string{"release": s.release, "unwait": s.unwait, "forget": s.forget}[st.op]
					if got := f(st.key); !slices.Equal(got, st.woken) {
						t.Fatalf("step %d: %s(%s) woke %v, want %v", i, st.op, st.key, got, st.woken)
					}
				}
			}
			if held, waiting := s.inUse(); held != tc.held || waiting != tc.wait {
				t.Errorf("inUse = %d held, %d waiting; want %d, %d", held, waiting, tc.held, tc.wait)
			}
		})
	}
}
