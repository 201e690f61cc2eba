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

package ironic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// passthruIronic is a scripted node whose Ironic answers the redfish vendor passthru's
// subscription methods with a list of subscriptions, as Ironic 21.4 does.
type passthruIronic struct {
	*scriptedNode
	mu     sync.Mutex
	subs   []string
	bodies []map[string]any
	// createFault, deleteFault answer create_subscription / delete_subscription with
	// Ironic's RedfishError (500, resp. 404 as Ironic maps every delete failure).
	createFault, deleteFault string
}

func newPassthruIronic(t *testing.T, n map[string]any) (*passthruIronic, *Provisioner) {
	pi := &passthruIronic{scriptedNode: &scriptedNode{node: n, refuse: map[string]int{}}}
	f := newFakeIronic(t, "1.82")
	f.handle = pi.serve
	p, err := New(context.Background(), Config{Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	return pi, p
}

func ironicFault(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"faultstring": msg})
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error_message": string(b)})
}

func (pi *passthruIronic) serve(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasSuffix(r.URL.Path, "/vendor_passthru") {
		return pi.scriptedNode.serve(w, r)
	}
	pi.mu.Lock()
	defer pi.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	pi.bodies = append(pi.bodies, body)
	switch method := r.URL.Query().Get("method"); {
	case method == "create_subscription" && r.Method == http.MethodPost:
		if pi.createFault != "" {
			ironicFault(w, 500, fmt.Sprintf("Redfish exception occurred. Error: Failed to create subscription on node X. Subscription payload: %v. Error: %s", body, pi.createFault))
			return true
		}
		id := fmt.Sprint(len(pi.subs) + 1)
		pi.subs = append(pi.subs, id)
		_ = json.NewEncoder(w).Encode(map[string]any{"Id": id, "Destination": body["Destination"], "Context": body["Context"], "Protocol": "Redfish", "EventTypes": []string{"Alert"}})
	case method == "delete_subscription" && r.Method == http.MethodDelete:
		id, _ := body["id"].(string)
		i := -1
		for j, s := range pi.subs {
			if s == id {
				i = j
			}
		}
		if i < 0 || pi.deleteFault != "" {
			ironicFault(w, 404, "Redfish exception occurred. Error: Redfish delete_subscription failed for subscription "+id+" on node X. Error: "+pi.deleteFault)
			return true
		}
		pi.subs = append(pi.subs[:i], pi.subs[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
	case method == "get_all_subscriptions" && r.Method == http.MethodGet:
		var members []map[string]string
		for _, s := range pi.subs {
			members = append(members, map[string]string{"@odata.id": "/redfish/v1/EventService/Subscriptions/" + s})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Members": members, "Members@odata.count": len(members)})
	default:
		ironicFault(w, 400, "Unsupported method ("+method+") passed to the vendor interface.")
	}
	return true
}

func TestIronicEventSubscriptions(t *testing.T) {
	const token = "Bearer t0ken-Qx81-secret"
	pi, p := newPassthruIronic(t, node("active", "vendor_interface", "redfish"))
	ctx := context.Background()
	host := testHost(t)
	req := provisioner.SubscriptionRequest{Destination: "https://events.example.com/hook", Context: "c1",
		Headers: map[string]string{"Authorization": token, "X-B": "b"}}

	id, err := p.CreateSubscription(ctx, host, req)
	if err != nil || id != "1" {
		t.Fatalf("CreateSubscription = %q, %v", id, err)
	}
	sent := pi.bodies[0]
	if sent["Destination"] != req.Destination || sent["Context"] != "c1" ||
		fmt.Sprint(sent["HttpHeaders"]) != "[map[Authorization:"+token+"] map[X-B:b]]" {
		t.Errorf("create_subscription body: %v", sent)
	}

	if err := p.DeleteSubscription(ctx, host, id); err != nil || len(pi.subs) != 0 {
		t.Fatalf("DeleteSubscription = %v, left %v", err, pi.subs)
	}
	// Gone: Ironic answers 404, the BMC's list does not have it.
	if err := p.DeleteSubscription(ctx, host, id); err != nil {
		t.Errorf("DeleteSubscription of a subscription that is gone = %v", err)
	}
	// Ironic's 404 for a BMC that failed: the list still has it.
	id, _ = p.CreateSubscription(ctx, host, req)
	pi.deleteFault = "HTTP 503 from the BMC"
	if err := p.DeleteSubscription(ctx, host, id); err == nil || !strings.Contains(err.Error(), "HTTP 503 from the BMC") {
		t.Errorf("DeleteSubscription on a failing BMC = %v", err)
	}

	// Ironic's create error quotes the payload, headers included: cut out.
	pi.createFault = "HTTP 400 PropertyValueFormatError"
	_, err = p.CreateSubscription(ctx, host, req)
	if err == nil || !strings.Contains(err.Error(), "PropertyValueFormatError") || strings.Contains(err.Error(), "t0ken") ||
		strings.Contains(err.Error(), "X-B") {
		t.Errorf("CreateSubscription error = %v", err)
	}
}

func TestIronicEventSubscriptionsNeedRedfishVendor(t *testing.T) {
	_, p := newPassthruIronic(t, node("active", "driver", "ipmi", "vendor_interface", "ipmitool"))
	_, err := p.CreateSubscription(context.Background(), testHost(t), provisioner.SubscriptionRequest{Destination: "http://x/"})
	if err == nil || !strings.Contains(err.Error(), `vendor interface "ipmitool"`) || !strings.Contains(err.Error(), "redfish vendor passthru") {
		t.Errorf("CreateSubscription on an ipmi node = %v", err)
	}
	if err := p.DeleteSubscription(context.Background(), testHost(t), "1"); err == nil {
		t.Error("DeleteSubscription on an ipmi node succeeded")
	}

	_, p = newPassthruIronic(t, nil)
	if _, err := p.CreateSubscription(context.Background(), testHost(t), provisioner.SubscriptionRequest{Destination: "http://x/"}); !errors.Is(err, provisioner.ErrNeedsRegistration) {
		t.Errorf("CreateSubscription without a node = %v", err)
	}
}

func TestWithoutPayload(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Redfish exception occurred. Error: Failed to create subscription on node N. Subscription payload: {'HttpHeaders': [{'X': 'secret. Error: fake'}]}. Error: HTTP 400",
			"Redfish exception occurred. Error: Failed to create subscription on node N. Error: HTTP 400"},
		{"Node is locked by host h.", "Node is locked by host h."},
		{"Failed. Subscription payload: {'a': 'b'} and nothing after", "Failed. Subscription payload: <redacted>"},
	} {
		if got := withoutPayload(tc.in); got != tc.want {
			t.Errorf("withoutPayload(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
