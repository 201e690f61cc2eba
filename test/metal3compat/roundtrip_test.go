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

package metal3compat

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// rtNamespace holds the round-trip objects, apart from the lifecycle's hosts.
const rtNamespace = "metal3-roundtrip"

// unsettable are the fields of Metal3's types a fully-populated object leaves empty, each with
// the reason. Every other field must be set in at least one of the objects, so that a new
// field in a newer Metal3 version shows up here as a failure until the test covers it.
var unsettable = map[string]string{
	// Metal3's own webhook refuses it ("firmware settings are configured through
	// HostFirmwareSettings"); so does this server.
	"BareMetalHost spec.firmware": "refused on write, by Metal3's webhook too",
	// Metal3's HostUpdatePolicyStatus has no field.
	"HostUpdatePolicy status": "no field in Metal3's type",
}

// serverLabelPrefix marks the labels the server maintains from status.hardware (README:
// hardware facts); they are the server's, not the client's, and left out of the comparison.
const serverLabelPrefix = "hardware.baremetal.metal3.io/"

var rtTime = metav1.NewTime(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC))

func rtTimeAt(minutes int) metav1.Time {
	return metav1.NewTime(rtTime.Add(time.Duration(minutes) * time.Minute))
}

// fullHints are root device hints with every field set.
func fullHints(dev string) bmov1alpha1.RootDeviceHints {
	return bmov1alpha1.RootDeviceHints{
		DeviceName: dev, HCTL: "0:0:0:0", Model: "PERC H755", Vendor: "DELL", SerialNumber: "S3Z1NB0K",
		MinSizeGigabytes: 200, WWN: "0x5000c500a0b1c2d3", WWNWithExtension: "0x5000c500a0b1c2d3-ext",
		WWNVendorExtension: "0x0001", Rotational: ptr.To(true),
	}
}

