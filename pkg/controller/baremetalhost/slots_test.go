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
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/component-base/metrics/testutil"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// slotOp is one step of a slots scenario: a call and what it must return.
type slotOp struct {
	op   string // acquire, release, forget, begin, end
	key  string
	ok   bool     // acquire: got a slot
	wake []string // release, forget, end: hosts to wake, in order
}

func TestSlots(t *testing.T) {
	full := []slotOp{{op: "acquire", key: "a", ok: true}, {op: "acquire", key: "b", ok: true}}
	waitAll := append(slices.Clone(full),
		slotOp{op: "acquire", key: "w3"}, slotOp{op: "acquire", key: "w1"}, slotOp{op: "acquire", key: "w2"},
		slotOp{op: "acquire", key: "w3"}) // w3 asks twice: it keeps its place
	cases := []struct {
		name              string
		ops               []slotOp
		held, waiting     int
		neverOverTheLimit bool
	}{{
		name: "a holder asking again keeps its slot",
		ops:  append(slices.Clone(full), slotOp{op: "acquire", key: "a", ok: true}),
		held: 2,
	}, {
		name: "a freed slot goes to the oldest waiter alone",
		ops: append(slices.Clone(waitAll),
			slotOp{op: "release", key: "a", wake: []string{"w3"}},
			slotOp{op: "begin", key: "w3"}, slotOp{op: "acquire", key: "w3", ok: true}, slotOp{op: "end", key: "w3"}),
		held: 2, waiting: 2,
	}, {
		name: "the offered slot is kept from a waiter further back and from a newcomer",
		ops: append(slices.Clone(waitAll),
			slotOp{op: "release", key: "a", wake: []string{"w3"}},
			slotOp{op: "acquire", key: "w1"}, slotOp{op: "acquire", key: "new"},
			slotOp{op: "acquire", key: "w3", ok: true}),
		held: 2, waiting: 3,
	}, {
		name: "a woken host that does not take its slot passes it on",
		ops: append(slices.Clone(waitAll),
			slotOp{op: "release", key: "a", wake: []string{"w3"}},
			slotOp{op: "begin", key: "w3"}, slotOp{op: "end", key: "w3", wake: []string{"w1"}},
			slotOp{op: "acquire", key: "w1", ok: true},
			// w3 wants a slot again: it queues behind w2.
			slotOp{op: "acquire", key: "w3"}, slotOp{op: "release", key: "b", wake: []string{"w2"}}),
		held: 1, waiting: 2,
	}, {
		name: "a pass already running when the host was woken does not give the slot up",
		ops: append(slices.Clone(waitAll),
			slotOp{op: "begin", key: "w3"},
			slotOp{op: "release", key: "a", wake: []string{"w3"}},
			slotOp{op: "end", key: "w3"},
			slotOp{op: "begin", key: "w3"}, slotOp{op: "acquire", key: "w3", ok: true}, slotOp{op: "end", key: "w3"}),
		held: 2, waiting: 2,
	}, {
		name: "two slots freed wake two waiters; a deleted host's offer goes on",
		ops: append(slices.Clone(waitAll),
			slotOp{op: "release", key: "a", wake: []string{"w3"}},
			slotOp{op: "release", key: "b", wake: []string{"w1"}},
			slotOp{op: "forget", key: "w3", wake: []string{"w2"}},
			slotOp{op: "acquire", key: "w2", ok: true}, slotOp{op: "acquire", key: "w1", ok: true}),
		held: 2,
	}, {
		name: "releasing without holding wakes nobody",
		ops:  append(slices.Clone(waitAll), slotOp{op: "release", key: "nobody"}),
		held: 2, waiting: 3,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSlots(2)
			for i, op := range tc.ops {
				var wake []string
				switch op.op {
				case "acquire":
					if ok, _ := s.acquire(op.key, ""); ok != op.ok {
						t.Fatalf("step %d: acquire(%s) = %t, want %t", i, op.key, ok, op.ok)
					}
				case "release":
					wake = s.release(op.key)
				case "forget":
					wake = s.forget(op.key)
				case "begin":
					s.begin(op.key)
				case "end":
					wake = s.end(op.key)
				}
				if !slices.Equal(wake, op.wake) {
					t.Fatalf("step %d: %s(%s) woke %v, want %v", i, op.op, op.key, wake, op.wake)
				}
				if held, _ := s.inUse(); held > 2 {
					t.Fatalf("step %d: %d slots held, limit 2", i, held)
				}
			}
			if held, waiting := s.inUse(); held != tc.held || waiting != tc.waiting {
				t.Errorf("inUse = %d held, %d waiting; want %d, %d", held, waiting, tc.held, tc.waiting)
			}
		})
	}
}

