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
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The EventService: clients subscribe a destination URL (an EventDestination with Protocol
// Redfish), and the service posts its events there as a BMC does: one HTTP POST of an Event
// document per event and subscription, with the subscription's Context in it and its
// HttpHeaders on the request. HttpHeaders are write-only (they usually carry a token): no
// GET returns them, as DSP0266 asks. The only events are test events
// (EventService.SubmitTestEvent, or SubmitTestEvent from Go).
//
// The service is one per simulator, like the service root. A subscription belongs to the
// systems its creator's credentials open: on a simulator whose systems have their own
// credentials each BMC sees, deletes and sends test events to its own subscriptions only;
// where they share credentials they share the subscriptions, as hosts behind one BMC do.

const (
	eventServicePath    = "/redfish/v1/EventService"
	subscriptionsPath   = eventServicePath + "/Subscriptions"
	submitTestEventPath = eventServicePath + "/Actions/EventService.SubmitTestEvent"

	// deliveryRetryAttempts is how many times a failed delivery is tried again.
	deliveryRetryAttempts = 3
	// maxContextLength bounds Context (bmcweb's limit).
	maxContextLength = 256
	// maxHeadersBytes bounds the HttpHeaders of one subscription (bmcweb's limit).
	maxHeadersBytes = 8096
	// maxEventBody bounds what is read of a subscriber's answer.
	maxEventBody = 64 << 10

	// testMessageID is the message of a test event that names none: the
	// ResourceEvent registry's TestMessage, which TestEventSubscription sends.
	testMessageID = "ResourceEvent.1.3.TestMessage"
)

// eventTypes are the (deprecated, still widely used) EventTypes the service offers; Ironic
// subscribes to Alert.
var eventTypes = []string{"StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert"}

// registryPrefixes are the message registries events may come from.
var registryPrefixes = []string{"Base", "ResourceEvent", "TaskEvent", "Update"}

// severities are the Severity values a test event may carry.
var severities = []string{"OK", "Warning", "Critical"}

// header is one HTTP header of a subscription, in the order given.
type header struct{ name, value string }

// subscription is one EventDestination; guarded by the store's lock.
type subscription struct {
	id                string
	destination       string
	context           string
	protocol          string
	eventTypes        []string
	registryPrefixes  []string
	resourceTypes     []string
	headers           []header
	verifyCertificate bool
	// owners are the systems the creator's credentials opened.
	owners  []*System
	created time.Time

	delivered, failed int
	lastError         string
}

func (s *subscription) path() string { return subscriptionsPath + "/" + s.id }

// visibleTo reports whether the caller may see the subscription: it opens one of its systems.
func (s *subscription) visibleTo(who *principal) bool {
	return slices.ContainsFunc(s.owners, who.grants)
}

// eventStore holds the subscriptions of the service.
type eventStore struct {
	// client posts events: straight to the destination (BMCs know no proxies), and without
	// checking an https destination's certificate unless the subscription asks to
	// (VerifyCertificate), as most BMCs do by default.
	client *http.Client

	mu        sync.Mutex
	next      int
	nextEvent int
	byID      map[string]*subscription
	order     []*subscription
}

func newEventStore() *eventStore {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12} //nolint:gosec // as BMCs do, unless VerifyCertificate
	return &eventStore{client: &http.Client{Transport: tr}, byID: map[string]*subscription{}}
}

func (sim *Simulator) eventRoute(segs []string) (route, bool) {
	n := len(segs)
	switch {
	case n == 0:
		return route{get: sim.getEventService}, true
	case n == 1 && segs[0] == "Subscriptions":
		return route{get: sim.getSubscriptions, post: sim.postSubscription}, true
	case n == 2 && segs[0] == "Subscriptions":
		id := segs[1]
		return route{
			get: func(c *call) { sim.getSubscription(c, id) },
			del: func(c *call) { sim.deleteSubscription(c, id) },
		}, true
	case n == 2 && segs[0] == "Actions" && segs[1] == "EventService.SubmitTestEvent":
		return route{post: sim.postSubmitTestEvent}, true
	}
	return route{}, false
}

