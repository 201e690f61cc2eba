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

package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime"
)

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// SetDefaults_BareMetalHostSpec fills the defaults Metal3 applies, so that clients read the
// effective value instead of guessing what an empty field means.
func SetDefaults_BareMetalHostSpec(obj *BareMetalHostSpec) {
	if obj.BootMode == "" {
		obj.BootMode = DefaultBootMode
	}
	if obj.AutomatedCleaningMode == "" {
		obj.AutomatedCleaningMode = CleaningModeMetadata
	}
}

// SetDefaults_Image defaults the checksum algorithm to auto-detection, as Ironic does.
func SetDefaults_Image(obj *Image) {
	if obj.ChecksumType == "" && obj.Checksum != "" {
		obj.ChecksumType = ChecksumAuto
	}
}

// SetDefaults_RebootRequestSpec makes a reboot soft unless asked otherwise, as Metal3 does.
func SetDefaults_RebootRequestSpec(obj *RebootRequestSpec) {
	if obj.Mode == "" {
		obj.Mode = RebootModeSoft
	}
}