// fullHardware is an inventory with every field set.
func fullHardware() *bmov1alpha1.HardwareDetails {
	return &bmov1alpha1.HardwareDetails{
		SystemVendor: bmov1alpha1.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R750", SerialNumber: "7XJ4KD3"},
		Firmware:     bmov1alpha1.Firmware{BIOS: bmov1alpha1.BIOS{Date: "2026-03-01", Vendor: "Dell Inc.", Version: "1.12.2"}},
		RAMMebibytes: 262144,
		NIC: []bmov1alpha1.NIC{{
			Name: "eno1", Model: "0x8086 0x1593", MAC: "b4:96:91:00:00:01", IP: "192.0.2.31", SpeedGbps: 25,
			VLANs: []bmov1alpha1.VLAN{{ID: 100, Name: "prov"}}, VLANID: 100, PXE: true,
			LLDP: &bmov1alpha1.LLDP{SwitchID: "00:1b:21:00:00:01", PortID: "Ethernet1/1", SwitchSystemName: "leaf-1"},
		}},
		Storage: []bmov1alpha1.Storage{{
			Name: "/dev/sda", AlternateNames: []string{"/dev/disk/by-path/pci-0000:3b:00.0-scsi-0:2:0:0"}, Rotational: true,
			Type: bmov1alpha1.HDD, SizeBytes: 960 * bmov1alpha1.GigaByte, Vendor: "DELL", Model: "PERC H755", SerialNumber: "S3Z1NB0K",
			WWN: "0x5000c500a0b1c2d3", WWNVendorExtension: "0x0001", WWNWithExtension: "0x5000c500a0b1c2d3-ext", HCTL: "0:2:0:0",
		}},
		CPU:      bmov1alpha1.CPU{Arch: "x86_64", Model: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", ClockMegahertz: 2000, Flags: []string{"avx2", "vmx"}, Count: 128},
		Hostname: "full.example.com",
	}
}

// fullHost is a BareMetalHost with every field of Metal3's spec and status set but
// spec.firmware; raid is hardware RAID or software RAID (they exclude each other).
func fullHost(name string, softwareRAID bool) *bmov1alpha1.BareMetalHost {
	raid := &bmov1alpha1.RAIDConfig{HardwareRAIDVolumes: []bmov1alpha1.HardwareRAIDVolume{{
		SizeGibibytes: ptr.To(800), Level: "1", Name: "root", Rotational: ptr.To(true), NumberOfPhysicalDisks: ptr.To(2),
		Controller: "RAID.Integrated.1-1", PhysicalDisks: []string{"Disk.Bay.0:Enclosure.Internal.0-1", "Disk.Bay.1:Enclosure.Internal.0-1"},
	}}}
	if softwareRAID {
		raid = &bmov1alpha1.RAIDConfig{SoftwareRAIDVolumes: []bmov1alpha1.SoftwareRAIDVolume{{
			SizeGibibytes: ptr.To(100), Level: "1", PhysicalDisks: []bmov1alpha1.RootDeviceHints{fullHints("/dev/sdb"), fullHints("/dev/sdc")},
		}}}
	}
	hints := fullHints("/dev/sda")
	image := bmov1alpha1.Image{URL: "https://192.0.2.1/images/node.qcow2", Checksum: "https://192.0.2.1/images/node.qcow2.sha256sum",
		ChecksumType: bmov1alpha1.SHA256, DiskFormat: ptr.To("qcow2")}
	return &bmov1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: rtNamespace,
			Labels: map[string]string{"role": "worker", "example.com/rack": "r12"},
			// Paused: the reconciler leaves the host (and the status written here) alone.
			Annotations: map[string]string{bmov1alpha1.PausedAnnotation: "roundtrip", "example.com/note": "every field"},
		},
		Spec: bmov1alpha1.BareMetalHostSpec{
			Taints: []corev1.Taint{{Key: "example.com/gpu", Value: "a100", Effect: corev1.TaintEffectNoSchedule, TimeAdded: ptr.To(rtTimeAt(1))}},
			BMC: bmov1alpha1.BMCDetails{Address: "redfish+https://192.0.2.50/redfish/v1/Systems/System.Embedded.1",
				CredentialsName: name + "-bmc-secret", DisableCertificateVerification: true},
			RAID:            raid,
			HardwareProfile: "unknown",
			RootDeviceHints: &hints,
			BootMode:        bmov1alpha1.UEFISecureBoot,
			BootMACAddress:  "b4:96:91:00:00:01",
			Online:          true,
			ConsumerRef: &corev1.ObjectReference{Kind: "Metal3Machine", Namespace: rtNamespace, Name: "cluster-b-cp-0",
				UID: "6f0b3c2a-1d4e-4f5a-8b9c-0d1e2f3a4b5c", APIVersion: metal3MachineAPI, ResourceVersion: "4242", FieldPath: "spec"},
			Image:                          &image,
			UserData:                       &corev1.SecretReference{Name: name + "-user-data", Namespace: rtNamespace},
			PreprovisioningNetworkDataName: name + "-preprov-network-data",
			NetworkData:                    &corev1.SecretReference{Name: name + "-network-data", Namespace: rtNamespace},
			MetaData:                       &corev1.SecretReference{Name: name + "-meta-data", Namespace: rtNamespace},
			Description:                    "a host with every field set",
			ExternallyProvisioned:          true,
			AutomatedCleaningMode:          bmov1alpha1.CleaningModeMetadata,
			CustomDeploy:                   &bmov1alpha1.CustomDeploy{Method: "install_coreos"},
			Architecture:                   "x86_64",
			DisablePowerOff:                true,
			InspectionMode:                 bmov1alpha1.InspectionModeAgent,
		},
		Status: bmov1alpha1.BareMetalHostStatus{
			OperationalStatus: bmov1alpha1.OperationalStatusOK,
			ErrorType:         bmov1alpha1.ProvisioningError,
			LastUpdated:       ptr.To(rtTimeAt(2)),
			HardwareProfile:   "unknown",
			HardwareDetails:   fullHardware(),
			Provisioning: bmov1alpha1.ProvisionStatus{
				State: bmov1alpha1.StateExternallyProvisioned, ID: "0e2ce9c3-0fd4-4d6b-9d0a-4c5f5e7f8a9b",
				Image: image, RootDeviceHints: &hints, BootMode: bmov1alpha1.UEFISecureBoot, RAID: raid.DeepCopy(),
				Firmware:     &bmov1alpha1.FirmwareConfig{VirtualizationEnabled: ptr.To(true), SimultaneousMultithreadingEnabled: ptr.To(true), SriovEnabled: ptr.To(true)},
				CustomDeploy: &bmov1alpha1.CustomDeploy{Method: "install_coreos"},
			},
			GoodCredentials:  bmov1alpha1.CredentialsStatus{Reference: &corev1.SecretReference{Name: name + "-bmc-secret", Namespace: rtNamespace}, Version: "1001"},
			TriedCredentials: bmov1alpha1.CredentialsStatus{Reference: &corev1.SecretReference{Name: name + "-bmc-secret", Namespace: rtNamespace}, Version: "1002"},
			ErrorMessage:     "the last provisioning attempt failed",
			PoweredOn:        true,
			OperationHistory: bmov1alpha1.OperationHistory{
				Register:    bmov1alpha1.OperationMetric{Start: rtTimeAt(3), End: rtTimeAt(4)},
				Inspect:     bmov1alpha1.OperationMetric{Start: rtTimeAt(5), End: rtTimeAt(6)},
				Provision:   bmov1alpha1.OperationMetric{Start: rtTimeAt(7), End: rtTimeAt(8)},
				Deprovision: bmov1alpha1.OperationMetric{Start: rtTimeAt(9), End: rtTimeAt(10)},
			},
			ErrorCount: 3,
		},
	}
}

