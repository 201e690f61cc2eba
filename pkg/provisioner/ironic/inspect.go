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
	"slices"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/drivers"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Inspect inspects the hardware and returns its inventory once done.
//
// A node that was never inspected is inspected; one that was is not inspected again unless
// restart is true. A restart is recorded on the node itself (see reinspectKey), so the
// caller may pass restart on every call until the step is Done, and a restart requested
// while the node cannot inspect yet (available, enrolling) is not lost, even across a
// server restart. After a reported failure, the next call retries.
func (p *Provisioner) Inspect(ctx context.Context, host provisioner.Host, restart bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	details, res, err := p.inspect(ctx, host, restart)
	res, err = p.finish(host, res, err)
	return details, res, err
}

func (p *Provisioner) inspect(ctx context.Context, host provisioner.Host, restart bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	c, node, res, ok, err := p.nodeForStep(ctx, host)
	if !ok {
		return nil, res, err
	}
	if host.InspectionMode == v1alpha1.InspectionModeDisabled {
		return nil, provisioner.Done(), nil
	}
	state := nodes.ProvisionState(node.ProvisionState)
	if restart && !locked(node) && state != nodes.InspectWait {
		if _, requested := node.Extra[reinspectKey]; !requested {
			b := &patch{}
			b.key("extra", reinspectKey, inspectionMark(node), node.Extra)
			var res provisioner.Result
			var ok bool
			if node, res, ok, err = p.updateNode(ctx, c, node, b, ""); !ok {
				return nil, res, err
			}
		}
	}
	switch state {
	case nodes.Enroll, nodes.Verifying, nodes.Available:
		res, err := p.toManageable(ctx, c, host, node)
		return nil, res, err
	case nodes.Inspecting:
		return nil, p.poll(), nil
	case nodes.InspectWait:
		return nil, p.waitPoll(), nil
	case nodes.InspectFail:
		if !reinspectPending(node) && !host.RestartOnFailure {
			return nil, provisioner.Failed("inspection failed: " + node.LastError), nil
		}
		res, err := p.startInspection(ctx, c, host, node)
		return nil, res, err
	case nodes.Manageable:
		if node.InspectionFinishedAt == nil || reinspectPending(node) {
			res, err := p.startInspection(ctx, c, host, node)
			return nil, res, err
		}
		details, err := p.hardwareDetails(ctx, c, node)
		if err != nil {
			return nil, provisioner.Result{}, err
		}
		if _, requested := node.Extra[reinspectKey]; requested {
			// The requested inspection finished: drop the request. Best effort; a
			// leftover key is harmless because it no longer matches the node.
			b := &patch{}
			b.key("extra", reinspectKey, nil, node.Extra)
			if _, _, _, err := p.updateNode(ctx, c, node, b, ""); err != nil {
				logger(ctx, host).V(2).Info("Could not clear the re-inspection request", "node", node.UUID,
					"err", p.scrubError(host.Credentials.Password, err))
			}
		}
		return details, provisioner.Done(), nil
	default:
		return nil, provisioner.Result{}, fmt.Errorf("cannot inspect Ironic node %s in provision state %q", node.UUID, node.ProvisionState)
	}
}

// reinspectKey is the node's extra field that records a requested re-inspection. Its value
// is the inspection_finished_at the node had when the request was made (see
// inspectionMark): the request is pending until Ironic reports a later inspection, which
// needs no clock comparison between this server and Ironic.
const reinspectKey = "baremetal_apiserver_reinspect_after"

func inspectionMark(node *nodes.Node) string {
	if node.InspectionFinishedAt == nil {
		return "never"
	}
	return node.InspectionFinishedAt.UTC().Format(time.RFC3339Nano)
}

func reinspectPending(node *nodes.Node) bool {
	v, ok := node.Extra[reinspectKey]
	return ok && v == inspectionMark(node)
}

// startInspection sets the inspect interface for the inspection mode and starts it.
func (p *Provisioner) startInspection(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node) (provisioner.Result, error) {
	iface, err := p.inspectInterface(ctx, c, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	b := &patch{}
	if iface != "" {
		b.field("inspect_interface", iface, node.InspectInterface)
	}
	b.key("properties", "capabilities", capabilitiesValue(node.Properties["capabilities"], host.BootMode), node.Properties)
	node, res, ok, err := p.updateNode(ctx, c, node, b, "")
	if !ok {
		return res, err
	}
	logger(ctx, host).Info("Starting hardware inspection", "node", node.UUID, "interface", node.InspectInterface)
	return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetInspect})
}

// inspectInterface picks the inspect interface for the host's inspection mode: the BMC
// type's out-of-band one for fast inspection (and always for fake-hardware); for agent
// inspection the in-band one this Ironic has enabled ("agent" since 2023.2, "inspector"
// before, which needs ironic-inspector), else the out-of-band one, else Ironic's default.
func (p *Provisioner) inspectInterface(ctx context.Context, c *apiClient, host provisioner.Host) (string, error) {
	caps := host.BMC.Capabilities
	if caps.Driver == fakeDriver || host.InspectionMode == v1alpha1.InspectionModeFast {
		return caps.InspectInterface, nil
	}
	enabled, err := p.enabledInspectInterfaces(ctx, c, caps.Driver)
	if err != nil {
		return "", err
	}
	for _, iface := range []string{"agent", "inspector", caps.InspectInterface} {
		if iface != "" && slices.Contains(enabled, iface) {
			return iface, nil
		}
	}
	return "", nil
}

// enabledInspectInterfaces asks Ironic once per hardware type which inspect interfaces it
// has enabled; that only changes with Ironic's configuration.
func (p *Provisioner) enabledInspectInterfaces(ctx context.Context, c *apiClient, driver string) ([]string, error) {
	if v, ok := p.inspectIfaces.Load(driver); ok {
		return v.([]string), nil
	}
	d, err := drivers.GetDriverDetails(ctx, c.sc, driver).Extract()
	if err != nil {
		if statusIs(err, http.StatusNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading Ironic driver %s: %w", driver, describe(err))
	}
	p.inspectIfaces.Store(driver, d.EnabledInspectInterfaces)
	return d.EnabledInspectInterfaces, nil
}