func (sim *Simulator) getEventService(c *call) {
	c.resource(obj{
		"@odata.id":                    eventServicePath,
		"@odata.type":                  "#EventService.v1_10_0.EventService",
		"Id":                           "EventService",
		"Name":                         "Event Service",
		"ServiceEnabled":               true,
		"DeliveryRetryAttempts":        deliveryRetryAttempts,
		"DeliveryRetryIntervalSeconds": int((sim.cfg.EventRetryInterval + time.Second - 1) / time.Second),
		"EventFormatTypes":             []string{"Event"},
		"EventTypesForSubscription":    eventTypes,
		"RegistryPrefixes":             registryPrefixes,
		"Status":                       statusOK(),
		"Subscriptions":                link(subscriptionsPath),
		"Actions": obj{
			"#EventService.SubmitTestEvent": obj{
				"target":                            submitTestEventPath,
				"EventType@Redfish.AllowableValues": eventTypes,
			},
		},
	})
}

// visibleSubscriptions lists, oldest first, the subscriptions the caller may see; nil who
// means all of them (the Go API).
func (sim *Simulator) visibleSubscriptions(who *principal) []*subscription {
	es := sim.events
	es.mu.Lock()
	defer es.mu.Unlock()
	var out []*subscription
	for _, s := range es.order {
		if who == nil || s.visibleTo(who) {
			out = append(out, s)
		}
	}
	return out
}

func (sim *Simulator) getSubscriptions(c *call) {
	var members []string
	for _, s := range sim.visibleSubscriptions(c.who) {
		members = append(members, s.path())
	}
	c.resource(collection(subscriptionsPath, "EventDestinationCollection", "Event Subscriptions Collection", members))
}

// lookupSubscription finds a subscription the caller may see; one it may not see is as
// absent as one that does not exist.
func (sim *Simulator) lookupSubscription(who *principal, id string) *subscription {
	es := sim.events
	es.mu.Lock()
	defer es.mu.Unlock()
	s := es.byID[id]
	if s == nil || !s.visibleTo(who) {
		return nil
	}
	return s
}

func (sim *Simulator) getSubscription(c *call, id string) {
	s := sim.lookupSubscription(c.who, id)
	if s == nil {
		c.fail(http.StatusNotFound, msgResourceNotFound("EventDestination", id))
		return
	}
	sim.events.mu.Lock()
	o := s.object()
	sim.events.mu.Unlock()
	c.resource(o)
}

// object renders the subscription; the caller holds the store's lock. HttpHeaders is an
// empty array whatever was set: the headers are write-only.
func (s *subscription) object() obj {
	o := obj{
		"@odata.id":           s.path(),
		"@odata.type":         "#EventDestination.v1_13_0.EventDestination",
		"Id":                  s.id,
		"Name":                "Event Subscription " + s.id,
		"Destination":         s.destination,
		"Context":             s.context,
		"Protocol":            s.protocol,
		"SubscriptionType":    "RedfishEvent",
		"EventFormatType":     "Event",
		"DeliveryRetryPolicy": "RetryForever",
		"VerifyCertificate":   s.verifyCertificate,
		"HttpHeaders":         []obj{},
		"EventTypes":          nonNil(s.eventTypes),
		"RegistryPrefixes":    nonNil(s.registryPrefixes),
		"ResourceTypes":       nonNil(s.resourceTypes),
		"Status":              obj{"State": "Enabled", "Health": "OK"},
	}
	return o
}

// subscriptionProperties are what a POST to the collection may set.
var subscriptionProperties = []string{
	"Destination", "Context", "Protocol", "HttpHeaders", "EventTypes", "RegistryPrefixes",
	"ResourceTypes", "SubscriptionType", "EventFormatType", "DeliveryRetryPolicy",
	"VerifyCertificate", "Oem",
}