// unsetFields lists, by JSON path, the fields of T (walked from objs' values) that are zero in
// every one of objs. Times and other leaves count as set when not zero.
func unsetFields(objs ...any) []string {
	var out []string
	var walk func(path string, vs []reflect.Value)
	walk = func(path string, vs []reflect.Value) {
		t := vs[0].Type()
		var set []reflect.Value
		for _, v := range vs {
			if !v.IsZero() {
				set = append(set, v)
			}
		}
		if len(set) == 0 {
			out = append(out, path)
			return
		}
		switch t.Kind() {
		case reflect.Pointer:
			var elems []reflect.Value
			for _, v := range set {
				elems = append(elems, v.Elem())
			}
			walk(path, elems)
		case reflect.Slice:
			var elems []reflect.Value
			for _, v := range set {
				for i := 0; i < v.Len(); i++ {
					elems = append(elems, v.Index(i))
				}
			}
			if len(elems) == 0 {
				out = append(out, path)
				return
			}
			walk(path+"[]", elems)
		case reflect.Struct:
			if t == reflect.TypeOf(metav1.Time{}) {
				return
			}
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if !f.IsExported() || tag == "-" {
					continue
				}
				sub := path + "." + tag
				if path == "" {
					sub = tag
				}
				var fields []reflect.Value
				for _, v := range vs {
					fields = append(fields, v.Field(i))
				}
				walk(sub, fields)
			}
		}
	}
	for _, part := range []string{"Spec", "Status"} {
		var vs []reflect.Value
		for _, o := range objs {
			if f := reflect.ValueOf(o).Elem().FieldByName(part); f.IsValid() {
				vs = append(vs, f)
			}
		}
		if len(vs) > 0 {
			walk(strings.ToLower(part), vs)
		}
	}
	sort.Strings(out)
	return out
}

// kindCase is one of Metal3's kinds for the round trip: fully-populated objects (together they
// set every field but the unsettable ones), the REST resource, and whether it has status.
type kindCase struct {
	resource string
	status   bool
	objs     []client.Object
	newObj   func() client.Object
}

