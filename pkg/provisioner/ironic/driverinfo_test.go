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
	"fmt"
	"reflect"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

func mustParse(t *testing.T, address string) *bmc.Access {
	t.Helper()
	a, err := bmc.ParseWithOptions(address, bmc.Options{AllowTestSchemes: true})
	if err != nil {
		t.Fatalf("parsing %q: %v", address, err)
	}
	return a
}

func TestDriverInfo(t *testing.T) {
	creds := provisioner.Credentials{Username: "admin", Password: "secret"}
	redfish := func(address, systemID string) map[string]any {
		m := map[string]any{"redfish_address": address, "redfish_username": "admin", "redfish_password": "secret"}
		if systemID != "" {
			m["redfish_system_id"] = systemID
		}
		return m
	}
	ipmi := func(host, port, priv string) map[string]any {
		return map[string]any{"ipmi_address": host, "ipmi_port": port, "ipmi_username": "admin",
			"ipmi_password": "secret", "ipmi_priv_level": priv}
	}
	for _, tc := range []struct {
		address     string
		insecure    bool
		driver      string
		want        map[string]any
		wantIfaces  map[string]string
		description string
	}{
		{address: "ipmi://192.0.2.1", driver: "ipmi", want: ipmi("192.0.2.1", "623", "ADMINISTRATOR"),
			wantIfaces: map[string]string{"boot_interface": "ipxe", "raid_interface": "no-raid"}},
		{address: "192.0.2.1:6230", driver: "ipmi", want: ipmi("192.0.2.1", "6230", "ADMINISTRATOR"), description: "scheme-less means IPMI"},
		{address: "ipmi://[fd00::1]:6230?privilegelevel=OPERATOR", driver: "ipmi", want: ipmi("fd00::1", "6230", "OPERATOR")},
		{address: "ipmi://bmc.example.com", insecure: true, driver: "ipmi", want: ipmi("bmc.example.com", "623", "ADMINISTRATOR"),
			description: "IPMI has no TLS: insecure changes nothing"},
		{address: "libvirt://192.0.2.2:6233", driver: "ipmi", want: ipmi("192.0.2.2", "6233", "ADMINISTRATOR")},
		{address: "redfish://192.0.2.3/redfish/v1/Systems/1", driver: "redfish",
			want:       redfish("https://192.0.2.3", "/redfish/v1/Systems/1"),
			wantIfaces: map[string]string{"boot_interface": "ipxe", "raid_interface": "redfish"}},
		{address: "redfish+http://192.0.2.3:8000/redfish/v1/Systems/1", driver: "redfish", want: redfish("http://192.0.2.3:8000", "/redfish/v1/Systems/1")},
		{address: "redfish+https://[2001:db8::3]:8443/redfish/v1/Systems/abc", insecure: true, driver: "redfish",
			want: func() map[string]any {
				m := redfish("https://[2001:db8::3]:8443", "/redfish/v1/Systems/abc")
				m["redfish_verify_ca"] = false
				return m
			}()},
		{address: "redfish://192.0.2.3", driver: "redfish", want: redfish("https://192.0.2.3", ""), description: "no system: Ironic picks the only one"},
		{address: "redfish://192.0.2.3/redfish/v1/", driver: "redfish", want: redfish("https://192.0.2.3", ""), description: "the service root is not a system"},
		{address: "redfish-virtualmedia://192.0.2.4/redfish/v1/Systems/1", driver: "redfish", want: redfish("https://192.0.2.4", "/redfish/v1/Systems/1"),
			wantIfaces: map[string]string{"boot_interface": "redfish-virtual-media", "raid_interface": "redfish"}},
		{address: "redfish-virtualmedia+http://192.0.2.4/redfish/v1/Systems/1", driver: "redfish", want: redfish("http://192.0.2.4", "/redfish/v1/Systems/1")},
		{address: "redfish-uefihttp://192.0.2.5/redfish/v1/Systems/1", driver: "redfish", want: redfish("https://192.0.2.5", "/redfish/v1/Systems/1"),
			wantIfaces: map[string]string{"boot_interface": "redfish-https", "raid_interface": "redfish"}},
		{address: "idrac-redfish://192.0.2.6/redfish/v1/Systems/System.Embedded.1", driver: "idrac",
			want: redfish("https://192.0.2.6", "/redfish/v1/Systems/System.Embedded.1"),
			wantIfaces: map[string]string{"boot_interface": "ipxe", "management_interface": "idrac-redfish", "power_interface": "idrac-redfish",
				"raid_interface": "idrac-redfish", "vendor_interface": "idrac-redfish", "bios_interface": "idrac-redfish"}},
		{address: "idrac-virtualmedia+https://192.0.2.7/redfish/v1/Systems/System.Embedded.1", insecure: true, driver: "idrac",
			want: func() map[string]any {
				m := redfish("https://192.0.2.7", "/redfish/v1/Systems/System.Embedded.1")
				m["redfish_verify_ca"] = false
				return m
			}(),
			wantIfaces: map[string]string{"boot_interface": "idrac-redfish-virtual-media", "management_interface": "idrac-redfish", "power_interface": "idrac-redfish",
				"raid_interface": "idrac-redfish", "vendor_interface": "idrac-redfish", "bios_interface": "idrac-redfish"}},
		{address: "ilo5-redfish://192.0.2.8/redfish/v1/Systems/1", driver: "redfish", want: redfish("https://192.0.2.8", "/redfish/v1/Systems/1"),
			description: "iLO 5 uses the generic redfish type, as in Metal3"},
		{address: "ilo5-virtualmedia+http://192.0.2.9/redfish/v1/Systems/1", driver: "redfish", want: redfish("http://192.0.2.9", "/redfish/v1/Systems/1")},
		{address: "fake://192.0.2.10", driver: "fake-hardware",
			want: map[string]any{"fake_address": "192.0.2.10", "fake_username": "admin", "fake_password": "secret"},
			wantIfaces: map[string]string{"boot_interface": "fake", "management_interface": "fake", "power_interface": "fake", "raid_interface": "fake",
				"vendor_interface": "fake", "bios_interface": "fake", "deploy_interface": "fake", "inspect_interface": "fake"}},
	} {
		t.Run(tc.address, func(t *testing.T) {
			access := mustParse(t, tc.address)
			if access.Driver != tc.driver {
				t.Errorf("driver = %q, want %q", access.Driver, tc.driver)
			}
			got := driverInfo(access, creds, tc.insecure, Config{})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("driverInfo(%q) = %v\nwant %v", tc.address, got, tc.want)
			}
			if tc.wantIfaces != nil {
				if got := interfaces(access.Capabilities, features{minor: inventoryMinor}); !reflect.DeepEqual(got, tc.wantIfaces) {
					t.Errorf("interfaces = %v\nwant %v", got, tc.wantIfaces)
				}
			}
		})
	}
}

