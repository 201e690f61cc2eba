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

package validation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

const testNamespace = "metal3"

// validHost returns a host every rule accepts; each case breaks (or exercises) one rule.
func validHost() *baremetal.BareMetalHost {
	return &baremetal.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"},
		Spec: baremetal.BareMetalHostSpec{
			BMC: baremetal.BMCDetails{
				Address:         "redfish-virtualmedia://192.168.1.10/redfish/v1/Systems/1",
				CredentialsName: "worker-0-bmc",
			},
			BootMACAddress:        "00:11:22:33:44:55",
			BootMode:              baremetal.BootModeUEFI,
			Online:                true,
			AutomatedCleaningMode: baremetal.CleaningModeMetadata,
			Image: &baremetal.Image{
				URL:          "http://images.example.com/os.qcow2",
				Checksum:     "http://images.example.com/os.qcow2.sha256sum",
				ChecksumType: baremetal.ChecksumAuto,
			},
		},
	}
}

// Mutators, so that cases read as what they change.

func withBMC(address string) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) { h.Spec.BMC.Address = address }
}

func withAnnotation(key, value string) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) {
		if h.Annotations == nil {
			h.Annotations = map[string]string{}
		}
		h.Annotations[key] = value
	}
}

func withState(state baremetal.ProvisioningState) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) { h.Status.Provisioning.State = state }
}

func withRAID(raid *baremetal.RAIDConfig) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) { h.Spec.RAID = raid }
}

func withImage(img *baremetal.Image) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) { h.Spec.Image = img }
}

func withInspectionMode(mode baremetal.InspectionMode) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) { h.Spec.InspectionMode = mode }
}

func withNetworkInterfaces(ifaces ...baremetal.NetworkInterface) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) { h.Spec.NetworkInterfaces = ifaces }
}

func withoutMAC(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "" }

func all(mutators ...func(*baremetal.BareMetalHost)) func(*baremetal.BareMetalHost) {
	return func(h *baremetal.BareMetalHost) {
		for _, m := range mutators {
			m(h)
		}
	}
}

func hostWith(mutators ...func(*baremetal.BareMetalHost)) *baremetal.BareMetalHost {
	h := validHost()
	all(mutators...)(h)
	return h
}

func ptr[T any](v T) *T { return &v }

// wantErr is an expected error: its field path and type, and optionally words of its detail.
type wantErr struct {
	field  string
	typ    field.ErrorType
	detail string
}

func invalid(path string) wantErr      { return wantErr{field: path, typ: field.ErrorTypeInvalid} }
func required(path string) wantErr     { return wantErr{field: path, typ: field.ErrorTypeRequired} }
func forbidden(path string) wantErr    { return wantErr{field: path, typ: field.ErrorTypeForbidden} }
func notSupported(path string) wantErr { return wantErr{field: path, typ: field.ErrorTypeNotSupported} }
func duplicate(path string) wantErr    { return wantErr{field: path, typ: field.ErrorTypeDuplicate} }

func (w wantErr) saying(detail string) wantErr { w.detail = detail; return w }

// checkErrors asserts that got holds exactly the wanted errors, in any order.
func checkErrors(t *testing.T, got field.ErrorList, want []wantErr) {
	t.Helper()
	byKey := func(a, b wantErr) int { return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.typ, b.typ)) }
	gotKeys := make([]wantErr, len(got))
	for i, e := range got {
		gotKeys[i] = wantErr{field: e.Field, typ: e.Type}
	}
	wantKeys := make([]wantErr, len(want))
	for i, w := range want {
		wantKeys[i] = wantErr{field: w.field, typ: w.typ}
	}
	slices.SortFunc(gotKeys, byKey)
	slices.SortFunc(wantKeys, byKey)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Fatalf("errors:\n got  %v\n want %v\n(%v)", gotKeys, wantKeys, got.ToAggregate())
	}
	for _, w := range want {
		if w.detail == "" {
			continue
		}
		i := slices.IndexFunc(got, func(e *field.Error) bool { return e.Field == w.field && e.Type == w.typ })
		if !strings.Contains(got[i].Detail, w.detail) {
			t.Errorf("%s: detail %q does not mention %q", w.field, got[i].Detail, w.detail)
		}
	}
}

