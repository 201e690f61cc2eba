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

// Package storage is the REST storage of BareMetalHosts: the etcd-backed store of the main
// resource and the status subresource, which share one store and so one watch cache.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// HostStorage groups the storages of the resource and its subresources.
type HostStorage struct {
	Host    *REST
	Status  *specstatus.StatusREST
	Power   *PowerREST
	Reboot  *RebootREST
	Inspect *InspectREST
}

// NewStorage builds the storages of BareMetalHosts on the given etcd options.
func NewStorage(optsGetter generic.RESTOptionsGetter, opts validation.Options) (HostStorage, error) {
	strategy := baremetalhost.NewStrategy(opts)
	statusStrategy := baremetalhost.NewStatusStrategy(strategy)

	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &baremetal.BareMetalHost{} },
		NewListFunc:               func() runtime.Object { return &baremetal.BareMetalHostList{} },
		PredicateFunc:             baremetalhost.Match,
		DefaultQualifiedResource:  baremetal.Resource("baremetalhosts"),
		SingularQualifiedResource: baremetal.Resource("baremetalhost"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: baremetalhost.TableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: baremetalhost.GetAttrs}); err != nil {
		return HostStorage{}, err
	}

	// The status store is a shallow copy sharing the underlying storage and watch cache; only
	// the strategies differ.
	statusStore := *store
	statusStore.UpdateStrategy = statusStrategy
	statusStore.ResetFieldsStrategy = statusStrategy

	// The action subresources change the host through the main store, so the host's own
	// strategy (validation, generation, reset fields) applies to what they record.
	return HostStorage{
		Host:    &REST{store},
		Status:  specstatus.NewStatusREST(&statusStore),
		Power:   &PowerREST{store: store},
		Reboot:  &RebootREST{store: store},
		Inspect: &InspectREST{store: store},
	}, nil
}

// REST is the storage of the baremetalhosts resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.StandardStorage      = &REST{}
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.CategoriesProvider   = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// ShortNames lets users type kubectl get bmh, as with Metal3.
func (r *REST) ShortNames() []string { return []string{"bmh", "bmhost"} }

// Categories puts hosts in kubectl get baremetal (and all is deliberately not included:
// listing every host of a fleet on kubectl get all would drown everything else).
func (r *REST) Categories() []string { return []string{"baremetal"} }
