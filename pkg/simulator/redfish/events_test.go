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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stmcginnis/gofish/schemas"
)

// received is one event a receiver got.
type received struct {
	path   string
	header http.Header
	body   map[string]any
}

// receiver is an event destination that records what it receives. fail makes its next
// answers 500s.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	fail atomic.Int32
}

func newReceiver(t testing.TB) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		if r.fail.Load() > 0 {
			r.fail.Add(-1)
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		r.mu.Lock()
		r.got = append(r.got, received{path: req.URL.Path, header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) events() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func subscribe(t *testing.T, sim *Simulator, user, pass, body string) (int, http.Header, map[string]any) {
	t.Helper()
	return raw(t, sim, http.MethodPost, subscriptionsPath, user, pass, body)
}

func TestEventSubscriptionLifecycle(t *testing.T) {
	sim := start(t, Config{EventRetryInterval: 10 * time.Millisecond}, nil)
	rcv := newReceiver(t)

	status, hdr, body := subscribe(t, sim, "admin", "password", fmt.Sprintf(`{
		"Destination": %q, "Context": "ctx-1", "Protocol": "Redfish",
		"HttpHeaders": [{"X-Auth-Token": "s3cr3t-t0ken"}, {"X-Other": "two"}]}`, rcv.URL+"/events"))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, body)
	}
	loc := hdr.Get("Location")
	if loc != subscriptionsPath+"/1" || body["@odata.id"] != loc || body["Id"] != "1" {
		t.Fatalf("Location %q, body %v", loc, body)
	}
	for _, b := range []map[string]any{body, func() map[string]any {
		status, _, got := raw(t, sim, http.MethodGet, loc, "admin", "password", "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", loc, status)
		}
		return got
	}()} {
		if h, _ := b["HttpHeaders"].([]any); len(h) != 0 {
			t.Errorf("HttpHeaders must be write-only, got %v", b["HttpHeaders"])
		}
		if strings.Contains(fmt.Sprint(b), "s3cr3t") {
			t.Errorf("a header value is in a response: %v", b)
		}
		if b["Destination"] != rcv.URL+"/events" || b["Context"] != "ctx-1" || b["Protocol"] != "Redfish" || b["Name"] == "" {
			t.Errorf("subscription: %v", b)
		}
	}
	_, _, coll := raw(t, sim, http.MethodGet, subscriptionsPath, "admin", "password", "")
	if coll["Members@odata.count"] != float64(1) {
		t.Errorf("collection: %v", coll)
	}

	subs := sim.Subscriptions()
	if len(subs) != 1 || subs[0].HTTPHeaders["X-Auth-Token"] != "s3cr3t-t0ken" || subs[0].HTTPHeaders["X-Other"] != "two" ||
		subs[0].Context != "ctx-1" || len(subs[0].Systems) != 1 || subs[0].Systems[0] != "1" {
		t.Fatalf("Subscriptions() = %+v", subs)
	}

	// The action: 204 at once, the event afterwards.
	status, _, body = raw(t, sim, http.MethodPost, submitTestEventPath, "admin", "password",
		`{"EventType": "Alert", "MessageId": "Base.1.8.Success", "Message": "hello", "Severity": "Warning"}`)
	if status != http.StatusNoContent {
		t.Fatalf("SubmitTestEvent: %d %v", status, body)
	}
	eventually(t, 5*time.Second, "the test event", func() bool { return len(rcv.events()) == 1 })
	ev := rcv.events()[0]
	if ev.path != "/events" || ev.header.Get("X-Auth-Token") != "s3cr3t-t0ken" || ev.header.Get("X-Other") != "two" ||
		!strings.HasPrefix(ev.header.Get("Content-Type"), "application/json") {
		t.Errorf("delivered to %s with headers %v", ev.path, ev.header)
	}
	records, _ := ev.body["Events"].([]any)
	if ev.body["Context"] != "ctx-1" || len(records) != 1 {
		t.Fatalf("event document: %v", ev.body)
	}
	rec := records[0].(map[string]any)
	if rec["EventType"] != "Alert" || rec["MessageId"] != "Base.1.8.Success" || rec["Message"] != "hello" || rec["Severity"] != "Warning" {
		t.Errorf("event record: %v", rec)
	}

	// The Go API waits for the delivery.
	ds := sim.SubmitTestEvent(context.Background(), TestEvent{})
	if len(ds) != 1 || ds[0].Err != nil || ds[0].Status != http.StatusNoContent || ds[0].SubscriptionID != "1" {
		t.Fatalf("SubmitTestEvent() = %+v", ds)
	}
	got := rcv.events()
	if len(got) != 2 {
		t.Fatalf("%d events received", len(got))
	}
	rec = got[1].body["Events"].([]any)[0].(map[string]any)
	if rec["MessageId"] != testMessageID || rec["EventType"] != "Alert" {
		t.Errorf("default test event: %v", rec)
	}
	if s := sim.Subscriptions()[0]; s.Delivered != 2 || s.Failed != 0 {
		t.Errorf("counters: %+v", s)
	}

	if status, _, _ := raw(t, sim, http.MethodDelete, loc, "admin", "password", ""); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", status)
	}
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		if status, _, body := raw(t, sim, m, loc, "admin", "password", ""); status != http.StatusNotFound || !strings.HasSuffix(messageID(body), "ResourceNotFound") {
			t.Errorf("%s after DELETE: %d %v", m, status, body)
		}
	}
	if n := len(sim.Subscriptions()); n != 0 {
		t.Errorf("%d subscriptions left", n)
	}
	if ds := sim.SubmitTestEvent(context.Background(), TestEvent{}); len(ds) != 0 {
		t.Errorf("delivered without subscriptions: %+v", ds)
	}
}

