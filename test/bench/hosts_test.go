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

package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/scheme"
)

// benchNamespaces is how many namespaces the hosts are spread over (host i is in namespace
// i % benchNamespaces), so that a namespace LIST returns a tenth of the fleet.
const benchNamespaces = 10

// selectedState is the provisioning state the field-selector LIST asks for.
const selectedState = v1alpha1.StateAvailable

func hostNamespace(i int) string { return fmt.Sprintf("bench-%02d", i%benchNamespaces) }
func hostName(i int) string      { return fmt.Sprintf("host-%06d", i) }

// stateOf spreads the hosts over the states of a busy fleet, deterministically.
func stateOf(i int) v1alpha1.ProvisioningState {
	switch r := (i * 7919) % 100; {
	case r < 50:
		return v1alpha1.StateProvisioned
	case r < 75:
		return v1alpha1.StateAvailable
	case r < 83:
		return v1alpha1.StateProvisioning
	case r < 90:
		return v1alpha1.StateInspecting
	case r < 95:
		return v1alpha1.StateDeprovisioning
	default:
		return v1alpha1.StateExternallyProvisioned
	}
}

// expectedSelected is how many hosts of namespace ns are in selectedState.
func expectedSelected(n int, ns string) int {
	c := 0
	for i := 0; i < n; i++ {
		if hostNamespace(i) == ns && stateOf(i) == selectedState {
			c++
		}
	}
	return c
}

func benchMAC(i, nic int) string {
	return fmt.Sprintf("b4:96:91:%02x:%02x:%02x", (i>>12)&0xff, (i>>4)&0xff, (i&0xf)<<4|nic&0xf)
}

// newHost is host i as a client creates it: spec and labels, no status (create drops it).
// Defaulted fields are set explicitly so both servers store the same fields (the CRD has no
// defaults).
func newHost(i int) *v1alpha1.BareMetalHost {
	rack := i / 40
	return &v1alpha1.BareMetalHost{
		TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "BareMetalHost"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      hostName(i),
			Namespace: hostNamespace(i),
			Labels: map[string]string{
				"infra.example.com/rack":  fmt.Sprintf("r%04d", rack),
				"infra.example.com/zone":  fmt.Sprintf("zone-%d", rack%3),
				"infra.example.com/class": []string{"compute", "storage", "gpu"}[i%3],
			},
		},
		Spec: v1alpha1.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: benchMAC(i, 0),
			BootMode:       v1alpha1.BootModeUEFI,
			BMC: v1alpha1.BMCDetails{
				Address:         fmt.Sprintf("redfish-virtualmedia://10.%d.%d.%d/redfish/v1/Systems/System.Embedded.1", 10+i>>16&0xff, i>>8&0xff, i&0xff),
				CredentialsName: hostName(i) + "-bmc-secret",
			},
			Image: &v1alpha1.Image{
				URL:          "http://images.example.com/ubuntu-24.04-server-cloudimg-amd64.qcow2",
				Checksum:     "http://images.example.com/ubuntu-24.04-server-cloudimg-amd64.qcow2.sha256sum",
				ChecksumType: v1alpha1.ChecksumSHA256,
			},
			RootDeviceHints:       &v1alpha1.RootDeviceHints{DeviceName: "/dev/disk/by-path/pci-0000:18:00.0-scsi-0:2:0:0"},
			AutomatedCleaningMode: v1alpha1.CleaningModeMetadata,
			Architecture:          "x86_64",
			Description:           fmt.Sprintf("rack r%04d slot %d", rack, i%40),
		},
	}
}

var cpuFlags = []string{"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sse", "sse2", "ht", "nx",
	"lm", "aes", "avx", "avx2", "avx512f", "vmx"}

