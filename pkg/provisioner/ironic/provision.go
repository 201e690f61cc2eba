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
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// customDeployPriority is the priority of a custom deploy step; Metal3 uses 80, above the
// agent's own deploy steps' defaults, so that the custom step does the deployment.
const customDeployPriority = 80

// Provision writes (or boots) the image: it makes the node available if needed, writes
// instance_info, validates the node, and deploys with the config drive. Done once the node
// is active.
func (p *Provisioner) Provision(ctx context.Context, host provisioner.Host, data provisioner.ProvisionData) (provisioner.Result, error) {
	res, err := p.provision(ctx, host, data)
	return provisioner.Scrub(res, err, host.Credentials.Password, p.cfg.Password, data.PullPassword())
}

func (p *Provisioner) provision(ctx context.Context, host provisioner.Host, data provisioner.ProvisionData) (provisioner.Result, error) {
	c, node, res, ok, err := p.nodeForStep(ctx, host)
	if !ok {
		return res, err
	}
	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Enroll, nodes.Verifying:
		return p.toManageable(ctx, c, host, node)
	case nodes.Manageable:
		return p.provide(ctx, c, host, node)
	case nodes.Cleaning, nodes.Deploying:
		return p.poll(), nil
	case nodes.CleanWait, nodes.DeployWait:
		return p.waitPoll(), nil
	case nodes.CleanFail:
		if !host.RestartOnFailure {
			return provisioner.Failed("cleaning failed: " + node.LastError), nil
		}
		return p.recoverCleanFail(ctx, c, node)
	case nodes.Available:
		return p.deploy(ctx, c, host, node, data)
	case nodes.DeployFail:
		if !host.RestartOnFailure {
			return provisioner.Failed("provisioning failed: " + node.LastError), nil
		}
		// Ironic deploys again from deploy failed; the image may have changed since.
		return p.deploy(ctx, c, host, node, data)
	case nodes.Active:
		return provisioner.Done(), nil
	default:
		return provisioner.Result{}, fmt.Errorf("cannot provision Ironic node %s in provision state %q", node.UUID, node.ProvisionState)
	}
}

// provide makes a manageable node available, with automated cleaning as the host asks.
func (p *Provisioner) provide(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node) (provisioner.Result, error) {
	node, res, ok, err := p.syncAutomatedClean(ctx, c, host, node)
	if !ok {
		return res, err
	}
	return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetProvide})
}

// syncAutomatedClean writes automated_clean before an operation that cleans, so a spec
// changed just before (e.g. cleaning disabled right before deprovisioning) is honoured.
func (p *Provisioner) syncAutomatedClean(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node) (*nodes.Node, provisioner.Result, bool, error) {
	b := &patch{}
	b.field("automated_clean", host.AutomatedCleaningMode != v1alpha1.CleaningModeDisabled, node.AutomatedClean)
	return p.updateNode(ctx, c, node, b, "")
}

// deploy writes instance_info and the deploy interface, validates, and starts the deploy.
func (p *Provisioner) deploy(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node, data provisioner.ProvisionData) (provisioner.Result, error) {
	plan, msg := deployPlanFor(host, data)
	if msg != "" {
		return provisioner.Failed(msg), nil
	}
	b := &patch{}
	for k, v := range plan.instanceInfo {
		b.key("instance_info", k, v, node.InstanceInfo)
	}
	switch {
	case plan.deployInterface != "":
		b.field("deploy_interface", plan.deployInterface, node.DeployInterface)
	case node.DeployInterface == "ramdisk" || node.DeployInterface == "custom-agent":
		// Back to a disk image after a live ISO or custom deploy: reset to the hardware
		// type's default (direct).
		b.field("deploy_interface", nil, node.DeployInterface)
	}
	if host.UID != "" {
		// Ironic's instance_uuid marks the node as in use; the host's UID ties it to us.
		b.field("instance_uuid", string(host.UID), node.InstanceUUID)
	}
	b.field("automated_clean", host.AutomatedCleaningMode != v1alpha1.CleaningModeDisabled, node.AutomatedClean)
	node, res, ok, err := p.updateNode(ctx, c, node, b, "")
	if !ok {
		return res, err
	}

	// Ask Ironic whether it has what it needs before starting: a deploy that cannot work
	// fails here with a reason rather than minutes later in deploy failed.
	v, err := nodes.Validate(ctx, c.sc, node.UUID).Extract()
	if err != nil {
		p.forgetVersion(err)
		return provisioner.Result{}, fmt.Errorf("validating Ironic node %s: %w", node.UUID, describe(err))
	}
	var reasons []string
	for name, r := range map[string]nodes.DriverValidation{"boot": v.Boot, "deploy": v.Deploy, "power": v.Power} {
		if !r.Result {
			reasons = append(reasons, name+": "+r.Reason)
		}
	}
	if len(reasons) > 0 {
		return provisioner.Failed("Ironic cannot deploy the node: " + strings.Join(reasons, "; ")), nil
	}

	opts := nodes.ProvisionStateOpts{Target: nodes.TargetActive, DeploySteps: plan.deploySteps}
	if !plan.liveISO {
		// A live ISO boots as is; Ironic cannot attach a config drive to it reliably
		// (some BMCs have a single virtual media slot).
		cd, msg := configDrive(host, data)
		if msg != "" {
			return provisioner.Failed(msg), nil
		}
		opts.ConfigDrive = cd
	}
	logger(ctx, host).Info("Starting provisioning", "node", node.UUID, "image", plan.imageURL,
		"deployInterface", node.DeployInterface, "customDeploy", len(plan.deploySteps) > 0)
	return p.changeState(ctx, c, node, opts)
}