func TestEventSubscriptionRefusals(t *testing.T) {
	sim := start(t, Config{MaxEventSubscriptions: 2}, nil)
	dest := "http://127.0.0.1:1/events"
	for _, tc := range []struct {
		name, body, msg string
	}{
		{"not JSON", `{`, "MalformedJSON"},
		{"no destination", `{"Protocol": "Redfish"}`, "PropertyMissing"},
		{"no protocol", `{"Destination": "` + dest + `"}`, "PropertyMissing"},
		{"other protocol", `{"Destination": "` + dest + `", "Protocol": "SNMPv2c"}`, "PropertyValueNotInList"},
		{"relative destination", `{"Destination": "/events", "Protocol": "Redfish"}`, "PropertyValueFormatError"},
		{"ftp destination", `{"Destination": "ftp://host/x", "Protocol": "Redfish"}`, "PropertyValueFormatError"},
		{"destination with a password", `{"Destination": "http://u:p@host/x", "Protocol": "Redfish"}`, "PropertyValueFormatError"},
		{"unknown property", `{"Destination": "` + dest + `", "Protocol": "Redfish", "Colour": "red"}`, "PropertyUnknown"},
		{"headers as an object", `{"Destination": "` + dest + `", "Protocol": "Redfish", "HttpHeaders": {"X-A": "b"}}`, "PropertyValueTypeError"},
		{"header value not a string", `{"Destination": "` + dest + `", "Protocol": "Redfish", "HttpHeaders": [{"X-A": 1}]}`, "PropertyValueTypeError"},
		{"header value with CRLF", `{"Destination": "` + dest + `", "Protocol": "Redfish", "HttpHeaders": [{"X-A": "b\r\nX-Injected: c"}]}`, "PropertyValueFormatError"},
		{"header name not a token", `{"Destination": "` + dest + `", "Protocol": "Redfish", "HttpHeaders": [{"X A": "b"}]}`, "PropertyValueFormatError"},
		{"unknown event type", `{"Destination": "` + dest + `", "Protocol": "Redfish", "EventTypes": ["Gossip"]}`, "PropertyValueNotInList"},
		{"context not a string", `{"Destination": "` + dest + `", "Protocol": "Redfish", "Context": 5}`, "PropertyValueTypeError"},
		{"context too long", `{"Destination": "` + dest + `", "Protocol": "Redfish", "Context": "` + strings.Repeat("c", 300) + `"}`, "PropertyValueFormatError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := subscribe(t, sim, "admin", "password", tc.body)
			if status != http.StatusBadRequest || !strings.HasSuffix(messageID(body), "."+tc.msg) {
				t.Errorf("got %d %s, want 400 %s", status, messageID(body), tc.msg)
			}
			if strings.Contains(fmt.Sprint(body), "X-Injected") || strings.Contains(fmt.Sprint(body), "u:p@") {
				t.Errorf("the refusal echoes a secret: %v", body)
			}
		})
	}
	if n := len(sim.Subscriptions()); n != 0 {
		t.Fatalf("refused subscriptions were kept: %d", n)
	}

	ok := `{"Destination": "` + dest + `", "Protocol": "Redfish", "EventTypes": ["Alert"], "RegistryPrefixes": ["Base"]}`
	for range 2 {
		if status, _, body := subscribe(t, sim, "admin", "password", ok); status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, body)
		}
	}
	if status, _, body := subscribe(t, sim, "admin", "password", ok); status != http.StatusServiceUnavailable ||
		!strings.HasSuffix(messageID(body), "EventSubscriptionLimitExceeded") {
		t.Errorf("beyond the limit: %d %v", status, body)
	}
	if status, _, _ := subscribe(t, sim, "", "", ok); status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", status)
	}
	if status, hdr, _ := raw(t, sim, http.MethodPatch, subscriptionsPath+"/1", "admin", "password", `{}`); status != http.StatusMethodNotAllowed ||
		!strings.Contains(hdr.Get("Allow"), "DELETE") {
		t.Errorf("PATCH: %d, Allow %q", status, hdr.Get("Allow"))
	}
	for _, tc := range []struct{ body, msg string }{
		{`{"EventType": "Gossip"}`, "ActionParameterValueNotInList"},
		{`{"Severity": "Dire"}`, "ActionParameterValueNotInList"},
		{`{"Colour": "red"}`, "ActionParameterNotSupported"},
		{`{"EventTimestamp": "yesterday"}`, "ActionParameterValueFormatError"},
	} {
		if status, _, body := raw(t, sim, http.MethodPost, submitTestEventPath, "admin", "password", tc.body); status != http.StatusBadRequest ||
			!strings.HasSuffix(messageID(body), tc.msg) {
			t.Errorf("SubmitTestEvent %s: %d %v", tc.body, status, body)
		}
	}
}

