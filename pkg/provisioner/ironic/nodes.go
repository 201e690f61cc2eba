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
	"fmt"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// nameSeparator joins namespace and name in node names, as in Metal3, so that nodes
// registered by Metal3 and by this server are named alike. "~" cannot appear in either
// Kubernetes name and is allowed in Ironic node names.
const nameSeparator = "~"

// NodeName is the Ironic node name of a host.
func NodeName(namespace, name string) string { return namespace + nameSeparator + name }

func nodeName(host provisioner.Host) string { return NodeName(host.Namespace, host.Name) }

// nodeFor returns the API client and the host's node, or ErrNeedsRegistration when Ironic
// no longer has it.
func (p *Provisioner) nodeFor(ctx context.Context, host provisioner.Host) (*apiClient, *nodes.Node, error) {
	c, err := p.client(ctx)
	if err != nil {
		return nil, nil, err
	}
	node, err := p.lookupNode(ctx, c, host)
	if err != nil {
		return nil, nil, err
	}
	if node == nil {
		return nil, nil, provisioner.ErrNeedsRegistration
	}
	return c, node, nil
}

// lookupNode finds the host's node by its ID, else by its name; nil when there is none.
// A node found by ID but carrying another name is not this host's (the ID is stale, e.g.
// after an Ironic database reset reused it), and is ignored.
func (p *Provisioner) lookupNode(ctx context.Context, c *apiClient, host provisioner.Host) (*nodes.Node, error) {
	name := nodeName(host)
	if host.ID != "" {
		node, err := p.getNode(ctx, c, host.ID)
		if err != nil || (node != nil && node.Name == name) {
			return node, err
		}
	}
	return p.getNode(ctx, c, name)
}

// getNode gets a node by UUID or name; nil when Ironic does not know it. A node at rest
// read less than RestingNodeTTL ago by UUID is not read again.
func (p *Provisioner) getNode(ctx context.Context, c *apiClient, ident string) (*nodes.Node, error) {
	if node := p.nodes.get(ident); node != nil {
		return node, nil
	}
	node, err := nodes.Get(ctx, c.sc, ident).Extract()
	switch {
	case err == nil:
		p.nodes.put(node)
		return node, nil
	case statusIs(err, http.StatusNotFound):
		return nil, nil
	default:
		p.forgetVersion(err)
		return nil, fmt.Errorf("reading Ironic node %s: %w", ident, describe(err))
	}
}

// updateNode applies b to node. A locked node (409) is retried later; values Ironic
// refuses (400: an interface the hardware type lacks, a malformed field) fail the step.
func (p *Provisioner) updateNode(ctx context.Context, c *apiClient, node *nodes.Node, b *patch, query string) (*nodes.Node, provisioner.Result, bool, error) {
	if b.empty() {
		return node, provisioner.Result{}, true, nil
	}
	var updated *nodes.Node
	var err error
	if query == "" {
		updated, err = nodes.Update(ctx, c.sc, node.UUID, b.ops).Extract()
	} else {
		// gophercloud has no query parameters for node updates (needed for
		// reset_interfaces), so send the same request by hand.
		body := make([]map[string]any, 0, len(b.ops))
		for _, op := range b.ops {
			m, berr := op.ToNodeUpdateMap()
			if berr != nil {
				return nil, provisioner.Result{}, false, berr
			}
			body = append(body, m)
		}
		var r nodes.UpdateResult
		resp, perr := c.sc.Patch(ctx, c.sc.ServiceURL("nodes", node.UUID)+"?"+query, body, &r.Body,
			&gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}})
		_, r.Header, r.Err = gophercloud.ParseResponse(resp, perr)
		updated, err = r.Extract()
	}
	switch {
	case err == nil:
		// Ironic answers a PATCH with the whole node as it now is.
		p.nodes.put(updated)
		return updated, provisioner.Result{}, true, nil
	case statusIs(err, http.StatusConflict):
		return nil, p.poll(), false, nil
	case statusIs(err, http.StatusNotFound):
		return nil, provisioner.Result{}, false, provisioner.ErrNeedsRegistration
	case statusIs(err, http.StatusBadRequest):
		return nil, provisioner.Failed(describe(err).Error()), false, nil
	default:
		p.forgetVersion(err)
		return nil, provisioner.Result{}, false, fmt.Errorf("updating Ironic node %s: %w", node.UUID, describe(err))
	}
}

// changeState requests a provision state change and reports it in progress. A locked node
// is retried; any other refusal is an error (retried with backoff), since it means our view
// of the node was stale.
func (p *Provisioner) changeState(ctx context.Context, c *apiClient, node *nodes.Node, opts nodes.ProvisionStateOpts) (provisioner.Result, error) {
	err := nodes.ChangeProvisionState(ctx, c.sc, node.UUID, opts).ExtractErr()
	switch {
	case err == nil:
		klog.FromContext(ctx).V(2).Info("Requested an Ironic provision state change", "node", node.UUID,
			"from", node.ProvisionState, "target", opts.Target)
		return p.poll(), nil
	case statusIs(err, http.StatusConflict):
		return p.poll(), nil
	case statusIs(err, http.StatusNotFound):
		// Deleted behind our back since it was read.
		return provisioner.Result{}, provisioner.ErrNeedsRegistration
	default:
		p.forgetVersion(err)
		return provisioner.Result{}, fmt.Errorf("moving Ironic node %s from %q to %q: %w",
			node.UUID, node.ProvisionState, opts.Target, describe(err))
	}
}

// setMaintenance turns the maintenance flag on or off.
func (p *Provisioner) setMaintenance(ctx context.Context, c *apiClient, node *nodes.Node, on bool, reason string) (provisioner.Result, error) {
	var err error
	if on {
		err = nodes.SetMaintenance(ctx, c.sc, node.UUID, nodes.MaintenanceOpts{Reason: reason}).ExtractErr()
	} else {
		err = nodes.UnsetMaintenance(ctx, c.sc, node.UUID).ExtractErr()
	}
	switch {
	case err == nil:
		klog.FromContext(ctx).V(2).Info("Changed Ironic maintenance mode", "node", node.UUID, "maintenance", on, "reason", reason)
		// The caller's next step needs a fresh read of the node: come back at once.
		return provisioner.InProgress(0), nil
	case statusIs(err, http.StatusConflict):
		return p.poll(), nil
	default:
		p.forgetVersion(err)
		return provisioner.Result{}, fmt.Errorf("setting maintenance of Ironic node %s to %t: %w", node.UUID, on, describe(err))
	}
}

// toManageable moves a node in enroll, verifying or available towards manageable, where
// inspection, manual cleaning and adoption start. A failed verification (enroll with
// last_error) is reported, then retried once the host's status records it
// (host.RestartOnFailure).
func (p *Provisioner) toManageable(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node) (provisioner.Result, error) {
	if node.TargetProvisionState != "" || node.ProvisionState == string(nodes.Verifying) {
		return p.poll(), nil
	}
	if node.ProvisionState == string(nodes.Enroll) && node.LastError != "" && !host.RestartOnFailure {
		return provisioner.Failed("Ironic could not verify the BMC: " + node.LastError), nil
	}
	return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetManage})
}

// locked reports provision states in which Ironic holds the node's lock for a running
// task and refuses updates, power changes and deletion.
func locked(node *nodes.Node) bool {
	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Verifying, nodes.Inspecting, nodes.Cleaning, nodes.Deploying, nodes.Deleting,
		nodes.Adopting, nodes.Rescuing, nodes.Unrescuing, nodes.Servicing, nodes.Rebuild:
		return true
	}
	return false
}
