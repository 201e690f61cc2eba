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

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// What servicing needs, for the message of an Ironic without it.
const servicingWhat, servicingWhy = "servicing", "service steps, Ironic 2024.1 or newer"

// Service applies firmware changes to an active node with service steps (API 1.87, Ironic
// 2024.1): the "service" provision state target, whose steps are built like preparing's
// clean steps, polled until the node is active again (Done) or service failed (Failed with
// Ironic's last_error; retried from there once the host's status records the failure, as
// Metal3 does). An older Ironic cannot service: the Result says which version is needed,
// and the node is not touched.
//
// Whether the changes are in effect is read as Prepare reads it: the BIOS settings from the
// node, the firmware updates from the record written before the steps start.
func (p *Provisioner) Service(ctx context.Context, host provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	res, err := p.service(ctx, host, changes)
	return p.finish(host, res, err)
}

func (p *Provisioner) service(ctx context.Context, host provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	c, err := p.client(ctx)
	if err != nil {
		return provisioner.Result{}, err
	}
	if !c.hasServiceSteps() {
		return provisioner.Failed(c.needs(servicingWhat, serviceStepsMinor, servicingWhy)), nil
	}
	node, err := p.lookupNode(ctx, c, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	if node == nil {
		return provisioner.Result{}, provisioner.ErrNeedsRegistration
	}
	node, res, ok, err := p.syncDeployImage(ctx, c, host, node)
	if !ok {
		return res, err
	}
	if msg := firmwareSupport(node, c.features, changes); msg != "" {
		return provisioner.Failed(msg), nil
	}
	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Active:
		return p.startServicing(ctx, c, host, node, changes, true)
	case nodes.Servicing:
		return p.poll(), nil
	case nodes.ServiceWait:
		return p.waitPoll(), nil
	case nodes.ServiceFail:
		if changes.Empty() {
			// Nothing is wanted any more (the changes were withdrawn): back to active,
			// as Metal3 does.
			node, res, ok, err := p.dropUnconfirmedMarker(ctx, c, node)
			if !ok {
				return res, err
			}
			return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetAbort})
		}
		if !host.RestartOnFailure {
			return provisioner.Failed("servicing failed: " + node.LastError), nil
		}
		if node.Maintenance {
			return p.setMaintenance(ctx, c, node, false, "")
		}
		// Ironic services again from service failed; what failed is pending again.
		return p.startServicing(ctx, c, host, node, changes, false)
	default:
		return provisioner.Result{}, fmt.Errorf("cannot service Ironic node %s in provision state %q", node.UUID, node.ProvisionState)
	}
}

// startServicing starts the service steps of what the node still needs, Done when it needs
// nothing. atRest is false when retrying a failed service, whose updates are pending.
func (p *Provisioner) startServicing(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node, changes provisioner.FirmwareChanges, atRest bool) (provisioner.Result, error) {
	node, fw, res, ok, err := p.pendingFirmware(ctx, c, node, changes, atRest)
	if !ok {
		return res, err
	}
	if !fw.needed() {
		return provisioner.Done(), nil
	}
	steps, msg, err := p.firmwareSteps(ctx, fw)
	switch {
	case err != nil:
		return provisioner.Result{}, err
	case msg != "":
		return provisioner.Failed(msg), nil
	}
	node, res, ok, err = p.markRequest(ctx, c, node, fw, false)
	if !ok {
		return res, err
	}
	logger(ctx, host).Info("Starting servicing", "node", node.UUID, "firmware", fw.names(), "steps", stepNames(steps))
	return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetService, ServiceSteps: steps})
}
