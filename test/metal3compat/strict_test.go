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
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
	sigsjson "sigs.k8s.io/json"
)

// extensions are the fields the server may return that Metal3's v0.12.0 types do not know,
// each with the reason it exists. Any other unknown field fails the test: a client decoding
// strictly (or a future Metal3 version that names the field differently) would break on it.
// Paths are JSON paths from the object's root, list indices written as [].
var extensions = map[string]string{
	// Fields of Metal3's API newer than v0.12.0 (baremetal-operator main has them with the
	// same JSON names and types; a v0.12.0 client drops them, as it would from Metal3's own CRD).
	"status.conditions":                                         "Metal3 after v0.12.0: host conditions",
	"status.provisioningFailCount":                              "Metal3 after v0.12.0: failed provisioning attempts",
	"status.lastAttemptedImage":                                 "Metal3 after v0.12.0: the image of the last provisioning attempt",
	"spec.networkInterfaces":                                    "Metal3 after v0.12.0: the host's network interfaces",
	"spec.image.ociAuthSecretName":                              "Metal3 after v0.12.0: pull secret of an oci:// image",
	"status.provisioning.image.ociAuthSecretName":               "Metal3 after v0.12.0: pull secret of an oci:// image",
	"status.lastAttemptedImage.ociAuthSecretName":               "Metal3 after v0.12.0: pull secret of an oci:// image",
	"spec.raid.softwareRAIDVolumes[].rootVolume":                "Metal3 after v0.12.0: the software RAID volume holding the root file system",
	"status.provisioning.raid.softwareRAIDVolumes[].rootVolume": "Metal3 after v0.12.0: the software RAID volume holding the root file system",
	// This server's own additions (README: hardware facts, power draw).
	"status.hardware.gpus":              "this server: GPUs and accelerators found by inspection",
	"status.hardware.nics[].pciAddress": "this server: the PCI address of a NIC",
	"status.powerDraw":                  "this server: the last power reading of the BMC",
	"status.provisioning.endpoint":      "this server: the Ironic endpoint holding the host's record (several --ironic-endpoint)",
}

var listIndex = regexp.MustCompile(`\[[0-9]+\]`)

// strictDecoder decodes what the server returns into Metal3's types strictly: case-sensitive
// field names, no duplicates, and no unknown field but the documented extensions. It records
// which extensions it met.
type strictDecoder struct {
	mu   sync.Mutex
	seen map[string]int
}

func newStrictDecoder() *strictDecoder { return &strictDecoder{seen: map[string]int{}} }

// decode decodes data into obj; where names the response in failures. Decoding errors and
// fields that are neither Metal3's nor documented extensions fail t. prefix is stripped from
// unknown fields' paths ("items[]." for a list).
func (d *strictDecoder) decode(t testing.TB, where string, data []byte, obj any, prefix string) {
	t.Helper()
	strictErrs, err := sigsjson.UnmarshalStrict(data, obj)
	if err != nil {
		t.Errorf("%s: does not decode into Metal3's %T: %v\n%.3000s", where, obj, err, data)
		return
	}
	for _, e := range strictErrs {
		fe, ok := e.(sigsjson.FieldError)
		if !ok || !strings.HasPrefix(e.Error(), "unknown field") {
			t.Errorf("%s: %v", where, e)
			continue
		}
		path := strings.TrimPrefix(listIndex.ReplaceAllString(fe.FieldPath(), "[]"), prefix)
		if _, ok := extensions[path]; !ok {
			t.Errorf("%s: field %q is unknown to Metal3's %T and not a documented extension", where, path, obj)
			continue
		}
		d.mu.Lock()
		d.seen[path]++
		d.mu.Unlock()
	}
}

// report lists the extensions met, for the test log.
func (d *strictDecoder) report() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for p := range d.seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// apiGroup is Metal3's group, which the server serves with --serve-metal3-io; apiPrefix is its
// version's path.
var (
	apiGroup  = bmov1alpha1.GroupVersion.Group
	apiPrefix = "/apis/" + bmov1alpha1.GroupVersion.String()
)
