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
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// listHosts are hosts of two namespaces. The server's table measures AGE from its own clock,
// so they are created relative to the real one.
func listHosts() []*v1alpha1.BareMetalHost {
	now := time.Now()
	broken := newTestHost("b-broken", func(h *v1alpha1.BareMetalHost) {
		h.Status.Provisioning.State = v1alpha1.StateRegistering
		h.Status.OperationalStatus = v1alpha1.OperationalStatusError
		h.Status.ErrorType = v1alpha1.RegistrationError
		h.Status.ErrorMessage = "Failed to get power state for node 1234: HTTP 401 Unauthorized from the BMC"
		h.CreationTimestamp = metav1.NewTime(now.Add(-3 * 24 * time.Hour))
	})
	ready := newTestHost("a-ready", available, func(h *v1alpha1.BareMetalHost) {
		h.Labels = map[string]string{"rack": "r1"}
		h.Spec.Online = false
		h.Spec.ConsumerRef = &v1alpha1.ObjectReference{Name: "claim-0"}
		h.Status.Hardware = testHardware.DeepCopy()
		h.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	})
	other := newTestHost("c-other", func(h *v1alpha1.BareMetalHost) {
		h.Namespace = "lab"
		h.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	})
	return []*v1alpha1.BareMetalHost{broken, other, ready}
}

// TestList: the default and wide formats print the server's table with kubectl's printer
// (NAMESPACE with -A, label columns, no headers); the others print the hosts themselves.
func TestList(t *testing.T) {
	hosts := listHosts()
	h := newHarness(t, hosts[0], hosts[1], hosts[2])
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list"}, `NAME       STATE         CONSUMER   ONLINE   ERROR                AGE
a-ready    available     claim-0    false                         120m
b-broken   registering              true     registration error   3d
`},
		{[]string{"list", "-A", "-o", "wide"}, `NAMESPACE   NAME       STATE         CONSUMER   ONLINE   ERROR                AGE    STATUS   BMC                                               POWERED     HARDWARE          GPUS   POWER DRAW
default     a-ready    available     claim-0    false                         120m   OK       redfish://192.0.2.1/redfish/v1/Systems/a-ready    On          40 CPU, 256 GiB          
default     b-broken   registering              true     registration error   3d     error    redfish://192.0.2.1/redfish/v1/Systems/b-broken   <unknown>                            
lab         c-other                             true                          120m            redfish://192.0.2.1/redfish/v1/Systems/c-other    <unknown>                            
`},
		{[]string{"list", "-L", "rack", "--no-headers"}, `a-ready    available     claim-0   false                        120m   r1
b-broken   registering             true    registration error   3d     
`},
		{[]string{"list", "-o", "name"}, `baremetalhost.baremetal.metal3.io/a-ready
baremetalhost.baremetal.metal3.io/b-broken
`},
		{[]string{"list", "-o", "custom-columns=NAME:.metadata.name,STATE:.status.provisioning.state"}, `NAME       STATE
a-ready    available
b-broken   registering
`},
		{[]string{"list", "-l", "rack=r1", "-o", "jsonpath={.kind} {.items[*].kind} {.items[*].metadata.name}"}, `List BareMetalHost a-ready`},
		{[]string{"list", "--template", "{{range .items}}{{.metadata.name}} {{end}}"}, `a-ready b-broken `},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			h.out.buf.Reset()
			h.errOut.buf.Reset()
			if code := h.run(tc.args...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.errOut)
			}
			if got := h.out.String(); got != tc.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestListJSON: -o json and -o yaml print a v1 List of whole hosts, each with its kind, as
// kubectl get does.
func TestListJSON(t *testing.T) {
	hosts := listHosts()
	h := newHarness(t, hosts[0], hosts[1], hosts[2])
	if code := h.run("list", "-A", "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	var list struct {
		Kind  string                   `json:"kind"`
		Items []v1alpha1.BareMetalHost `json:"items"`
	}
	if err := json.Unmarshal([]byte(h.out.String()), &list); err != nil {
		t.Fatalf("%v:\n%s", err, h.out)
	}
	var names []string
	for _, item := range list.Items {
		names = append(names, item.Kind+" "+item.Namespace+"/"+item.Name+" "+item.Spec.BMC.Address)
	}
	want := []string{
		"BareMetalHost default/a-ready redfish://192.0.2.1/redfish/v1/Systems/a-ready",
		"BareMetalHost default/b-broken redfish://192.0.2.1/redfish/v1/Systems/b-broken",
		"BareMetalHost lab/c-other redfish://192.0.2.1/redfish/v1/Systems/c-other",
	}
	if list.Kind != "List" || !reflect.DeepEqual(names, want) {
		t.Errorf("kind %q, items %q; want List of %q", list.Kind, names, want)
	}
	h.out.buf.Reset()
	if code := h.run("list", "-o", "yaml", "-l", "rack=r1"); code != 0 ||
		!strings.HasPrefix(h.out.String(), "apiVersion: v1\nitems:\n- apiVersion: baremetal.metal3.io/v1alpha1\n  kind: BareMetalHost\n") {
		t.Errorf("-o yaml: exit %d\n%s", code, h.out)
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
}
