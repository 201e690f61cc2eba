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
	"strconv"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Prepare applies RAID, BIOS settings and firmware updates (by one manual clean, in
// manageable, in Metal3's order) and then makes the node available, which runs automated
// cleaning unless the host disabled it. It is Done when the node is available with the
// requested RAID configuration, BIOS settings and firmware.
//
// Whether each still needs applying is read from the node: Ironic keeps the target RAID
// configuration after a successful manual clean, so a node whose target equals the wanted
// one is prepared; the BIOS settings are Ironic's, read again from the BMC after the step;
// firmware updates, and that the RAID target was requested, are recorded in the node before
// the clean starts (requestMarker), so that a clean never started is not taken for one
// done. A failed clean clears the target and the unconfirmed record, so that the retry
// applies them again. A node whose interfaces cannot apply a change fails at once, naming them.
func (p *Provisioner) Prepare(ctx context.Context, host provisioner.Host, data provisioner.PrepareData) (provisioner.Result, error) {
	res, err := p.prepare(ctx, host, data)
	return p.finish(host, res, err)
}

func (p *Provisioner) prepare(ctx context.Context, host provisioner.Host, data provisioner.PrepareData) (provisioner.Result, error) {
	c, node, res, ok, err := p.nodeForStep(ctx, host)
	if !ok {
		return res, err
	}
	plan, msg := raidPlanFor(host.BMC.Capabilities, data.RAID, node)
	if msg != "" {
		return provisioner.Failed(msg), nil
	}
	if msg := firmwareSupport(node, c.features, data.Firmware); msg != "" {
		return provisioner.Failed(msg), nil
	}
	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Enroll, nodes.Verifying:
		return p.toManageable(ctx, c, host, node)
	case nodes.Available:
		node, fw, res, ok, err := p.pendingFirmware(ctx, c, node, data.Firmware, true)
		if !ok {
			return res, err
		}
		if plan.needed(node) || fw.needed() {
			// RAID or firmware changed since the node was made available: back to
			// manageable.
			return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetManage})
		}
		return provisioner.Done(), nil
	case nodes.Manageable:
		b := &patch{}
		b.key("properties", "root_device", rootDeviceHints(data.RootDeviceHints), node.Properties)
		b.field("automated_clean", host.AutomatedCleaningMode != v1alpha1.CleaningModeDisabled, node.AutomatedClean)
		if plan.raidInterface != "" {
			b.field("raid_interface", plan.raidInterface, node.RAIDInterface)
		}
		node, res, ok, err := p.updateNode(ctx, c, node, b, "")
		if !ok {
			return res, err
		}
		node, fw, res, ok, err := p.pendingFirmware(ctx, c, node, data.Firmware, true)
		if !ok {
			return res, err
		}
		// The target RAID configuration is written before the clean starts: one that equals
		// ours was applied only if the clean requested with it ran.
		raid := len(plan.steps) > 0 && (plan.needed(node) || raidRequested(node))
		if raid || fw.needed() {
			var steps []nodes.CleanStep
			if raid {
				steps = append(steps, plan.steps...)
			}
			fwSteps, msg, err := p.firmwareSteps(ctx, fw)
			switch {
			case err != nil:
				return provisioner.Result{}, err
			case msg != "":
				return provisioner.Failed(msg), nil
			}
			steps = append(steps, fwSteps...)
			// The records first, the clean last: a clean is never started without them.
			node, res, ok, err := p.markRequest(ctx, c, node, fw, raid)
			if !ok {
				return res, err
			}
			if raid {
				if res, ok, err := p.setTargetRAID(ctx, c, node, plan.target); !ok {
					return res, err
				}
			}
			logger(ctx, host).Info("Starting manual cleaning", "node", node.UUID, "raid", raid, "firmware", fw.names(), "steps", stepNames(steps))
			return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetClean, CleanSteps: steps})
		}
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetProvide})
	case nodes.Cleaning:
		return p.poll(), nil
	case nodes.CleanWait:
		return p.waitPoll(), nil
	case nodes.CleanFail:
		if !host.RestartOnFailure {
			return provisioner.Failed("cleaning failed: " + node.LastError), nil
		}
		return p.recoverCleanFail(ctx, c, node)
	default:
		return provisioner.Result{}, fmt.Errorf("cannot prepare Ironic node %s in provision state %q", node.UUID, node.ProvisionState)
	}
}