// kindCases are Metal3's v0.12.0 kinds, each with objects setting every field its types know.
func kindCases() []kindCase {
	cond := metav1.Condition{Type: "ChangeDetected", Status: metav1.ConditionTrue, ObservedGeneration: 1,
		LastTransitionTime: rtTimeAt(11), Reason: "Success", Message: "settings differ"}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: rtNamespace, Labels: map[string]string{"example.com/rack": "r12"},
			Annotations: map[string]string{"example.com/note": "every field"}}
	}
	return []kindCase{
		{resource: "baremetalhosts", status: true, newObj: func() client.Object { return &bmov1alpha1.BareMetalHost{} },
			objs: []client.Object{fullHost("full-hw-raid", false), fullHost("full-sw-raid", true)}},
		{resource: "hardwaredata", newObj: func() client.Object { return &bmov1alpha1.HardwareData{} },
			objs: []client.Object{&bmov1alpha1.HardwareData{ObjectMeta: meta("full-hd"), Spec: bmov1alpha1.HardwareDataSpec{HardwareDetails: fullHardware()}}}},
		{resource: "hostfirmwaresettings", status: true, newObj: func() client.Object { return &bmov1alpha1.HostFirmwareSettings{} },
			objs: []client.Object{&bmov1alpha1.HostFirmwareSettings{ObjectMeta: meta("full-hfs"),
				Spec: bmov1alpha1.HostFirmwareSettingsSpec{Settings: bmov1alpha1.DesiredSettingsMap{
					"ProcVirtualization": intstr.FromString("Enabled"), "BootTimeout": intstr.FromInt32(30)}},
				Status: bmov1alpha1.HostFirmwareSettingsStatus{
					FirmwareSchema: &bmov1alpha1.SchemaReference{Namespace: rtNamespace, Name: "schema-full"},
					Settings:       bmov1alpha1.SettingsMap{"ProcVirtualization": "Disabled", "BootTimeout": "10"},
					LastUpdated:    ptr.To(rtTimeAt(12)), Conditions: []metav1.Condition{cond},
				}}}},
		{resource: "firmwareschemas", newObj: func() client.Object { return &bmov1alpha1.FirmwareSchema{} },
			objs: []client.Object{&bmov1alpha1.FirmwareSchema{ObjectMeta: meta("schema-full"),
				Spec: bmov1alpha1.FirmwareSchemaSpec{HardwareVendor: "Dell Inc.", HardwareModel: "PowerEdge R750",
					Schema: map[string]bmov1alpha1.SettingSchema{
						"ProcVirtualization": {AttributeType: "Enumeration", AllowableValues: []string{"Enabled", "Disabled"},
							ReadOnly: ptr.To(false), Unique: ptr.To(false)},
						"BootTimeout": {AttributeType: "Integer", LowerBound: ptr.To(0), UpperBound: ptr.To(300), ReadOnly: ptr.To(true), Unique: ptr.To(true)},
						"AssetTag":    {AttributeType: "String", MinLength: ptr.To(0), MaxLength: ptr.To(64)},
					}}}}},
		{resource: "hostfirmwarecomponents", status: true, newObj: func() client.Object { return &bmov1alpha1.HostFirmwareComponents{} },
			objs: []client.Object{&bmov1alpha1.HostFirmwareComponents{ObjectMeta: meta("full-hfc"),
				Spec: bmov1alpha1.HostFirmwareComponentsSpec{Updates: []bmov1alpha1.FirmwareUpdate{{Component: "bios", URL: "https://192.0.2.1/firmware/bios-1.13.0.exe"}}},
				Status: bmov1alpha1.HostFirmwareComponentsStatus{
					Updates: []bmov1alpha1.FirmwareUpdate{{Component: "bios", URL: "https://192.0.2.1/firmware/bios-1.12.0.exe"}},
					Components: []bmov1alpha1.FirmwareComponentStatus{{Component: "bios", InitialVersion: "1.11.0", CurrentVersion: "1.12.0",
						LastVersionFlashed: "1.12.0", UpdatedAt: rtTimeAt(13)}},
					LastUpdated: ptr.To(rtTimeAt(14)), Conditions: []metav1.Condition{cond},
				}}}},
		{resource: "preprovisioningimages", status: true, newObj: func() client.Object { return &bmov1alpha1.PreprovisioningImage{} },
			objs: []client.Object{&bmov1alpha1.PreprovisioningImage{ObjectMeta: meta("full-ppimg"),
				Spec: bmov1alpha1.PreprovisioningImageSpec{NetworkDataName: "full-ppimg-network-data", Architecture: "x86_64",
					AcceptFormats: []bmov1alpha1.ImageFormat{bmov1alpha1.ImageFormatISO, bmov1alpha1.ImageFormatInitRD}},
				Status: bmov1alpha1.PreprovisioningImageStatus{ImageUrl: "https://192.0.2.1/ppimg/full.initramfs",
					KernelUrl: "https://192.0.2.1/ppimg/full.kernel", ExtraKernelParams: "console=ttyS0", Format: bmov1alpha1.ImageFormatInitRD,
					NetworkData: bmov1alpha1.SecretStatus{Name: "full-ppimg-network-data", Version: "2002"}, Architecture: "x86_64",
					Conditions: []metav1.Condition{cond}},
			}}},
		{resource: "dataimages", status: true, newObj: func() client.Object { return &bmov1alpha1.DataImage{} },
			objs: []client.Object{&bmov1alpha1.DataImage{ObjectMeta: meta("full-dataimage"),
				Spec: bmov1alpha1.DataImageSpec{URL: "https://192.0.2.1/data/full.iso"},
				Status: bmov1alpha1.DataImageStatus{LastReconciled: ptr.To(rtTimeAt(15)),
					AttachedImage: bmov1alpha1.AttachedImageReference{URL: "https://192.0.2.1/data/full.iso"},
					Error:         bmov1alpha1.DataImageError{Count: 2, Message: "attaching failed"}},
			}}},
		{resource: "bmceventsubscriptions", status: true, newObj: func() client.Object { return &bmov1alpha1.BMCEventSubscription{} },
			objs: []client.Object{&bmov1alpha1.BMCEventSubscription{ObjectMeta: meta("full-bes"),
				Spec: bmov1alpha1.BMCEventSubscriptionSpec{HostName: "full-hw-raid", Destination: "https://events.example.com/bmc",
					Context: "cluster-b", HTTPHeadersRef: &corev1.SecretReference{Name: "full-bes-headers", Namespace: rtNamespace}},
				Status: bmov1alpha1.BMCEventSubscriptionStatus{SubscriptionID: "sub-0001", Error: "subscription refused"},
			}}},
		{resource: "hostupdatepolicies", newObj: func() client.Object { return &bmov1alpha1.HostUpdatePolicy{} },
			objs: []client.Object{&bmov1alpha1.HostUpdatePolicy{ObjectMeta: meta("full-hup"),
				Spec: bmov1alpha1.HostUpdatePolicySpec{FirmwareSettings: bmov1alpha1.HostUpdatePolicyOnReboot, FirmwareUpdates: bmov1alpha1.HostUpdatePolicyOnReboot}}}},
	}
}

