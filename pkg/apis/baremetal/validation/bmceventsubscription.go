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
	"errors"
	"fmt"
	"net/url"
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// BMCEventSubscription follows Metal3's webhook (internal/webhooks/metal3.io/v1alpha1/
// bmceventsubscription_validation.go and _webhook.go): on create, spec.hostName and
// spec.destination are required, the destination must parse as an absolute URL with a path
// ("hostname-only destination must have a trailing slash") and spec.httpHeadersRef must be in
// the subscription's own namespace; on update the spec may not change at all ("subscriptions
// cannot be updated, please recreate it").
//
// Stricter than Metal3, for values that could never work: the destination must be http or
// https with a host (a Redfish BMC posts its events over HTTP; Ironic refuses a destination
// without a scheme and a host), the host name must be one a BareMetalHost can have, and the
// headers Secret must be named.

// supportedDestinationSchemes are those a Redfish event destination (protocol Redfish) takes.
var supportedDestinationSchemes = []string{"http", "https"}

// ValidateBMCEventSubscription validates a BMCEventSubscription on create.
func ValidateBMCEventSubscription(s *baremetal.BMCEventSubscription) field.ErrorList {
	if s == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no BMCEventSubscription to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&s.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateBMCEventSubscriptionSpec(&s.Spec, s.Namespace, specPath)...)
}

// ValidateBMCEventSubscriptionUpdate validates a BMCEventSubscription on update of the main
// resource: metadata may change (labels, finalizers), the spec may not, as in Metal3.
func ValidateBMCEventSubscriptionUpdate(s, old *baremetal.BMCEventSubscription) field.ErrorList {
	if s == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no BMCEventSubscription to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, metadataPath)
	const immutable = "field is immutable: a subscription cannot be updated, delete it and create another"
	spec, oldSpec := &s.Spec, &old.Spec
	if spec.HostName != oldSpec.HostName {
		allErrs = append(allErrs, field.Invalid(specPath.Child("hostName"), spec.HostName, immutable))
	}
	if spec.Destination != oldSpec.Destination {
		allErrs = append(allErrs, field.Invalid(specPath.Child("destination"), spec.Destination, immutable))
	}
	if spec.Context != oldSpec.Context {
		allErrs = append(allErrs, field.Invalid(specPath.Child("context"), spec.Context, immutable))
	}
	if ref, oldRef := spec.HTTPHeadersRef, oldSpec.HTTPHeadersRef; (ref == nil) != (oldRef == nil) || (ref != nil && *ref != *oldRef) {
		allErrs = append(allErrs, field.Invalid(specPath.Child("httpHeadersRef"), ref, immutable))
	}
	return allErrs
}

// ValidateBMCEventSubscriptionStatusUpdate validates a write to the status subresource: what
// the reconciler reports has no rules beyond the metadata's.
func ValidateBMCEventSubscriptionStatusUpdate(s, old *baremetal.BMCEventSubscription) field.ErrorList {
	if s == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no BMCEventSubscription to validate"))}
	}
	return apivalidation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, metadataPath)
}

func validateBMCEventSubscriptionSpec(spec *baremetal.BMCEventSubscriptionSpec, namespace string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.HostName == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("hostName"), "the name of the BareMetalHost whose BMC sends the events"))
	} else {
		for _, msg := range ValidateBareMetalHostName(spec.HostName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("hostName"), spec.HostName, "must be a BareMetalHost's name: "+msg))
		}
	}
	allErrs = append(allErrs, validateEventDestination(spec.Destination, fldPath.Child("destination"))...)
	if ref := spec.HTTPHeadersRef; ref != nil {
		refPath := fldPath.Child("httpHeadersRef")
		if ref.Name == "" {
			allErrs = append(allErrs, field.Required(refPath.Child("name"), "the name of the Secret holding the headers"))
		} else {
			allErrs = append(allErrs, validateSecretName(ref.Name, refPath.Child("name"))...)
		}
		// Metal3 wants the namespace spelt out, and its own: the server reads the Secret with
		// its own rights, and headers often carry credentials.
		if ref.Namespace != namespace {
			allErrs = append(allErrs, field.Invalid(refPath.Child("namespace"), ref.Namespace,
				fmt.Sprintf("must be the BMCEventSubscription's own namespace, %q", namespace)))
		}
	}
	return allErrs
}

// validateEventDestination applies Metal3's rule (url.ParseRequestURI, then a path) and asks
// for what a BMC can post to: http or https, and a host.
func validateEventDestination(raw string, fldPath *field.Path) field.ErrorList {
	if raw == "" {
		return field.ErrorList{field.Required(fldPath, "the webhook URL the BMC sends events to")}
	}
	u, err := url.ParseRequestURI(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return field.ErrorList{field.Invalid(fldPath, raw, fmt.Sprintf("must be an absolute URL: %v", err))}
	}
	if !slices.Contains(supportedDestinationSchemes, u.Scheme) {
		return field.ErrorList{field.Invalid(fldPath, raw, fmt.Sprintf("scheme %q is not supported; supported schemes: http, https", u.Scheme))}
	}
	if u.Host == "" {
		return field.ErrorList{field.Invalid(fldPath, raw, "must name a host, e.g. https://events.example.com/bmc/")}
	}
	if u.Path == "" {
		return field.ErrorList{field.Invalid(fldPath, raw, "must have a path: a destination of a host only must end with a slash")}
	}
	return nil
}