// deployPlan is what provisioning writes into the node.
type deployPlan struct {
	instanceInfo    map[string]any // nil values remove keys
	deployInterface string
	deploySteps     []nodes.DeployStep
	liveISO         bool
	imageURL        string
}

// deployPlanFor turns the image or custom deploy into instance_info. Three cases, as in
// Metal3: a disk image written by the agent (deploy interface "direct"), a live ISO booted
// as is ("ramdisk"), and a custom deploy step ("custom-agent") with an optional image.
// fake-hardware keeps its fake deploy interface whatever the case.
func deployPlanFor(host provisioner.Host, data provisioner.ProvisionData) (deployPlan, string) {
	img := data.Image
	custom := data.CustomDeploy != nil && data.CustomDeploy.Method != ""
	if !custom && (img == nil || img.URL == "") {
		return deployPlan{}, "an image or a custom deploy is required to provision"
	}
	caps := map[string]any{}
	if host.BootMode == v1alpha1.BootModeUEFISecureBoot {
		caps["secure_boot"] = "true"
	}
	plan := deployPlan{instanceInfo: map[string]any{
		"capabilities": caps,
		"root_device":  rootDeviceHints(data.RootDeviceHints),
		// Cleared unless set below, so that a previous deployment's values never leak
		// into this one.
		"boot_iso": nil, "image_source": nil, "image_checksum": nil,
		"image_os_hash_algo": nil, "image_os_hash_value": nil, "image_disk_format": nil,
	}}
	if img != nil {
		plan.imageURL = img.URL
	}
	switch {
	case custom:
		plan.deployInterface = "custom-agent"
		plan.deploySteps = []nodes.DeployStep{{
			Interface: nodes.InterfaceDeploy, Step: data.CustomDeploy.Method,
			Args: map[string]any{}, Priority: customDeployPriority,
		}}
		if img != nil && img.URL != "" {
			// All optional: the custom step decides what it needs.
			plan.instanceInfo["image_source"] = img.URL
			setChecksum(plan.instanceInfo, img)
			if img.Format != nil {
				plan.instanceInfo["image_disk_format"] = *img.Format
			}
		}
	case img.Format != nil && *img.Format == v1alpha1.ImageFormatLiveISO:
		plan.deployInterface = "ramdisk"
		plan.liveISO = true
		plan.instanceInfo["boot_iso"] = img.URL
	default:
		// The agent writes the image, with the hardware type's default deploy interface.
		plan.instanceInfo["image_source"] = img.URL
		if img.Checksum == "" && !strings.HasPrefix(img.URL, "oci://") {
			return deployPlan{}, "the image has no checksum"
		}
		setChecksum(plan.instanceInfo, img)
		if img.Format != nil {
			plan.instanceInfo["image_disk_format"] = *img.Format
		}
	}
	// The registry credentials of an oci:// image, or nil: a previous attempt's are removed.
	plan.instanceInfo["image_pull_secret"] = nil
	if data.ImagePullSecret != "" && !plan.liveISO {
		plan.instanceInfo["image_pull_secret"] = data.ImagePullSecret
	}
	if host.BMC != nil && host.BMC.Driver == fakeDriver {
		plan.deployInterface = "fake"
	}
	return plan, ""
}

// setChecksum writes the checksum: with an explicit algorithm as os_hash (the newer,
// preferred fields); without, as image_checksum, which Ironic treats as "detect the
// algorithm" and which may also be the URL of a checksum file.
func setChecksum(ii map[string]any, img *v1alpha1.Image) {
	if img.Checksum == "" {
		return
	}
	switch img.ChecksumType {
	case v1alpha1.ChecksumMD5, v1alpha1.ChecksumSHA256, v1alpha1.ChecksumSHA512:
		ii["image_os_hash_algo"] = string(img.ChecksumType)
		ii["image_os_hash_value"] = img.Checksum
	default:
		ii["image_checksum"] = img.Checksum
	}
}

