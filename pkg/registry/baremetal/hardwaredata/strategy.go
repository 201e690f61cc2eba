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

// Package hardwaredata holds the registry strategy of HardwareData: what the server does to an
// object on create and update before it reaches etcd (generation, validation), and its table.
// HardwareData has a spec only, as in Metal3: no status, so no status subresource and no
// reset fields.
package hardwaredata

import (
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// Strategy is the one strategy of HardwareData: nothing in it depends on server options.
var Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.HardwareData]{
	Name: "HardwareData",
	// A new inventory (a new inspection) is a new generation; a change of metadata only (owner
	// references, finalizers, labels) is not, as for a CRD without a status subresource.
	Spec: specstatus.FieldOf(func(hd *baremetal.HardwareData) *baremetal.HardwareDataSpec { return &hd.Spec }),

	Validate:       validation.ValidateHardwareData,
	ValidateUpdate: validation.ValidateHardwareDataUpdate,
})