func TestValidateBareMetalHost(t *testing.T) {
	testAllowed := Options{AllowTestBMCSchemes: true}
	cases := []struct {
		name   string
		mutate func(*baremetal.BareMetalHost)
		opts   Options
		want   []wantErr
	}{
		{name: "valid host", mutate: all()},

		// metadata
		{name: "name with upper case", mutate: func(h *baremetal.BareMetalHost) { h.Name = "Worker-0" },
			want: []wantErr{invalid("metadata.name")}},
		{name: "name with underscore", mutate: func(h *baremetal.BareMetalHost) { h.Name = "worker_0" },
			want: []wantErr{invalid("metadata.name")}},
		{name: "name is a UUID", mutate: func(h *baremetal.BareMetalHost) { h.Name = "6f1b2c4e-1d2a-4b3c-8d4e-5f6a7b8c9d0e" },
			want: []wantErr{invalid("metadata.name").saying("UUID")}},
		{name: "name is a UUID without hyphens", mutate: func(h *baremetal.BareMetalHost) { h.Name = "6f1b2c4e1d2a4b3c8d4e5f6a7b8c9d0e" },
			want: []wantErr{invalid("metadata.name").saying("UUID")}},
		{name: "name merely looks like hex", mutate: func(h *baremetal.BareMetalHost) { h.Name = "6f1b2c4e-1d2a" }},
		{name: "missing name", mutate: func(h *baremetal.BareMetalHost) { h.Name = "" },
			want: []wantErr{required("metadata.name")}},
		{name: "missing namespace", mutate: func(h *baremetal.BareMetalHost) { h.Namespace = "" },
			want: []wantErr{required("metadata.namespace")}},

		// spec.bmc
		{name: "no BMC details at all", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BMC = baremetal.BMCDetails{} }},
		{name: "ipmi address with host name and port", mutate: all(withBMC("ipmi://bmc.example.com:623"), withoutMAC)},
		{name: "bare IPv4 address means ipmi", mutate: withBMC("192.168.1.10")},
		{name: "redfish over bracketed IPv6", mutate: withBMC("redfish+https://[fd00::10]:8443/redfish/v1/Systems/1")},
		{name: "unknown BMC type", mutate: withBMC("test:127.0.1.1"),
			want: []wantErr{invalid("spec.bmc.address").saying("supported types: ")}},
		{name: "fake scheme refused by default", mutate: withBMC("fake://node-0"),
			want: []wantErr{invalid("spec.bmc.address").saying(`unknown BMC type "fake"`)}},
		{name: "fake scheme accepted for tests", mutate: withBMC("fake://node-0"), opts: testAllowed},
		{name: "host with leading hyphen", mutate: withBMC("ipmi://-host.example.com"),
			want: []wantErr{invalid("spec.bmc.address").saying("not a valid IP address or DNS name")}},
		{name: "host with invalid character", mutate: withBMC("ipmi://host+1.example.com"),
			want: []wantErr{invalid("spec.bmc.address")}},
		{name: "malformed IPv6 host", mutate: withBMC("ipmi://[fe80::fc33:62ff:fe33:8xff]:6223"),
			want: []wantErr{invalid("spec.bmc.address")}},
		{name: "credentials embedded in address", mutate: withBMC("redfish://admin:pw@10.0.0.1"),
			want: []wantErr{invalid("spec.bmc.address")}},
		{name: "address without credentials", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BMC.CredentialsName = "" },
			want: []wantErr{required("spec.bmc.credentialsName")}},
		{name: "credentials without address", mutate: all(withBMC(""))},
		{name: "credentials name not a Secret name", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BMC.CredentialsName = "BMC_creds" },
			want: []wantErr{invalid("spec.bmc.credentialsName")}},

		// spec.bootMACAddress
		{name: "libvirt with MAC", mutate: withBMC("libvirt://192.168.122.1:6230")},
		{name: "libvirt without MAC", mutate: all(withBMC("libvirt://192.168.122.1:6230"), withoutMAC),
			want: []wantErr{required("spec.bootMACAddress").saying(`"libvirt"`)}},
		{name: "virtual media without MAC, inspection on", mutate: withoutMAC},
		{name: "virtual media without MAC, inspectionMode disabled",
			mutate: all(withoutMAC, withInspectionMode(baremetal.InspectionModeDisabled)),
			want:   []wantErr{required("spec.bootMACAddress").saying("inspection is disabled")}},
		{name: "virtual media without MAC, inspect annotation disabled",
			mutate: all(withoutMAC, withAnnotation("inspect.metal3.io", "disabled")),
			want:   []wantErr{required("spec.bootMACAddress")}},
		{name: "virtual media with MAC, inspection disabled", mutate: withInspectionMode(baremetal.InspectionModeDisabled)},
		{name: "no address, inspection disabled, no MAC",
			mutate: all(withBMC(""), withoutMAC, withInspectionMode(baremetal.InspectionModeDisabled))},
		{name: "upper-case MAC", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "AA:BB:CC:DD:EE:FF" }},
		{name: "MAC with five octets", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "00:00:00:00:00" },
			want: []wantErr{invalid("spec.bootMACAddress")}},
		{name: "EUI-64 MAC", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "00:11:22:33:44:55:66:77" },
			want: []wantErr{invalid("spec.bootMACAddress").saying("48-bit")}},

		// spec.bootMode
		{name: "legacy boot", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMode = baremetal.BootModeLegacy }},
		{name: "empty boot mode", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMode = "" }},
		{name: "secure boot on redfish", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMode = baremetal.BootModeUEFISecureBoot }},
		{name: "unknown boot mode", mutate: func(h *baremetal.BareMetalHost) { h.Spec.BootMode = "BIOS" },
			want: []wantErr{notSupported("spec.bootMode")}},
		{name: "secure boot on ipmi", mutate: all(withBMC("ipmi://10.0.0.1"), func(h *baremetal.BareMetalHost) {
			h.Spec.BootMode = baremetal.BootModeUEFISecureBoot
		}), want: []wantErr{invalid("spec.bootMode").saying("secure boot")}},

		// spec.raid
		{name: "hardware RAID on redfish", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "1+0", Name: "root", SizeGibibytes: ptr[int32](0), Controller: "RAID.Integrated.1-1",
			PhysicalDisks: []string{"Disk.Bay.0", "Disk.Bay.1", "Disk.Bay.2", "Disk.Bay.3"}, NumberOfPhysicalDisks: ptr[int32](4),
		}}})},
		{name: "empty hardware RAID list on ipmi clears RAID", mutate: all(withBMC("ipmi://10.0.0.1"),
			withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{}}))},
		{name: "hardware and software RAID together", mutate: withRAID(&baremetal.RAIDConfig{
			HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{Level: "1"}},
			SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{{Level: "1"}},
		}), want: []wantErr{forbidden("spec.raid.softwareRAIDVolumes")}},
		{name: "hardware RAID on ipmi", mutate: all(withBMC("ipmi://10.0.0.1"),
			withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{Level: "1"}}})),
			want: []wantErr{forbidden("spec.raid.hardwareRAIDVolumes").saying(`"ipmi"`)}},
		{name: "hardware RAID level unknown", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{Level: "7"}}}),
			want: []wantErr{notSupported("spec.raid.hardwareRAIDVolumes[0].level")}},
		{name: "hardware RAID level missing", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{Level: "1"}, {}}}),
			want: []wantErr{required("spec.raid.hardwareRAIDVolumes[1].level")}},
		{name: "physical disks without controller", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "1", PhysicalDisks: []string{"Disk.Bay.0", "Disk.Bay.1"},
		}}}), want: []wantErr{required("spec.raid.hardwareRAIDVolumes[0].controller")}},
		{name: "numberOfPhysicalDisks differs from physicalDisks", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "1", Controller: "c0", PhysicalDisks: []string{"d0", "d1"}, NumberOfPhysicalDisks: ptr[int32](3),
		}}}), want: []wantErr{invalid("spec.raid.hardwareRAIDVolumes[0].numberOfPhysicalDisks").saying("(2)")}},
		{name: "numberOfPhysicalDisks without physicalDisks", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "5", NumberOfPhysicalDisks: ptr[int32](3),
		}}})},
		{name: "numberOfPhysicalDisks zero", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "0", NumberOfPhysicalDisks: ptr[int32](0),
		}}}), want: []wantErr{invalid("spec.raid.hardwareRAIDVolumes[0].numberOfPhysicalDisks")}},
		{name: "hardware volume negative size", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "0", SizeGibibytes: ptr[int32](-1),
		}}}), want: []wantErr{invalid("spec.raid.hardwareRAIDVolumes[0].sizeGibibytes")}},
		{name: "hardware volume name too long", mutate: withRAID(&baremetal.RAIDConfig{HardwareRAIDVolumes: []baremetal.HardwareRAIDVolume{{
			Level: "0", Name: strings.Repeat("v", 65),
		}}}), want: []wantErr{{field: "spec.raid.hardwareRAIDVolumes[0].name", typ: field.ErrorTypeTooLong}}},
		{name: "software RAID root RAID-1 and a second volume", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "1", RootVolume: true, SizeGibibytes: ptr[int32](100), PhysicalDisks: []baremetal.RootDeviceHints{{DeviceName: "/dev/sda"}, {DeviceName: "/dev/sdb"}}},
			{Level: "1+0"},
		}})},
		{name: "software RAID on ipmi", mutate: all(withBMC("ipmi://10.0.0.1"),
			withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{{Level: "1"}}}))},
		{name: "three software RAID volumes", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "1"}, {Level: "0"}, {Level: "0"},
		}}), want: []wantErr{{field: "spec.raid.softwareRAIDVolumes", typ: field.ErrorTypeTooMany}}},
		{name: "software RAID level unknown", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{{Level: "5"}}}),
			want: []wantErr{notSupported("spec.raid.softwareRAIDVolumes[0].level")}},
		{name: "two root volumes", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "1", RootVolume: true}, {Level: "1", RootVolume: true},
		}}), want: []wantErr{forbidden("spec.raid.softwareRAIDVolumes[1].rootVolume")}},
		{name: "root volume not RAID-1", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "0", RootVolume: true},
		}}), want: []wantErr{invalid("spec.raid.softwareRAIDVolumes[0].level").saying("level 1")}},
		{name: "root volume with root device hints", mutate: all(
			func(h *baremetal.BareMetalHost) {
				h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "/dev/sda"}
			},
			withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{{Level: "1", RootVolume: true}}}),
		), want: []wantErr{forbidden("spec.raid.softwareRAIDVolumes[0].rootVolume")}},
		{name: "non-root software volume with root device hints", mutate: all(
			func(h *baremetal.BareMetalHost) {
				h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "/dev/sda"}
			},
			withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{{Level: "1"}}}),
		)},
		{name: "software RAID with one physical disk", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "1", PhysicalDisks: []baremetal.RootDeviceHints{{DeviceName: "/dev/sda"}}},
		}}), want: []wantErr{{field: "spec.raid.softwareRAIDVolumes[0].physicalDisks", typ: field.ErrorTypeTooFew}}},
		{name: "software RAID disk hint with bad device name", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "1", PhysicalDisks: []baremetal.RootDeviceHints{{DeviceName: "sda"}, {DeviceName: "/dev/sdb"}}},
		}}), want: []wantErr{invalid("spec.raid.softwareRAIDVolumes[0].physicalDisks[0].deviceName")}},
		{name: "software volume negative size", mutate: withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{
			{Level: "1", SizeGibibytes: ptr[int32](-5)},
		}}), want: []wantErr{invalid("spec.raid.softwareRAIDVolumes[0].sizeGibibytes")}},

		// spec.rootDeviceHints
		{name: "device name in /dev", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "/dev/sda", MinSizeGigabytes: 100}
		}},
		{name: "device name by path", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"}
		}},
		{name: "device name by UUID", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "/dev/disk/by-uuid/cdaacd50-3a4c-421c-91c0-fe9ba7b8b2f1"}
		}, want: []wantErr{invalid("spec.rootDeviceHints.deviceName")}},
		{name: "device name without /dev", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "sda"}
		}, want: []wantErr{invalid("spec.rootDeviceHints.deviceName")}},
		{name: "device name is /dev itself", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{DeviceName: "/dev/"}
		}, want: []wantErr{invalid("spec.rootDeviceHints.deviceName")}},
		{name: "negative minimum size", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.RootDeviceHints = &baremetal.RootDeviceHints{MinSizeGigabytes: -1}
		}, want: []wantErr{invalid("spec.rootDeviceHints.minSizeGigabytes")}},

		// spec.image
		{name: "no image", mutate: withImage(nil)},
		{name: "https image with sha512", mutate: withImage(&baremetal.Image{
			URL: "https://images.example.com/os.raw", Checksum: strings.Repeat("a", 128), ChecksumType: baremetal.ChecksumSHA512, Format: ptr("raw"),
		})},
		{name: "live ISO without checksum", mutate: withImage(&baremetal.Image{URL: "http://images.example.com/live.iso", Format: ptr("live-iso")})},
		{name: "OCI image without checksum", mutate: withImage(&baremetal.Image{
			URL: "oci://quay.io/example/os:latest", OCIAuthSecretName: ptr("pull-secret"),
		})},
		{name: "OCI image with checksum", mutate: withImage(&baremetal.Image{URL: "oci://quay.io/example/os:latest", Checksum: "abc"}),
			want: []wantErr{forbidden("spec.image.checksum")}},
		{name: "OCI live ISO with checksum", mutate: withImage(&baremetal.Image{URL: "OCI://quay.io/example/os:latest", Checksum: "abc", Format: ptr("live-iso")}),
			want: []wantErr{forbidden("spec.image.checksum")}},
		{name: "image URL missing", mutate: withImage(&baremetal.Image{Checksum: "abc"}),
			want: []wantErr{required("spec.image.url")}},
		{name: "image URL not absolute", mutate: withImage(&baremetal.Image{URL: "test1", Checksum: "abc"}),
			want: []wantErr{invalid("spec.image.url")}},
		{name: "image URL scheme unsupported", mutate: withImage(&baremetal.Image{URL: "unix://example.com", Checksum: "abc"}),
			want: []wantErr{invalid("spec.image.url").saying(`"unix"`)}},
		{name: "image URL without host", mutate: withImage(&baremetal.Image{URL: "http:///os.qcow2", Checksum: "abc"}),
			want: []wantErr{invalid("spec.image.url").saying("host")}},
		{name: "image without checksum", mutate: withImage(&baremetal.Image{URL: "http://images.example.com/os.qcow2"}),
			want: []wantErr{required("spec.image.checksum")}},
		{name: "unknown checksum type", mutate: withImage(&baremetal.Image{URL: "http://images.example.com/os.qcow2", Checksum: "abc", ChecksumType: "SHA42"}),
			want: []wantErr{notSupported("spec.image.checksumType")}},
		{name: "unknown image format", mutate: withImage(&baremetal.Image{URL: "http://images.example.com/os.iso", Checksum: "abc", Format: ptr("iso")}),
			want: []wantErr{notSupported("spec.image.format")}},
		{name: "OCI auth secret name invalid", mutate: withImage(&baremetal.Image{URL: "oci://quay.io/example/os", OCIAuthSecretName: ptr("Pull_Secret")}),
			want: []wantErr{invalid("spec.image.ociAuthSecretName")}},

		// Secret references
		{name: "secret references in the host's namespace", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.UserData = &baremetal.SecretReference{Name: "user-data", Namespace: testNamespace}
			h.Spec.NetworkData = &baremetal.SecretReference{Name: "network-data"}
			h.Spec.MetaData = &baremetal.SecretReference{Name: "meta-data", Namespace: testNamespace}
			h.Spec.PreprovisioningNetworkDataName = "preprov-network"
		}},
		{name: "user data in another namespace", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.UserData = &baremetal.SecretReference{Name: "user-data", Namespace: "kube-system"}
		}, want: []wantErr{forbidden("spec.userData.namespace").saying("cross-namespace Secret references are not allowed")}},
		{name: "network data in another namespace", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.NetworkData = &baremetal.SecretReference{Name: "network-data", Namespace: "other"}
		}, want: []wantErr{forbidden("spec.networkData.namespace")}},
		{name: "all three in another namespace", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.UserData = &baremetal.SecretReference{Name: "a", Namespace: "other"}
			h.Spec.NetworkData = &baremetal.SecretReference{Name: "b", Namespace: "other"}
			h.Spec.MetaData = &baremetal.SecretReference{Name: "c", Namespace: "other"}
		}, want: []wantErr{forbidden("spec.userData.namespace"), forbidden("spec.networkData.namespace"), forbidden("spec.metaData.namespace")}},
		{name: "user data without name", mutate: func(h *baremetal.BareMetalHost) { h.Spec.UserData = &baremetal.SecretReference{} },
			want: []wantErr{required("spec.userData.name")}},
		{name: "meta data with invalid name", mutate: func(h *baremetal.BareMetalHost) { h.Spec.MetaData = &baremetal.SecretReference{Name: "Meta Data"} },
			want: []wantErr{invalid("spec.metaData.name")}},
		{name: "preprovisioning network data invalid name", mutate: func(h *baremetal.BareMetalHost) { h.Spec.PreprovisioningNetworkDataName = "net/data" },
			want: []wantErr{invalid("spec.preprovisioningNetworkDataName")}},

		// spec.disablePowerOff, spec.firmware
		{name: "power-off disabled while online", mutate: func(h *baremetal.BareMetalHost) { h.Spec.DisablePowerOff = true }},
		{name: "power-off disabled while offline", mutate: func(h *baremetal.BareMetalHost) { h.Spec.DisablePowerOff, h.Spec.Online = true, false },
			want: []wantErr{forbidden("spec.disablePowerOff")}},
		{name: "offline", mutate: func(h *baremetal.BareMetalHost) { h.Spec.Online = false }},
		{name: "firmware settings", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.Firmware = &baremetal.FirmwareConfig{VirtualizationEnabled: ptr(true)}
		}, want: []wantErr{forbidden("spec.firmware").saying("firmware settings")}},

		// spec.automatedCleaningMode, spec.inspectionMode
		{name: "cleaning disabled", mutate: func(h *baremetal.BareMetalHost) { h.Spec.AutomatedCleaningMode = baremetal.CleaningModeDisabled }},
		{name: "cleaning mode empty", mutate: func(h *baremetal.BareMetalHost) { h.Spec.AutomatedCleaningMode = "" }},
		{name: "cleaning mode unknown", mutate: func(h *baremetal.BareMetalHost) { h.Spec.AutomatedCleaningMode = "all" },
			want: []wantErr{notSupported("spec.automatedCleaningMode")}},
		{name: "agent inspection", mutate: withInspectionMode(baremetal.InspectionModeAgent)},
		{name: "fast inspection on redfish", mutate: withInspectionMode(baremetal.InspectionModeFast)},
		{name: "fast inspection on iDRAC", mutate: all(withBMC("idrac-redfish://10.0.0.1/redfish/v1/Systems/System.Embedded.1"),
			withInspectionMode(baremetal.InspectionModeFast))},
		{name: "fast inspection on ipmi", mutate: all(withBMC("ipmi://10.0.0.1"), withInspectionMode(baremetal.InspectionModeFast)),
			want: []wantErr{invalid("spec.inspectionMode").saying("fast (out-of-band) inspection")}},
		{name: "unknown inspection mode", mutate: withInspectionMode("slow"),
			want: []wantErr{notSupported("spec.inspectionMode")}},
		{name: "inspection mode and annotation both disabled", mutate: all(withInspectionMode(baremetal.InspectionModeDisabled),
			withAnnotation("inspect.metal3.io", "disabled"))},
		{name: "agent inspection with empty inspect annotation", mutate: all(withInspectionMode(baremetal.InspectionModeAgent),
			withAnnotation("inspect.metal3.io", ""))},
		{name: "agent inspection contradicts disabled annotation", mutate: all(withInspectionMode(baremetal.InspectionModeAgent),
			withAnnotation("inspect.metal3.io", "disabled")),
			want: []wantErr{invalid("spec.inspectionMode").saying("inspect.metal3.io")}},
		{name: "fast inspection contradicts disabled annotation", mutate: all(withInspectionMode(baremetal.InspectionModeFast),
			withAnnotation("inspect.metal3.io", "disabled")),
			want: []wantErr{invalid("spec.inspectionMode")}},

		// spec.customDeploy, spec.consumerRef
		{name: "custom deploy", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.Image, h.Spec.CustomDeploy = nil, &baremetal.CustomDeploy{Method: "install_coreos"}
		}},
		{name: "custom deploy without method", mutate: func(h *baremetal.BareMetalHost) { h.Spec.CustomDeploy = &baremetal.CustomDeploy{} },
			want: []wantErr{required("spec.customDeploy.method")}},
		{name: "consumer with name only", mutate: func(h *baremetal.BareMetalHost) { h.Spec.ConsumerRef = &baremetal.ObjectReference{Name: "machine-0"} }},
		{name: "consumer without name", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.ConsumerRef = &baremetal.ObjectReference{Kind: "Machine", APIVersion: "cluster.x-k8s.io/v1beta1"}
		}, want: []wantErr{required("spec.consumerRef.name")}},

		// spec.networkInterfaces: Metal3's webhook rules (one selector per entry, no NIC twice,
		// case-insensitively) and its CRD patterns and required keys.
		{name: "interfaces by name and by MAC", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "ens1f0", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "provisioning"}},
			baremetal.NetworkInterface{MACAddress: "AA:bb:CC:dd:EE:01", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "storage", Namespace: "net-config"},
				SwitchPort: &baremetal.SwitchPort{SwitchID: "0c:42:a1:00:00:01", PortID: "Ethernet1/7"}},
			baremetal.NetworkInterface{Name: "eno1.100_a-b", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{}},
		)},
		{name: "interface selecting nothing", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "eth0"},
			baremetal.NetworkInterface{HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "provisioning"}},
		), want: []wantErr{required("spec.networkInterfaces[1]").saying("name or macAddress")}},
		{name: "interface by name and by MAC", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "eth0", MACAddress: "00:11:22:33:44:55"},
		), want: []wantErr{forbidden("spec.networkInterfaces[0].macAddress").saying("together with name")}},
		{name: "ambiguous interface not compared for duplicates", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "eth0"},
			baremetal.NetworkInterface{Name: "eth0", MACAddress: "00:11:22:33:44:55"},
			baremetal.NetworkInterface{MACAddress: "00:11:22:33:44:55"},
		), want: []wantErr{forbidden("spec.networkInterfaces[1].macAddress")}},
		{name: "duplicate interface name", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "eth0", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "a1"}},
			baremetal.NetworkInterface{Name: "eth0", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "a2"}},
		), want: []wantErr{duplicate("spec.networkInterfaces[1].name")}},
		{name: "duplicate interface name in another case", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "eth0"}, baremetal.NetworkInterface{Name: "ETH0"},
		), want: []wantErr{duplicate("spec.networkInterfaces[1].name")}},
		{name: "duplicate MAC in another case", mutate: withNetworkInterfaces(
			baremetal.NetworkInterface{MACAddress: "aa:bb:cc:dd:ee:ff"}, baremetal.NetworkInterface{Name: "eth1"},
			baremetal.NetworkInterface{MACAddress: "AA:BB:CC:DD:EE:FF"},
		), want: []wantErr{duplicate("spec.networkInterfaces[2].macAddress").saying("same NIC as spec.networkInterfaces[0].macAddress")}},
		{name: "interface name with a space", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth 0"}),
			want: []wantErr{invalid("spec.networkInterfaces[0].name")}},
		{name: "interface name with a slash", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0/1"}),
			want: []wantErr{invalid("spec.networkInterfaces[0].name")}},
		{name: "interface MAC with hyphens", mutate: withNetworkInterfaces(baremetal.NetworkInterface{MACAddress: "00-11-22-33-44-55"}),
			want: []wantErr{invalid("spec.networkInterfaces[0].macAddress").saying("colon-separated")}},
		{name: "interface MAC with five octets", mutate: withNetworkInterfaces(baremetal.NetworkInterface{MACAddress: "00:11:22:33:44"}),
			want: []wantErr{invalid("spec.networkInterfaces[0].macAddress")}},
		{name: "interface MAC inside a longer string", mutate: withNetworkInterfaces(baremetal.NetworkInterface{MACAddress: "x00:11:22:33:44:55"}),
			want: []wantErr{invalid("spec.networkInterfaces[0].macAddress")}},
		{name: "interface MAC that is EUI-64", mutate: withNetworkInterfaces(baremetal.NetworkInterface{MACAddress: "00:11:22:33:44:55:66:77"}),
			want: []wantErr{invalid("spec.networkInterfaces[0].macAddress")}},
		{name: "switch port without keys", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0", SwitchPort: &baremetal.SwitchPort{}}),
			want: []wantErr{required("spec.networkInterfaces[0].switchPort.switchID"), required("spec.networkInterfaces[0].switchPort.portID")}},
		{name: "switch ID not a MAC", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0",
			SwitchPort: &baremetal.SwitchPort{SwitchID: "leaf-1", PortID: "Ethernet1/1"}}),
			want: []wantErr{invalid("spec.networkInterfaces[0].switchPort.switchID").saying("management MAC")}},
		{name: "attachment name not an object name", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0",
			HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "Provisioning_VLAN"}}),
			want: []wantErr{invalid("spec.networkInterfaces[0].hostNetworkAttachment.name")}},
		{name: "attachment name too long", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0",
			HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: strings.Repeat("a", 254)}}),
			want: []wantErr{invalid("spec.networkInterfaces[0].hostNetworkAttachment.name")}},
		{name: "attachment namespace not a namespace name", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0",
			HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "a1", Namespace: "net.config"}}),
			want: []wantErr{invalid("spec.networkInterfaces[0].hostNetworkAttachment.namespace")}},
		{name: "attachment namespace without name", mutate: withNetworkInterfaces(baremetal.NetworkInterface{Name: "eth0",
			HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Namespace: "net-config"}}),
			want: []wantErr{required("spec.networkInterfaces[0].hostNetworkAttachment.name")}},

		// Deprecated fields are accepted (WarningsForBareMetalHost reports them).
		{name: "taints and hardware profile", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.Taints = []baremetal.Taint{{Key: "k", Effect: "NoSchedule"}}
			h.Spec.HardwareProfile = "libvirt"
		}},

		// Annotations
		{name: "reboot annotation empty", mutate: withAnnotation("reboot.metal3.io", "")},
		{name: "reboot annotation hard with key", mutate: withAnnotation("reboot.metal3.io/remediation", `{"mode":"hard"}`)},
		{name: "reboot annotation soft forced, extra field", mutate: withAnnotation("reboot.metal3.io", `{"mode":"soft","force":true,"by":"me"}`)},
		{name: "reboot annotation unknown mode", mutate: withAnnotation("reboot.metal3.io", `{"mode":"medium"}`),
			want: []wantErr{invalid("metadata.annotations[reboot.metal3.io]").saying(`"medium"`)}},
		{name: "reboot annotation with key, unknown mode", mutate: withAnnotation("reboot.metal3.io/foo", `{"mode":"medium"}`),
			want: []wantErr{invalid("metadata.annotations[reboot.metal3.io/foo]")}},
		{name: "reboot annotation not JSON", mutate: withAnnotation("reboot.metal3.io", "now"),
			want: []wantErr{invalid("metadata.annotations[reboot.metal3.io]")}},
		{name: "reboot annotation force not a bool", mutate: withAnnotation("reboot.metal3.io", `{"force":"yes"}`),
			want: []wantErr{invalid("metadata.annotations[reboot.metal3.io]")}},
		{name: "annotation merely prefixed like reboot", mutate: withAnnotation("reboot.metal3.io.example.com", "anything")},
		{name: "inspect annotation unknown value", mutate: withAnnotation("inspect.metal3.io", "enabled"),
			want: []wantErr{notSupported("metadata.annotations[inspect.metal3.io]")}},
		{name: "hardware details with inspection disabled", mutate: all(withInspectionMode(baremetal.InspectionModeDisabled),
			withAnnotation("inspect.metal3.io/hardwaredetails", `{"systemVendor":{"manufacturer":"QEMU"},"cpu":{"arch":"x86_64","count":4},"ramMebibytes":4096,"nics":[{"name":"eth0","mac":"00:11:22:33:44:55"}],"storage":[{"name":"/dev/sda","sizeBytes":107374182400}],"hostname":"worker-0"}`))},
		{name: "hardware details with inspection disabled by annotation", mutate: all(withAnnotation("inspect.metal3.io", "disabled"),
			withAnnotation("inspect.metal3.io/hardwaredetails", `{"cpu":{"arch":"x86_64"}}`))},
		{name: "hardware details with inspection on", mutate: withAnnotation("inspect.metal3.io/hardwaredetails", `{"cpu":{"arch":"x86_64"}}`),
			want: []wantErr{forbidden("metadata.annotations[inspect.metal3.io/hardwaredetails]")}},
		{name: "hardware details with unknown field", mutate: all(withInspectionMode(baremetal.InspectionModeDisabled),
			withAnnotation("inspect.metal3.io/hardwaredetails", `{"INVALIDField":1}`)),
			want: []wantErr{invalid("metadata.annotations[inspect.metal3.io/hardwaredetails]").saying("INVALIDField")}},
		{name: "hardware details truncated", mutate: all(withInspectionMode(baremetal.InspectionModeDisabled),
			withAnnotation("inspect.metal3.io/hardwaredetails", `{"cpu":`)),
			want: []wantErr{invalid("metadata.annotations[inspect.metal3.io/hardwaredetails]")}},
		{name: "hardware details followed by garbage", mutate: all(withInspectionMode(baremetal.InspectionModeDisabled),
			withAnnotation("inspect.metal3.io/hardwaredetails", `{"cpu":{}} {}`)),
			want: []wantErr{invalid("metadata.annotations[inspect.metal3.io/hardwaredetails]")}},
		{name: "status annotation", mutate: withAnnotation("baremetalhost.metal3.io/status",
			`{"operationalStatus":"OK","errorType":"","errorMessage":"","poweredOn":true,"provisioning":{"state":"provisioned","ID":"8a3f","image":{"url":"http://images.example.com/os.qcow2"}},"errorCount":0,"provisioningFailCount":0,"lastUpdated":"2024-01-02T03:04:05Z"}`)},
		{name: "status annotation with unknown field", mutate: withAnnotation("baremetalhost.metal3.io/status", `{"InvalidField":"x"}`),
			want: []wantErr{invalid("metadata.annotations[baremetalhost.metal3.io/status]").saying("InvalidField")}},
		{name: "status annotation with unknown operational status", mutate: withAnnotation("baremetalhost.metal3.io/status", `{"operationalStatus":"NotOK"}`),
			want: []wantErr{invalid("metadata.annotations[baremetalhost.metal3.io/status]").saying("operationalStatus")}},
		{name: "status annotation with unknown error type", mutate: withAnnotation("baremetalhost.metal3.io/status", `{"operationalStatus":"error","errorType":"No Error"}`),
			want: []wantErr{invalid("metadata.annotations[baremetalhost.metal3.io/status]").saying("errorType")}},
		{name: "status annotation truncated", mutate: withAnnotation("baremetalhost.metal3.io/status", `{"operationalStatus":"OK"`),
			want: []wantErr{invalid("metadata.annotations[baremetalhost.metal3.io/status]")}},
		{name: "invalid annotation key", mutate: withAnnotation("not a key", "x"),
			want: []wantErr{invalid("metadata.annotations")}},

		// Errors from several rules are all reported.
		{name: "several errors", mutate: all(withBMC("ipmi://10.0.0.1"), func(h *baremetal.BareMetalHost) {
			h.Spec.BootMode = baremetal.BootModeUEFISecureBoot
			h.Spec.Firmware = &baremetal.FirmwareConfig{}
			h.Spec.Image.Checksum = ""
		}), want: []wantErr{invalid("spec.bootMode"), forbidden("spec.firmware"), required("spec.image.checksum")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := validHost()
			tc.mutate(h)
			checkErrors(t, ValidateBareMetalHost(h, tc.opts), tc.want)
		})
	}
}