// Systems with their own credentials are BMCs of their own: each sees, deletes and sends
// test events to its own subscriptions only.
func TestEventSubscriptionsPerBMC(t *testing.T) {
	sim := start(t, Config{Systems: []SystemConfig{
		{ID: "a", Username: "ua", Password: "pa"}, {ID: "b", Username: "ub", Password: "pb"},
	}}, nil)
	rcvA, rcvB := newReceiver(t), newReceiver(t)
	for _, s := range []struct{ user, pass, dest string }{{"ua", "pa", rcvA.URL}, {"ub", "pb", rcvB.URL}} {
		if status, _, body := subscribe(t, sim, s.user, s.pass, `{"Destination": "`+s.dest+`/", "Protocol": "Redfish"}`); status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, body)
		}
	}
	_, _, coll := raw(t, sim, http.MethodGet, subscriptionsPath, "ub", "pb", "")
	if coll["Members@odata.count"] != float64(1) || !strings.HasSuffix(fmt.Sprint(coll["Members"]), "/2]]") {
		t.Errorf("b sees %v", coll["Members"])
	}
	if status, _, _ := raw(t, sim, http.MethodGet, subscriptionsPath+"/1", "ub", "pb", ""); status != http.StatusNotFound {
		t.Errorf("b reads a's subscription: %d", status)
	}
	if status, _, _ := raw(t, sim, http.MethodDelete, subscriptionsPath+"/1", "ub", "pb", ""); status != http.StatusNotFound {
		t.Errorf("b deletes a's subscription: %d", status)
	}
	if status, _, _ := raw(t, sim, http.MethodPost, submitTestEventPath, "ub", "pb", ""); status != http.StatusNoContent {
		t.Fatalf("SubmitTestEvent: %d", status)
	}
	eventually(t, 5*time.Second, "b's event", func() bool { return len(rcvB.events()) == 1 })
	// The Go API sends to everyone, after which a has its first event: b's did not reach it.
	sim.SubmitTestEvent(context.Background(), TestEvent{})
	if n, m := len(rcvA.events()), len(rcvB.events()); n != 1 || m != 2 {
		t.Errorf("a received %d events, b %d; want 1 and 2", n, m)
	}
	if subs := sim.Subscriptions(); len(subs) != 2 || subs[0].Systems[0] != "a" || subs[1].Systems[0] != "b" {
		t.Errorf("Subscriptions() = %+v", subs)
	}
}