// TestSlotsLongLine: with thousands waiting, each freed slot wakes one host, and every host
// gets a slot in the order it asked.
func TestSlotsLongLine(t *testing.T) {
	const limit, hosts = 20, 5000
	s := newSlots(limit)
	var order []string
	for i := 0; i < hosts; i++ {
		k := fmt.Sprintf("h%04d", i)
		if ok, _ := s.acquire(k, ""); ok {
			order = append(order, k)
		}
	}
	for done := 0; done < len(order); done++ {
		wake := s.release(order[done])
		if len(wake) > 1 {
			t.Fatalf("release woke %d hosts for one slot", len(wake))
		}
		for _, k := range wake {
			s.begin(k)
			if ok, _ := s.acquire(k, ""); !ok {
				t.Fatalf("%s was woken but got no slot", k)
			}
			if next := s.end(k); next != nil {
				t.Fatalf("%s took its slot, yet end woke %v", k, next)
			}
			order = append(order, k)
		}
	}
	if len(order) != hosts || !slices.IsSorted(order) {
		t.Errorf("%d hosts got a slot, in order: %t", len(order), slices.IsSorted(order))
	}
	if held, waiting := s.inUse(); held != 0 || waiting != 0 {
		t.Errorf("inUse = %d, %d at the end", held, waiting)
	}
}

// With several Ironic endpoints each is its own pool of --max-concurrent-provisioning slots:
// a full pool delays only its own hosts, and a freed slot is offered only to its own waiters.
func TestSlotsPerPool(t *testing.T) {
	type step struct {
		op        string // acquire, release, forget, begin+end (a pass that took nothing)
		key, pool string
		ok        bool     // acquire: got a slot
		woken     []string // release, forget, end: who is woken
	}
	for _, tc := range []struct {
		name  string
		limit int
		steps []step
		// usage is each pool's slots at the end (the slot gauges' values).
		usage map[string]poolUsage
	}{{
		name: "pools fill independently", limit: 1,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "acquire", key: "a2", pool: "A"},
			{op: "acquire", key: "b2", pool: "B"},
		},
		usage: map[string]poolUsage{"A": {held: 1, waiting: 1}, "B": {held: 1, waiting: 1}},
	}, {
		name: "a freed slot goes to its own pool's oldest waiter", limit: 1,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "acquire", key: "a2", pool: "A"},
			{op: "acquire", key: "b2", pool: "B"},
			{op: "acquire", key: "a3", pool: "A"},
			{op: "release", key: "b1", woken: []string{"b2"}},
			{op: "release", key: "a1", woken: []string{"a2"}},
			{op: "acquire", key: "a3", pool: "A"}, // kept for a2
			{op: "acquire", key: "a2", pool: "A", ok: true},
			{op: "acquire", key: "b2", pool: "B", ok: true},
		},
		usage: map[string]poolUsage{"A": {held: 1, waiting: 1}, "B": {held: 1}},
	}, {
		name: "an offer not taken passes to the next of the same pool", limit: 1,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "a2", pool: "A"},
			{op: "acquire", key: "a3", pool: "A"},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "acquire", key: "b2", pool: "B"},
			{op: "release", key: "a1", woken: []string{"a2"}},
			{op: "begin+end", key: "a2", woken: []string{"a3"}},
			{op: "forget", key: "a3"},
			{op: "forget", key: "b1", woken: []string{"b2"}},
		},
		usage: map[string]poolUsage{"B": {waiting: 1}},
	}, {
		name: "a host waiting in one pool whose endpoint changes waits in the other's line", limit: 1,
		steps: []step{
			{op: "acquire", key: "a1", pool: "A", ok: true},
			{op: "acquire", key: "b1", pool: "B", ok: true},
			{op: "acquire", key: "x", pool: "A"},
			{op: "acquire", key: "x", pool: "B"},
			{op: "release", key: "a1"}, // x no longer waits for A
			{op: "release", key: "b1", woken: []string{"x"}},
			{op: "acquire", key: "x", pool: "B", ok: true},
		},
		usage: map[string]poolUsage{"B": {held: 1}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSlots(tc.limit)
			for i, st := range tc.steps {
				var woken []string
				switch st.op {
				case "acquire":
					if ok, _ := s.acquire(st.key, st.pool); ok != st.ok {
						t.Fatalf("step %d: acquire(%s, %s) = %t, want %t", i, st.key, st.pool, ok, st.ok)
					}
					continue
				case "release":
					woken = s.release(st.key)
				case "forget":
					woken = s.forget(st.key)
				case "begin+end":
					s.begin(st.key)
					woken = s.end(st.key)
				}
				if !slices.Equal(woken, st.woken) {
					t.Fatalf("step %d: %s(%s) woke %v, want %v", i, st.op, st.key, woken, st.woken)
				}
			}
			if got := s.usage(); !maps.Equal(got, tc.usage) {
				t.Errorf("usage = %+v, want %+v", got, tc.usage)
			}
		})
	}
}