// configDrive builds the JSON config drive (API 1.56) from the Secrets' contents: Ironic
// renders it into an ISO image. meta_data starts from Metal3's defaults so that
// cloud-init finds the host's name and UID; the metaData Secret overrides them.
func configDrive(host provisioner.Host, data provisioner.ProvisionData) (*nodes.ConfigDrive, string) {
	cd := &nodes.ConfigDrive{MetaData: map[string]any{
		"uuid":             string(host.UID),
		"metal3-namespace": host.Namespace,
		"metal3-name":      host.Name,
		"local-hostname":   host.Name,
		"local_hostname":   host.Name,
		"name":             host.Name,
	}}
	if data.UserData != "" {
		cd.UserData = data.UserData
	}
	if data.NetworkData != "" {
		// YAML is a superset of JSON: both forms found in Secrets are accepted.
		if err := yaml.Unmarshal([]byte(data.NetworkData), &cd.NetworkData); err != nil {
			return nil, "networkData is neither JSON nor YAML: " + err.Error()
		}
	}
	if data.MetaData != "" {
		var md map[string]any
		if err := yaml.Unmarshal([]byte(data.MetaData), &md); err != nil {
			return nil, "metaData is neither JSON nor YAML: " + err.Error()
		}
		for k, v := range md {
			cd.MetaData[k] = v
		}
	}
	return cd, ""
}

// Deprovision removes the image ("deleted"), which cleans unless the host disabled it and
// powers the node off. Done once the node is available again.
func (p *Provisioner) Deprovision(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	res, err := p.deprovision(ctx, host)
	return p.finish(host, res, err)
}

func (p *Provisioner) deprovision(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	c, node, res, ok, err := p.nodeForStep(ctx, host)
	if !ok {
		return res, err
	}
	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Active, nodes.DeployFail, nodes.DeployWait:
		node, res, ok, err := p.syncAutomatedClean(ctx, c, host, node)
		if !ok {
			return res, err
		}
		logger(ctx, host).Info("Starting deprovisioning", "node", node.UUID, "from", node.ProvisionState)
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetDeleted})
	case nodes.Error:
		// Tearing down failed.
		if !host.RestartOnFailure {
			return provisioner.Failed("deprovisioning failed: " + node.LastError), nil
		}
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetDeleted})
	case nodes.Deleting, nodes.Cleaning, nodes.Deploying:
		return p.poll(), nil
	case nodes.CleanWait:
		return p.waitPoll(), nil
	case nodes.CleanFail:
		if !host.RestartOnFailure {
			return provisioner.Failed("cleaning failed: " + node.LastError), nil
		}
		return p.recoverCleanFail(ctx, c, node)
	case nodes.Manageable:
		// After a clean failure (recovered to manageable) or a re-registration: cleaning
		// runs again on the way to available.
		return p.provide(ctx, c, host, node)
	case nodes.Enroll, nodes.Verifying:
		return p.toManageable(ctx, c, host, node)
	case nodes.Available:
		return provisioner.Done(), nil
	default:
		return provisioner.Result{}, fmt.Errorf("cannot deprovision Ironic node %s in provision state %q", node.UUID, node.ProvisionState)
	}
}

// Adopt makes Ironic take over a host provisioned by something else (manageable ->
// adopting -> active) without writing its disks. Done once the node is active.
func (p *Provisioner) Adopt(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	res, err := p.adopt(ctx, host)
	return p.finish(host, res, err)
}

func (p *Provisioner) adopt(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return provisioner.Result{}, err
	}
	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Enroll, nodes.Verifying, nodes.Available:
		return p.toManageable(ctx, c, host, node)
	case nodes.Manageable:
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetAdopt})
	case nodes.Adopting:
		return p.poll(), nil
	case nodes.AdoptFail:
		if !host.RestartOnFailure {
			return provisioner.Failed("adoption failed: " + node.LastError), nil
		}
		return p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetAdopt})
	case nodes.Active:
		if node.Maintenance && node.Fault == "" {
			// Maintenance set by hand or by an interrupted Delete, not by a fault Ironic
			// detected: the host is managed again.
			return p.setMaintenance(ctx, c, node, false, "")
		}
		return provisioner.Done(), nil
	default:
		return provisioner.Result{}, fmt.Errorf("cannot adopt Ironic node %s in provision state %q", node.UUID, node.ProvisionState)
	}
}
