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

package bmceventsubscription

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

const (
	ns          = "metal"
	headerValue = "Bearer hdr-T0ken-9f3e1a"
)

// backend is a fake EventSubscriber recording its calls.
type backend struct {
	calls                []string
	created              []provisioner.SubscriptionRequest
	createErr, deleteErr error
}

func (b *backend) CreateSubscription(_ context.Context, h provisioner.Host, req provisioner.SubscriptionRequest) (string, error) {
	b.calls = append(b.calls, "create "+h.Name)
	if b.createErr != nil {
		return "", b.createErr
	}
	b.created = append(b.created, req)
	return "7", nil
}

func (b *backend) DeleteSubscription(_ context.Context, h provisioner.Host, id string) error {
	b.calls = append(b.calls, "delete "+h.Name+" "+id)
	return b.deleteErr
}

// secrets is a fake SecretSource.
type secrets map[string]map[string][]byte

func (s secrets) Get(_ context.Context, namespace, name string) (map[string][]byte, string, error) {
	d, ok := s[namespace+"/"+name]
	if !ok {
		return nil, "", fmt.Errorf("secret not found: %s/%s", namespace, name)
	}
	return d, "1", nil
}

// subscription builds a BMCEventSubscription for host h.
func subscription(mutate ...func(*v1alpha1.BMCEventSubscription)) *v1alpha1.BMCEventSubscription {
	s := &v1alpha1.BMCEventSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: "sub", Namespace: ns, UID: "s1", Generation: 1},
		Spec: v1alpha1.BMCEventSubscriptionSpec{
			HostName: "h", Destination: "https://hooks.example.com/bmc", Context: "ctx",
			HTTPHeadersRef: &v1alpha1.SecretReference{Name: "hdrs", Namespace: ns},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func withFinalizer(s *v1alpha1.BMCEventSubscription) {
	s.Finalizers = []string{v1alpha1.BMCEventSubscriptionFinalizer}
}

func withID(s *v1alpha1.BMCEventSubscription) { s.Status.SubscriptionID = "7" }

func deleting(s *v1alpha1.BMCEventSubscription) {
	now := metav1.Now()
	s.DeletionTimestamp = &now
	withFinalizer(s)
}

// host builds a BareMetalHost h, registered unless unregistered.
func host(mutate ...func(*v1alpha1.BareMetalHost)) *v1alpha1.BareMetalHost {
	h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns, UID: "h1"}}
	h.Status.Provisioning.ID = "/redfish/v1/Systems/1"
	for _, m := range mutate {
		m(h)
	}
	return h
}

func unregistered(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.ID = "" }

func hostLeaving(h *v1alpha1.BareMetalHost) {
	now := metav1.Now()
	h.DeletionTimestamp = &now
	h.Finalizers = []string{"baremetalhost.metal3.io"}
}

