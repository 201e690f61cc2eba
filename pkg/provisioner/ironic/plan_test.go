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
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"k8s.io/utils/ptr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

func TestDeployPlan(t *testing.T) {
	redfish := testHost(t)
	fake := testHost(t)
	fake.BMC = mustParse(t, "fake://192.0.2.1")
	cleared := map[string]any{"boot_iso": nil, "image_source": nil, "image_checksum": nil,
		"image_os_hash_algo": nil, "image_os_hash_value": nil, "image_disk_format": nil, "image_pull_secret": nil,
		"capabilities": map[string]any{}, "root_device": map[string]string(nil)}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range cleared {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		host    provisioner.Host
		data    provisioner.ProvisionData
		iface   string
		ii      map[string]any
		steps   int
		liveISO bool
		msg     string
	}{
		{name: "qcow2 with sha256", host: redfish,
			data: provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://i/a.qcow2", Checksum: "c", ChecksumType: v1alpha1.ChecksumSHA256, Format: ptr.To("qcow2")}},
			ii:   with("image_source", "http://i/a.qcow2", "image_os_hash_algo", "sha256", "image_os_hash_value", "c", "image_disk_format", "qcow2")},
		{name: "auto checksum, maybe a URL", host: redfish,
			data: provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://i/a.raw", Checksum: "http://i/a.raw.sha256sum", ChecksumType: v1alpha1.ChecksumAuto}},
			ii:   with("image_source", "http://i/a.raw", "image_checksum", "http://i/a.raw.sha256sum")},
		{name: "no checksum", host: redfish,
			data: provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://i/a.raw"}}, msg: "checksum"},
		{name: "oci needs none", host: redfish,
			data: provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "oci://quay.io/img:tag"}},
			ii:   with("image_source", "oci://quay.io/img:tag")},
		{name: "oci with registry credentials", host: redfish,
			data: provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "oci://quay.io/img:tag"}, ImagePullSecret: "robot:pw"},
			ii:   with("image_source", "oci://quay.io/img:tag", "image_pull_secret", "robot:pw")},
		{name: "live ISO", host: redfish,
			data:  provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://i/live.iso", Format: ptr.To("live-iso")}},
			iface: "ramdisk", ii: with("boot_iso", "http://i/live.iso"), liveISO: true},
		{name: "custom deploy with image", host: redfish,
			data:  provisioner.ProvisionData{CustomDeploy: &v1alpha1.CustomDeploy{Method: "install_coreos"}, Image: &v1alpha1.Image{URL: "http://i/a", Checksum: "c"}},
			iface: "custom-agent", ii: with("image_source", "http://i/a", "image_checksum", "c"), steps: 1},
		{name: "custom deploy alone", host: redfish,
			data:  provisioner.ProvisionData{CustomDeploy: &v1alpha1.CustomDeploy{Method: "install_coreos"}},
			iface: "custom-agent", ii: with(), steps: 1},
		{name: "nothing", host: redfish, data: provisioner.ProvisionData{}, msg: "required"},
		{name: "fake hardware stays fake", host: fake,
			data:  provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://i/live.iso", Format: ptr.To("live-iso")}},
			iface: "fake", ii: with("boot_iso", "http://i/live.iso"), liveISO: true},
		{name: "secure boot and hints", host: func() provisioner.Host { h := redfish; h.BootMode = v1alpha1.BootModeUEFISecureBoot; return h }(),
			data: provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://i/a", Checksum: "c"}, RootDeviceHints: &v1alpha1.RootDeviceHints{DeviceName: "/dev/sda"}},
			ii: with("image_source", "http://i/a", "image_checksum", "c", "capabilities", map[string]any{"secure_boot": "true"},
				"root_device", map[string]string{"name": "s== /dev/sda"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, msg := deployPlanFor(tc.host, tc.data)
			if tc.msg != "" {
				if !strings.Contains(msg, tc.msg) {
					t.Errorf("msg = %q, want %q", msg, tc.msg)
				}
				return
			}
			if msg != "" {
				t.Fatal(msg)
			}
			if plan.deployInterface != tc.iface || len(plan.deploySteps) != tc.steps || plan.liveISO != tc.liveISO {
				t.Errorf("plan = iface %q steps %v liveISO %v", plan.deployInterface, plan.deploySteps, plan.liveISO)
			}
			if !reflect.DeepEqual(plan.instanceInfo, tc.ii) {
				t.Errorf("instance_info = %#v\nwant %#v", plan.instanceInfo, tc.ii)
			}
			if tc.steps == 1 {
				s := plan.deploySteps[0]
				if s.Interface != nodes.InterfaceDeploy || s.Step != "install_coreos" || s.Priority != customDeployPriority {
					t.Errorf("deploy step = %+v", s)
				}
			}
		})
	}
}

