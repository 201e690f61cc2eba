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
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

const fakeDriver = "fake-hardware"

// driverInfo builds a node's driver_info from the BMC address and credentials: the keys
// each hardware type's power and management interfaces read. Address parsing and the
// per-scheme choices (default ports, transports, system IDs, privilege levels) live in
// pkg/bmc; this only names the keys.
func driverInfo(access *bmc.Access, creds provisioner.Credentials, disableCertVerification bool, cfg Config) map[string]any {
	info := map[string]any{}
	switch {
	case access.Driver == fakeDriver:
		// fake-hardware reads nothing, but keeping the address and credentials makes the
		// node look like the others in Ironic, lets address changes be detected the same
		// way, and proves (in tests) that Ironic masks *_password keys.
		info["fake_address"] = access.Endpoint()
		info["fake_username"] = creds.Username
		info["fake_password"] = creds.Password
	case access.Redfish:
		// The redfish and idrac hardware types both read redfish_* keys.
		info["redfish_address"] = access.Endpoint()
		info["redfish_username"] = creds.Username
		info["redfish_password"] = creds.Password
		if id := access.SystemID(); id != "" {
			info["redfish_system_id"] = id
		}
		if disableCertVerification {
			info["redfish_verify_ca"] = false
		}
	default: // ipmi, libvirt (VirtualBMC speaks IPMI)
		// Endpoint fills in the default port 623, which ipmitool needs spelled out.
		host, port, err := net.SplitHostPort(access.Endpoint())
		if err != nil {
			host, port = access.Host, access.Port
		}
		info["ipmi_address"] = host
		info["ipmi_port"] = port
		info["ipmi_username"] = creds.Username
		info["ipmi_password"] = creds.Password
		info["ipmi_priv_level"] = access.PrivilegeLevel()
	}
	return info
}

// The driver_info keys that name the agent image a node boots.
const (
	deployKernelKey  = "deploy_kernel"
	deployRamdiskKey = "deploy_ramdisk"
	deployISOKey     = "deploy_iso"
	kernelParamsKey  = "kernel_append_params"
)

var deployKeys = []string{deployKernelKey, deployRamdiskKey, deployISOKey, kernelParamsKey}

// setDeployImage adds to b what makes node's driver_info boot the agent image deploy names.
func setDeployImage(b *patch, deploy map[string]any, node *nodes.Node) {
	for _, k := range deployKeys {
		if v, ok := deploy[k]; ok {
			b.key("driver_info", k, v, node.DriverInfo)
		}
	}
}

// syncDeployImage makes the node boot the host's preprovisioning image, if it has one, before
// a step that may boot the agent starts: the host's image may have been built again since it
// was registered (Metal3 brings driver_info up to date on every reconcile). Only a node at rest
// is changed; one in the middle of a step keeps the image it booted.
func (p *Provisioner) syncDeployImage(ctx context.Context, c *apiClient, host provisioner.Host, node *nodes.Node) (*nodes.Node, provisioner.Result, bool, error) {
	if host.PreprovisioningImage == nil || host.BMC == nil || !portStates[nodes.ProvisionState(node.ProvisionState)] {
		return node, provisioner.Result{}, true, nil
	}
	b := &patch{}
	setDeployImage(b, deployImageInfo(p.cfg, host.BMC.Capabilities, host.PreprovisioningImage), node)
	if !b.empty() {
		logger(ctx, host).Info("Updating the agent image of the Ironic node", "node", node.UUID,
			"format", host.PreprovisioningImage.Format, "url", host.PreprovisioningImage.URL)
	}
	return p.updateNode(ctx, c, node, b, "")
}

// nodeForStep is nodeFor for a step that may boot the agent: the node boots the host's
// preprovisioning image (syncDeployImage).
func (p *Provisioner) nodeForStep(ctx context.Context, host provisioner.Host) (*apiClient, *nodes.Node, provisioner.Result, bool, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return nil, nil, provisioner.Result{}, false, err
	}
	node, res, ok, err := p.syncDeployImage(ctx, c, host, node)
	return c, node, res, ok, err
}