func TestSync(t *testing.T) {
	headers := secrets{ns + "/hdrs": {"Authorization": []byte(headerValue), "X-Tenant": []byte("blue")}}
	for _, tc := range []struct {
		name    string
		sub     *v1alpha1.BMCEventSubscription
		host    *v1alpha1.BareMetalHost // nil: no host
		secrets secrets
		backend backend
		hostErr error

		wantCalls      []string
		wantID         string
		wantError      string // in status.error; "" for none
		wantFinalizer  bool
		wantRetry      bool
		wantEvent      string // reason, "" for none
		wantHeadersArg map[string]string
	}{{
		name: "created with the Secret's headers", sub: subscription(), host: host(), secrets: headers,
		wantCalls: []string{"create h"}, wantID: "7", wantFinalizer: true, wantEvent: ReasonCreated,
		wantHeadersArg: map[string]string{"Authorization": headerValue, "X-Tenant": "blue"},
	}, {
		name: "created without headers", sub: subscription(func(s *v1alpha1.BMCEventSubscription) { s.Spec.HTTPHeadersRef = nil }),
		host: host(), wantCalls: []string{"create h"}, wantID: "7", wantFinalizer: true, wantEvent: ReasonCreated,
		wantHeadersArg: map[string]string{},
	}, {
		name: "an ID in status: never created again", sub: subscription(withFinalizer, withID), host: host(), secrets: headers,
		wantID: "7", wantFinalizer: true,
	}, {
		name: "no host", sub: subscription(), secrets: headers,
		wantError: `baremetal host "h" not found`, wantFinalizer: true, wantRetry: true,
	}, {
		name: "host not registered yet", sub: subscription(withFinalizer), host: host(unregistered), secrets: headers,
		wantError: `baremetal host "h" is not registered yet`, wantFinalizer: true, wantRetry: true,
	}, {
		name: "backend does not know the host", sub: subscription(withFinalizer), host: host(), secrets: headers,
		backend:   backend{createErr: provisioner.ErrNeedsRegistration},
		wantCalls: []string{"create h"}, wantError: "is not registered yet", wantFinalizer: true, wantRetry: true,
	}, {
		name: "no credentials for the host", sub: subscription(withFinalizer), host: host(), secrets: headers,
		hostErr:   errors.New("secret not found: metal/bmc"),
		wantError: "cannot reach the BMC", wantFinalizer: true, wantRetry: true,
	}, {
		name: "headers Secret missing", sub: subscription(withFinalizer), host: host(), secrets: secrets{},
		wantError: "failed to retrieve HTTP headers secret", wantFinalizer: true, wantRetry: true,
	}, {
		name: "the BMC refuses", sub: subscription(withFinalizer), host: host(), secrets: headers,
		// A careless backend echoing a header value: the controller scrubs it too.
		backend:   backend{createErr: errors.New("HTTP 400: bad header " + headerValue)},
		wantCalls: []string{"create h"}, wantError: "failed to create a subscription: HTTP 400", wantFinalizer: true,
		wantRetry: true, wantEvent: ReasonCreateFailed,
	}, {
		name: "deleted: deleted on the BMC, then the finalizer goes", sub: subscription(deleting, withID), host: host(),
		wantCalls: []string{"delete h 7"}, wantID: "7", wantEvent: ReasonDeleted,
	}, {
		name: "deleted, never created: nothing to delete", sub: subscription(deleting), host: host(),
	}, {
		name: "deleted, host gone: the finalizer goes", sub: subscription(deleting, withID), wantID: "7",
	}, {
		name: "deleted, the BMC fails: the finalizer stays", sub: subscription(deleting, withID), host: host(),
		backend:   backend{deleteErr: errors.New("BMC 192.0.2.1: HTTP 503")},
		wantCalls: []string{"delete h 7"}, wantID: "7", wantError: "failed to delete the subscription: BMC 192.0.2.1: HTTP 503",
		wantFinalizer: true, wantRetry: true, wantEvent: ReasonDeleteFailed,
	}, {
		name: "deleted, host unregistered for now: retried", sub: subscription(deleting, withID), host: host(),
		backend:   backend{deleteErr: provisioner.ErrNeedsRegistration},
		wantCalls: []string{"delete h 7"}, wantID: "7", wantError: "is not registered", wantFinalizer: true, wantRetry: true,
	}, {
		name: "deleted, host leaving and unknown to the backend: the finalizer goes", sub: subscription(deleting, withID),
		host: host(hostLeaving), backend: backend{deleteErr: provisioner.ErrNeedsRegistration},
		wantCalls: []string{"delete h 7"}, wantID: "7",
	}, {
		name: "deleted, host leaving without credentials: the finalizer goes", sub: subscription(deleting, withID),
		host: host(hostLeaving), hostErr: errors.New("secret not found"), wantID: "7",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			objs := []runtime.Object{tc.sub}
			subIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{byHost: hostIndex})
			hostIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
			_ = subIdx.Add(tc.sub)
			if tc.host != nil {
				objs = append(objs, tc.host)
				_ = hostIdx.Add(tc.host)
			}
			client := fake.NewSimpleClientset(objs...)
			recorder := record.NewFakeRecorder(10)
			b := tc.backend
			hostFor := func(_ context.Context, h *v1alpha1.BareMetalHost) (provisioner.Host, error) {
				return provisioner.Host{Namespace: h.Namespace, Name: h.Name, ID: h.Status.Provisioning.ID}, tc.hostErr
			}
			c := newController(client, listers.NewBMCEventSubscriptionLister(subIdx), subIdx, listers.NewBareMetalHostLister(hostIdx),
				&b, hostFor, tc.secrets, recorder)

			err := c.sync(ctx, ns+"/sub")
			var retry *errRetry
			if tc.wantRetry != errors.As(err, &retry) || (!tc.wantRetry && err != nil) {
				t.Fatalf("sync = %v, want retry %v", err, tc.wantRetry)
			}
			if !slices.Equal(b.calls, tc.wantCalls) {
				t.Errorf("backend calls %v, want %v", b.calls, tc.wantCalls)
			}
			if tc.wantHeadersArg != nil {
				if len(b.created) != 1 || !equalMaps(b.created[0].Headers, tc.wantHeadersArg) ||
					b.created[0].Destination != tc.sub.Spec.Destination || b.created[0].Context != "ctx" {
					t.Errorf("created %v, want headers %v", b.created, tc.wantHeadersArg)
				}
			}
			got, err := client.BaremetalV1alpha1().BMCEventSubscriptions(ns).Get(ctx, "sub", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status.SubscriptionID != tc.wantID {
				t.Errorf("status.subscriptionID %q, want %q", got.Status.SubscriptionID, tc.wantID)
			}
			if (tc.wantError == "") != (got.Status.Error == "") || !strings.Contains(got.Status.Error, tc.wantError) {
				t.Errorf("status.error %q, want %q", got.Status.Error, tc.wantError)
			}
			if has := slices.Contains(got.Finalizers, v1alpha1.BMCEventSubscriptionFinalizer); has != tc.wantFinalizer {
				t.Errorf("finalizers %v, want ours: %v", got.Finalizers, tc.wantFinalizer)
			}
			var events []string
			for len(recorder.Events) > 0 {
				events = append(events, <-recorder.Events)
			}
			if tc.wantEvent == "" && len(events) > 0 || tc.wantEvent != "" && (len(events) != 1 || !strings.Contains(events[0], tc.wantEvent)) {
				t.Errorf("events %v, want %q", events, tc.wantEvent)
			}
			for _, where := range append(events, got.Status.Error) {
				if strings.Contains(where, "hdr-T0ken") {
					t.Errorf("a header value is in status or an event: %s", where)
				}
			}
		})
	}
}