// postSubscription creates a subscription: 201 with the new resource, its URI in Location.
// What a BMC would refuse is refused with 400 and the Base registry's message naming the
// property: a missing Destination or Protocol, a destination that is not an absolute http(s)
// URL, values of the wrong type or outside the allowed lists, headers that are not header
// names and values.
func (sim *Simulator) postSubscription(c *call) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(c.body), &body); err != nil || body == nil {
		c.fail(http.StatusBadRequest, msgMalformedJSON())
		return
	}
	s := &subscription{}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		if !slices.Contains(subscriptionProperties, k) {
			c.fail(http.StatusBadRequest, msgPropertyUnknown(k))
			return
		}
	}
	str := func(k string, dst *string) bool {
		v, ok := body[k]
		if !ok {
			return true
		}
		if json.Unmarshal(v, dst) != nil {
			c.fail(http.StatusBadRequest, msgPropertyValueTypeError(string(v), k))
			return false
		}
		return true
	}
	list := func(k string, dst *[]string, allowed []string) bool {
		v, ok := body[k]
		if !ok {
			return true
		}
		if json.Unmarshal(v, dst) != nil {
			c.fail(http.StatusBadRequest, msgPropertyValueTypeError(string(v), k))
			return false
		}
		for _, e := range *dst {
			if allowed != nil && !slices.Contains(allowed, e) {
				c.fail(http.StatusBadRequest, msgPropertyValueNotInList(e, k))
				return false
			}
		}
		return true
	}
	enum := func(k string, allowed ...string) bool {
		var v string
		if !str(k, &v) {
			return false
		}
		if _, ok := body[k]; ok && !slices.Contains(allowed, v) {
			c.fail(http.StatusBadRequest, msgPropertyValueNotInList(v, k))
			return false
		}
		return true
	}
	if !str("Destination", &s.destination) || !str("Context", &s.context) || !str("Protocol", &s.protocol) ||
		!list("EventTypes", &s.eventTypes, eventTypes) || !list("RegistryPrefixes", &s.registryPrefixes, registryPrefixes) ||
		!list("ResourceTypes", &s.resourceTypes, nil) ||
		!enum("SubscriptionType", "RedfishEvent") || !enum("EventFormatType", "Event") ||
		!enum("DeliveryRetryPolicy", "RetryForever") {
		return
	}
	if v, ok := body["VerifyCertificate"]; ok && json.Unmarshal(v, &s.verifyCertificate) != nil {
		c.fail(http.StatusBadRequest, msgPropertyValueTypeError(string(v), "VerifyCertificate"))
		return
	}
	switch {
	case s.destination == "":
		c.fail(http.StatusBadRequest, msgPropertyMissing("Destination"))
		return
	case s.protocol == "":
		c.fail(http.StatusBadRequest, msgPropertyMissing("Protocol"))
		return
	case s.protocol != "Redfish":
		c.fail(http.StatusBadRequest, msgPropertyValueNotInList(s.protocol, "Protocol"))
		return
	case len(s.context) > maxContextLength:
		c.fail(http.StatusBadRequest, msgPropertyValueFormatError(s.context, "Context"))
		return
	}
	if u, err := url.Parse(s.destination); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		shown := s.destination
		if err == nil {
			shown = u.Redacted()
		}
		c.fail(http.StatusBadRequest, msgPropertyValueFormatError(shown, "Destination"))
		return
	}
	if v, ok := body["HttpHeaders"]; ok {
		headers, m := parseHeaders(v)
		if m != nil {
			c.fail(http.StatusBadRequest, *m)
			return
		}
		s.headers = headers
	}

	es := sim.events
	es.mu.Lock()
	if len(es.order) >= sim.cfg.MaxEventSubscriptions {
		es.mu.Unlock()
		c.fail(http.StatusServiceUnavailable, msgEventSubscriptionLimitExceeded())
		return
	}
	es.next++
	s.id = strconv.Itoa(es.next)
	s.owners = slices.Clone(c.who.systems())
	s.created = c.now
	es.byID[s.id] = s
	es.order = append(es.order, s)
	o := s.object()
	es.mu.Unlock()
	sim.log.Info("event subscription created", "id", s.id, "destination", s.destination, "headers", len(s.headers))

	// A relative Location, as the collection's members are named: sushy looks the new
	// member up in the collection by it.
	c.w.Header().Set("Location", s.path())
	writeJSON(c.w, http.StatusCreated, o, "")
}

// parseHeaders reads HttpHeaders: an array of objects of header names and string values
// (DSP0266's HttpHeaderProperty). Names must be HTTP tokens and values free of control
// characters, or the header could not be sent (or would smuggle others in).
func parseHeaders(raw json.RawMessage) ([]header, *message) {
	const prop = "HttpHeaders"
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &objs); err != nil {
		m := msgPropertyValueTypeError(string(raw), prop)
		return nil, &m
	}
	var out []header
	size := 0
	for _, o := range objs {
		for _, name := range slices.Sorted(maps.Keys(o)) {
			var value string
			if json.Unmarshal(o[name], &value) != nil {
				// Not quoted: the value is the caller's secret.
				m := msgPropertyValueTypeError(name, prop)
				return nil, &m
			}
			if !validHeaderName(name) || !validHeaderValue(value) {
				m := msgPropertyValueFormatError(name, prop)
				return nil, &m
			}
			size += len(name) + len(value)
			out = append(out, header{name: name, value: value})
		}
	}
	if size > maxHeadersBytes {
		m := msgPropertyValueFormatError(fmt.Sprintf("%d bytes", size), prop)
		return nil, &m
	}
	return out, nil
}