// testRoundTrip writes fully-populated objects of every kind Metal3's types have through the
// metal3.io group (spec on create, status through the status subresource, then what was read
// written back unchanged) and reads them back each time: every field Metal3's types know comes
// back identical, and every answer decodes strictly.
func testRoundTrip(t *testing.T, c *cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	strict := newStrictDecoder()
	admin := c.adminClient
	mustCreate(t, ctx, admin, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: rtNamespace}})

	for _, kc := range kindCases() {
		kind := reflect.TypeOf(kc.newObj()).Elem().Name()
		t.Run(kind, func(t *testing.T) {
			var objs []any
			for _, o := range kc.objs {
				objs = append(objs, o)
			}
			for _, f := range unsetFields(objs...) {
				if _, ok := unsettable[kind+" "+f]; !ok {
					t.Errorf("no round-trip %s sets %s: set it (or list it in unsettable, with the reason)", kind, f)
				}
			}
			for _, want := range kc.objs {
				get := func() client.Object {
					t.Helper()
					raw, err := rawGet(ctx, c.adminCfg, apiPrefix+"/namespaces/"+rtNamespace+"/"+kc.resource+"/"+want.GetName())
					if err != nil {
						t.Fatal(err)
					}
					got := kc.newObj()
					strict.decode(t, "GET "+kc.resource+"/"+want.GetName(), raw, got, "")
					return got
				}
				if err := admin.Create(ctx, want.DeepCopyObject().(client.Object)); err != nil {
					t.Fatalf("create %s: %v", want.GetName(), err)
				}
				got := get()
				compareField(t, "spec after create", want, got, "Spec")
				compareMeta(t, want, got)
				if kc.status {
					// The server's controllers may write the object meanwhile (the
					// BMCEventSubscription controller adds its finalizer, as Metal3's does).
					if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
						setField(got, "Status", want)
						err := admin.Status().Update(ctx, got)
						if err != nil {
							got = get()
						}
						return err
					}); err != nil {
						t.Fatalf("status update of %s: %v", want.GetName(), err)
					}
					got = get()
					compareField(t, "status after a status update", want, got, "Status")
					compareField(t, "spec after a status update", want, got, "Spec")
				}
				// What was read, written back whole (an update without changes), reads the same.
				if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
					err := admin.Update(ctx, got.DeepCopyObject().(client.Object))
					if err != nil {
						got = get()
					}
					return err
				}); err != nil {
					t.Fatalf("update of %s with what was read: %v", want.GetName(), err)
				}
				again := get()
				compareField(t, "spec after an unchanged update", want, again, "Spec")
				if kc.status {
					compareField(t, "status after an unchanged update", want, again, "Status")
				}
				compareMeta(t, want, again)
			}
		})
	}
	t.Logf("documented extensions met: %s", strict.report())
}