func TestConfigDrive(t *testing.T) {
	host := testHost(t)
	cd, msg := configDrive(host, provisioner.ProvisionData{
		UserData:    "#cloud-config\nhostname: x\n",
		NetworkData: "links:\n- id: eth0\n  type: phy\n",
		MetaData:    `{"name": "override", "role": "worker"}`,
	})
	if msg != "" {
		t.Fatal(msg)
	}
	data, _ := json.Marshal(cd)
	want := `{"meta_data":{"local-hostname":"host-0","local_hostname":"host-0","metal3-name":"host-0","metal3-namespace":"ns","name":"override","role":"worker","uuid":"5d9b5c7e-0000-4000-8000-000000000000"},` +
		`"network_data":{"links":[{"id":"eth0","type":"phy"}]},"user_data":"#cloud-config\nhostname: x\n"}`
	if string(data) != want {
		t.Errorf("config drive = %s\nwant %s", data, want)
	}
	if _, msg := configDrive(host, provisioner.ProvisionData{NetworkData: "{"}); msg == "" {
		t.Error("malformed networkData accepted")
	}
	cd, _ = configDrive(host, provisioner.ProvisionData{})
	if data, _ := json.Marshal(cd); strings.Contains(string(data), "user_data") || strings.Contains(string(data), "network_data") {
		t.Errorf("empty secrets produced %s", data)
	}
}

func TestRAIDPlan(t *testing.T) {
	redfish := mustParse(t, "redfish://192.0.2.1").Capabilities
	ipmi := mustParse(t, "ipmi://192.0.2.1").Capabilities
	if plan, msg := raidPlanFor(redfish, nil, nil); msg != "" || len(plan.steps) != 0 {
		t.Errorf("nil RAID = %+v %q", plan, msg)
	}
	hw := &v1alpha1.RAIDConfig{HardwareRAIDVolumes: []v1alpha1.HardwareRAIDVolume{
		{Level: "1", Name: "root", SizeGibibytes: ptr.To[int32](100), Rotational: ptr.To(false)},
		{Level: "5", NumberOfPhysicalDisks: ptr.To[int32](3), Controller: "RAID.Integrated.1-1", PhysicalDisks: []string{"a", "b", "c"}},
	}}
	plan, msg := raidPlanFor(redfish, hw, nil)
	if msg != "" {
		t.Fatal(msg)
	}
	got, _ := json.Marshal(plan.target)
	want := `{"logical_disks":[{"disk_type":"ssd","is_root_volume":true,"raid_level":"1","size_gb":100,"volume_name":"root"},` +
		`{"controller":"RAID.Integrated.1-1","number_of_physical_disks":3,"physical_disks":["a","b","c"],"raid_level":"5","size_gb":"MAX"}]}`
	if string(got) != want || len(plan.steps) != 2 || plan.raidInterface != "redfish" {
		t.Errorf("hardware plan = %s %+v %q\nwant %s", got, plan.steps, plan.raidInterface, want)
	}
	// Applied once Ironic's target equals ours.
	var target map[string]any
	_ = json.Unmarshal(got, &target)
	if !plan.needed(&nodes.Node{}) || plan.needed(&nodes.Node{TargetRAIDConfig: target}) {
		t.Error("needed() does not follow the node's target RAID configuration")
	}
	if _, msg := raidPlanFor(ipmi, hw, nil); !strings.Contains(msg, "does not support hardware RAID") {
		t.Errorf("IPMI hardware RAID: %q", msg)
	}

	sw := &v1alpha1.RAIDConfig{SoftwareRAIDVolumes: []v1alpha1.SoftwareRAIDVolume{{Level: "1", PhysicalDisks: []v1alpha1.RootDeviceHints{{DeviceName: "/dev/sda"}, {DeviceName: "/dev/sdb"}}}}}
	plan, msg = raidPlanFor(ipmi, sw, nil)
	if msg != "" || plan.raidInterface != "agent" || len(plan.steps) != 3 || plan.steps[1].Step != "erase_devices_metadata" {
		t.Errorf("software plan = %+v %q", plan, msg)
	}
	if _, msg := raidPlanFor(redfish, &v1alpha1.RAIDConfig{HardwareRAIDVolumes: hw.HardwareRAIDVolumes, SoftwareRAIDVolumes: sw.SoftwareRAIDVolumes}, nil); msg == "" {
		t.Error("hardware and software RAID together accepted")
	}

	// No volumes: delete what the node has, only while it has some.
	plan, _ = raidPlanFor(redfish, &v1alpha1.RAIDConfig{}, &nodes.Node{RAIDInterface: "redfish"})
	if plan.needed(&nodes.Node{}) || !plan.needed(&nodes.Node{RAIDConfig: map[string]any{"logical_disks": []any{map[string]any{}}}}) {
		t.Error("empty RAID config: needed() wrong")
	}
	plan, _ = raidPlanFor(ipmi, &v1alpha1.RAIDConfig{}, &nodes.Node{RAIDInterface: "no-raid"})
	if len(plan.steps) != 0 {
		t.Error("empty RAID config on a no-raid node plans steps")
	}
}