// validHeaderName reports an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters (CR and LF above all) but tab.
func validHeaderValue(s string) bool {
	for _, r := range s {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return false
		}
	}
	return true
}

func (sim *Simulator) deleteSubscription(c *call, id string) {
	if sim.lookupSubscription(c.who, id) == nil || !sim.RemoveSubscription(id) {
		c.fail(http.StatusNotFound, msgResourceNotFound("EventDestination", id))
		return
	}
	c.noContent()
}

// testEventParameters are SubmitTestEvent's parameters.
var testEventParameters = []string{
	"EventGroupId", "EventId", "EventTimestamp", "EventType", "Message", "MessageArgs",
	"MessageId", "MessageSeverity", "OriginOfCondition", "Severity",
}

// postSubmitTestEvent sends a test event to the subscriptions the caller may see, in the
// background as a BMC does: 204 at once, the deliveries (with their retries) afterwards.
func (sim *Simulator) postSubmitTestEvent(c *call) {
	const action = "EventService.SubmitTestEvent"
	var body map[string]json.RawMessage
	if b := bytes.TrimSpace(c.body); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			c.fail(http.StatusBadRequest, msgMalformedJSON())
			return
		}
	}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		if !slices.Contains(testEventParameters, k) {
			c.fail(http.StatusBadRequest, msgActionParameterNotSupported(k, action))
			return
		}
	}
	var ev TestEvent
	var messageSeverity string
	for _, p := range []struct {
		name string
		dst  *string
	}{
		{"EventId", &ev.EventID}, {"EventType", &ev.EventType}, {"Message", &ev.Message}, {"MessageId", &ev.MessageID},
		{"OriginOfCondition", &ev.OriginOfCondition}, {"Severity", &ev.Severity}, {"MessageSeverity", &messageSeverity},
	} {
		if v, ok := body[p.name]; ok && json.Unmarshal(v, p.dst) != nil {
			c.fail(http.StatusBadRequest, msgActionParameterValueFormatError(string(v), p.name, action))
			return
		}
	}
	if ev.Severity == "" {
		ev.Severity = messageSeverity
	}
	if v, ok := body["MessageArgs"]; ok && json.Unmarshal(v, &ev.MessageArgs) != nil {
		c.fail(http.StatusBadRequest, msgActionParameterValueFormatError(string(v), "MessageArgs", action))
		return
	}
	if v, ok := body["EventTimestamp"]; ok {
		var ts string
		t, err := time.Parse(time.RFC3339, strings.Trim(string(v), `"`))
		if json.Unmarshal(v, &ts) != nil || err != nil {
			c.fail(http.StatusBadRequest, msgActionParameterValueFormatError(string(v), "EventTimestamp", action))
			return
		}
		ev.Timestamp = t
	}
	if ev.EventType != "" && !slices.Contains(eventTypes, ev.EventType) {
		c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(ev.EventType, "EventType", action))
		return
	}
	if ev.Severity != "" && !slices.Contains(severities, ev.Severity) {
		c.fail(http.StatusBadRequest, msgActionParameterValueNotInList(ev.Severity, "Severity", action))
		return
	}
	ev = sim.completeEvent(ev, c.now)
	targets := sim.matching(c.who, ev)
	if !sim.goBackground(func(ctx context.Context) { sim.deliverAll(ctx, targets, ev) }) {
		c.fail(http.StatusServiceUnavailable, msgServiceUnavailable())
		return
	}
	c.noContent()
}

// TestEvent is a test event (SubmitTestEvent's parameters). Empty fields take defaults: an
// Alert, the ResourceEvent registry's TestMessage, severity OK, the time of submission and
// an event id of the service's own.
type TestEvent struct {
	EventType         string
	EventID           string
	MessageID         string
	Message           string
	MessageArgs       []string
	Severity          string
	OriginOfCondition string
	Timestamp         time.Time
}

