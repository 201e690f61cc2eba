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
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Register makes Ironic know the host: it finds the node by ID or name, creates it when
// missing, brings driver, driver_info, interfaces and properties up to date, adds the boot
// MAC as a port, and moves a new node from enroll to manageable, which makes Ironic check
// that the BMC answers with the credentials.
func (p *Provisioner) Register(ctx context.Context, host provisioner.Host) (string, provisioner.Result, error) {
	id, res, err := p.register(ctx, host)
	res, err = p.finish(host, res, err)
	return id, res, err
}

func (p *Provisioner) register(ctx context.Context, host provisioner.Host) (string, provisioner.Result, error) {
	if host.BMC == nil {
		return "", provisioner.Failed("the host has no BMC address"), nil
	}
	c, err := p.client(ctx)
	if err != nil {
		return "", provisioner.Result{}, err
	}
	if msg := unsupported(host, c.features); msg != "" {
		return "", provisioner.Failed(msg), nil
	}
	node, err := p.lookupNode(ctx, c, host)
	if err != nil {
		return "", provisioner.Result{}, err
	}

	info := driverInfo(host.BMC, host.Credentials, host.DisableCertificateVerification, p.cfg)
	fp := p.creds.fingerprint(host.BMC.Driver, info)
	deploy := deployImageInfo(p.cfg, host.BMC.Capabilities, host.PreprovisioningImage)
	credsWritten := false
	if node == nil {
		var res provisioner.Result
		if node, res, err = p.createNode(ctx, c, host, withDeployImage(info, deploy, nil)); node == nil {
			return "", res, err
		}
		p.creds.store(node.UUID, fp)
		credsWritten = true
	} else if !locked(node) {
		// A locked node refuses updates; they wait for the next registration check.
		changed := !p.creds.matches(node.UUID, fp) || addressChanged(node.DriverInfo, info) ||
			node.Driver != host.BMC.Driver
		updated, res, ok, err := p.updateRegistration(ctx, c, host, node, info, deploy, changed)
		if !ok {
			return node.UUID, res, err
		}
		node = updated
		if changed {
			p.creds.store(node.UUID, fp)
			credsWritten = true
		}
	}

	if res, ok, err := p.ensurePort(ctx, c, host, node); !ok {
		return node.UUID, res, err
	}

	switch nodes.ProvisionState(node.ProvisionState) {
	case nodes.Enroll:
		if credsWritten && node.LastError != "" && node.TargetProvisionState == "" {
			// New credentials or address: the failure was about the old ones. Retry now
			// rather than report it.
			res, err := p.changeState(ctx, c, node, nodes.ProvisionStateOpts{Target: nodes.TargetManage})
			return node.UUID, res, err
		}
		res, err := p.toManageable(ctx, c, host, node)
		return node.UUID, res, err
	case nodes.Verifying:
		return node.UUID, p.poll(), nil
	default:
		return node.UUID, provisioner.Done(), nil
	}
}

// unsupported returns why the host cannot be managed with this BMC type or this Ironic,
// or "". Validation rejects most of these up front; this is the backend's own guard.
func unsupported(host provisioner.Host, f features) string {
	caps := host.BMC.Capabilities
	switch {
	case host.InspectionMode == v1alpha1.InspectionModeFast && caps.InspectInterface == "":
		return fmt.Sprintf("BMC type %s does not support fast (out-of-band) inspection", host.BMC.Type)
	case host.BootMode == v1alpha1.BootModeUEFISecureBoot && !caps.SupportsSecureBoot:
		return fmt.Sprintf("BMC type %s does not support secure boot", host.BMC.Type)
	case host.DisablePowerOff && !f.hasDisablePowerOff():
		// Powering such a host off by accident may need a trip to the data center: refuse
		// to manage it with an Ironic that would ignore the flag.
		return fmt.Sprintf("disablePowerOff needs Ironic API 1.%d; the Ironic in use offers %s", disablePowerOffMinor, f)
	case host.BootMACAddress == "" && caps.NeedsMAC:
		return fmt.Sprintf("BMC type %s requires a bootMACAddress", host.BMC.Type)
	case host.BootMACAddress == "" && host.InspectionMode == v1alpha1.InspectionModeDisabled:
		return "a bootMACAddress is required when inspection is disabled"
	}
	return ""
}

