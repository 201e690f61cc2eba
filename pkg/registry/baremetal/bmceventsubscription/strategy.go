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

// Package bmceventsubscription holds the registry strategies of BMCEventSubscriptions (Metal3's
// kind): a webhook subscribed to the events of a host's BMC in spec, which cannot change after
// create, and the BMC's subscription ID or the last error in status.
package bmceventsubscription

import (
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

var (
	// Strategy is the strategy of BMCEventSubscriptions.
	Strategy = specstatus.NewStrategy(specstatus.Kind[*baremetal.BMCEventSubscription]{
		Name: "BMCEventSubscription",
		// A changed spec is a new generation, which validation then refuses: the spec is
		// immutable.
		Spec: specstatus.FieldOf(func(s *baremetal.BMCEventSubscription) *baremetal.BMCEventSubscriptionSpec { return &s.Spec }),
		// Whoever may write status (the reconciler) must not be able to redirect a host's
		// events.
		Status: specstatus.FieldOf(func(s *baremetal.BMCEventSubscription) *baremetal.BMCEventSubscriptionStatus { return &s.Status }),

		Validate:             validation.ValidateBMCEventSubscription,
		ValidateUpdate:       validation.ValidateBMCEventSubscriptionUpdate,
		ValidateStatusUpdate: validation.ValidateBMCEventSubscriptionStatusUpdate,
	})
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = specstatus.NewStatusStrategy(Strategy)
)
