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

// Package firmwareschema holds the registry strategy of FirmwareSchemas (Metal3's kind: the
// BIOS attributes of one kind of hardware, which HostFirmwareSettings are judged against). It
// has no status: a schema is written whole, by the reconciler or by hand.
package firmwareschema

import (
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// Strategy is the strategy of FirmwareSchemas.
var Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.FirmwareSchema]{
	Name: "FirmwareSchema",
	// A changed schema is a new generation, so that whoever judged settings by it can tell.
	Spec: specstatus.FieldOf(func(s *baremetal.FirmwareSchema) *baremetal.FirmwareSchemaSpec { return &s.Spec }),

	Validate:       validation.ValidateFirmwareSchema,
	ValidateUpdate: validation.ValidateFirmwareSchemaUpdate,
})