func (sim *Simulator) completeEvent(ev TestEvent, now time.Time) TestEvent {
	if ev.EventType == "" {
		ev.EventType = "Alert"
	}
	if ev.MessageID == "" {
		ev.MessageID = testMessageID
		if ev.Message == "" {
			ev.Message = "Test message."
		}
	}
	if ev.Severity == "" {
		ev.Severity = "OK"
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = now
	}
	if ev.OriginOfCondition == "" {
		ev.OriginOfCondition = eventServicePath
	}
	es := sim.events
	es.mu.Lock()
	es.nextEvent++
	n := es.nextEvent
	es.mu.Unlock()
	if ev.EventID == "" {
		ev.EventID = strconv.Itoa(n)
	}
	return ev
}

// target is a subscription as a delivery needs it, copied out of the store.
type target struct {
	sub               *subscription
	id, destination   string
	context           string
	headers           []header
	verifyCertificate bool
}

// matching are the subscriptions the caller may see (all for nil) whose filters let ev
// through: its EventType among their EventTypes, its registry among their RegistryPrefixes
// (an empty list lets everything through).
func (sim *Simulator) matching(who *principal, ev TestEvent) []target {
	registry, _, _ := strings.Cut(ev.MessageID, ".")
	var out []target
	for _, s := range sim.visibleSubscriptions(who) {
		if len(s.eventTypes) > 0 && !slices.Contains(s.eventTypes, ev.EventType) {
			continue
		}
		if len(s.registryPrefixes) > 0 && !slices.Contains(s.registryPrefixes, registry) {
			continue
		}
		out = append(out, target{sub: s, id: s.id, destination: s.destination, context: s.context,
			headers: s.headers, verifyCertificate: s.verifyCertificate})
	}
	return out
}

// Delivery is the outcome of posting an event to one subscription.
type Delivery struct {
	SubscriptionID string
	Destination    string
	// Status is the subscriber's last HTTP status, 0 when it could not be reached.
	Status int
	// Attempts is how many times the event was posted.
	Attempts int
	// Err says why the event could not be delivered; nil once a 2xx was received.
	Err error
}

// deliverAll posts ev to every target, concurrently, each with its retries.
func (sim *Simulator) deliverAll(ctx context.Context, targets []target, ev TestEvent) []Delivery {
	out := make([]Delivery, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = sim.deliver(ctx, t, ev)
		}()
	}
	wg.Wait()
	return out
}

// deliver posts ev to one subscriber, trying again after failures as DeliveryRetryAttempts
// says, and records the outcome on the subscription.
func (sim *Simulator) deliver(ctx context.Context, t target, ev TestEvent) Delivery {
	d := Delivery{SubscriptionID: t.id, Destination: t.destination}
	body := marshal(eventDocument(t, ev))
	for attempt := 0; attempt <= deliveryRetryAttempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				d.Err = errors.New("the BMC is shutting down")
				sim.recordDelivery(t, d)
				return d
			case <-time.After(sim.cfg.EventRetryInterval):
			}
		}
		d.Attempts++
		d.Status, d.Err = sim.post(ctx, t, body)
		if d.Err == nil {
			break
		}
	}
	sim.recordDelivery(t, d)
	// Never the headers: they are the subscriber's secrets.
	if d.Err != nil {
		sim.log.Info("event not delivered", "subscription", t.id, "destination", t.destination, "attempts", d.Attempts, "error", d.Err)
	} else {
		sim.log.Debug("event delivered", "subscription", t.id, "destination", t.destination, "status", d.Status)
	}
	return d
}

func (sim *Simulator) recordDelivery(t target, d Delivery) {
	es := sim.events
	es.mu.Lock()
	defer es.mu.Unlock()
	if d.Err != nil {
		t.sub.failed++
		t.sub.lastError = d.Err.Error()
		return
	}
	t.sub.delivered++
	t.sub.lastError = ""
}