// TestNICSyntax pins the two CRD patterns Metal3 applies to network interfaces, which are
// implemented here without regular expressions.
func TestNICSyntax(t *testing.T) {
	for _, tc := range []struct {
		s              string
		isMAC, isIface bool
	}{
		{s: "00:11:22:33:44:55", isMAC: true},
		{s: "aA:bB:cC:dD:eE:fF", isMAC: true},
		{s: "00:11:22:33:44:5g"},
		{s: "00:11:22:33:4455:"},
		{s: "0:011:22:33:44:55"},
		{s: "00:11:22:33:44:55:"},
		{s: "00:11:22:33:44:5"},
		{s: "eth0", isIface: true},
		{s: "enp0s31f6.100", isIface: true},
		{s: "bond_0-a", isIface: true},
		{s: "-", isIface: true},
		{s: ""},
		{s: "eth0:1"},
		{s: "eth0\n"},
		{s: "eth\u00e9"},
	} {
		if got := isColonMAC(tc.s); got != tc.isMAC {
			t.Errorf("isColonMAC(%q) = %v, want %v", tc.s, got, tc.isMAC)
		}
		if got := isInterfaceName(tc.s); got != tc.isIface {
			t.Errorf("isInterfaceName(%q) = %v, want %v", tc.s, got, tc.isIface)
		}
	}
}