// TestDriverInfoEveryScheme makes sure every scheme the parser accepts yields the keys its
// hardware type needs, so that a new scheme cannot be registered with an empty driver_info.
func TestDriverInfoEveryScheme(t *testing.T) {
	for _, scheme := range append(bmc.Schemes(), "fake") {
		access := mustParse(t, scheme+"://192.0.2.1/redfish/v1/Systems/1")
		info := driverInfo(access, provisioner.Credentials{Username: "u", Password: "p"}, false, Config{})
		var need []string
		switch access.Driver {
		case "ipmi":
			need = []string{"ipmi_address", "ipmi_port", "ipmi_username", "ipmi_password", "ipmi_priv_level"}
		case "redfish", "idrac":
			need = []string{"redfish_address", "redfish_system_id", "redfish_username", "redfish_password"}
		case "fake-hardware":
			need = []string{"fake_address"}
		default:
			t.Errorf("%s: unexpected driver %q", scheme, access.Driver)
		}
		for _, k := range need {
			if info[k] == nil || info[k] == "" {
				t.Errorf("%s: driver_info lacks %s: %v", scheme, k, info)
			}
		}
	}
}

// TestDeployImageInfo: the agent image in driver_info, as Metal3's setDeployImage writes it:
// the host's PreprovisioningImage (deploy_iso, or deploy_kernel and deploy_ramdisk with
// kernel_append_params), else the configured images unless an image builder is in use.
func TestDeployImageInfo(t *testing.T) {
	const (
		iso, kernel, ramdisk = "http://images/ipa.iso", "http://images/ipa.kernel", "http://images/ipa.initramfs"
		built, builtKernel   = "http://builder/h-1.img", "http://builder/h-1.kernel"
	)
	configured := Config{DeployISOURL: iso, DeployKernelURL: kernel, DeployRamdiskURL: ramdisk}
	builder := configured
	builder.PreprovisioningImageBuilder = true
	isoImage := &provisioner.PreprovisioningImage{URL: built + ".iso", Format: v1alpha1.ImageFormatISO}
	initrd := &provisioner.PreprovisioningImage{URL: built, KernelURL: builtKernel, ExtraKernelParams: "console=ttyS0 ip=dhcp", Format: v1alpha1.ImageFormatInitRD}
	initrdNoKernel := &provisioner.PreprovisioningImage{URL: built, Format: v1alpha1.ImageFormatInitRD}
	vmedia, pxe := mustParse(t, "redfish-virtualmedia://192.0.2.1").Capabilities, mustParse(t, "ipmi://192.0.2.1").Capabilities
	keys := func(k, r, i, params any) map[string]any {
		return map[string]any{"deploy_kernel": k, "deploy_ramdisk": r, "deploy_iso": i, "kernel_append_params": params}
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		caps bmc.Capabilities
		img  *provisioner.PreprovisioningImage
		want map[string]any
	}{
		{"ISO image on virtual media: deploy_iso alone", builder, vmedia, isoImage, keys(nil, nil, isoImage.URL, nil)},
		{"ISO image on a PXE BMC: not bootable, nothing written", builder, pxe, isoImage, nil},
		{"initrd image with its kernel and parameters", builder, vmedia, initrd, keys(builtKernel, built, nil, "%default% console=ttyS0 ip=dhcp")},
		{"initrd image without a kernel: the configured one", builder, pxe, initrdNoKernel, keys(kernel, built, nil, nil)},
		{"initrd image, no kernel anywhere: nothing written", Config{PreprovisioningImageBuilder: true}, pxe, initrdNoKernel, nil},
		{"image builder, no image yet: the node keeps what it has", builder, vmedia, nil, nil},
		{"no builder: the configured ISO where it boots", configured, vmedia, nil, keys(nil, nil, iso, nil)},
		{"no builder: the configured kernel and ramdisk elsewhere", configured, pxe, nil, keys(kernel, ramdisk, nil, nil)},
		{"no builder: a kernel alone, as before", Config{DeployKernelURL: kernel}, pxe, nil, map[string]any{"deploy_kernel": kernel, "deploy_iso": nil, "kernel_append_params": nil}},
		{"nothing configured", Config{}, pxe, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := deployImageInfo(tc.cfg, tc.caps, tc.img); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("deployImageInfo = %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestPreprovisioningImageFormats(t *testing.T) {
	p := &Provisioner{}
	for address, want := range map[string][]v1alpha1.ImageFormat{
		"redfish-virtualmedia://192.0.2.1": {v1alpha1.ImageFormatISO, v1alpha1.ImageFormatInitRD},
		"redfish-uefihttp://192.0.2.1":     {v1alpha1.ImageFormatISO, v1alpha1.ImageFormatInitRD},
		"redfish://192.0.2.1":              {v1alpha1.ImageFormatInitRD},
		"ipmi://192.0.2.1":                 {v1alpha1.ImageFormatInitRD},
		"fake://192.0.2.1":                 {v1alpha1.ImageFormatInitRD},
	} {
		if got := p.PreprovisioningImageFormats(mustParse(t, address)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: formats %v, want %v", address, got, want)
		}
	}
}

func TestInterfacesFirmwareNeedsMicroversion(t *testing.T) {
	caps := mustParse(t, "redfish://192.0.2.1").Capabilities
	if _, ok := interfaces(caps, features{minor: 82})["firmware_interface"]; ok {
		t.Error("firmware_interface sent to an Ironic below 1.86, which rejects the field")
	}
	if got := interfaces(caps, features{minor: firmwareInterfaceMinor})["firmware_interface"]; got != "redfish" {
		t.Errorf("firmware_interface at 1.86 = %q, want redfish", got)
	}
}

func TestAddressChanged(t *testing.T) {
	want := map[string]any{"redfish_address": "https://a", "redfish_system_id": "/s/1", "redfish_password": "new"}
	for _, tc := range []struct {
		name string
		have map[string]any
		want bool
	}{
		{"same, password masked", map[string]any{"redfish_address": "https://a", "redfish_system_id": "/s/1", "redfish_password": "******"}, false},
		{"other address", map[string]any{"redfish_address": "https://b", "redfish_system_id": "/s/1"}, true},
		{"system dropped", map[string]any{"redfish_address": "https://a"}, true},
		{"stale access key", map[string]any{"redfish_address": "https://a", "redfish_system_id": "/s/1", "redfish_verify_ca": false}, true},
		{"foreign key kept", map[string]any{"redfish_address": "https://a", "redfish_system_id": "/s/1", "deploy_kernel": "x"}, false},
	} {
		if got := addressChanged(tc.have, want); got != tc.want {
			t.Errorf("%s: addressChanged = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCapabilitiesValue(t *testing.T) {
	for _, tc := range []struct {
		existing any
		mode     string
		want     string
	}{
		{nil, "", "boot_mode:uefi"},
		{"", "legacy", "boot_mode:bios"},
		{"cpu_vt:true,boot_mode:bios", "UEFISecureBoot", "cpu_vt:true,boot_mode:uefi,secure_boot:true"},
		{"boot_mode:uefi,secure_boot:true,cpu_aes:true", "UEFI", "cpu_aes:true,boot_mode:uefi"},
		{42, "UEFI", "boot_mode:uefi"},
	} {
		if got := capabilitiesValue(tc.existing, bootMode(tc.mode)); got != tc.want {
			t.Errorf("capabilitiesValue(%v, %q) = %q, want %q", tc.existing, tc.mode, got, tc.want)
		}
	}
}

func TestCredentialFingerprint(t *testing.T) {
	var c credentialCache
	c.key[0] = 1
	a := c.fingerprint("redfish", map[string]any{"redfish_password": "a", "redfish_address": "x"})
	b := c.fingerprint("redfish", map[string]any{"redfish_address": "x", "redfish_password": "a"})
	if a != b {
		t.Error("fingerprint depends on map order")
	}
	if a == c.fingerprint("redfish", map[string]any{"redfish_password": "b", "redfish_address": "x"}) {
		t.Error("fingerprint ignores the password")
	}
	if fmt.Sprint(a) == "a" || len(a) != 64 {
		t.Errorf("fingerprint %q is not a hex HMAC", a)
	}
	c.store("n", a)
	if !c.matches("n", a) || c.matches("n", "other") || c.matches("m", a) {
		t.Error("matches is wrong")
	}
	c.forget("n")
	if c.matches("n", a) {
		t.Error("forget did not forget")
	}
}

func bootMode(s string) v1alpha1.BootMode { return v1alpha1.BootMode(s) }