// The slot gauges are per endpoint: the configured endpoints from the start, with no userinfo
// in a label, and one label for every endpoint recorded in a status but not configured.
func TestSlotGauges(t *testing.T) {
	registerMetrics()
	const (
		a       = "http://slots-a.test:6385"
		b       = "http://admin:s3cret@slots-b.test:6385"
		bLabel  = "http://slots-b.test:6385"
		unknown = "http://slots-gone.test:6385"
	)
	type gauges map[string]poolUsage // by label
	type acquire struct{ key, pool string }
	for _, tc := range []struct {
		name      string
		endpoints provisioner.EndpointAssigner
		acquire   []acquire
		release   []string
		want      gauges
	}{{
		name: "every configured endpoint at 0 before its first host", endpoints: assigner{first: a, derived: b},
		want: gauges{a: {}, bLabel: {}},
	}, {
		name: "per endpoint, userinfo cut off, unconfigured ones (each its own pool) summed", endpoints: assigner{first: a, derived: b},
		acquire: []acquire{{"h1", a}, {"h2", a}, {"h3", b}, {"h4", unknown}, {"h5", "http://slots-other.test"}},
		want:    gauges{a: {held: 1, waiting: 1}, bLabel: {held: 1}, unconfiguredEndpoint: {held: 2}},
	}, {
		name: "an endpoint whose hosts all left is back at 0", endpoints: assigner{first: a, derived: b},
		acquire: []acquire{{"h1", a}, {"h2", a}, {"h3", b}, {"h4", unknown}},
		release: []string{"h1", "h2", "h3", "h4"},
		want:    gauges{a: {}, bLabel: {}, unconfiguredEndpoint: {}},
	}, {
		name: "a backend without endpoints (Redfish): one pool, no endpoint", endpoints: nil,
		acquire: []acquire{{"h1", ""}, {"h2", ""}},
		want:    gauges{"": {held: 1, waiting: 1}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Controller{slots: newSlots(1), endpoints: tc.endpoints}
			c.initSlotMetrics()
			for _, x := range tc.acquire {
				c.slots.acquire(x.key, x.pool)
				c.updateSlotMetrics()
			}
			for _, key := range tc.release {
				c.slots.forget(key)
				c.updateSlotMetrics()
			}
			for label, want := range tc.want {
				held, err := testutil.GetGaugeMetricValue(slotsInUse.WithLabelValues(label))
				if err != nil {
					t.Fatal(err)
				}
				waiting, err := testutil.GetGaugeMetricValue(hostsDelayed.WithLabelValues(label))
				if err != nil {
					t.Fatal(err)
				}
				if got := (poolUsage{held: int(held), waiting: int(waiting)}); got != want {
					t.Errorf("endpoint %q: %+v, want %+v", label, got, want)
				}
			}
			if got := len(c.slotMetrics.labels); got != len(tc.want) {
				t.Errorf("slot gauges set for %v, want %d endpoints", c.slotMetrics.labels, len(tc.want))
			}
			families, err := legacyregistry.DefaultGatherer.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range families {
				if n := f.GetName(); n != "baremetal_provisioning_slots_in_use" && n != "baremetal_hosts_delayed" {
					continue
				}
				for _, m := range f.GetMetric() {
					for _, l := range m.GetLabel() {
						if strings.Contains(l.GetValue(), "s3cret") || strings.Contains(l.GetValue(), "admin@") {
							t.Errorf("%s{%s=%q}: a label carries the endpoint's userinfo", f.GetName(), l.GetName(), l.GetValue())
						}
					}
				}
			}
		})
	}
}
