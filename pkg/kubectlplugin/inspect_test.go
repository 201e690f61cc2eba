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

package kubectlplugin

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

var testHardware = &v1alpha1.HardwareDetails{
	SystemVendor: v1alpha1.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R640", SerialNumber: "ABC123"},
	RAMMebibytes: 262144,
	CPU:          v1alpha1.CPU{Arch: "x86_64", Model: "Intel(R) Xeon(R) Gold 6230", Count: 40, ClockMegahertz: 2100},
	NICs: []v1alpha1.NIC{
		{Name: "eno1", MAC: "52:54:00:6b:3c:10", SpeedGbps: 10, PXE: true},
		{Name: "eno2np1", MAC: "52:54:00:6b:3c:11", SpeedGbps: 25, IP: "192.0.2.7"},
	},
	Storage: []v1alpha1.Storage{
		{Name: "/dev/sda", SizeBytes: 480103981056, Type: v1alpha1.DiskTypeSSD, Model: "INTEL SSDSC2KB48"},
		{Name: "/dev/nvme0n1", SizeBytes: 1920383410176, Type: v1alpha1.DiskTypeNVME},
	},
}

// inspect --wait: Pending until the reconciler takes the request, InProgress while inspecting,
// then the inventory. The previous inventory (Completed before the request) must not end it.
func TestInspectWait(t *testing.T) {
	h := newHarness(t, newTestHost("h0", available, func(host *v1alpha1.BareMetalHost) {
		host.Status.Hardware = &v1alpha1.HardwareDetails{CPU: v1alpha1.CPU{Count: 2}}
		host.Status.OperationHistory.Inspect.End = metav1.NewTime(testNow.Add(-time.Hour))
	}))
	result := h.runAsync("inspect", "h0", "--wait", "--timeout=1m")
	h.awaitFollowing()
	// The reconciler takes the request: annotation gone, host inspecting.
	h.change("h0", func(host *v1alpha1.BareMetalHost) {
		delete(host.Annotations, v1alpha1.InspectAnnotationPrefix)
		host.Status.Provisioning.State = v1alpha1.StateInspecting
		host.Status.OperationHistory.Inspect.Start = metav1.NewTime(testNow)
	})
	h.out.await(t, "Pending -> InProgress")
	h.change("h0", func(host *v1alpha1.BareMetalHost) {
		host.Status.Provisioning.State = v1alpha1.StateAvailable
		host.Status.Hardware = testHardware.DeepCopy()
		host.Status.OperationHistory.Inspect.End = metav1.NewTime(testNow.Add(192 * time.Second))
	})
	if code := result(); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, h.out, h.errOut)
	}
	want := `h0: inspection accepted
h0: inspection Pending (waiting, timeout 1m0s)
h0: inspection Pending -> InProgress (0s)
h0: inspection InProgress -> Completed (0s)
h0: inspection completed in 3m12s
  System: Dell Inc. PowerEdge R640 (serial ABC123)
  CPUs:   40 x Intel(R) Xeon(R) Gold 6230 (x86_64, 2100 MHz)
  RAM:    256 GiB
  NICs:   2
    eno1     52:54:00:6b:3c:10  10 Gbps             PXE
    eno2np1  52:54:00:6b:3c:11  25 Gbps  192.0.2.7
  Disks:  2, 2.4 TB total
    /dev/sda      480 GB  SSD   INTEL SSDSC2KB48
    /dev/nvme0n1  1.9 TB  NVME
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

func TestInspectWaitFailed(t *testing.T) {
	h := newHarness(t, newTestHost("h0", available))
	result := h.runAsync("inspect", "h0", "--wait")
	h.awaitFollowing()
	h.change("h0", func(host *v1alpha1.BareMetalHost) {
		delete(host.Annotations, v1alpha1.InspectAnnotationPrefix)
		host.Status.Provisioning.State = v1alpha1.StateInspecting
		host.Status.ErrorType = v1alpha1.InspectionError
		host.Status.ErrorMessage = "ramdisk did not call back"
	})
	if code := result(); code != 1 || h.errOut.String() != "error: host default/h0: inspection failed: ramdisk did not call back\n" {
		t.Errorf("exit %d, stderr %q", code, h.errOut)
	}
}

func TestInspectRefused(t *testing.T) {
	h := newHarness(t, newTestHost("h0", func(host *v1alpha1.BareMetalHost) {
		host.Status.Provisioning.State = v1alpha1.StateProvisioning
	}))
	if code := h.run("inspect", "h0"); code != 1 || h.errOut.String() != "error: host default/h0: cannot inspect: the host is provisioning\n" {
		t.Errorf("exit %d, stderr %q", code, h.errOut)
	}
	if code := h.run("inspect", "h0", "--wait"); code != 1 || len(h.actions("watch", "")) != 0 {
		t.Errorf("--wait after a refusal: exit %d, %d watches", code, len(h.actions("watch", "")))
	}
}
