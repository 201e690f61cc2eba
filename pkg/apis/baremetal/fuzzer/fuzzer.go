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

// Package fuzzer fills BareMetalHosts with random values for round-trip tests. Its functions
// keep the invariants defaulting would otherwise restore on decode, so that a round trip
// through any version compares equal.
package fuzzer

import (
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// Funcs returns the fuzzer functions of the baremetal API group.
var Funcs = func(codecs runtimeserializer.CodecFactory) []interface{} {
	return []interface{}{
		func(s *baremetal.BareMetalHostSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if s.BootMode == "" {
				s.BootMode = baremetal.DefaultBootMode
			}
			if s.AutomatedCleaningMode == "" {
				s.AutomatedCleaningMode = baremetal.CleaningModeMetadata
			}
		},
		func(s *baremetal.RebootRequestSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if s.Mode == "" {
				s.Mode = baremetal.RebootModeSoft
			}
		},
		func(img *baremetal.Image, c randfill.Continue) {
			c.FillNoCustom(img)
			if img.Checksum != "" && img.ChecksumType == "" {
				img.ChecksumType = baremetal.ChecksumAuto
			}
		},
	}
}