func TestRootDeviceHints(t *testing.T) {
	if rootDeviceHints(nil) != nil || rootDeviceHints(&v1alpha1.RootDeviceHints{}) != nil {
		t.Error("no hints must be nil")
	}
	got := rootDeviceHints(&v1alpha1.RootDeviceHints{
		DeviceName: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1", HCTL: "0:0:0:0", Model: "Samsung", Vendor: "ATA",
		SerialNumber: "S1", MinSizeGigabytes: 100, WWN: "w", WWNWithExtension: "we", WWNVendorExtension: "wv", Rotational: ptr.To(false),
	})
	want := map[string]string{"by_path": "s== /dev/disk/by-path/pci-0000:00:1f.2-ata-1", "hctl": "s== 0:0:0:0",
		"model": "<in> Samsung", "vendor": "<in> ATA", "serial": "s== S1", "size": ">= 100", "wwn": "s== w",
		"wwn_with_extension": "s== we", "wwn_vendor_extension": "s== wv", "rotational": "false"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hints = %v\nwant %v", got, want)
	}
}

func TestPatch(t *testing.T) {
	b := &patch{}
	b.field("automated_clean", true, ptr.To(true))                                                                         // same
	b.field("automated_clean", false, (*bool)(nil))                                                                        // differs
	b.field("deploy_interface", nil, "ramdisk")                                                                            // remove
	b.field("instance_uuid", "", nil)                                                                                      // "" equals null
	b.key("properties", "cpus", 4, map[string]any{"cpus": float64(4)})                                                     // same, other number type
	b.key("properties", "root_device", map[string]string(nil), map[string]any{"root_device": map[string]any{"name": "x"}}) // typed nil removes
	b.key("properties", "absent", nil, map[string]any{})                                                                   // nothing to remove
	b.key("instance_info", "capabilities", map[string]string{"secure_boot": "true"}, map[string]any{})
	got, _ := json.Marshal(b.ops)
	want := `[{"op":"replace","path":"/automated_clean","value":false},{"op":"remove","path":"/deploy_interface"},` +
		`{"op":"remove","path":"/properties/root_device"},{"op":"add","path":"/instance_info/capabilities","value":{"secure_boot":"true"}}]`
	if string(got) != want {
		t.Errorf("patch = %s\nwant %s", got, want)
	}
}

