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

// Package baremetalhost holds the registry strategies of BareMetalHosts: what the server does
// to an object on create, update and status update before it reaches etcd (reset fields,
// generation, validation, warnings), and which fields can be selected on.
package baremetalhost

import (
	"context"
	"fmt"
	"strconv"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// hostStrategy implements create, update and delete behaviour for the main resource.
type hostStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	opts validation.Options
}

// hostStatusStrategy is hostStrategy for the status subresource: it changes status only.
type hostStatusStrategy struct {
	hostStrategy
}

var (
	// Strategy is the strategy of BareMetalHosts with the default validation options.
	Strategy = NewStrategy(validation.Options{})
	// StatusStrategy is the strategy of the status subresource.
	StatusStrategy = NewStatusStrategy(Strategy)
)

var (
	_ rest.RESTCreateStrategy  = hostStrategy{}
	_ rest.RESTUpdateStrategy  = hostStrategy{}
	_ rest.RESTDeleteStrategy  = hostStrategy{}
	_ rest.ResetFieldsStrategy = hostStrategy{}
	_ rest.RESTUpdateStrategy  = hostStatusStrategy{}
	_ rest.ResetFieldsStrategy = hostStatusStrategy{}
)

// NewStrategy returns the strategy for a server whose validation differs from the default
// (for example one that accepts test BMC schemes). A server builds it once, at start.
func NewStrategy(opts validation.Options) hostStrategy {
	return hostStrategy{ObjectTyper: scheme.Scheme, NameGenerator: names.SimpleNameGenerator, opts: opts}
}

// NewStatusStrategy returns the status strategy that goes with s.
func NewStatusStrategy(s hostStrategy) hostStatusStrategy {
	return hostStatusStrategy{hostStrategy: s}
}

func (hostStrategy) NamespaceScoped() bool { return true }

// GetResetFields says which fields a write to the main resource may not set, so that
// server-side apply does not record a manager as owning them.
func (hostStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate drops any status a client sent: status is observed, never requested.
func (hostStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	host := obj.(*baremetal.BareMetalHost)
	host.Status = baremetal.BareMetalHostStatus{}
	host.Generation = 1
	// Hardware labels are the server's, from status.hardware: a new host has none.
	host.Labels = baremetal.SetHardwareLabels(host.Labels, nil)
}

// PrepareForUpdate keeps the stored status and bumps the generation when the desired state
// changes: the spec, or an annotation that asks for an action (a reboot, an inspection, a
// detach, ...). The reconciler tells a new request from a retry by the generation (a new one
// ends an error backoff at once), whichever replica leads and after any restart, with no
// call from here into it.
func (hostStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	host := obj.(*baremetal.BareMetalHost)
	oldHost := old.(*baremetal.BareMetalHost)
	host.Status = oldHost.Status
	// The hardware labels follow the stored inventory, whatever the client sent.
	host.Labels = baremetal.SetHardwareLabels(host.Labels, host.Status.Hardware)
	if !apiequality.Semantic.DeepEqual(host.Spec, oldHost.Spec) ||
		!v1alpha1.ActionAnnotationsEqual(host.Annotations, oldHost.Annotations) {
		host.Generation = oldHost.Generation + 1
	}
	if host.Spec.BMC.Address != oldHost.Spec.BMC.Address ||
		host.Spec.BMC.DisableCertificateVerification != oldHost.Spec.BMC.DisableCertificateVerification {
		// The credentials were good for the BMC as it was; against another they are unproven,
		// and status says so: the reconciler registers the host again (a host waiting for an
		// inspection slot after registering, one attached again).
		host.Status.GoodCredentials = baremetal.CredentialsStatus{}
	}
}

func (s hostStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateBareMetalHost(obj.(*baremetal.BareMetalHost), s.opts)
}

func (hostStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return validation.WarningsForBareMetalHost(obj.(*baremetal.BareMetalHost))
}

func (hostStrategy) Canonicalize(obj runtime.Object) {}

func (hostStrategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion (as kubectl replace
// does); a write that carries a stale resourceVersion still gets a 409.
func (hostStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (s hostStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBareMetalHostUpdate(obj.(*baremetal.BareMetalHost), old.(*baremetal.BareMetalHost), s.opts)
}

func (hostStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return validation.WarningsForBareMetalHost(obj.(*baremetal.BareMetalHost))
}

// GetResetFields: a status write may not change the spec or the labels and annotations.
func (hostStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"baremetal.metal3.io/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// PrepareForUpdate keeps everything but the status as stored: whoever may write status (the
// reconciler) must not be able to change what the host should be.
func (hostStatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	host := obj.(*baremetal.BareMetalHost)
	oldHost := old.(*baremetal.BareMetalHost)
	host.Spec = oldHost.Spec
	host.Annotations = oldHost.Annotations
	// The one label change a status write makes: the hardware labels follow the inventory it
	// writes, in the same etcd write, so they can never disagree with status.hardware.
	host.Labels = baremetal.SetHardwareLabels(oldHost.Labels, host.Status.Hardware)
}

func (hostStatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBareMetalHostStatusUpdate(obj.(*baremetal.BareMetalHost), old.(*baremetal.BareMetalHost))
}

func (hostStatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs returns the labels and selectable fields of a host, for list and watch filtering.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	host, ok := obj.(*baremetal.BareMetalHost)
	if !ok {
		return nil, nil, fmt.Errorf("not a BareMetalHost: %T", obj)
	}
	return labels.Set(host.Labels), SelectableFields(host), nil
}

// SelectableFields are the fields a field selector can match. Keep in sync with
// v1alpha1.SelectableFields, which converts the selector labels per version.
func SelectableFields(host *baremetal.BareMetalHost) fields.Set {
	consumer := ""
	if host.Spec.ConsumerRef != nil {
		consumer = host.Spec.ConsumerRef.Name
	}
	set := fields.Set{
		"status.provisioning.state": string(host.Status.Provisioning.State),
		"status.operationalStatus":  string(host.Status.OperationalStatus),
		"status.poweredOn":          strconv.FormatBool(host.Status.PoweredOn),
		"spec.online":               strconv.FormatBool(host.Spec.Online),
		"spec.consumerRef.name":     consumer,
	}
	// The hardware facts (hardware.cpu.arch, ...), computed from status at each match rather
	// than stored: always consistent with status.hardware, nothing for anyone to write.
	for fact, value := range baremetal.FactsOf(host.Status.Hardware) {
		set[baremetal.HardwareFieldPrefix+fact] = value
	}
	return generic.AddObjectMetaFieldsSet(set, &host.ObjectMeta, true)
}

// Match returns the storage predicate of a label and field selector.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
