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
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/install"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// decodeHost turns wire JSON into the internal host, as the server does before validating:
// decode into the versioned type, default, convert.
func decodeHost(scheme *runtime.Scheme, data []byte) (*baremetal.BareMetalHost, bool) {
	var in v1alpha1.BareMetalHost
	if json.Unmarshal(data, &in) != nil {
		return nil, false
	}
	scheme.Default(&in)
	out := &baremetal.BareMetalHost{}
	if scheme.Convert(&in, out, nil) != nil {
		return nil, false
	}
	return out, true
}

// checkFieldErrors asserts what API clients rely on in every field error: a path and a type.
func checkFieldErrors(t *testing.T, what string, errs field.ErrorList) {
	t.Helper()
	for _, e := range errs {
		if e.Field == "" || e.Type == "" {
			t.Fatalf("%s: field error without a path or type: %#v", what, e)
		}
	}
}

// FuzzValidateBareMetalHost runs every validation entry point (create, update, status update,
// warnings) on arbitrary hosts decoded from JSON, including the annotations whose values are
// themselves parsed (the status annotation Metal3 pivots hosts with, hardware details, reboot
// and inspect). Seeds: the example manifests and the hosts of the table tests.
func FuzzValidateBareMetalHost(f *testing.F) {
	examples, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "artifacts", "examples", "*.yaml"))
	for _, file := range examples {
		if y, err := os.ReadFile(file); err == nil {
			if j, err := yaml.YAMLToJSON(y); err == nil {
				f.Add(j)
			}
		}
	}
	scheme := runtime.NewScheme()
	install.Install(scheme)
	seed := func(h *baremetal.BareMetalHost) {
		out := &v1alpha1.BareMetalHost{}
		if scheme.Convert(h, out, nil) == nil {
			if j, err := json.Marshal(out); err == nil {
				f.Add(j)
			}
		}
	}
	seed(validHost())
	for _, m := range []func(*baremetal.BareMetalHost){
		withAnnotation(v1alpha1.StatusAnnotation, `{"operationalStatus":"OK","provisioning":{"state":"provisioned","ID":"x"},"poweredOn":true}`),
		withAnnotation(v1alpha1.StatusAnnotation, `{"errorType":"bogus"}`),
		withAnnotation(v1alpha1.HardwareDetailsAnnotation, `{"cpu":{"count":4},"ramMebibytes":1024,"nics":[{"mac":"00:11:22:33:44:55"}]}`),
		withAnnotation(v1alpha1.RebootAnnotationPrefix, `{"mode":"hard"}`),
		withAnnotation(v1alpha1.RebootAnnotationPrefix+"/remediation", ``),
		withAnnotation(v1alpha1.InspectAnnotationPrefix, "disabled"),
		withBMC("ipmi://[fd00::1]:623"),
		withState(baremetal.StateProvisioned),
		withRAID(&baremetal.RAIDConfig{SoftwareRAIDVolumes: []baremetal.SoftwareRAIDVolume{{Level: "1"}}}),
		withNetworkInterfaces(
			baremetal.NetworkInterface{Name: "eth0", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{Name: "a1", Namespace: "net"}},
			baremetal.NetworkInterface{MACAddress: "00:11:22:33:44:55", SwitchPort: &baremetal.SwitchPort{SwitchID: "0c:42:a1:00:00:01", PortID: "Ethernet1/1"}},
			baremetal.NetworkInterface{MACAddress: "00:11:22:33:44:55", Name: "eth0"},
			baremetal.NetworkInterface{Name: "ETH0", HostNetworkAttachment: &baremetal.HostNetworkAttachmentRef{}},
		),
	} {
		h := validHost()
		m(h)
		seed(h)
	}
	f.Add([]byte(`{"metadata":{"name":"..","annotations":{"baremetalhost.metal3.io/status":"null"}},"spec":{"bmc":{"address":"x"}}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		h, ok := decodeHost(scheme, data)
		if !ok {
			return
		}
		h.Namespace = testNamespace
		old := validHost()
		for _, opts := range []Options{{}, {AllowTestBMCSchemes: true}} {
			checkFieldErrors(t, "create", ValidateBareMetalHost(h, opts))
			checkFieldErrors(t, "update", ValidateBareMetalHostUpdate(h, old, opts))
			checkFieldErrors(t, "update from itself", ValidateBareMetalHostUpdate(h, h.DeepCopy(), opts))
		}
		checkFieldErrors(t, "status update", ValidateBareMetalHostStatusUpdate(h, old))
		_ = WarningsForBareMetalHost(h)
		_ = ValidateBareMetalHostName(h.Name, false)
	})
}

// FuzzHostAnnotations reaches the parsers behind annotations more directly than whole-object
// JSON can: the value is arbitrary, the key one of the parsed annotations.
func FuzzHostAnnotations(f *testing.F) {
	keys := []string{v1alpha1.StatusAnnotation, v1alpha1.HardwareDetailsAnnotation, v1alpha1.RebootAnnotationPrefix,
		v1alpha1.RebootAnnotationPrefix + "/capm3-remediation", v1alpha1.InspectAnnotationPrefix, v1alpha1.DetachedAnnotation,
		v1alpha1.PausedAnnotation}
	for i, v := range []string{
		`{"operationalStatus":"OK","provisioning":{"state":"provisioned","ID":"x"},"poweredOn":true}`,
		`{"cpu":{"arch":"x86_64","count":4},"ramMebibytes":1024,"storage":[{"name":"/dev/sda","sizeBytes":1}]}`,
		`{"mode":"soft"}`, ``, `disabled`, `{"deleteAction":"delay"}`, `x`,
	} {
		f.Add(uint8(i), v)
	}
	f.Add(uint8(0), `{"errorCount":-1,"operationHistory":{"provision":{"start":"garbage"}}}`)
	f.Add(uint8(1), `{"nics":[{"mac":"zz"}],"cpu":{"count":-5}}`)
	f.Fuzz(func(t *testing.T, key uint8, value string) {
		h := validHost()
		h.Annotations = map[string]string{keys[int(key)%len(keys)]: value}
		if key%2 == 1 {
			// Inspection disabled, so the hardware details annotation is allowed to apply.
			h.Spec.InspectionMode = baremetal.InspectionModeDisabled
		}
		checkFieldErrors(t, "create", ValidateBareMetalHost(h, Options{}))
		checkFieldErrors(t, "update", ValidateBareMetalHostUpdate(h, validHost(), Options{}))
		_ = WarningsForBareMetalHost(h)
	})
}
