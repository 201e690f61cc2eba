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
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"

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
	if cfg.DeployKernelURL != "" {
		info["deploy_kernel"] = cfg.DeployKernelURL
	}
	if cfg.DeployRamdiskURL != "" {
		info["deploy_ramdisk"] = cfg.DeployRamdiskURL
	}
	return info
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
