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
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

var _ provisioner.EventSubscriber = &Provisioner{}

// CreateSubscription subscribes the destination to the events of the host's BMC: a POST of
// an EventDestination (Protocol Redfish) to the event service's Subscriptions, as Ironic's
// redfish vendor passthru does for Metal3, and with the same filter: Alert events, where the
// BMC offers that event type. The headers go as DSP0266 has them, an array of objects of
// names and values (gofish's own helper sends an object, which strict BMCs refuse).
func (p *Provisioner) CreateSubscription(ctx context.Context, host provisioner.Host, req provisioner.SubscriptionRequest) (string, error) {
	var id string
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		if _, err := p.system(c, host); err != nil {
			return err
		}
		es, err := eventService(c, host)
		if err != nil {
			return err
		}
		payload := map[string]any{
			"Destination": req.Destination,
			"Protocol":    string(schemas.RedfishEventDestinationProtocol),
			"Context":     req.Context,
		}
		if slices.Contains(es.EventTypesForSubscription, schemas.AlertEventType) {
			payload["EventTypes"] = []schemas.EventType{schemas.AlertEventType}
		}
		if len(req.Headers) > 0 {
			headers := make([]map[string]string, 0, len(req.Headers))
			for _, name := range req.HeaderNames() {
				headers = append(headers, map[string]string{name: req.Headers[name]})
			}
			payload["HttpHeaders"] = headers
		}
		resp, err := c.Post(es.SubscriptionsLink, payload)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		id, err = createdID(resp)
		if err != nil {
			return err
		}
		klog.FromContext(ctx).Info("Created a BMC event subscription", "host", hostKey(host), "id", id,
			"destination", req.Destination, "headers", req.HeaderNames())
		return nil
	})
	return id, eventErr(host, req.Secrets(), err)
}

// DeleteSubscription deletes the subscription: a DELETE of Subscriptions/{id}, as Ironic's
// vendor passthru does. A 404 means it is gone already (the BMC was reset, someone deleted
// it): done.
func (p *Provisioner) DeleteSubscription(ctx context.Context, host provisioner.Host, id string) error {
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		if _, err := p.system(c, host); err != nil {
			return err
		}
		es, err := eventService(c, host)
		if err != nil {
			return err
		}
		uri := strings.TrimSuffix(es.SubscriptionsLink, "/") + "/" + url.PathEscape(id)
		_, err = c.Delete(uri)
		switch {
		case isStatus(err, http.StatusNotFound):
			klog.FromContext(ctx).Info("The BMC has no such event subscription; nothing to delete", "host", hostKey(host), "id", id)
			return nil
		case err != nil:
			return err
		}
		klog.FromContext(ctx).Info("Deleted a BMC event subscription", "host", hostKey(host), "id", id)
		return nil
	})
	return eventErr(host, nil, err)
}

// eventService reads the BMC's event service; a BMC without one (or without subscriptions)
// cannot do this, which a retry will not change.
func eventService(c *gofish.APIClient, host provisioner.Host) (*schemas.EventService, error) {
	es, err := c.Service.EventService()
	if err != nil {
		return nil, err
	}
	if es == nil || es.SubscriptionsLink == "" {
		return nil, refusedf("the BMC at %s has no event service with subscriptions", host.BMC.Endpoint())
	}
	return es, nil
}

// createdID is the Id of a subscription from the POST's answer: the body's Id when the BMC
// returns the resource, else the last segment of Location.
func createdID(resp *http.Response) (string, error) {
	var body struct {
		ID string `json:"Id"`
	}
	if b, err := io.ReadAll(io.LimitReader(resp.Body, maxResourceBytes)); err == nil && len(b) > 0 {
		_ = json.Unmarshal(b, &body)
	}
	if body.ID != "" {
		return body.ID, nil
	}
	loc := resp.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil && u.Path != "" {
		if id := path.Base(strings.TrimSuffix(u.Path, "/")); id != "" && id != "." && id != "/" {
			return id, nil
		}
	}
	return "", refusedf("the BMC created the event subscription but named it neither in its answer nor in Location (HTTP %d); delete it on the BMC by hand", resp.StatusCode)
}

// eventErr is readErr with the header values scrubbed too: BMCs echo request bodies in their
// errors now and then.
func eventErr(host provisioner.Host, secrets []string, err error) error {
	if err == nil {
		return nil
	}
	res, err := classify(host, err)
	res, err = provisioner.Scrub(res, err, append([]string{host.Credentials.Password}, secrets...)...)
	if err != nil {
		return err
	}
	return &refusedError{msg: res.ErrorMessage}
}
