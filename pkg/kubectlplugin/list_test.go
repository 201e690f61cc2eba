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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func listHosts() []*v1alpha1.BareMetalHost {
	broken := newTestHost("b-broken", func(h *v1alpha1.BareMetalHost) {
		h.Status.Provisioning.State = v1alpha1.StateRegistering
		h.Status.OperationalStatus = v1alpha1.OperationalStatusError
		h.Status.ErrorType = v1alpha1.RegistrationError
		h.Status.ErrorMessage = "Failed to get power state for node 1234: HTTP 401 Unauthorized from the BMC"
		h.CreationTimestamp = metav1.NewTime(testNow.Add(-3 * 24 * time.Hour))
	})
	ready := newTestHost("a-ready", available, func(h *v1alpha1.BareMetalHost) {
		h.Spec.Online = false
		h.Status.Hardware = testHardware.DeepCopy()
	})
	other := newTestHost("c-other", func(h *v1alpha1.BareMetalHost) { h.Namespace = "lab" })
	return []*v1alpha1.BareMetalHost{broken, other, ready}
}

func TestList(t *testing.T) {
	hosts := listHosts()
	h := newHarness(t, hosts[0], hosts[1], hosts[2])
	if code := h.run("list"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	want := `NAME       STATE         POWER          STATUS   ERROR                                              AGE
a-ready    available     Off/On         OK       <none>                                             120m
b-broken   registering   On/<unknown>   error    Failed to get power state for node 1234: HTTP 4…   3d
`
	if got := h.out.String(); got != want {
		t.Errorf("list:\n%s\nwant:\n%s", got, want)
	}

	h.out.buf.Reset()
	if code := h.run("list", "-A", "-o", "wide"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	lines := strings.Split(strings.TrimSpace(h.out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("list -A -o wide:\n%s", h.out)
	}
	for _, col := range []string{"NAMESPACE", "BMC", "HARDWARE"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header lacks %s: %s", col, lines[0])
		}
	}
	for i, want := range []string{"default a-ready", "default b-broken", "lab c-other"} {
		if got := strings.Join(strings.Fields(lines[i+1])[:2], " "); got != want {
			t.Errorf("row %d starts with %q, want %q (sorted by namespace, name)", i+1, got, want)
		}
	}
	if !strings.Contains(lines[1], "40 CPUs, 256 GiB RAM, 2 NICs, 2 disks") || !strings.Contains(lines[1], "redfish://192.0.2.1/redfish/v1/Systems/a-ready") {
		t.Errorf("wide row lacks BMC or hardware: %s", lines[1])
	}
	if !strings.Contains(lines[2], "HTTP 401 Unauthorized from the BMC") {
		t.Errorf("wide row truncates the error: %s", lines[2])
	}
}

func TestListEmpty(t *testing.T) {
	h := newHarness(t)
	if code := h.run("list", "-l", "rack=r9"); code != 0 || h.out.String() != "" || h.errOut.String() != "No resources found in namespace default.\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, h.out, h.errOut)
	}
}

func TestSizes(t *testing.T) {
	for in, want := range map[int64]string{
		999: "999 B", 1000: "1.0 kB", 480103981056: "480 GB", 1920383410176: "1.9 TB", 10_000_000_000_000: "10 TB",
	} {
		if got := decimalBytes(in); got != want {
			t.Errorf("decimalBytes(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int32]string{512: "512 MiB", 1024: "1 GiB", 1536: "1.5 GiB", 262144: "256 GiB"} {
		if got := mebibytes(in); got != want {
			t.Errorf("mebibytes(%d) = %q, want %q", in, got, want)
		}
	}
	if got := hardwareSummary(&v1alpha1.HardwareDetails{CPU: v1alpha1.CPU{Count: 1}, RAMMebibytes: 2048, NICs: make([]v1alpha1.NIC, 1)}); got != "1 CPUs, 2 GiB RAM, 1 NIC, 0 disks" {
		t.Errorf("hardwareSummary = %q", got)
	}
}
