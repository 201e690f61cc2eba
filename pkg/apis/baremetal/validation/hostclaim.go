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
	"regexp"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// HostClaim follows Metal3's CRD and webhook (internal/webhooks/metal3.io/v1alpha1/
// hostclaim_validation.go): the selector must be one the server can evaluate, the image one
// a host would accept, the Secrets in the claim's namespace.

// ValidateHostClaim validates a HostClaim on create.
func ValidateHostClaim(c *baremetal.HostClaim) field.ErrorList {
	if c == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostClaim to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&c.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateHostClaimSpec(c, specPath)...)
}

// ValidateHostClaimUpdate validates an update of the main resource: the create rules again.
func ValidateHostClaimUpdate(c, old *baremetal.HostClaim) field.ErrorList {
	if c == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostClaim to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateHostClaimSpec(c, specPath)...)
}

// ValidateHostClaimStatusUpdate validates a status write: the host held is named in full.
func ValidateHostClaimStatusUpdate(c, old *baremetal.HostClaim) field.ErrorList {
	if c == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostClaim to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, metadataPath)
	if ref := c.Status.BareMetalHost; ref != nil {
		p := statusPath.Child("bareMetalHost")
		if ref.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), "the host held"))
		}
		if ref.Namespace == "" {
			allErrs = append(allErrs, field.Required(p.Child("namespace"), "the namespace of the host held"))
		}
	}
	return append(allErrs, metav1validation.ValidateConditions(c.Status.Conditions, statusPath.Child("conditions"))...)
}

func validateHostClaimSpec(c *baremetal.HostClaim, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	spec := &c.Spec
	if spec.Image != nil {
		allErrs = append(allErrs, validateImage(spec.Image, p.Child("image"))...)
	}
	if spec.CustomDeploy != nil {
		allErrs = append(allErrs, validateCustomDeploy(spec.CustomDeploy, p.Child("customDeploy"))...)
	}
	allErrs = append(allErrs, validateSecretReference(spec.UserData, c.Namespace, p.Child("userData"))...)
	allErrs = append(allErrs, validateSecretReference(spec.NetworkData, c.Namespace, p.Child("networkData"))...)
	allErrs = append(allErrs, validateSecretReference(spec.MetaData, c.Namespace, p.Child("metaData"))...)
	if spec.ConsumerRef != nil {
		allErrs = append(allErrs, validateConsumerRef(spec.ConsumerRef, p.Child("consumerRef"))...)
	}
	sel := p.Child("hostSelector")
	if _, errs := HostSelectorAsLabelSelector(&spec.HostSelector, sel); len(errs) > 0 {
		allErrs = append(allErrs, errs...)
	}
	if ns := spec.HostSelector.InNamespace; ns != "" {
		for _, msg := range apivalidation.ValidateNamespaceName(ns, false) {
			allErrs = append(allErrs, field.Invalid(sel.Child("inNamespace"), ns, msg))
		}
	}
	if fd := spec.FailureDomain; fd != "" {
		for _, msg := range utilvalidation.IsValidLabelValue(fd) {
			allErrs = append(allErrs, field.Invalid(p.Child("failureDomain"), fd, msg))
		}
	}
	return allErrs
}

// hostSelectorOperators are the operators of matchExpressions, as k8s.io/apimachinery's
// label selectors spell them (Metal3's field is a selection.Operator).
var hostSelectorOperators = []string{
	string(selection.In), string(selection.NotIn), string(selection.Exists), string(selection.DoesNotExist),
	string(selection.Equals), string(selection.DoubleEquals), string(selection.NotEquals),
	string(selection.GreaterThan), string(selection.LessThan),
}

// HostSelectorAsLabelSelector turns a claim's selector into the label selector hosts are
// matched with, or says, field by field, why it cannot.
func HostSelectorAsLabelSelector(s *baremetal.HostSelector, p *field.Path) (labels.Selector, field.ErrorList) {
	var allErrs field.ErrorList
	allErrs = append(allErrs, metav1validation.ValidateLabels(s.MatchLabels, p.Child("matchLabels"))...)
	sel := labels.NewSelector()
	for k, v := range s.MatchLabels {
		r, err := labels.NewRequirement(k, selection.Equals, []string{v})
		if err == nil {
			sel = sel.Add(*r)
		}
	}
	for i, e := range s.MatchExpressions {
		ep := p.Child("matchExpressions").Index(i)
		known := false
		for _, op := range hostSelectorOperators {
			known = known || e.Operator == op
		}
		if !known {
			allErrs = append(allErrs, field.NotSupported(ep.Child("operator"), e.Operator, hostSelectorOperators))
			continue
		}
		r, err := labels.NewRequirement(e.Key, selection.Operator(e.Operator), e.Values)
		if err != nil {
			allErrs = append(allErrs, field.Invalid(ep, e, err.Error()))
			continue
		}
		sel = sel.Add(*r)
	}
	return sel, allErrs
}

// ValidateHostDeployPolicy validates a HostDeployPolicy on create.
func ValidateHostDeployPolicy(p *baremetal.HostDeployPolicy) field.ErrorList {
	if p == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostDeployPolicy to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMeta(&p.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
	return append(allErrs, validateHostDeployPolicySpec(&p.Spec)...)
}

// ValidateHostDeployPolicyUpdate validates an update: the create rules again.
func ValidateHostDeployPolicyUpdate(p, old *baremetal.HostDeployPolicy) field.ErrorList {
	if p == nil || old == nil {
		return field.ErrorList{field.InternalError(nil, errors.New("no HostDeployPolicy to validate"))}
	}
	allErrs := apivalidation.ValidateObjectMetaUpdate(&p.ObjectMeta, &old.ObjectMeta, metadataPath)
	return append(allErrs, validateHostDeployPolicySpec(&p.Spec)...)
}

func validateHostDeployPolicySpec(spec *baremetal.HostDeployPolicySpec) field.ErrorList {
	c := spec.HostClaimNamespaces
	if c == nil {
		return nil
	}
	var allErrs field.ErrorList
	p := specPath.Child("hostClaimNamespaces")
	for i, n := range c.Names {
		for _, msg := range apivalidation.ValidateNamespaceName(n, false) {
			allErrs = append(allErrs, field.Invalid(p.Child("names").Index(i), n, msg))
		}
	}
	if c.NameMatches != "" {
		if _, err := regexp.Compile(c.NameMatches); err != nil {
			allErrs = append(allErrs, field.Invalid(p.Child("nameMatches"), c.NameMatches, err.Error()))
		}
	}
	for i, l := range c.HasLabels {
		lp := p.Child("hasLabels").Index(i)
		for _, msg := range utilvalidation.IsQualifiedName(l.Name) {
			allErrs = append(allErrs, field.Invalid(lp.Child("name"), l.Name, msg))
		}
		if l.Value != "" {
			for _, msg := range utilvalidation.IsValidLabelValue(l.Value) {
				allErrs = append(allErrs, field.Invalid(lp.Child("value"), l.Value, msg))
			}
		}
	}
	return allErrs
}