func TestEventDelivery(t *testing.T) {
	sim := start(t, Config{EventRetryInterval: 5 * time.Millisecond, EventTimeout: time.Second}, nil)
	rcv := newReceiver(t)
	down := closedURL(t)
	for _, body := range []string{
		`{"Destination": "` + rcv.URL + `/alerts", "Protocol": "Redfish", "EventTypes": ["Alert"]}`,
		`{"Destination": "` + rcv.URL + `/status", "Protocol": "Redfish", "EventTypes": ["StatusChange"]}`,
		`{"Destination": "` + rcv.URL + `/task", "Protocol": "Redfish", "RegistryPrefixes": ["TaskEvent"]}`,
		`{"Destination": "` + down + `", "Protocol": "Redfish"}`,
	} {
		if status, _, b := subscribe(t, sim, "admin", "password", body); status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, b)
		}
	}
	rcv.fail.Store(2) // two 500s, then success: delivered on the third attempt
	ds := sim.SubmitTestEvent(context.Background(), TestEvent{})
	byID := map[string]Delivery{}
	for _, d := range ds {
		byID[d.SubscriptionID] = d
	}
	if len(ds) != 2 {
		t.Fatalf("the filters let through %d deliveries, want 2 (Alert and unfiltered): %+v", len(ds), ds)
	}
	if d := byID["1"]; d.Err != nil || d.Attempts != 3 {
		t.Errorf("delivery after two 500s: %+v", d)
	}
	if d := byID["4"]; d.Err == nil || d.Attempts != 1+deliveryRetryAttempts || d.Status != 0 {
		t.Errorf("delivery to a closed port: %+v", d)
	}
	if got := rcv.events(); len(got) != 1 || got[0].path != "/alerts" {
		t.Errorf("received %+v", got)
	}
	subs := sim.Subscriptions()
	if subs[0].Delivered != 1 || subs[3].Failed != 1 || !strings.Contains(subs[3].LastError, "cannot be reached") {
		t.Errorf("counters: %+v", subs)
	}
	// A StatusChange event reaches the StatusChange subscriber and the unfiltered one.
	if ds := sim.SubmitTestEvent(context.Background(), TestEvent{EventType: "StatusChange", MessageID: "TaskEvent.1.0.TaskStarted"}); len(ds) != 3 {
		t.Errorf("StatusChange/TaskEvent went to %+v", ds)
	}
}

// Close ends deliveries in flight instead of waiting out their retries.
func TestCloseStopsDeliveries(t *testing.T) {
	sim, err := New(Config{EventRetryInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t)
	rcv.fail.Store(100)
	if status, _, b := subscribe(t, sim, "admin", "password", `{"Destination": "`+rcv.URL+`/", "Protocol": "Redfish"}`); status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, b)
	}
	if status, _, _ := raw(t, sim, http.MethodPost, submitTestEventPath, "admin", "password", ""); status != http.StatusNoContent {
		t.Fatalf("SubmitTestEvent: %d", status)
	}
	eventually(t, 5*time.Second, "the first attempt", func() bool { return rcv.fail.Load() == 99 })
	start := time.Now()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s", d)
	}
	if s := sim.Subscriptions()[0]; s.Failed != 1 || !strings.Contains(s.LastError, "shutting down") {
		t.Errorf("after Close: %+v", s)
	}
}

// gofish, the Go client the redfish backend uses, reads the event service, subscribes (with
// the spec's array of header objects, which its own helper does not send), lists, sends a
// test event and unsubscribes.
func TestEventServiceWithGofish(t *testing.T) {
	sim := start(t, Config{}, nil)
	rcv := newReceiver(t)
	c := connect(t, sim, "admin", "password", false)
	es, err := c.Service.EventService()
	if err != nil {
		t.Fatal(err)
	}
	if !es.ServiceEnabled || es.SubscriptionsLink != subscriptionsPath || es.SubmitTestEventTarget != submitTestEventPath {
		t.Fatalf("event service: %+v", es)
	}
	resp, err := c.Post(es.SubscriptionsLink, map[string]any{
		"Destination": rcv.URL + "/gofish", "Protocol": "Redfish", "Context": "g",
		"HttpHeaders": []map[string]string{{"Authorization": "Bearer xyz"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	subs, err := es.Subscriptions()
	if err != nil || len(subs) != 1 || subs[0].ODataID != loc || subs[0].Context != "g" || len(subs[0].HTTPHeaders) != 0 {
		t.Fatalf("Subscriptions() = %+v, %v", subs, err)
	}
	if _, err := es.SubmitTestEvent(&schemas.EventServiceSubmitTestEventParameters{EventType: schemas.AlertEventType, Message: "from gofish"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the event", func() bool { return len(rcv.events()) == 1 })
	if got := rcv.events()[0]; got.header.Get("Authorization") != "Bearer xyz" || got.body["Context"] != "g" {
		t.Errorf("received %+v", got)
	}
	if err := es.DeleteEventSubscription(loc); err != nil {
		t.Fatal(err)
	}
	if err := es.DeleteEventSubscription(loc); err == nil {
		t.Error("a second delete succeeded")
	}
}