// recoverCleanFail moves a node out of clean failed for a retry: Ironic sets maintenance
// when cleaning fails, which must be cleared first, and the target RAID and the record of
// requested firmware updates are dropped so that the retry applies them again.
func (p *Provisioner) recoverCleanFail(ctx context.Context, c *apiClient, node *nodes.Node) (provisioner.Result, error) {
	if node.Maintenance {
		return p.setMaintenance(ctx, c, node, false, "")
	}
	if len(node.TargetRAIDConfig) > 0 {
		if res, ok, err := p.setTargetRAID(ctx, c, node, map[string]any{}); !ok {
			return res, err
		}
	}
	node, res, ok, err := p.dropUnconfirmedMarker(ctx, c, node)
	if !ok {
		return res, err
	}
	return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetManage})
}

// stepNames names steps for logs ("bios.apply_configuration"), without their arguments.
func stepNames(steps []nodes.CleanStep) []string {
	out := make([]string, 0, len(steps))
	for _, s := range steps {
		out = append(out, string(s.Interface)+"."+s.Step)
	}
	return out
}

// setTargetRAID sets the node's target RAID configuration; an empty map clears it.
// gophercloud's SetRAIDConfig cannot send an empty configuration, so this is done by hand.
func (p *Provisioner) setTargetRAID(ctx context.Context, c *apiClient, node *nodes.Node, target map[string]any) (provisioner.Result, bool, error) {
	resp, err := c.sc.Put(ctx, c.sc.ServiceURL("nodes", node.UUID, "states", "raid"), target, nil,
		&gophercloud.RequestOpts{OkCodes: []int{http.StatusNoContent}})
	_, _, err = gophercloud.ParseResponse(resp, err)
	switch {
	case err == nil:
		return provisioner.Result{}, true, nil
	case statusIs(err, http.StatusConflict):
		return p.poll(), false, nil
	case statusIs(err, http.StatusBadRequest):
		return provisioner.Failed("Ironic refused the RAID configuration: " + fault(err)), false, nil
	default:
		return provisioner.Result{}, false, fmt.Errorf("setting the RAID configuration of Ironic node %s: %w", node.UUID, describe(err))
	}
}

// raidPlan is what preparing does about RAID.
type raidPlan struct {
	target        map[string]any
	steps         []nodes.CleanStep
	raidInterface string
}

// needed reports whether the plan still has to run on node.
func (r raidPlan) needed(node *nodes.Node) bool {
	if len(r.steps) == 0 {
		return false
	}
	if len(r.target) == 0 {
		// Removing all volumes: needed while the node still reports some.
		disks, _ := node.RAIDConfig["logical_disks"].([]any)
		return len(disks) > 0
	}
	return !jsonEqual(r.target, node.TargetRAIDConfig)
}

