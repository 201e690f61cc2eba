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
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// BMC event subscriptions go through Ironic's redfish vendor passthru, as in Metal3:
// POST /v1/nodes/{node}/vendor_passthru?method=create_subscription and DELETE with
// method=delete_subscription. Ironic (since Wallaby; 21.4 has it) carries them out with
// sushy on the node's BMC, synchronously. Only the redfish vendor interface (Ironic's redfish
// hardware type) and idrac-redfish, which extends it, have these methods.

var _ provisioner.EventSubscriber = (*Provisioner)(nil)

// subscriptionVendorInterfaces are the vendor interfaces with create_subscription.
var subscriptionVendorInterfaces = []string{"redfish", "idrac-redfish"}

// CreateSubscription creates the subscription on the host's BMC through Ironic and returns
// the BMC's Id of it. Ironic fills in what Metal3 leaves out: Protocol Redfish, and
// EventTypes [Alert].
func (p *Provisioner) CreateSubscription(ctx context.Context, host provisioner.Host, req provisioner.SubscriptionRequest) (string, error) {
	id, err := p.createSubscription(ctx, host, req)
	return id, p.scrubSubscriptionError(host, req, err)
}

// DeleteSubscription deletes the subscription through Ironic. One the BMC does not have is
// deleted (nil).
func (p *Provisioner) DeleteSubscription(ctx context.Context, host provisioner.Host, id string) error {
	return p.scrubSubscriptionError(host, provisioner.SubscriptionRequest{}, p.deleteSubscription(ctx, host, id))
}

func (p *Provisioner) createSubscription(ctx context.Context, host provisioner.Host, req provisioner.SubscriptionRequest) (string, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return "", err
	}
	if err := canSubscribe(node); err != nil {
		return "", err
	}
	opts := nodes.CreateSubscriptionOpts{Destination: req.Destination, Context: req.Context}
	// One object per header, as Metal3 sends them (DSP0266's HttpHeaders).
	for _, name := range req.HeaderNames() {
		opts.HttpHeaders = append(opts.HttpHeaders, map[string]string{name: req.Headers[name]})
	}
	sub, err := nodes.CreateSubscription(ctx, c.sc, node.UUID, nodes.CallVendorPassthruOpts{Method: "create_subscription"}, opts).Extract()
	switch {
	case statusIs(err, http.StatusNotFound):
		p.nodes.forget(node.UUID)
		return "", provisioner.ErrNeedsRegistration
	case err != nil:
		p.forgetVersion(err)
		return "", subscriptionError("creating an event subscription", node, err)
	case sub.Id == "":
		return "", fmt.Errorf("Ironic created an event subscription on the BMC of node %s but returned no Id; delete it on the BMC by hand", node.UUID)
	}
	logger(ctx, host).Info("Created a BMC event subscription through Ironic", "node", node.UUID, "id", sub.Id,
		"destination", req.Destination, "headers", req.HeaderNames())
	return sub.Id, nil
}

func (p *Provisioner) deleteSubscription(ctx context.Context, host provisioner.Host, id string) error {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return err
	}
	if err := canSubscribe(node); err != nil {
		return err
	}
	err = nodes.DeleteSubscription(ctx, c.sc, node.UUID, nodes.CallVendorPassthruOpts{Method: "delete_subscription"},
		nodes.DeleteSubscriptionOpts{Id: id}).ExtractErr()
	switch {
	case err == nil:
		logger(ctx, host).Info("Deleted a BMC event subscription through Ironic", "node", node.UUID, "id", id)
		return nil
	case !statusIs(err, http.StatusNotFound):
		p.forgetVersion(err)
		return subscriptionError("deleting event subscription "+id, node, err)
	}
	// Ironic answers 404 to every failure of delete_subscription, a BMC that is down as much
	// as a subscription that is gone: the BMC's list of subscriptions tells which.
	all, lerr := nodes.GetAllSubscriptions(ctx, c.sc, node.UUID, nodes.CallVendorPassthruOpts{Method: "get_all_subscriptions"}).Extract()
	if lerr != nil {
		return fmt.Errorf("%w; listing the BMC's subscriptions to tell whether it is gone failed too: %s",
			subscriptionError("deleting event subscription "+id, node, err), fault(lerr))
	}
	for _, m := range all.Members {
		if path.Base(strings.TrimSuffix(m["@odata.id"], "/")) == id {
			return subscriptionError("deleting event subscription "+id, node, err)
		}
	}
	logger(ctx, host).Info("The BMC has no such event subscription; nothing to delete", "node", node.UUID, "id", id)
	return nil
}

// canSubscribe refuses a node whose vendor interface has no event subscriptions, naming what
// it would need.
func canSubscribe(node *nodes.Node) error {
	if slices.Contains(subscriptionVendorInterfaces, node.VendorInterface) {
		return nil
	}
	return fmt.Errorf("BMC event subscriptions need Ironic's redfish vendor passthru (vendor interface %s, with redfish in Ironic's enabled_vendor_interfaces), and Ironic node %s (driver %s) has vendor interface %q: subscriptions are for hosts with a Redfish BMC",
		strings.Join(subscriptionVendorInterfaces, " or "), node.UUID, node.Driver, node.VendorInterface)
}

// subscriptionError is a failed vendor passthru call, reduced to what Ironic said without
// the request it quotes: Ironic's message repeats the payload, headers included.
func subscriptionError(what string, node *nodes.Node, err error) error {
	var ae *apiError
	if errors.As(describe(err), &ae) {
		return fmt.Errorf("%s on the BMC of Ironic node %s failed: Ironic answered %d: %s", what, node.UUID, ae.Status, withoutPayload(ae.Fault))
	}
	return fmt.Errorf("%s on the BMC of Ironic node %s: %w", what, node.UUID, err)
}

// withoutPayload cuts "Subscription payload: {...}. " out of Ironic's create_subscription
// error, up to the last ". Error: " so that nothing of the payload can remain.
func withoutPayload(msg string) string {
	const payload, errorPart = "Subscription payload: ", ". Error: "
	i := strings.Index(msg, payload)
	if i < 0 {
		return msg
	}
	j := strings.LastIndex(msg, errorPart)
	if j < i {
		return msg[:i] + "Subscription payload: <redacted>"
	}
	return msg[:i] + "Error: " + msg[j+len(errorPart):]
}

// scrubSubscriptionError scrubs the BMC password, Ironic's and the header values.
func (p *Provisioner) scrubSubscriptionError(host provisioner.Host, req provisioner.SubscriptionRequest, err error) error {
	return provisioner.ScrubError(err, append([]string{host.Credentials.Password, p.cfg.Password}, req.Secrets()...)...)
}