// createNode enrolls the host. A 409 means the name was taken in the meantime (another
// replica, or an earlier attempt whose answer was lost); the next call finds that node.
func (p *Provisioner) createNode(ctx context.Context, c *apiClient, host provisioner.Host, info map[string]any) (*nodes.Node, provisioner.Result, error) {
	caps := host.BMC.Capabilities
	clean := host.AutomatedCleaningMode != v1alpha1.CleaningModeDisabled
	props := map[string]any{"capabilities": capabilitiesValue(nil, host.BootMode)}
	if host.Architecture != "" {
		props["cpu_arch"] = host.Architecture
	}
	opts := nodes.CreateOpts{
		Name:           nodeName(host),
		Driver:         caps.Driver,
		DriverInfo:     info,
		AutomatedClean: &clean,
		Properties:     props,
	}
	for field, v := range interfaces(caps, c.features) {
		setCreateInterface(&opts, field, v)
	}
	if host.InspectionMode == v1alpha1.InspectionModeFast {
		opts.InspectInterface = caps.InspectInterface
	}
	if host.DisablePowerOff && c.hasDisablePowerOff() {
		opts.DisablePowerOff = &host.DisablePowerOff
	}
	node, err := nodes.Create(ctx, c.sc, opts).Extract()
	switch {
	case err == nil:
		logger(ctx, host).Info("Registered the host in Ironic", "node", node.UUID, "driver", caps.Driver)
		return node, provisioner.Result{}, nil
	case statusIs(err, http.StatusConflict):
		return nil, p.poll(), nil
	case statusIs(err, http.StatusBadRequest):
		return nil, provisioner.Failed("Ironic refused to register the host: " + fault(err)), nil
	default:
		p.forgetVersion(err)
		return nil, provisioner.Result{}, fmt.Errorf("registering the host in Ironic: %w", describe(err))
	}
}

func setCreateInterface(opts *nodes.CreateOpts, field, v string) {
	switch field {
	case "bios_interface":
		opts.BIOSInterface = v
	case "boot_interface":
		opts.BootInterface = v
	case "deploy_interface":
		opts.DeployInterface = v
	case "firmware_interface":
		opts.FirmwareInterface = v
	case "inspect_interface":
		opts.InspectInterface = v
	case "management_interface":
		opts.ManagementInterface = v
	case "power_interface":
		opts.PowerInterface = v
	case "raid_interface":
		opts.RAIDInterface = v
	case "vendor_interface":
		opts.VendorInterface = v
	}
}

// nodeInterface reads one interface field of a node.
func nodeInterface(node *nodes.Node, field string) string {
	switch field {
	case "bios_interface":
		return node.BIOSInterface
	case "boot_interface":
		return node.BootInterface
	case "deploy_interface":
		return node.DeployInterface
	case "firmware_interface":
		return node.FirmwareInterface
	case "inspect_interface":
		return node.InspectInterface
	case "management_interface":
		return node.ManagementInterface
	case "power_interface":
		return node.PowerInterface
	case "raid_interface":
		return node.RAIDInterface
	case "vendor_interface":
		return node.VendorInterface
	}
	return ""
}

// updateRegistration brings an existing node up to date with the host. driverInfoChanged
// says the driver, the address or (as far as this process knows) the credentials changed:
// Ironic masks passwords, so they cannot be compared with the node's. The agent image keys
// (deploy, see deployImageInfo) hold no secret and are compared with the node's every time, so
// a new image of the host's (a PreprovisioningImage built again) reaches the node.
func (p *Provisioner) updateRegistration(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node, info, deploy map[string]any, driverInfoChanged bool) (*nodes.Node, provisioner.Result, bool, error) {
	caps := host.BMC.Capabilities
	b := &patch{}
	b.field("name", nodeName(host), node.Name)
	query := ""
	if node.Driver != caps.Driver {
		// A new BMC type: the old interfaces may not exist for the new hardware type, so
		// let Ironic reset them to the new type's defaults (API 1.45) and set ours on top.
		query = "reset_interfaces=true"
		b.field("driver", caps.Driver, node.Driver)
		b.field("driver_info", withDeployImage(info, deploy, node.DriverInfo), nil)
		for field, v := range interfaces(caps, c.features) {
			b.field(field, v, nil)
		}
	} else {
		setDeployImage(b, deploy, node)
		if driverInfoChanged {
			for k, v := range info {
				b.key("driver_info", k, v, nil)
			}
			for k := range node.DriverInfo {
				if _, ok := info[k]; !ok && isAccessKey(k) {
					b.key("driver_info", k, nil, node.DriverInfo)
				}
			}
		}
		for field, v := range interfaces(caps, c.features) {
			b.field(field, v, nodeInterface(node, field))
		}
	}
	b.key("properties", "capabilities", capabilitiesValue(node.Properties["capabilities"], host.BootMode), node.Properties)
	if host.Architecture != "" {
		b.key("properties", "cpu_arch", host.Architecture, node.Properties)
	}
	b.field("automated_clean", host.AutomatedCleaningMode != v1alpha1.CleaningModeDisabled, node.AutomatedClean)
	if c.hasDisablePowerOff() {
		b.field("disable_power_off", host.DisablePowerOff, node.DisablePowerOff)
	}
	if !b.empty() {
		// Never log the patch: it carries the password.
		logger(ctx, host).V(2).Info("Updating the Ironic node", "node", node.UUID,
			"operations", len(b.ops), "driverInfo", driverInfoChanged)
	}
	return p.updateNode(ctx, c, node, b, query)
}

