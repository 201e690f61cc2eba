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

// Package storage is the REST storage of DataImages: the etcd-backed store of the
// main resource and the status subresource, which share one store and so one watch cache.
package storage

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/dataimage"
)

// Storage groups the storages of the resource and its status.
type Storage struct {
	Images *REST
	Status *StatusREST
}

// NewStorage builds the storages of DataImages on the given etcd options.
func NewStorage(optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := dataimage.Strategy
	statusStrategy := dataimage.StatusStrategy

	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &baremetal.DataImage{} },
		NewListFunc:               func() runtime.Object { return &baremetal.DataImageList{} },
		PredicateFunc:             dataimage.Match,
		DefaultQualifiedResource:  baremetal.Resource("dataimages"),
		SingularQualifiedResource: baremetal.Resource("dataimage"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: dataimage.TableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: dataimage.GetAttrs}); err != nil {
		return Storage{}, err
	}

	// The status store is a shallow copy sharing the underlying storage and watch cache; only
	// the strategies differ.
	statusStore := *store
	statusStore.UpdateStrategy = statusStrategy
	statusStore.ResetFieldsStrategy = statusStrategy

	return Storage{Images: &REST{store}, Status: &StatusREST{store: &statusStore}}, nil
}

// REST is the storage of the dataimages resource.
type REST struct {
	*genericregistry.Store
}

// No short name: Metal3 declares none for this kind, and one of our own would be a name that
// works here and nowhere else.
var (
	_ rest.StandardStorage      = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// StatusREST is the storage of dataimages/status.
type StatusREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.Storage             = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
	_ rest.TableConvertor      = &StatusREST{}
)

// New returns an empty DataImage.
func (r *StatusREST) New() runtime.Object { return &baremetal.DataImage{} }

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
