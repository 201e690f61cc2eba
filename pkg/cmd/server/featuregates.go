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
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/version"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/featuregate"
	baseversion "k8s.io/component-base/version"
)

func init() {
	utilruntime.Must(emulateLibraryRelease(utilfeature.DefaultMutableFeatureGate))
}

// emulateLibraryRelease makes the feature gates those of the Kubernetes release the server is
// built from. k8s.io/apiserver registers the "kube" component at init with an effective version
// taken from the binary's stamped version (k8s.io/component-base/version.gitVersion, v0.1.0-dev
// with make build) and sets the process's feature gates to emulate it: as Kubernetes 0.1, every
// gate introduced since is off. WatchList among them: a client-go informer's watch with
// sendInitialEvents got a 422 and fell back to LIST (found by test/metal3compat with the binary
// make builds; a binary built without -ldflags falls back to the library's release and was fine).
func emulateLibraryRelease(gate featuregate.MutableVersionedFeatureGate) error {
	release := version.MustParse(baseversion.DefaultKubeBinaryVersion)
	return gate.SetEmulationVersionAndMinCompatibilityVersion(release, release.SubtractMinor(1))
}