func TestFaultString(t *testing.T) {
	for body, want := range map[string]string{
		`{"error_message": "{\"faultcode\": \"Client\", \"faultstring\": \"Node x could not be found.\", \"debuginfo\": null}"}`: "Node x could not be found.",
		`{"error_message": {"code": 406, "title": "Not Acceptable", "description": "Version 1.99 was requested"}}`:               "Version 1.99 was requested",
		`{"error_message": "plain text"}`: "plain text",
		`<html>Bad Gateway</html>`:        "<html>Bad Gateway</html>",
	} {
		if got := faultString([]byte(body)); got != want {
			t.Errorf("faultString(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestFirmwareSupport(t *testing.T) {
	old, _ := chooseMicroversion("1.1", "1.82")
	newer, _ := chooseMicroversion("1.1", "1.87")
	both := provisioner.FirmwareChanges{Settings: map[string]string{"ProcTurboMode": "Disabled"},
		Updates: []provisioner.FirmwareUpdate{{Component: "bios", URL: "http://fw/bios.bin"}}}
	redfish := &nodes.Node{UUID: "n1", Driver: "redfish", BIOSInterface: "redfish", ManagementInterface: "redfish"}
	ipmi := &nodes.Node{UUID: "n2", Driver: "ipmi", BIOSInterface: "no-bios", ManagementInterface: "ipmitool"}
	fake := &nodes.Node{UUID: "n3", Driver: "fake-hardware", BIOSInterface: "fake", ManagementInterface: "fake", FirmwareInterface: "fake"}
	for _, tc := range []struct {
		name    string
		node    *nodes.Node
		f       features
		changes provisioner.FirmwareChanges
		want    []string // substrings; none: supported
	}{
		{name: "redfish on 21.4", node: redfish, f: old, changes: both},
		{name: "nothing to do on ipmi", node: ipmi, f: old},
		{name: "ipmi", node: ipmi, f: old, changes: both, want: []string{
			`BIOS settings (ProcTurboMode) cannot be applied: Ironic node n2 (driver ipmi) has bios interface "no-bios"`,
			`firmware updates cannot be applied: Ironic node n2 (driver ipmi) has management interface "ipmitool", which has no update_firmware step`,
			"a firmware interface needs Ironic API 1.86 (firmware interface); this Ironic offers up to 1.82"}},
		{name: "fake BIOS applies, fake management does not update", node: fake, f: old, changes: both, want: []string{
			`Ironic node n3 (driver fake-hardware) has management interface "fake"`}},
		{name: "fake with a firmware interface (API 1.86)", node: fake, f: newer, changes: both},
	} {
		msg := firmwareSupport(tc.node, tc.f, tc.changes)
		if len(tc.want) == 0 && msg != "" {
			t.Errorf("%s: %q, want supported", tc.name, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q\nwant it to contain %q", tc.name, msg, w)
			}
		}
	}
	if k := updateStepFor(redfish, old); k != managementUpdateFirmware {
		t.Errorf("redfish on 1.82 updates with %v, want the management interface's update_firmware", k)
	}
	withFW := *redfish
	withFW.FirmwareInterface = "redfish"
	if k := updateStepFor(&withFW, newer); k != firmwareInterfaceUpdate {
		t.Errorf("redfish on 1.87 updates with %v, want the firmware interface", k)
	}
	withFW.FirmwareInterface = "no-firmware"
	if k := updateStepFor(&withFW, newer); k != managementUpdateFirmware {
		t.Errorf("no-firmware on 1.87 updates with %v, want the management interface", k)
	}
}

func TestBIOSStep(t *testing.T) {
	registry := []nodes.BIOSSetting{
		{Name: "BootDelaySeconds", Value: "0", AttributeType: "Integer"},
		{Name: "QuietBoot", Value: "True", AttributeType: "Boolean"},
		{Name: "ProcTurboMode", Value: "Enabled", AttributeType: "Enumeration"},
		{Name: "PxeDev1Interface", Value: "NIC1", AttributeType: "String"},
		{Name: "SerialNumber", Value: "S1", AttributeType: "String", ReadOnly: ptr.To(true)},
	}
	step, msg := biosStep(registry, map[string]string{"BootDelaySeconds": "30", "QuietBoot": "false", "ProcTurboMode": "Enabled",
		"PxeDev1Interface": "NIC2", "Unknown": "x"})
	if msg != "" {
		t.Fatal(msg)
	}
	got, _ := json.Marshal(step)
	// Sorted by name; ProcTurboMode is in effect already; typed by the registry; an attribute
	// the registry does not know is sent as it is, for the BMC to judge.
	want := `{"interface":"bios","step":"apply_configuration","args":{"settings":[{"name":"BootDelaySeconds","value":30},` +
		`{"name":"PxeDev1Interface","value":"NIC2"},{"name":"QuietBoot","value":false},{"name":"Unknown","value":"x"}]}}`
	if string(got) != want {
		t.Errorf("step = %s\nwant %s", got, want)
	}
	if step, msg := biosStep(registry, map[string]string{"QuietBoot": "true", "ProcTurboMode": "Enabled"}); step != nil || msg != "" {
		t.Errorf("settings in effect: %+v %q, want no step", step, msg)
	}
	if _, msg := biosStep(registry, map[string]string{"BootDelaySeconds": "soon", "SerialNumber": "S2"}); !strings.Contains(msg, `BootDelaySeconds: "soon" is not an Integer`) ||
		!strings.Contains(msg, "SerialNumber is read-only") {
		t.Errorf("bad values: %q", msg)
	}
	// No registry (API < 1.74, Debian's sushy, fake-hardware): Python's booleans compare, an
	// integer replacing an integer is a number, anything else a string.
	step, _ = biosStep([]nodes.BIOSSetting{{Name: "QuietBoot", Value: "True"}, {Name: "BootDelaySeconds", Value: "0"},
		{Name: "AssetTag", Value: "A-1"}, {Name: "Padded", Value: "0"}},
		map[string]string{"QuietBoot": "true", "BootDelaySeconds": "5", "AssetTag": "12", "Padded": "007", "Unknown": "3"})
	if got, _ := json.Marshal(step.Args); string(got) != `{"settings":[{"name":"AssetTag","value":"12"},{"name":"BootDelaySeconds","value":5},`+
		`{"name":"Padded","value":"007"},{"name":"Unknown","value":"3"}]}` {
		t.Errorf("without a registry: %s", got)
	}
}

func TestUpdatesStep(t *testing.T) {
	updates := []provisioner.FirmwareUpdate{{Component: "bmc", URL: "http://fw/bmc.bin"}, {Component: "bios", URL: "http://fw/bios.bin"}}
	sums := map[string]string{"http://fw/bmc.bin": "aa", "http://fw/bios.bin": "bb"}
	got, _ := json.Marshal(updatesStepFor(managementUpdateFirmware, updates, sums))
	want := `{"interface":"management","step":"update_firmware","args":{"firmware_images":[{"checksum":"aa","url":"http://fw/bmc.bin"},{"checksum":"bb","url":"http://fw/bios.bin"}]}}`
	if string(got) != want {
		t.Errorf("management step = %s\nwant %s", got, want)
	}
	got, _ = json.Marshal(updatesStepFor(firmwareInterfaceUpdate, updates, nil))
	want = `{"interface":"firmware","step":"update","args":{"settings":[{"component":"bmc","url":"http://fw/bmc.bin"},{"component":"bios","url":"http://fw/bios.bin"}]}}`
	if string(got) != want {
		t.Errorf("firmware step = %s\nwant %s", got, want)
	}
}

func TestUpdatesMarker(t *testing.T) {
	updates := []provisioner.FirmwareUpdate{{Component: "bios", URL: "http://fw/bios.bin"}}
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 123456000, time.UTC)
	n := &nodes.Node{ProvisionUpdatedAt: t0, Extra: map[string]any{}}
	if installed, _ := updatesInstalled(n, updates); installed {
		t.Error("installed without a marker")
	}
	// As Ironic returns it: JSON.
	data, _ := json.Marshal(markerValue(newMarker(n, updates, false)))
	var stored map[string]any
	_ = json.Unmarshal(data, &stored)
	n.Extra[requestMarkerKey] = stored
	if installed, _ := updatesInstalled(n, updates); installed {
		t.Error("installed while the node never changed state since the request (the clean never started)")
	}
	n.ProvisionUpdatedAt = t0.Add(time.Millisecond)
	if installed, confirm := updatesInstalled(n, updates); !installed || !confirm {
		t.Errorf("after the clean: installed %v confirm %v, want both", installed, confirm)
	}
	if installed, _ := updatesInstalled(n, []provisioner.FirmwareUpdate{{Component: "bios", URL: "http://fw/bios-2.bin"}}); installed {
		t.Error("another image counted as installed")
	}
	m := markerOf(n)
	m.Applied = true
	n.Extra[requestMarkerKey] = markerValue(*m)
	n.ProvisionUpdatedAt = t0.Add(time.Hour)
	if installed, confirm := updatesInstalled(n, updates); !installed || confirm {
		t.Errorf("confirmed: installed %v confirm %v", installed, confirm)
	}
}

func TestFirmwareReadings(t *testing.T) {
	bios := biosFromIronic([]nodes.BIOSSetting{
		{Name: "QuietBoot", Value: "True", AttributeType: "Boolean", ReadOnly: ptr.To(false), ResetRequired: ptr.To(true)},
		{Name: "BootDelaySeconds", Value: "0", AttributeType: "Integer", LowerBound: ptr.To(0), UpperBound: ptr.To(60)},
		{Name: "WorkloadProfile", Value: "Balanced", AttributeType: "Enumeration", AllowableValues: []string{"Balanced", "Performance"}},
	})
	if !reflect.DeepEqual(bios.Settings, map[string]string{"QuietBoot": "true", "BootDelaySeconds": "0", "WorkloadProfile": "Balanced"}) {
		t.Errorf("settings = %v", bios.Settings)
	}
	if s := bios.Schema["BootDelaySeconds"]; s.AttributeType != "Integer" || *s.LowerBound != 0 || *s.UpperBound != 60 {
		t.Errorf("schema = %+v", s)
	}
	if s := bios.Schema["QuietBoot"]; !s.ResetRequired || s.ReadOnly {
		t.Errorf("schema = %+v", s)
	}
	if bios.RegistryID != "" || bios.Pending != nil {
		t.Errorf("Ironic names no registry and stages nothing: %+v", bios)
	}
	if b := biosFromIronic([]nodes.BIOSSetting{{Name: "A", Value: "1"}, {Name: "B", Value: "False"}}); b.Schema != nil ||
		b.Settings["A"] != "1" || b.Settings["B"] != "false" {
		t.Errorf("without registry detail: %+v", b)
	}
	// sqlite's spelling of a Boolean read from the BMC.
	if b := biosFromIronic([]nodes.BIOSSetting{{Name: "Q", Value: "1", AttributeType: "Boolean"}, {Name: "R", Value: "0", AttributeType: "Boolean"}}); b.Settings["Q"] != "true" || b.Settings["R"] != "false" {
		t.Errorf("Booleans: %+v", b.Settings)
	}
	comps := componentsFromIronic([]nodes.FirmwareComponent{
		{Component: "nic:NIC.2", CurrentVersion: "2"}, {Component: "bmc", CurrentVersion: "5.10"},
		{Component: "cpld", CurrentVersion: "1"}, {Component: "nic:NIC.1", CurrentVersion: "1"}, {Component: "bios", CurrentVersion: "2.3"},
	})
	want := []provisioner.FirmwareComponent{{Component: "bios", Version: "2.3"}, {Component: "bmc", Version: "5.10"},
		{Component: "nic:NIC.1", Version: "1"}, {Component: "nic:NIC.2", Version: "2"}}
	if !reflect.DeepEqual(comps, want) {
		t.Errorf("components = %+v\nwant %+v", comps, want)
	}
}