// raidPlanFor builds Ironic's target RAID configuration and the manual clean steps that
// apply it. nil RAID leaves the disks alone; a RAID config without volumes removes the
// existing ones. Hardware RAID goes through the BMC type's RAID interface; software RAID
// through the agent's, which builds Linux md devices from the ramdisk.
func raidPlanFor(caps bmc.Capabilities, raid *v1alpha1.RAIDConfig, node *nodes.Node) (raidPlan, string) {
	if raid == nil {
		return raidPlan{}, ""
	}
	deleteStep := nodes.CleanStep{Interface: nodes.InterfaceRAID, Step: "delete_configuration"}
	createStep := nodes.CleanStep{Interface: nodes.InterfaceRAID, Step: "create_configuration"}
	switch {
	case len(raid.HardwareRAIDVolumes) > 0 && len(raid.SoftwareRAIDVolumes) > 0:
		return raidPlan{}, "hardware and software RAID volumes cannot be combined"
	case len(raid.HardwareRAIDVolumes) > 0:
		if caps.RAIDInterface == "" || caps.RAIDInterface == "no-raid" {
			return raidPlan{}, fmt.Sprintf("BMC driver %s does not support hardware RAID", caps.Driver)
		}
		var disks []any
		for i, v := range raid.HardwareRAIDVolumes {
			d := map[string]any{"raid_level": v.Level, "size_gb": sizeGB(v.SizeGibibytes)}
			if i == 0 {
				// The first volume holds the image, as in Metal3.
				d["is_root_volume"] = true
			}
			if v.Name != "" {
				d["volume_name"] = v.Name
			}
			if v.Rotational != nil {
				d["disk_type"] = map[bool]string{true: "hdd", false: "ssd"}[*v.Rotational]
			}
			if v.NumberOfPhysicalDisks != nil {
				d["number_of_physical_disks"] = *v.NumberOfPhysicalDisks
			}
			if v.Controller != "" {
				d["controller"] = v.Controller
			}
			if len(v.PhysicalDisks) > 0 {
				d["physical_disks"] = v.PhysicalDisks
			}
			disks = append(disks, d)
		}
		return raidPlan{
			target:        map[string]any{"logical_disks": disks},
			steps:         []nodes.CleanStep{deleteStep, createStep},
			raidInterface: caps.RAIDInterface,
		}, ""
	case len(raid.SoftwareRAIDVolumes) > 0:
		var disks []any
		for i, v := range raid.SoftwareRAIDVolumes {
			d := map[string]any{"raid_level": v.Level, "size_gb": sizeGB(v.SizeGibibytes), "controller": "software"}
			if v.RootVolume || i == 0 {
				d["is_root_volume"] = true
			}
			var hints []any
			for j := range v.PhysicalDisks {
				hints = append(hints, rootDeviceHints(&v.PhysicalDisks[j]))
			}
			if len(hints) > 0 {
				d["physical_disks"] = hints
			}
			disks = append(disks, d)
		}
		return raidPlan{
			target: map[string]any{"logical_disks": disks},
			steps: []nodes.CleanStep{
				deleteStep,
				// md metadata left on member disks would make the new array fail to
				// assemble.
				{Interface: nodes.InterfaceDeploy, Step: "erase_devices_metadata"},
				createStep,
			},
			raidInterface: "agent",
		}, ""
	default:
		// No volumes: remove what exists, through whichever RAID interface the node has.
		if node != nil && (node.RAIDInterface == "" || node.RAIDInterface == "no-raid") {
			return raidPlan{}, ""
		}
		return raidPlan{target: map[string]any{}, steps: []nodes.CleanStep{deleteStep}}, ""
	}
}

// sizeGB is a logical disk's size_gb: "MAX" when the volume takes all the space.
func sizeGB(gib *int32) any {
	if gib == nil || *gib == 0 {
		return "MAX"
	}
	return int(*gib)
}

// rootDeviceHints converts hints to Ironic's root_device syntax, as Metal3 does: exact
// string matches ("s== "), substrings ("<in> ") and a minimum size (">= ").
// No hints is nil, which removes properties/root_device.
func rootDeviceHints(h *v1alpha1.RootDeviceHints) map[string]string {
	if h == nil {
		return nil
	}
	out := map[string]string{}
	add := func(k, op, v string) {
		if v != "" {
			out[k] = op + v
		}
	}
	if strings.HasPrefix(h.DeviceName, "/dev/disk/by-path/") {
		add("by_path", "s== ", h.DeviceName)
	} else {
		add("name", "s== ", h.DeviceName)
	}
	add("hctl", "s== ", h.HCTL)
	add("model", "<in> ", h.Model)
	add("vendor", "<in> ", h.Vendor)
	add("serial", "s== ", h.SerialNumber)
	if h.MinSizeGigabytes != 0 {
		out["size"] = ">= " + strconv.Itoa(int(h.MinSizeGigabytes))
	}
	add("wwn", "s== ", h.WWN)
	add("wwn_with_extension", "s== ", h.WWNWithExtension)
	add("wwn_vendor_extension", "s== ", h.WWNVendorExtension)
	if h.Rotational != nil {
		out["rotational"] = strconv.FormatBool(*h.Rotational)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