// A second sync after success changes nothing and calls nothing: the decision is the
// stored status's.
func TestSyncIsIdempotent(t *testing.T) {
	ctx := context.Background()
	sub, h := subscription(func(s *v1alpha1.BMCEventSubscription) { s.Spec.HTTPHeadersRef = nil }), host()
	client := fake.NewSimpleClientset(sub, h)
	subIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{byHost: hostIndex})
	hostIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	_ = hostIdx.Add(h)
	b := &backend{}
	c := newController(client, listers.NewBMCEventSubscriptionLister(subIdx), subIdx, listers.NewBareMetalHostLister(hostIdx), b,
		func(context.Context, *v1alpha1.BareMetalHost) (provisioner.Host, error) {
			return provisioner.Host{Name: "h"}, nil
		}, secrets{}, nil)
	for range 3 {
		// The cache catches up with what the API holds, as an informer would.
		cur, err := client.BaremetalV1alpha1().BMCEventSubscriptions(ns).Get(ctx, "sub", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = subIdx.Update(cur)
		if err := c.sync(ctx, ns+"/sub"); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(b.calls, []string{"create h"}) {
		t.Errorf("backend calls %v, want one create", b.calls)
	}
	// A cache behind this controller's writes (the finalizer seen, the ID not yet) does not
	// make it create the subscription again: the stored object decides.
	stale, _ := client.BaremetalV1alpha1().BMCEventSubscriptions(ns).Get(ctx, "sub", metav1.GetOptions{})
	stale = stale.DeepCopy()
	stale.Status = v1alpha1.BMCEventSubscriptionStatus{}
	_ = subIdx.Update(stale)
	if err := c.sync(ctx, ns+"/sub"); err != nil || len(b.calls) != 1 {
		t.Errorf("sync on a stale cache = %v, backend calls %v", err, b.calls)
	}
	// The host's subscriptions are found through the index.
	c.hostChanged(h)
	if n := c.queue.Len(); n != 1 {
		t.Errorf("a host change enqueued %d subscriptions, want 1", n)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