// deployImageInfo is the agent image part of a node's driver_info, as Metal3's setDeployImage
// (pkg/provisioner/ironic/ironic.go) builds it: the host's preprovisioning image when it is one
// the BMC can boot (an ISO needs virtual media or UEFI HTTP boot; an initrd needs a kernel, the
// image's or the configured one, and its extra kernel parameters are added to Ironic's own
// through %default%); else, without an image builder, the configured ISO or kernel and ramdisk.
// The keys it does not set are nil, to be removed, so a node never mixes two images. It is nil
// when it has nothing to write: the node keeps the images it has (with an image builder, until
// the host's image is ready).
func deployImageInfo(cfg Config, caps bmc.Capabilities, img *provisioner.PreprovisioningImage) map[string]any {
	info := map[string]any{deployKernelKey: nil, deployRamdiskKey: nil, deployISOKey: nil, kernelParamsKey: nil}
	if img != nil {
		switch img.Format {
		case v1alpha1.ImageFormatISO:
			if caps.SupportsISO {
				info[deployISOKey] = img.URL
				return info
			}
		case v1alpha1.ImageFormatInitRD:
			kernel := img.KernelURL
			if kernel == "" {
				kernel = cfg.DeployKernelURL
			}
			if kernel == "" {
				return nil
			}
			info[deployKernelKey], info[deployRamdiskKey] = kernel, img.URL
			if img.ExtraKernelParams != "" {
				// %default% keeps the parameters Ironic's configuration adds (Metal3's rule).
				info[kernelParamsKey] = "%default% " + img.ExtraKernelParams
			}
			return info
		}
	}
	if cfg.PreprovisioningImageBuilder {
		return nil
	}
	if caps.SupportsISO && cfg.DeployISOURL != "" {
		info[deployISOKey] = cfg.DeployISOURL
		return info
	}
	if cfg.DeployKernelURL != "" || cfg.DeployRamdiskURL != "" {
		// Either alone too, as this backend always wrote them: Ironic's configuration may
		// hold the other, which is left as it is.
		if cfg.DeployKernelURL != "" {
			info[deployKernelKey] = cfg.DeployKernelURL
		} else {
			delete(info, deployKernelKey)
		}
		if cfg.DeployRamdiskURL != "" {
			info[deployRamdiskKey] = cfg.DeployRamdiskURL
		} else {
			delete(info, deployRamdiskKey)
		}
		return info
	}
	return nil
}

