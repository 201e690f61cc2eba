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

package specstatus

import (
	"context"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// Resource is what the store of a kind needs besides its strategies.
type Resource struct {
	// NewFunc and NewListFunc return an empty object and an empty list of the kind.
	NewFunc     func() runtime.Object
	NewListFunc func() runtime.Object
	// Plural and Singular are the resource's names, those of Metal3's CRD.
	Plural, Singular string
	// TableConvertor prints the kind for kubectl get.
	TableConvertor rest.TableConvertor
	// ShortNames and Categories are what else kubectl finds the resource by; nil is none.
	ShortNames, Categories []string
}

// MainStrategy is what the store of a main resource needs of its strategy: a Strategy, or a
// kind's own strategy that embeds one.
type MainStrategy interface {
	rest.RESTCreateStrategy
	rest.RESTUpdateStrategy
	rest.RESTDeleteStrategy
	rest.ResetFieldsStrategy
	GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error)
}

// NewREST builds the storage of a kind served without a status subresource, on the given etcd
// options. Its store has no reset fields: a write of the whole object is the only write.
func NewREST(optsGetter generic.RESTOptionsGetter, res Resource, strategy MainStrategy) (*REST, error) {
	store, err := newStore(optsGetter, res, strategy, false)
	if err != nil {
		return nil, err
	}
	return &REST{Store: store, shortNames: res.ShortNames, categories: res.Categories}, nil
}

// Storage groups the storages of a resource and its status.
type Storage struct {
	Main   *REST
	Status *StatusREST
}

// NewStorage builds the storages of a kind and its status subresource on the given etcd
// options: one store, and so one watch cache, under both.
func NewStorage[T Object](optsGetter generic.RESTOptionsGetter, res Resource, strategy MainStrategy, statusStrategy StatusStrategy[T]) (Storage, error) {
	store, err := newStore(optsGetter, res, strategy, true)
	if err != nil {
		return Storage{}, err
	}

	// The status store is a shallow copy sharing the underlying storage and watch cache; only
	// the strategies differ.
	statusStore := *store
	statusStore.UpdateStrategy = statusStrategy
	statusStore.ResetFieldsStrategy = statusStrategy

	return Storage{
		Main:   &REST{Store: store, shortNames: res.ShortNames, categories: res.Categories},
		Status: NewStatusREST(&statusStore),
	}, nil
}

func newStore(optsGetter generic.RESTOptionsGetter, res Resource, strategy MainStrategy, resetFields bool) (*genericregistry.Store, error) {
	store := &genericregistry.Store{
		NewFunc:                   res.NewFunc,
		NewListFunc:               res.NewListFunc,
		DefaultQualifiedResource:  baremetal.Resource(res.Plural),
		SingularQualifiedResource: baremetal.Resource(res.Singular),

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: res.TableConvertor,
	}
	if resetFields {
		store.ResetFieldsStrategy = strategy
	}
	// Selectors are matched on GetAttrs: the store's PredicateFunc, left unset, is built on it.
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: strategy.GetAttrs}); err != nil {
		return nil, err
	}
	return store, nil
}

// REST is the storage of a kind's main resource: its etcd store, and the names kubectl knows
// it by.
type REST struct {
	*genericregistry.Store
	shortNames, categories []string
}

var (
	_ rest.StandardStorage      = &REST{}
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.CategoriesProvider   = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// ShortNames are the resource's short names (kubectl get hfs); none is none in discovery too.
func (r *REST) ShortNames() []string { return slices.Clone(r.shortNames) }

// Categories are the groups of resources kubectl get lists the resource in (kubectl get
// baremetal); none is none in discovery too.
func (r *REST) Categories() []string { return slices.Clone(r.categories) }

// StatusREST is the storage of a kind's status subresource (BareMetalHost's too).
type StatusREST struct {
	store *genericregistry.Store
}

// NewStatusREST returns the storage of a status subresource on statusStore: a shallow copy of
// the main resource's store, sharing its underlying storage and watch cache, whose update and
// reset-fields strategies are the status ones.
func NewStatusREST(statusStore *genericregistry.Store) *StatusREST {
	return &StatusREST{store: statusStore}
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.Storage             = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
	_ rest.TableConvertor      = &StatusREST{}
)

// New returns an empty object of the kind.
func (r *StatusREST) New() runtime.Object { return r.store.New() }

// Destroy does nothing: the store is shared with, and destroyed by, the main resource.
func (r *StatusREST) Destroy() {}

// Get returns the object, so that a status patch has something to apply to.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes the status; the status strategy keeps everything else as stored.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Status writes never create: the object must exist.
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields returns the fields a status write may not change.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
