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
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
)

// busyStates are the provision states of long operations that boot the agent ramdisk over
// the provisioning network; HasCapacity counts them.
var busyStates = map[nodes.ProvisionState]bool{
	nodes.Cleaning: true, nodes.CleanWait: true,
	nodes.Inspecting: true, nodes.InspectWait: true,
	nodes.Deploying: true, nodes.DeployWait: true,
	nodes.Deleting: true,
}

// HasCapacity reports whether fewer than Config.MaxBusyHosts nodes are busy. Nodes that
// boot from virtual media are not counted: they need neither DHCP nor PXE slots, which is
// what the limit protects (as in Metal3).
func (p *Provisioner) HasCapacity(ctx context.Context) (bool, error) {
	if p.cfg.MaxBusyHosts <= 0 {
		return true, nil
	}
	c, err := p.client(ctx)
	if err != nil {
		return false, p.scrubError("", err)
	}
	pages, err := nodes.List(c.sc, nodes.ListOpts{Fields: []string{"uuid", "provision_state", "boot_interface"}}).AllPages(ctx)
	if err != nil {
		return false, p.scrubError("", fmt.Errorf("listing Ironic nodes: %w", describe(err)))
	}
	all, err := nodes.ExtractNodes(pages)
	if err != nil {
		return false, fmt.Errorf("listing Ironic nodes: %w", err)
	}
	busy := 0
	for _, n := range all {
		if busyStates[nodes.ProvisionState(n.ProvisionState)] && !strings.Contains(n.BootInterface, "virtual-media") {
			busy++
		}
	}
	return busy < p.cfg.MaxBusyHosts, nil
}