// withDeployImage is driver_info with the agent image keys that deploy sets: the whole
// driver_info of a node written at once (created, or its driver changed). Without deploy keys
// to write, the node's own (have) are kept.
func withDeployImage(info, deploy, have map[string]any) map[string]any {
	out := make(map[string]any, len(info)+len(deploy))
	for k, v := range info {
		out[k] = v
	}
	if deploy == nil {
		for _, k := range deployKeys {
			if v, ok := have[k]; ok && v != nil {
				out[k] = v
			}
		}
		return out
	}
	for k, v := range deploy {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// PreprovisioningImageFormats are the agent image formats Ironic can boot on a host, Metal3's
// list: an ISO where the BMC boots one, and always an initrd (booted over the network with the
// configured kernel, or the image's own).
func (p *Provisioner) PreprovisioningImageFormats(access *bmc.Access) []v1alpha1.ImageFormat {
	if access == nil {
		return nil
	}
	if access.Capabilities.SupportsISO {
		return []v1alpha1.ImageFormat{v1alpha1.ImageFormatISO, v1alpha1.ImageFormatInitRD}
	}
	return []v1alpha1.ImageFormat{v1alpha1.ImageFormatInitRD}
}

// accessKeyPrefixes are the driver_info key families driverInfo writes; a key of these
// families that driverInfo no longer produces (e.g. redfish_system_id after the path was
// dropped from the address) is removed from the node.
var accessKeyPrefixes = []string{"ipmi_", "redfish_", "fake_"}

func isAccessKey(k string) bool {
	for _, p := range accessKeyPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// isSecretKey reports keys Ironic masks in its answers ("******"), so they cannot be
// compared with what we would write.
func isSecretKey(k string) bool { return strings.Contains(k, "password") }

// addressChanged compares the non-secret access keys of the node's driver_info with want.
func addressChanged(have, want map[string]any) bool {
	for k, v := range want {
		if isSecretKey(k) {
			continue
		}
		if !jsonEqual(have[k], v) {
			return true
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && isAccessKey(k) {
			return true
		}
	}
	return false
}

// interfaces are the node's hardware interfaces for a BMC type. Empty capability names are
// left out so that Ironic's defaults for the hardware type apply, as in Metal3.
func interfaces(caps bmc.Capabilities, f features) map[string]string {
	out := map[string]string{}
	set := func(field, v string) {
		if v != "" {
			out[field] = v
		}
	}
	set("bios_interface", caps.BIOSInterface)
	set("boot_interface", caps.BootInterface)
	set("management_interface", caps.ManagementInterface)
	set("power_interface", caps.PowerInterface)
	set("raid_interface", caps.RAIDInterface)
	set("vendor_interface", caps.VendorInterface)
	if f.hasFirmwareInterface() {
		// Older Ironic rejects the unknown field outright.
		set("firmware_interface", caps.FirmwareInterface)
	}
	if caps.Driver == fakeDriver {
		// Every fake-hardware operation must stay fake: the generic deploy and inspect
		// interfaces would try to boot a ramdisk on a machine that does not exist.
		out["deploy_interface"] = "fake"
		out["inspect_interface"] = caps.InspectInterface
	}
	return out
}

// bootModeCapabilities is the properties/capabilities value Ironic reads the boot mode
// from (a comma-separated key:value string, for historical reasons).
var bootModeCapabilities = map[v1alpha1.BootMode]string{
	v1alpha1.BootModeUEFI:           "boot_mode:uefi",
	v1alpha1.BootModeUEFISecureBoot: "boot_mode:uefi,secure_boot:true",
	v1alpha1.BootModeLegacy:         "boot_mode:bios",
}

// capabilitiesValue replaces the boot mode in an existing capabilities string, keeping the
// other capabilities inspection may have found.
func capabilitiesValue(existing any, mode v1alpha1.BootMode) string {
	if mode == "" {
		mode = v1alpha1.DefaultBootMode
	}
	var keep []string
	if s, ok := existing.(string); ok {
		for _, item := range strings.Split(s, ",") {
			if item != "" && !strings.HasPrefix(item, "boot_mode:") && !strings.HasPrefix(item, "secure_boot:") {
				keep = append(keep, item)
			}
		}
	}
	return strings.Join(append(keep, bootModeCapabilities[mode]), ",")
}

// credentialCache remembers a keyed hash of the driver_info last written to each node.
// Ironic masks passwords in its answers, so without it a changed password could only be
// pushed by rewriting driver_info on every call. The key is random per process and the
// hashes never leave memory; after a restart each node's driver_info is rewritten once.
type credentialCache struct {
	key [32]byte
	m   sync.Map // node UUID -> fingerprint
}

func (c *credentialCache) fingerprint(driver string, info map[string]any) string {
	data, _ := json.Marshal(info) // maps marshal with sorted keys: stable
	mac := hmac.New(sha256.New, c.key[:])
	fmt.Fprintf(mac, "%s\x00", driver)
	mac.Write(data)
	return hex.EncodeToString(mac.Sum(nil))
}

func (c *credentialCache) matches(node, fp string) bool {
	v, ok := c.m.Load(node)
	return ok && v.(string) == fp
}

func (c *credentialCache) store(node, fp string) { c.m.Store(node, fp) }
func (c *credentialCache) forget(node string)    { c.m.Delete(node) }