func TestValidateBareMetalHostUpdate(t *testing.T) {
	cases := []struct {
		name     string
		old, new func(*baremetal.BareMetalHost)
		opts     Options
		want     []wantErr
	}{
		{name: "unchanged", old: all(), new: all()},
		{name: "name changed", old: all(), new: func(h *baremetal.BareMetalHost) { h.Name = "worker-1" },
			want: []wantErr{invalid("metadata.name")}},
		{name: "create rules are checked again", old: all(), new: func(h *baremetal.BareMetalHost) { h.Spec.Firmware = &baremetal.FirmwareConfig{} },
			want: []wantErr{forbidden("spec.firmware")}},

		// spec.bmc.address
		{name: "address changed while provisioned", old: withState(baremetal.StateProvisioned),
			new:  all(withState(baremetal.StateProvisioned), withBMC("redfish-virtualmedia://192.168.1.11/redfish/v1/Systems/1")),
			want: []wantErr{forbidden("spec.bmc.address").saying(`"provisioned"`)}},
		{name: "address changed while registering", old: withState(baremetal.StateRegistering),
			new: all(withState(baremetal.StateRegistering), withBMC("redfish-virtualmedia://192.168.1.11/redfish/v1/Systems/1"))},
		{name: "address changed while detached", old: func(h *baremetal.BareMetalHost) {
			h.Status.Provisioning.State = baremetal.StateProvisioned
			h.Status.OperationalStatus = baremetal.OperationalStatusDetached
		}, new: all(withState(baremetal.StateProvisioned), withBMC("ipmi://10.0.0.1"))},
		{name: "address changed, new status registering", old: withState(baremetal.StateAvailable),
			new: all(withState(baremetal.StateRegistering), withBMC("ipmi://10.0.0.1"))},
		{name: "address set for the first time", old: all(withBMC(""), withState(baremetal.StateUnmanaged)),
			new: withState(baremetal.StateUnmanaged)},
		{name: "address removed while available", old: withState(baremetal.StateAvailable),
			new:  all(withState(baremetal.StateAvailable), withBMC("")),
			want: []wantErr{forbidden("spec.bmc.address")}},

		// Test schemes ratchet: kept when already there, never introduced.
		{name: "fake address kept after test schemes were turned off", old: withBMC("fake://node-0"),
			new: all(withBMC("fake://node-0"), func(h *baremetal.BareMetalHost) { h.Finalizers = nil })},
		{name: "fake address introduced without test schemes", old: withState(baremetal.StateRegistering),
			new:  all(withState(baremetal.StateRegistering), withBMC("fake://node-0")),
			want: []wantErr{invalid("spec.bmc.address")}},
		{name: "fake address introduced with test schemes", old: withState(baremetal.StateRegistering),
			new: all(withState(baremetal.StateRegistering), withBMC("fake://node-0")), opts: Options{AllowTestBMCSchemes: true}},

		// spec.bootMACAddress
		{name: "boot MAC changed", old: all(), new: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "00:11:22:33:44:66" },
			want: []wantErr{invalid("spec.bootMACAddress").saying("immutable")}},
		{name: "boot MAC upper-cased", old: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "aa:bb:cc:dd:ee:ff" },
			new: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "AA:BB:CC:DD:EE:FF" }},
		{name: "boot MAC set for the first time", old: withoutMAC, new: all()},
		{name: "boot MAC removed", old: all(), new: withoutMAC,
			want: []wantErr{invalid("spec.bootMACAddress").saying("immutable")}},
		{name: "boot MAC changed to garbage", old: all(), new: func(h *baremetal.BareMetalHost) { h.Spec.BootMACAddress = "invalid-mac" },
			want: []wantErr{invalid("spec.bootMACAddress"), invalid("spec.bootMACAddress")}},

		// spec.externallyProvisioned
		{name: "externally provisioned turned on while available", old: withState(baremetal.StateAvailable),
			new: all(withState(baremetal.StateAvailable), func(h *baremetal.BareMetalHost) { h.Spec.ExternallyProvisioned = true })},
		{name: "externally provisioned turned on while inspecting", old: withState(baremetal.StateInspecting),
			new:  all(withState(baremetal.StateInspecting), func(h *baremetal.BareMetalHost) { h.Spec.ExternallyProvisioned = true }),
			want: []wantErr{forbidden("spec.externallyProvisioned").saying(`"inspecting"`)}},
		{name: "externally provisioned turned off", old: all(withState(baremetal.StateExternallyProvisioned), func(h *baremetal.BareMetalHost) {
			h.Spec.ExternallyProvisioned = true
		}), new: withState(baremetal.StateExternallyProvisioned)},
		{name: "externally provisioned kept on", old: all(withState(baremetal.StateExternallyProvisioned), func(h *baremetal.BareMetalHost) {
			h.Spec.ExternallyProvisioned = true
		}), new: all(withState(baremetal.StateExternallyProvisioned), func(h *baremetal.BareMetalHost) { h.Spec.ExternallyProvisioned = true })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, host := hostWith(tc.old), hostWith(tc.new)
			checkErrors(t, ValidateBareMetalHostUpdate(host, old, tc.opts), tc.want)
		})
	}
}