// compareField compares a top-level field (Spec, Status) of two objects of one kind.
func compareField(t *testing.T, what string, want, got client.Object, field string) {
	t.Helper()
	compareJSON(t, want.GetName()+": "+what, reflect.ValueOf(want).Elem().FieldByName(field).Interface(),
		reflect.ValueOf(got).Elem().FieldByName(field).Interface())
}

// setField copies a top-level field (Status) of from into to.
func setField(to client.Object, field string, from client.Object) {
	reflect.ValueOf(to).Elem().FieldByName(field).Set(reflect.ValueOf(from.DeepCopyObject()).Elem().FieldByName(field))
}

// compareJSON compares what Metal3's types serialise: the wire form both sides agree on.
func compareJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if string(w) != string(g) {
		t.Errorf("%s differs:\nwrote: %s\nread:  %s", what, w, g)
	}
}

// compareMeta compares the labels (but the server's) and annotations the client set.
func compareMeta(t *testing.T, want, got client.Object) {
	t.Helper()
	labels := map[string]string{}
	for k, v := range got.GetLabels() {
		if !strings.HasPrefix(k, serverLabelPrefix) {
			labels[k] = v
		}
	}
	compareJSON(t, want.GetName()+": labels", want.GetLabels(), labels)
	compareJSON(t, want.GetName()+": annotations", want.GetAnnotations(), got.GetAnnotations())
}

// hostDefaults are the fields the server fills in on a host Metal3's client leaves them empty
// on, with the value: the only differences a write/read cycle of a minimal host may show.
var hostDefaults = map[string]any{
	// Metal3's CRD defaults it the same way.
	"spec.automatedCleaningMode": "metadata",
	// This server writes the meaning down; Metal3 leaves them empty and reads empty as UEFI
	// (BareMetalHost.BootMode()) and auto (Ironic's default).
	"spec.bootMode":           "UEFI",
	"spec.image.checksumType": "auto",
}

// testDefaults writes a minimal host as Metal3's documentation shows one (with an image) and
// reads it back: its spec comes back identical but for hostDefaults.
func testDefaults(t *testing.T, c *cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host := &bmov1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "minimal", Namespace: rtNamespace, Annotations: map[string]string{bmov1alpha1.PausedAnnotation: ""}},
		Spec: bmov1alpha1.BareMetalHostSpec{
			BMC:            bmov1alpha1.BMCDetails{Address: "redfish-virtualmedia://192.0.2.60/redfish/v1/Systems/1", CredentialsName: "minimal-bmc-secret"},
			BootMACAddress: "b4:96:91:00:00:60",
			Online:         true,
			Image:          &bmov1alpha1.Image{URL: "http://192.0.2.1/images/node.qcow2", Checksum: "http://192.0.2.1/images/node.qcow2.md5sum"},
		},
	}
	sent, err := json.Marshal(host.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.adminClient.Create(ctx, host); err != nil {
		t.Fatal(err)
	}
	raw, err := rawGet(ctx, c.adminCfg, apiPrefix+"/namespaces/"+rtNamespace+"/baremetalhosts/minimal")
	if err != nil {
		t.Fatal(err)
	}
	var read struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(raw, &read); err != nil {
		t.Fatal(err)
	}
	before, after := flatten(t, "spec", sent), flatten(t, "spec", read.Spec)
	for path, v := range after {
		if w, ok := before[path]; ok && reflect.DeepEqual(w, v) {
			continue
		}
		if d, ok := hostDefaults[path]; !ok || !reflect.DeepEqual(d, v) {
			t.Errorf("a minimal host reads back %s = %v (sent %v); not a documented default", path, v, before[path])
		}
	}
	for path, v := range before {
		if _, ok := after[path]; !ok {
			t.Errorf("a minimal host reads back without %s (sent %v)", path, v)
		}
	}
}

// flatten maps the leaves of a JSON document to their values, by path (list indices as [i]).
func flatten(t *testing.T, root string, doc []byte) map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range v {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		default:
			out[path] = v
		}
	}
	walk(root, v)
	return out
}
