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

package sharded

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/fake"
)

// backend is the fake backend with the event subscriptions the sharded one requires.
type backend struct{ *fake.Provisioner }

func (backend) CreateSubscription(context.Context, provisioner.Host, provisioner.SubscriptionRequest) (string, error) {
	return "sub-1", nil
}
func (backend) DeleteSubscription(context.Context, provisioner.Host, string) error { return nil }

func uids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	return out
}

func TestRendezvous(t *testing.T) {
	const a, b, c = "http://10.0.0.1:6385", "http://10.0.0.2:6385", "http://10.0.0.3:6385"
	hosts := uids(2000)
	for _, tc := range []struct {
		name          string
		before, after []string
		// moved says which endpoints may gain hosts ("" = none may move).
		movesTo string
		// movesFrom says that only hosts of this endpoint may move.
		movesFrom string
	}{
		{name: "same list: nobody moves", before: []string{a, b}, after: []string{a, b}},
		{name: "order does not matter", before: []string{a, b}, after: []string{b, a}},
		{name: "an endpoint added: only hosts that now go to it move", before: []string{a, b}, after: []string{a, b, c}, movesTo: c},
		{name: "an endpoint removed: only its hosts move", before: []string{a, b, c}, after: []string{a, b}, movesFrom: c},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moved := 0
			for _, uid := range hosts {
				was, is := Rendezvous(uid, tc.before), Rendezvous(uid, tc.after)
				if was == is {
					continue
				}
				moved++
				if tc.movesTo == "" && tc.movesFrom == "" {
					t.Fatalf("%s moved from %s to %s", uid, was, is)
				}
				if tc.movesTo != "" && is != tc.movesTo {
					t.Fatalf("%s moved from %s to %s, not to the added %s", uid, was, is, tc.movesTo)
				}
				if tc.movesFrom != "" && was != tc.movesFrom {
					t.Fatalf("%s moved from %s, not from the removed %s", uid, was, tc.movesFrom)
				}
			}
			if (tc.movesTo != "" || tc.movesFrom != "") && (moved < len(hosts)/5 || moved > len(hosts)/2) {
				t.Errorf("%d of %d hosts moved; want about a third", moved, len(hosts))
			}
		})
	}
	t.Run("spread evenly", func(t *testing.T) {
		counts := map[string]int{}
		for _, uid := range hosts {
			counts[Rendezvous(uid, []string{a, b})]++
		}
		if counts[a] < 900 || counts[b] < 900 {
			t.Errorf("2,000 hosts over two endpoints: %v", counts)
		}
	})
}

func TestNew(t *testing.T) {
	one := backend{fake.New()}
	for _, tc := range []struct {
		name   string
		shards []Shard
		err    string
	}{
		{name: "none", err: "no endpoint"},
		{name: "twice the same", shards: []Shard{{"http://a", one}, {"http://a", one}}, err: "given twice"},
		{name: "no backend", shards: []Shard{{Endpoint: "http://a"}}, err: "without endpoint or backend"},
		{name: "two", shards: []Shard{{"http://a", one}, {"http://b", backend{fake.New()}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.shards)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("New = %v, want an error with %q", err, tc.err)
			}
		})
	}
}

// Every call goes to the host's recorded endpoint; a host without one goes where EndpointFor
// says; a host whose endpoint is gone gets an error naming it, never a call elsewhere.
func TestDispatch(t *testing.T) {
	const a, b, gone = "http://ironic-a", "http://ironic-b", "http://ironic-gone"
	// A UID that rendezvous puts on b, so that "derived" and "first" differ.
	var uidOnB types.UID
	for _, u := range uids(100) {
		if Rendezvous(u, []string{a, b}) == b {
			uidOnB = types.UID(u)
			break
		}
	}
	for _, tc := range []struct {
		name     string
		host     provisioner.Host
		call     func(p *Provisioner, h provisioner.Host) (provisioner.Result, error)
		want     string // the endpoint whose backend was called, "" for none
		endpoint string // EndpointFor
		err      bool
		warning  bool
	}{
		{name: "recorded endpoint", host: provisioner.Host{Endpoint: a, UID: uidOnB},
			call: register, want: a, endpoint: a},
		{name: "nothing recorded, never registered: derived from the UID", host: provisioner.Host{UID: uidOnB},
			call: register, want: b, endpoint: b},
		{name: "registered before endpoints were recorded: the first", host: provisioner.Host{UID: uidOnB, ID: "node-1"},
			call: powerOn, want: a, endpoint: a},
		{name: "endpoint gone: register fails, never elsewhere", host: provisioner.Host{Endpoint: gone, UID: uidOnB},
			call: register, endpoint: gone, err: true},
		{name: "endpoint gone: power on fails", host: provisioner.Host{Endpoint: gone, ID: "node-1"},
			call: powerOn, endpoint: gone, err: true},
		{name: "endpoint gone: delete fails (the machine is not let go uncleaned)", host: provisioner.Host{Endpoint: gone, ID: "node-1"},
			call: func(p *Provisioner, h provisioner.Host) (provisioner.Result, error) {
				return p.Delete(context.Background(), h)
			},
			endpoint: gone, err: true},
		{name: "endpoint gone: detach succeeds with a warning", host: provisioner.Host{Endpoint: gone, ID: "node-1"},
			call: func(p *Provisioner, h provisioner.Host) (provisioner.Result, error) {
				return p.Detach(context.Background(), h)
			},
			endpoint: gone, warning: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fa, fb := fake.New(), fake.New()
			p, err := New([]Shard{{a, backend{fa}}, {b, backend{fb}}})
			if err != nil {
				t.Fatal(err)
			}
			tc.host.Namespace, tc.host.Name = "ns", "h"
			if got := p.EndpointFor(tc.host); got != tc.endpoint {
				t.Errorf("EndpointFor = %s, want %s", got, tc.endpoint)
			}
			res, err := tc.call(p, tc.host)
			// (The fake answers calls for hosts it never registered with ErrNeedsRegistration:
			// only whether the error is about the endpoint matters here.)
			var goneErr *EndpointGoneError
			if isGone := errors.As(err, &goneErr); isGone != tc.err || (tc.err && !strings.Contains(err.Error(), gone)) {
				t.Errorf("error %v, want an EndpointGoneError naming %s: %t", err, gone, tc.err)
			}
			if tc.warning != (len(res.Warnings) > 0) || (tc.warning && !res.Done) {
				t.Errorf("result %+v, want done with a warning: %t", res, tc.warning)
			}
			called := map[string]bool{a: len(fa.Calls("ns", "h")) > 0, b: len(fb.Calls("ns", "h")) > 0}
			for _, e := range []string{a, b} {
				if called[e] != (e == tc.want) {
					t.Errorf("backend of %s called: %t; want only %q called", e, called[e], tc.want)
				}
			}
		})
	}
}

func register(p *Provisioner, h provisioner.Host) (provisioner.Result, error) {
	_, res, err := p.Register(context.Background(), h)
	return res, err
}

func powerOn(p *Provisioner, h provisioner.Host) (provisioner.Result, error) {
	return p.PowerOn(context.Background(), h)
}

func TestEndpoints(t *testing.T) {
	p, err := New([]Shard{{"http://b", backend{fake.New()}}, {"http://a", backend{fake.New()}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Endpoints(); !slices.Equal(got, []string{"http://b", "http://a"}) {
		t.Errorf("Endpoints = %v, want the configured order", got)
	}
}