// post makes one attempt: the event document, as JSON, with the subscription's headers.
func (sim *Simulator) post(ctx context.Context, t target, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, sim.cfg.EventTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.destination, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("invalid destination: %w", unwrapURLError(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("OData-Version", "4.0")
	req.Header.Set("User-Agent", "baremetal-apiserver-bmc-simulator")
	for _, h := range t.headers {
		req.Header.Set(h.name, h.value)
	}
	client := sim.events.client
	if t.verifyCertificate {
		client = sim.images // the system's roots
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, fmt.Errorf("the destination did not answer within %s", sim.cfg.EventTimeout)
		}
		return 0, fmt.Errorf("the destination cannot be reached: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxEventBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the destination answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// eventDocument is the Event resource posted for ev to a subscription.
func eventDocument(t target, ev TestEvent) obj {
	record := obj{
		"EventType":         ev.EventType,
		"EventId":           ev.EventID,
		"EventTimestamp":    redfishTime(ev.Timestamp),
		"Severity":          ev.Severity,
		"MessageSeverity":   ev.Severity,
		"MessageId":         ev.MessageID,
		"MessageArgs":       nonNil(ev.MessageArgs),
		"OriginOfCondition": link(ev.OriginOfCondition),
	}
	if ev.Message != "" {
		record["Message"] = ev.Message
	}
	return obj{
		"@odata.type": "#Event.v1_7_0.Event",
		"Id":          ev.EventID,
		"Name":        "Event Array",
		"Context":     t.context,
		"Events":      []obj{record},
	}
}

// Subscription is an event subscription as the simulator holds it, headers included (this
// is the operator's view; Redfish clients never see them).
type Subscription struct {
	ID                string
	Destination       string
	Context           string
	Protocol          string
	EventTypes        []string
	RegistryPrefixes  []string
	ResourceTypes     []string
	HTTPHeaders       map[string]string
	VerifyCertificate bool
	// Systems are the ids of the systems whose BMC holds it.
	Systems []string
	Created time.Time
	// Delivered and Failed count the events delivered and those given up on; LastError says
	// why the last one failed, empty after a success.
	Delivered, Failed int
	LastError         string
}

// Subscriptions lists the event subscriptions, oldest first.
func (sim *Simulator) Subscriptions() []Subscription {
	es := sim.events
	es.mu.Lock()
	defer es.mu.Unlock()
	out := make([]Subscription, 0, len(es.order))
	for _, s := range es.order {
		sub := Subscription{
			ID: s.id, Destination: s.destination, Context: s.context, Protocol: s.protocol,
			EventTypes: slices.Clone(s.eventTypes), RegistryPrefixes: slices.Clone(s.registryPrefixes),
			ResourceTypes: slices.Clone(s.resourceTypes), VerifyCertificate: s.verifyCertificate,
			Created: s.created, Delivered: s.delivered, Failed: s.failed, LastError: s.lastError,
		}
		if len(s.headers) > 0 {
			sub.HTTPHeaders = map[string]string{}
			for _, h := range s.headers {
				sub.HTTPHeaders[h.name] = h.value
			}
		}
		for _, sys := range s.owners {
			sub.Systems = append(sub.Systems, sys.id)
		}
		out = append(out, sub)
	}
	return out
}

// RemoveSubscription deletes a subscription as if the BMC had dropped it (a BMC reset to
// defaults); false if there is none with that id.
func (sim *Simulator) RemoveSubscription(id string) bool {
	es := sim.events
	es.mu.Lock()
	defer es.mu.Unlock()
	s := es.byID[id]
	if s == nil {
		return false
	}
	delete(es.byID, id)
	es.order = slices.DeleteFunc(es.order, func(o *subscription) bool { return o == s })
	sim.log.Info("event subscription deleted", "id", id)
	return true
}

// SubmitTestEvent sends a test event to every subscription whose filters let it through,
// as the SubmitTestEvent action does, and waits for the deliveries (retries included; see
// Config.EventRetryInterval). It returns one Delivery per subscription tried.
func (sim *Simulator) SubmitTestEvent(ctx context.Context, ev TestEvent) []Delivery {
	ev = sim.completeEvent(ev, sim.now())
	targets := sim.matching(nil, ev)
	var out []Delivery
	done := make(chan struct{})
	if !sim.goBackground(func(bg context.Context) {
		defer close(done)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(bg, cancel)
		defer stop()
		out = sim.deliverAll(ctx, targets, ev)
	}) {
		for _, t := range targets {
			out = append(out, Delivery{SubscriptionID: t.id, Destination: t.destination, Err: errors.New("the BMC is shutting down")})
		}
		return out
	}
	<-done
	return out
}
