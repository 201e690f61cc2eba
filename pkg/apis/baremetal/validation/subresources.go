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
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// ValidatePower checks a Power written to baremetalhosts/power.
func ValidatePower(p *baremetal.Power) field.ErrorList {
	var errs field.ErrorList
	switch p.Spec.State {
	case baremetal.PowerOn, baremetal.PowerOff:
	case "":
		errs = append(errs, field.Required(field.NewPath("spec", "state"), "must be On or Off"))
	default:
		errs = append(errs, field.NotSupported(field.NewPath("spec", "state"), p.Spec.State,
			[]baremetal.PowerState{baremetal.PowerOn, baremetal.PowerOff}))
	}
	return errs
}

// ValidateRebootRequest checks a RebootRequest posted to baremetalhosts/reboot.
func ValidateRebootRequest(r *baremetal.RebootRequest) field.ErrorList {
	var errs field.ErrorList
	switch r.Spec.Mode {
	case baremetal.RebootModeSoft, baremetal.RebootModeHard:
	default:
		errs = append(errs, field.NotSupported(field.NewPath("spec", "mode"), r.Spec.Mode,
			[]baremetal.RebootMode{baremetal.RebootModeSoft, baremetal.RebootModeHard}))
	}
	return errs
}
