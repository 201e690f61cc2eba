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

package server

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	baseversion "k8s.io/component-base/version"
)

// TestEmulateLibraryRelease: gates emulating the stamped version of a make build (v0.1.0-dev)
// have WatchList off; brought back to the library's release, it is on, as in kube-apiserver.
func TestEmulateLibraryRelease(t *testing.T) {
	if !utilfeature.DefaultFeatureGate.Enabled(features.WatchList) {
		t.Errorf("the server's WatchList gate is off (emulating %s)", utilfeature.DefaultMutableFeatureGate.EmulationVersion())
	}
	gate := utilfeature.DefaultMutableFeatureGate.DeepCopy()
	stamped := version.MustParse("0.1")
	if err := gate.SetEmulationVersionAndMinCompatibilityVersion(stamped, stamped); err != nil {
		t.Fatal(err)
	}
	if gate.Enabled(features.WatchList) {
		t.Fatalf("emulating 0.1, WatchList is on: the test no longer shows the problem")
	}
	if err := emulateLibraryRelease(gate); err != nil {
		t.Fatal(err)
	}
	if got, want := gate.EmulationVersion().String(), version.MustParse(baseversion.DefaultKubeBinaryVersion).String(); got != want || !gate.Enabled(features.WatchList) {
		t.Errorf("after emulateLibraryRelease: emulating %s (want %s), WatchList %v", got, want, gate.Enabled(features.WatchList))
	}
}
