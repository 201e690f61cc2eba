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

// Package hostfirmwarecomponents holds the registry strategies of HostFirmwareComponents
// (Metal3's kind): firmware updates wanted for a host's components in spec, the components'
// versions in status.
package hostfirmwarecomponents

import (
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

var (
	// Strategy is the strategy of HostFirmwareComponents.
	Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.HostFirmwareComponents]{
		Name: "HostFirmwareComponents",
		// Other updates wanted are a new generation: Metal3's controller reconciles on a new
		// generation.
		Spec: specstatus.FieldOf(func(hfc *baremetal.HostFirmwareComponents) *baremetal.HostFirmwareComponentsSpec { return &hfc.Spec }),
		// Whoever may write status (the reconciler) must not be able to ask for a firmware
		// update.
		Status: specstatus.FieldOf(func(hfc *baremetal.HostFirmwareComponents) *baremetal.HostFirmwareComponentsStatus {
			return &hfc.Status
		}),

		Validate:             validation.ValidateHostFirmwareComponents,
		ValidateUpdate:       validation.ValidateHostFirmwareComponentsUpdate,
		ValidateStatusUpdate: validation.ValidateHostFirmwareComponentsStatusUpdate,
	})
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = specstatus.NewStatusStrategy(Strategy)
)
