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

package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// eventReceiver records the events posted to it.
type eventReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []*http.Request
	doc []map[string]any
}

func newEventReceiver(t *testing.T) *eventReceiver {
	r := &eventReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var doc map[string]any
		_ = json.Unmarshal(b, &doc)
		r.mu.Lock()
		r.got = append(r.got, req)
		r.doc = append(r.doc, doc)
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func TestEventSubscriptions(t *testing.T) {
	const headerSecret = "Bearer hdr-T0ken-9f3e1a"
	s := startSim(t, sim.Config{Count: 2, Password: "Ev3nts-S3cret"})
	p := newBackend(t, testConfig())
	ctx, logs := logCtx(t)
	host := simHost(t, s.BMCAddress("2"), "events")
	host.Credentials.Password = "Ev3nts-S3cret"
	rcv := newEventReceiver(t)
	req := provisioner.SubscriptionRequest{
		Destination: rcv.URL + "/hook", Context: "metal3-ctx",
		Headers: map[string]string{"Authorization": headerSecret, "X-Tenant": "blue"},
	}

	if _, err := p.CreateSubscription(ctx, host, req); !errors.Is(err, provisioner.ErrNeedsRegistration) {
		t.Fatalf("CreateSubscription before Register = %v, want ErrNeedsRegistration", err)
	}
	host = registered(t, ctx, p, host)

	id, err := p.CreateSubscription(ctx, host, req)
	if err != nil || id != "1" {
		t.Fatalf("CreateSubscription = %q, %v", id, err)
	}
	subs := s.Subscriptions()
	if len(subs) != 1 || subs[0].ID != id || subs[0].Destination != req.Destination || subs[0].Context != "metal3-ctx" ||
		subs[0].Protocol != "Redfish" || fmt.Sprint(subs[0].EventTypes) != "[Alert]" ||
		subs[0].HTTPHeaders["Authorization"] != headerSecret || subs[0].HTTPHeaders["X-Tenant"] != "blue" {
		t.Fatalf("on the BMC: %+v", subs)
	}

	ds := s.SubmitTestEvent(ctx, sim.TestEvent{Message: "disk on fire"})
	if len(ds) != 1 || ds[0].Err != nil {
		t.Fatalf("test event: %+v", ds)
	}
	rcv.mu.Lock()
	if len(rcv.got) != 1 || rcv.got[0].Header.Get("Authorization") != headerSecret || rcv.got[0].Header.Get("X-Tenant") != "blue" ||
		rcv.got[0].URL.Path != "/hook" || rcv.doc[0]["Context"] != "metal3-ctx" {
		t.Errorf("received %d events: %+v", len(rcv.got), rcv.doc)
	}
	rcv.mu.Unlock()

	if err := p.DeleteSubscription(ctx, host, id); err != nil {
		t.Fatalf("DeleteSubscription = %v", err)
	}
	if n := len(s.Subscriptions()); n != 0 {
		t.Fatalf("%d subscriptions left on the BMC", n)
	}
	// Gone already (deleted above, or by someone else): done.
	if err := p.DeleteSubscription(ctx, host, id); err != nil {
		t.Errorf("second DeleteSubscription = %v", err)
	}

	// Refusals come back as errors naming what the BMC said, without the secrets.
	bad := req
	bad.Headers = map[string]string{"X-Bad": "line\r\nbreak-" + headerSecret}
	if _, err := p.CreateSubscription(ctx, host, bad); err == nil || !strings.Contains(err.Error(), "PropertyValueFormatError") &&
		!strings.Contains(err.Error(), "different format") {
		t.Errorf("CreateSubscription with a bad header = %v", err)
	} else {
		noSecret(t, "error", err.Error(), headerSecret)
	}

	if err := s.SetFaults("2", sim.Faults{Outage: sim.OutageUnavailable}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateSubscription(ctx, host, req); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("CreateSubscription on a BMC answering 503 = %v", err)
	}
	if err := p.DeleteSubscription(ctx, host, "7"); err == nil {
		t.Error("DeleteSubscription on a BMC answering 503 succeeded")
	}
	_ = s.SetFaults("2", sim.Faults{})

	for _, l := range []string{"Ev3nts-S3cret", headerSecret, "hdr-T0ken-9f3e1a"} {
		noSecret(t, "logs", logs(), l)
	}
	if !strings.Contains(logs(), "Authorization") {
		t.Errorf("the logs do not name the headers:\n%s", logs())
	}
	if got := fmt.Sprintf("%v %#v", req, req); strings.Contains(got, "hdr-T0ken") {
		t.Errorf("a SubscriptionRequest prints its header values: %s", got)
	}
}

// A BMC without an event service says so, and a retry will not change it.
func TestEventSubscriptionWithoutEventService(t *testing.T) {
	s := startSim(t, sim.Config{})
	// The simulator's service root, without its EventService link.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/redfish/v1/" && r.URL.Path != "/redfish/v1" {
			s.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		var root map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &root)
		delete(root, "EventService")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(root)
	}))
	t.Cleanup(proxy.Close)
	p := newBackend(t, testConfig())
	ctx, _ := logCtx(t)
	host := registered(t, ctx, p, simHost(t, "redfish+"+proxy.URL+"/redfish/v1/Systems/1", "no-events"))
	_, err := p.CreateSubscription(context.Background(), host, provisioner.SubscriptionRequest{Destination: "http://127.0.0.1:1/"})
	var re *refusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "no event service") {
		t.Errorf("CreateSubscription = %v, want a refusal naming the event service", err)
	}
}
