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
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/fuzzer"
)

// TestRoundTripTypes fuzzes every type of the group and checks that internal → versioned →
// internal (JSON and YAML) loses nothing.
func TestRoundTripTypes(t *testing.T) {
	roundtrip.RoundTripTestForAPIGroup(t, Install, fuzzer.Funcs)
}

// TestRoundTripProtobuf does the same through protobuf, the wire format the generated clientset
// prefers: internal → versioned → protobuf → versioned → internal, and versioned → protobuf →
// versioned, for every kind of the group. It fails when generated.pb.go is out of step with the
// types (a field without a protobuf tag, or a message that drops one).
func TestRoundTripProtobuf(t *testing.T) {
	roundtrip.RoundTripProtobufTestForAPIGroup(t, Install, fuzzer.Funcs)
}