func TestValidateBareMetalHostStatusUpdate(t *testing.T) {
	now := metav1.Now()
	condition := func(typ string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: "Done", LastTransitionTime: now}
	}
	cases := []struct {
		name   string
		mutate func(*baremetal.BareMetalHost)
		// alsoOld applies mutate to the old object too, for changes a status write cannot make.
		alsoOld bool
		want    []wantErr
	}{
		{name: "empty status", mutate: all()},
		{name: "full status", mutate: func(h *baremetal.BareMetalHost) {
			h.Status.OperationalStatus = baremetal.OperationalStatusError
			h.Status.ErrorType = baremetal.RegistrationError
			h.Status.ErrorCount = 3
			h.Status.ProvisioningFailCount = 1
			h.Status.Provisioning.State = baremetal.StateRegistering
			h.Status.Conditions = []metav1.Condition{condition("Manageable"), condition("Ready")}
		}},
		{name: "servicing with servicing error", mutate: func(h *baremetal.BareMetalHost) {
			h.Status.OperationalStatus = baremetal.OperationalStatusServicing
			h.Status.ErrorType = baremetal.ServicingError
		}},
		{name: "unknown operational status", mutate: func(h *baremetal.BareMetalHost) { h.Status.OperationalStatus = "NotOK" },
			want: []wantErr{notSupported("status.operationalStatus")}},
		{name: "unknown error type", mutate: func(h *baremetal.BareMetalHost) { h.Status.ErrorType = "No Error" },
			want: []wantErr{notSupported("status.errorType")}},
		{name: "negative counts", mutate: func(h *baremetal.BareMetalHost) { h.Status.ErrorCount, h.Status.ProvisioningFailCount = -1, -2 },
			want: []wantErr{invalid("status.errorCount"), invalid("status.provisioningFailCount")}},
		{name: "negative power draw", mutate: func(h *baremetal.BareMetalHost) { h.Status.PowerDraw = &baremetal.PowerDraw{Watts: -5} },
			want: []wantErr{invalid("status.powerDraw.watts")}},
		{name: "unknown provisioning state", mutate: withState("flying"),
			want: []wantErr{notSupported("status.provisioning.state")}},
		{name: "duplicate condition", mutate: func(h *baremetal.BareMetalHost) {
			h.Status.Conditions = []metav1.Condition{condition("Ready"), condition("Ready")}
		}, want: []wantErr{{field: "status.conditions[1]", typ: field.ErrorTypeDuplicate}}},
		{name: "condition without reason", mutate: func(h *baremetal.BareMetalHost) {
			c := condition("Ready")
			c.Reason = ""
			h.Status.Conditions = []metav1.Condition{c}
		}, want: []wantErr{required("status.conditions[0].reason")}},
		{name: "spec is not checked", mutate: func(h *baremetal.BareMetalHost) { h.Spec.Firmware = &baremetal.FirmwareConfig{} }, alsoOld: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, host := validHost(), validHost()
			if tc.alsoOld {
				tc.mutate(old)
			}
			tc.mutate(host)
			checkErrors(t, ValidateBareMetalHostStatusUpdate(host, old), tc.want)
		})
	}
}

