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

package provisioner

import (
	"context"
	"maps"
	"slices"
)

// SubscriptionRequest is a Redfish event subscription to create on a host's BMC (Metal3's
// BMCEventSubscription spec, with its headers read from their Secret).
type SubscriptionRequest struct {
	// Destination is the URL the BMC posts its events to.
	Destination string
	// Context is sent along with every event.
	Context string
	// Headers are HTTP headers the BMC sends with every event. Their values are secrets
	// (tokens, mostly): never logged, never in a status or an event, scrubbed from errors.
	Headers map[string]string
}

// HeaderNames are the names of the headers, sorted (for logs: the values are secrets).
func (r SubscriptionRequest) HeaderNames() []string {
	return slices.Sorted(maps.Keys(r.Headers))
}

// Secrets are the header values, for Scrub.
func (r SubscriptionRequest) Secrets() []string {
	out := make([]string, 0, len(r.Headers))
	for _, k := range r.HeaderNames() {
		out = append(out, r.Headers[k])
	}
	return out
}

// String and GoString name the headers without their values, so that a %v or %#v of a
// request cannot leak them.
func (r SubscriptionRequest) String() string {
	return "{Destination:" + r.Destination + " Context:" + r.Context + " Headers:" + headerList(r.HeaderNames()) + "}"
}

func (r SubscriptionRequest) GoString() string { return r.String() }

func headerList(names []string) string {
	out := "["
	for i, n := range names {
		if i > 0 {
			out += " "
		}
		out += n + ":<redacted>"
	}
	return out + "]"
}

// EventSubscriber is implemented by backends that manage Redfish event subscriptions on
// hosts' BMCs (Metal3's AddBMCEventSubscriptionForNode and RemoveBMCEventSubscriptionForNode).
// Both return ErrNeedsRegistration for a host the backend does not know (yet), and errors
// whose messages are scrubbed of the BMC password and the header values.
type EventSubscriber interface {
	// CreateSubscription creates the subscription on the host's BMC and returns the BMC's ID
	// of it (the EventDestination's Id). Each call creates one: the caller calls it once.
	CreateSubscription(ctx context.Context, host Host, req SubscriptionRequest) (id string, err error)
	// DeleteSubscription deletes the subscription with the BMC's ID id. A subscription the
	// BMC does not have (any more) is deleted: nil.
	DeleteSubscription(ctx context.Context, host Host, id string) error
}