// portStates are the provision states in which ports may be created: elsewhere Ironic
// refuses (the node is locked) or a new port could disturb a running deployment.
var portStates = map[nodes.ProvisionState]bool{
	nodes.Enroll: true, nodes.Manageable: true, nodes.Available: true, nodes.Active: true,
	nodes.InspectFail: true, nodes.CleanFail: true, nodes.DeployFail: true, nodes.AdoptFail: true,
	nodes.Error: true,
}

// ensurePort makes the boot MAC address a port of the node. A MAC already used by another
// node fails the registration: Ironic would refuse the port and, worse, PXE would boot
// the other node's configuration.
//
// The port is created first and looked up only when Ironic refuses it (409: the address is
// taken, or the node is locked): a new host, the common case, costs one request.
func (p *Provisioner) ensurePort(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node) (provisioner.Result, bool, error) {
	mac := strings.ToLower(host.BootMACAddress)
	if mac == "" || !portStates[nodes.ProvisionState(node.ProvisionState)] {
		return provisioner.Result{}, true, nil
	}
	if known, ok := p.ports.Load(node.UUID); ok && known == mac {
		// Checked (or created) by an earlier registration of this process.
		return provisioner.Result{}, true, nil
	}
	pxe := true
	_, err := ports.Create(ctx, c.sc, ports.CreateOpts{NodeUUID: node.UUID, Address: mac, PXEEnabled: &pxe}).Extract()
	switch {
	case err == nil:
		logger(ctx, host).V(2).Info("Created the Ironic port for the boot MAC", "node", node.UUID, "mac", mac)
		p.ports.Store(node.UUID, mac)
		return provisioner.Result{}, true, nil
	case statusIs(err, http.StatusConflict):
		return p.portOwner(ctx, c, node, mac)
	case statusIs(err, http.StatusBadRequest):
		return provisioner.Failed("Ironic refused the boot MAC port: " + fault(err)), false, nil
	default:
		return provisioner.Result{}, false, fmt.Errorf("creating the Ironic port for %s: %w", mac, describe(err))
	}
}

// portOwner finds out why Ironic refused the boot MAC port: the node already has it (an
// earlier registration), another node has it (a failure), or neither (the node was locked,
// or the port is being created concurrently: look again later).
func (p *Provisioner) portOwner(ctx context.Context, c *apiClient, node *nodes.Node, mac string) (provisioner.Result, bool, error) {
	pages, err := ports.List(c.sc, ports.ListOpts{Address: mac, Fields: []string{"uuid", "address", "node_uuid"}}).AllPages(ctx)
	if err != nil {
		return provisioner.Result{}, false, fmt.Errorf("listing Ironic ports: %w", describe(err))
	}
	existing, err := ports.ExtractPorts(pages)
	if err != nil {
		return provisioner.Result{}, false, fmt.Errorf("listing Ironic ports: %w", err)
	}
	for _, port := range existing {
		if port.NodeUUID == node.UUID {
			p.ports.Store(node.UUID, mac)
			return provisioner.Result{}, true, nil
		}
		return provisioner.Failed(fmt.Sprintf("bootMACAddress %s is already a port of another Ironic node (%s)", mac, port.NodeUUID)), false, nil
	}
	return p.poll(), false, nil
}
