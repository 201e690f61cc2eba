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

package install

import (
	"math/rand"
	"testing"

	apitestingfuzzer "k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/fuzzer"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// TestHostViewsAgree checks that the versioned host's views answer as the hub type's, whose
// rules they reuse through a reduced copy of the host: on random hosts, so a rule that starts
// reading a field the copy lacks fails here. States are drawn from the real ones, which random
// strings would never hit.
func TestHostViewsAgree(t *testing.T) {
	scheme := runtime.NewScheme()
	Install(scheme)
	codecs := serializer.NewCodecFactory(scheme)
	f := apitestingfuzzer.FuzzerFor(apitestingfuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, fuzzer.Funcs), rand.NewSource(1), codecs)
	states := []baremetal.ProvisioningState{baremetal.StateNone, baremetal.StateUnmanaged, baremetal.StateRegistering,
		baremetal.StateInspecting, baremetal.StateAvailable, baremetal.StateProvisioned, baremetal.StateDeleting}
	statuses := []baremetal.OperationalStatus{"", baremetal.OperationalStatusOK, baremetal.OperationalStatusError,
		baremetal.OperationalStatusDetached, baremetal.OperationalStatusServicing}
	for i := 0; i < 500; i++ {
		in := &baremetal.BareMetalHost{}
		f.Fill(in)
		in.Status.Provisioning.State = states[i%len(states)]
		in.Status.OperationalStatus = statuses[(i/len(states))%len(statuses)]
		if i%3 == 0 {
			in.Spec.BMC.Address = ""
		}
		switch i % 4 {
		case 0:
			in.Annotations = map[string]string{baremetal.InspectAnnotation: ""}
		case 1:
			in.Annotations = map[string]string{baremetal.InspectAnnotation: "disabled"}
		}
		if i%5 == 0 {
			in.Status.Hardware = nil
		}
		if i%2 == 0 {
			in.Status.ErrorType = baremetal.InspectionError
		}
		out := &v1alpha1.BareMetalHost{}
		if err := scheme.Convert(in, out, nil); err != nil {
			t.Fatal(err)
		}
		if a, b := in.PowerObserved(), out.PowerObserved(); a != b {
			t.Errorf("host %d: PowerObserved %v (hub) != %v (v1alpha1)", i, a, b)
		}
		if a, b := string(in.ObservedPower()), string(out.ObservedPower()); a != b {
			t.Errorf("host %d: ObservedPower %q (hub) != %q (v1alpha1)", i, a, b)
		}
		if a, b := string(in.DesiredPower()), string(out.DesiredPower()); a != b {
			t.Errorf("host %d: DesiredPower %q (hub) != %q (v1alpha1)", i, a, b)
		}
		if a, b := in.PowerPending(), out.PowerPending(); a != b {
			t.Errorf("host %d: PowerPending %v (hub) != %v (v1alpha1)", i, a, b)
		}
		st, msg := in.InspectionState()
		if vst, vmsg := out.InspectionState(); string(st) != string(vst) || msg != vmsg {
			t.Errorf("host %d: InspectionState %q, %q (hub) != %q, %q (v1alpha1)", i, st, msg, vst, vmsg)
		}
	}
}
