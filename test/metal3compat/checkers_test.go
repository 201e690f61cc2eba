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
	"slices"
	"strings"
	"testing"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
)

// recorder is a testing.TB that keeps failures instead of failing, to test the checkers.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}

// TestStrictDecoder: the checker the suite relies on accepts Metal3's fields and the documented
// extensions, and fails on anything else.
func TestStrictDecoder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		json     string
		wantErrs int
		wantSeen string
	}{
		{"Metal3's fields only", `{"spec":{"online":true,"bmc":{"address":"fake://x","credentialsName":"s"}},"status":{"poweredOn":true}}`, 0, ""},
		{"a documented extension", `{"status":{"hardware":{"gpus":[{"vendor":"NVIDIA"}],"nics":[{"mac":"aa","pciAddress":"0000:01:00.0"}]}}}`, 0,
			"status.hardware.gpus, status.hardware.nics[].pciAddress"},
		{"an undocumented field", `{"spec":{"bmcDetails":{}}}`, 1, ""},
		{"an undocumented field in a list element", `{"status":{"hardware":{"nics":[{"mac":"aa","speedMbps":1}]}}}`, 1, ""},
		{"a field in the wrong case", `{"spec":{"Online":true}}`, 1, ""},
		{"a duplicate field", `{"spec":{"online":true,"online":false}}`, 1, ""},
		{"a field of the wrong type", `{"status":{"errorCount":"3"}}`, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			d := newStrictDecoder()
			d.decode(r, tc.name, []byte(tc.json), &bmov1alpha1.BareMetalHost{}, "")
			if len(r.errs) != tc.wantErrs {
				t.Errorf("%d failures, want %d: %v", len(r.errs), tc.wantErrs, r.errs)
			}
			if got := d.report(); got != tc.wantSeen {
				t.Errorf("extensions met %q, want %q", got, tc.wantSeen)
			}
		})
	}
	t.Run("list items", func(t *testing.T) {
		r := &recorder{TB: t}
		d := newStrictDecoder()
		d.decode(r, "list", []byte(`{"items":[{"status":{"powerDraw":{"watts":1}}}]}`), &bmov1alpha1.BareMetalHostList{}, "items[].")
		if len(r.errs) != 0 || d.report() != "status.powerDraw" {
			t.Errorf("failures %v, extensions met %q", r.errs, d.report())
		}
	})
}

// TestUnsetFields: the completeness check finds a field left empty in every object, and counts
// one set in any of them.
func TestUnsetFields(t *testing.T) {
	full := fullHost("a", false)
	if got := unsetFields(full, fullHost("b", true)); !slices.Equal(got, []string{"spec.firmware"}) {
		t.Errorf("the round-trip hosts leave %v empty, want only spec.firmware", got)
	}
	// Software RAID is only in the second host.
	if got := unsetFields(full); !slices.Contains(got, "spec.raid.softwareRAIDVolumes") {
		t.Errorf("one hardware-RAID host: %v lacks spec.raid.softwareRAIDVolumes", got)
	}
	full.Status.HardwareDetails.NIC[0].LLDP.PortID = ""
	full.Spec.Taints = nil
	got := strings.Join(unsetFields(full), " ")
	for _, want := range []string{"status.hardware.nics[].lldp.portID", "spec.taints"} {
		if !strings.Contains(got, want) {
			t.Errorf("unset fields %q lack %s", got, want)
		}
	}
}