// withStatus returns host i with the status an inspection and its provisioning state give
// it: hardware inventory (CPU, 4-8 NICs, 4-12 disks), provisioning, operation history,
// conditions. About 4 KB of JSON in all.
func withStatus(h *v1alpha1.BareMetalHost, i int) *v1alpha1.BareMetalHost {
	h = h.DeepCopy()
	rng := rand.New(rand.NewPCG(uint64(i), 0x6d657461))
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(base.Add(d)) }
	state := stateOf(i)

	nics := make([]v1alpha1.NIC, 4+rng.IntN(5))
	for n := range nics {
		nics[n] = v1alpha1.NIC{
			Name: fmt.Sprintf("ens%df%d", 1+n/2, n%2), MAC: benchMAC(i, n),
			SpeedGbps: 25, PXE: n == 0, PCIAddress: fmt.Sprintf("0000:%02x:00.%d", 0x18+n/2, n%2),
		}
		if n < 2 {
			nics[n].IP = fmt.Sprintf("172.%d.%d.%d", 16+n, i>>8&0xff, i&0xff)
			nics[n].LLDP = &v1alpha1.LLDP{SwitchID: fmt.Sprintf("c4:7e:e0:%02x:%02x:01", i/40>>8&0xff, i/40&0xff),
				PortID: fmt.Sprintf("Ethernet1/%d", i%40+1), SwitchSystemName: fmt.Sprintf("leaf-r%04d-%d", i/40, n)}
		}
	}
	disks := make([]v1alpha1.Storage, 4+rng.IntN(9))
	for d := range disks {
		ssd := d < 2
		disks[d] = v1alpha1.Storage{
			Name:       fmt.Sprintf("/dev/sd%c", 'a'+d),
			Rotational: !ssd, Type: map[bool]v1alpha1.DiskType{true: v1alpha1.DiskTypeSSD, false: v1alpha1.DiskTypeHDD}[ssd],
			SizeBytes: map[bool]int64{true: 960197124096, false: 7999998607360}[ssd],
			Vendor:    "DELL", Model: map[bool]string{true: "MZ7L3960HCJR", false: "ST8000NM017B"}[ssd],
			SerialNumber: fmt.Sprintf("S%07X%02d", i, d), WWN: fmt.Sprintf("0x5000c500%08x", i<<4|d),
		}
	}
	h.Status = v1alpha1.BareMetalHostStatus{
		OperationalStatus: v1alpha1.OperationalStatusOK,
		LastUpdated:       ptrTime(at(3 * time.Hour)),
		Hardware: &v1alpha1.HardwareDetails{
			SystemVendor: v1alpha1.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R650", SerialNumber: fmt.Sprintf("J%06X", i)},
			Firmware:     v1alpha1.Firmware{BIOS: v1alpha1.BIOS{Date: "03/14/2025", Vendor: "Dell Inc.", Version: "1.16.2"}},
			RAMMebibytes: int32(262144 << rng.IntN(2)),
			NICs:         nics,
			Storage:      disks,
			CPU: v1alpha1.CPU{Arch: "x86_64", Model: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", ClockMegahertz: 2000,
				Flags: cpuFlags, Count: int32(64 << rng.IntN(2))},
			Hostname: fmt.Sprintf("%s.r%04d.example.com", hostName(i), i/40),
		},
		Provisioning: v1alpha1.ProvisionStatus{
			State: state, ID: fmt.Sprintf("5f2c%04x-1b7e-4a3d-9c1e-%012x", i&0xffff, i), BootMode: v1alpha1.BootModeUEFI,
			RootDeviceHints: h.Spec.RootDeviceHints.DeepCopy(),
		},
		GoodCredentials: v1alpha1.CredentialsStatus{
			Credentials:        &v1alpha1.SecretReference{Name: h.Spec.BMC.CredentialsName, Namespace: h.Namespace},
			CredentialsVersion: fmt.Sprint(1000 + i),
		},
		PoweredOn: state != v1alpha1.StateAvailable,
		OperationHistory: v1alpha1.OperationHistory{
			Register: v1alpha1.OperationMetric{Start: at(0), End: at(40 * time.Second)},
			Inspect:  v1alpha1.OperationMetric{Start: at(time.Minute), End: at(9 * time.Minute)},
		},
		Conditions: []metav1.Condition{{
			Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", Message: "", LastTransitionTime: at(10 * time.Minute),
		}},
	}
	if state == v1alpha1.StateProvisioned || state == v1alpha1.StateDeprovisioning {
		h.Status.Provisioning.Image = *h.Spec.Image
		h.Status.OperationHistory.Provision = v1alpha1.OperationMetric{Start: at(20 * time.Minute), End: at(31 * time.Minute)}
	}
	return h
}

func ptrTime(t metav1.Time) *metav1.Time { return &t }

// codec encodes request bodies the way a client would.
type codec struct {
	contentType string
	encode      func(obj runtime.Object) ([]byte, error)
}

var (
	jsonCodec = codec{contentType: "application/json", encode: func(obj runtime.Object) ([]byte, error) { return json.Marshal(obj) }}
	// protoCodec is what the generated clientset sends: protobuf in the Kubernetes envelope.
	protoCodec = codec{contentType: "application/vnd.kubernetes.protobuf", encode: func(obj runtime.Object) ([]byte, error) {
		return runtime.Encode(protoEncoder, obj)
	}}
	protoEncoder = scheme.Codecs.EncoderForVersion(protobuf.NewSerializer(scheme.Scheme, scheme.Scheme), v1alpha1.SchemeGroupVersion)
)

// sizes of host i in both encodings, with status, for the report.
func hostSizes(i int) (jsonBytes, protoBytes int) {
	h := withStatus(newHost(i), i)
	j, _ := jsonCodec.encode(h)
	p, _ := protoCodec.encode(h)
	return len(j), len(p)
}