func TestValidateBareMetalHostName(t *testing.T) {
	cases := []struct {
		name    string
		prefix  bool
		invalid bool
	}{
		{name: "worker-0"},
		{name: "rack1.worker-0"},
		{name: "worker-", prefix: true},
		{name: "Worker", invalid: true},
		{name: "worker_0", invalid: true},
		{name: "worker:0", invalid: true},
		{name: strings.Repeat("a", 254), invalid: true},
		{name: "6f1b2c4e-1d2a-4b3c-8d4e-5f6a7b8c9d0e", invalid: true},
		{name: "6f1b2c4e1d2a4b3c8d4e5f6a7b8c9d0e", invalid: true},
		// A prefix is only part of a name; the generated name is checked on its own.
		{name: "6f1b2c4e-1d2a-4b3c-8d4e-5f6a7b8c9d0e", prefix: true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/prefix=%t", tc.name, tc.prefix), func(t *testing.T) {
			msgs := ValidateBareMetalHostName(tc.name, tc.prefix)
			if got := len(msgs) > 0; got != tc.invalid {
				t.Errorf("invalid = %t (%v), want %t", got, msgs, tc.invalid)
			}
		})
	}
}

func TestWarningsForBareMetalHost(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*baremetal.BareMetalHost)
		want   []string
	}{
		{name: "nothing deprecated", mutate: all()},
		{name: "taints", mutate: func(h *baremetal.BareMetalHost) { h.Spec.Taints = []baremetal.Taint{{Key: "k"}} },
			want: []string{"spec.taints"}},
		{name: "hardware profile", mutate: func(h *baremetal.BareMetalHost) { h.Spec.HardwareProfile = "libvirt" },
			want: []string{"spec.hardwareProfile"}},
		{name: "hardware profile empty, as Metal3 advises", mutate: func(h *baremetal.BareMetalHost) { h.Spec.HardwareProfile = "empty" }},
		{name: "both", mutate: func(h *baremetal.BareMetalHost) {
			h.Spec.Taints = []baremetal.Taint{{Key: "k"}}
			h.Spec.HardwareProfile = "unknown"
		}, want: []string{"spec.taints", "spec.hardwareProfile"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := WarningsForBareMetalHost(hostWith(tc.mutate))
			if len(got) != len(tc.want) {
				t.Fatalf("warnings = %q, want ones starting with %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]+": deprecated") {
					t.Errorf("warning %q does not start with %q", got[i], tc.want[i]+": deprecated")
				}
			}
		})
	}
}

