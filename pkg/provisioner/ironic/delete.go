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

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

const maintenanceReason = "deleting the node for baremetal-apiserver"

// Delete removes the node from Ironic; Done once it is gone. Running operations are let
// finish (or aborted when they only wait for the agent), failed states are moved to
// manageable first, and states Ironic refuses to delete from (active, deploy failed,
// error, ...) go through maintenance mode, which skips Ironic's checks without touching
// the machine.
func (p *Provisioner) Delete(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	res, err := p.remove(ctx, host, false)
	return p.finish(host, res, err)
}

// Detach makes Ironic forget the node without touching the hardware: no state change that
// could power, clean or boot the machine, only maintenance mode and deletion.
func (p *Provisioner) Detach(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	res, err := p.remove(ctx, host, true)
	return p.finish(host, res, err)
}

func (p *Provisioner) remove(ctx context.Context, host provisioner.Host, detach bool) (provisioner.Result, error) {
	c, node, err := p.nodeFor(ctx, host)
	if errors.Is(err, provisioner.ErrNeedsRegistration) {
		return provisioner.Done(), nil
	}
	if err != nil {
		return provisioner.Result{}, err
	}
	if locked(node) {
		// A running task holds the lock; deletion would be refused.
		return p.poll(), nil
	}
	state := nodes.ProvisionState(node.ProvisionState)
	switch {
	case state == nodes.Enroll || state == nodes.Manageable || state == nodes.Available || state == nodes.AdoptFail:
		// Ironic deletes these directly.
	case node.Maintenance:
		// Any other state can be deleted in maintenance.
	case detach:
		return p.setMaintenance(ctx, c, node, true, maintenanceReason)
	case state == nodes.InspectWait || state == nodes.CleanWait:
		// Waiting for an agent that may never call back: abort.
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetAbort})
	case state == nodes.InspectFail || state == nodes.CleanFail:
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetManage})
	default:
		return p.setMaintenance(ctx, c, node, true, maintenanceReason)
	}

	err = nodes.Delete(ctx, c.sc, node.UUID).ExtractErr()
	switch {
	case err == nil, statusIs(err, http.StatusNotFound):
		logger(ctx, host).Info("Removed the node from Ironic", "node", node.UUID, "detach", detach)
		p.creds.forget(node.UUID)
		p.ports.Delete(node.UUID)
		return provisioner.Done(), nil
	case statusIs(err, http.StatusConflict) && !node.Maintenance && state == nodes.Available:
		// Ironic can be configured to refuse deleting available nodes
		// ([conductor]allow_deleting_available_nodes): maintenance gets past that.
		return p.setMaintenance(ctx, c, node, true, maintenanceReason)
	case statusIs(err, http.StatusConflict):
		return p.poll(), nil
	default:
		p.forgetVersion(err)
		return provisioner.Result{}, fmt.Errorf("deleting Ironic node %s: %w", node.UUID, describe(err))
	}
}