// TestNilHosts checks that programming errors are reported, not panicked on.
func TestNilHosts(t *testing.T) {
	for name, errs := range map[string]field.ErrorList{
		"create":        ValidateBareMetalHost(nil, Options{}),
		"update":        ValidateBareMetalHostUpdate(nil, validHost(), Options{}),
		"update of nil": ValidateBareMetalHostUpdate(validHost(), nil, Options{}),
		"status":        ValidateBareMetalHostStatusUpdate(validHost(), nil),
	} {
		if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal {
			t.Errorf("%s: got %v, want one internal error", name, errs)
		}
	}
	if w := WarningsForBareMetalHost(nil); w != nil {
		t.Errorf("warnings for nil = %q", w)
	}
}

func TestValidatePowerAndRebootRequest(t *testing.T) {
	for _, tc := range []struct {
		state baremetal.PowerState
		ok    bool
	}{{baremetal.PowerOn, true}, {baremetal.PowerOff, true}, {"", false}, {"on", false}, {"Reboot", false}} {
		errs := ValidatePower(&baremetal.Power{Spec: baremetal.PowerSpec{State: tc.state}})
		if (len(errs) == 0) != tc.ok {
			t.Errorf("power state %q: errors %v", tc.state, errs)
		}
		if !tc.ok && errs[0].Field != "spec.state" {
			t.Errorf("power state %q: field %q", tc.state, errs[0].Field)
		}
	}
	for _, tc := range []struct {
		mode baremetal.RebootMode
		ok   bool
	}{{baremetal.RebootModeSoft, true}, {baremetal.RebootModeHard, true}, {"", false}, {"cold", false}} {
		errs := ValidateRebootRequest(&baremetal.RebootRequest{Spec: baremetal.RebootRequestSpec{Mode: tc.mode}})
		if (len(errs) == 0) != tc.ok {
			t.Errorf("reboot mode %q: errors %v", tc.mode, errs)
		}
	}
}
