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

// Package storage is the REST storage of PreprovisioningImages: the etcd-backed store of the
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
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/preprovisioningimage"
)

// Storage groups the storages of the resource and its status.
type Storage struct {
	Images *REST
	Status *StatusREST
}

// NewStorage builds the storages of PreprovisioningImages on the given etcd options.
func NewStorage(optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := preprovisioningimage.Strategy
	statusStrategy := preprovisioningimage.StatusStrategy

	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &baremetal.PreprovisioningImage{} },
		NewListFunc:               func() runtime.Object { return &baremetal.PreprovisioningImageList{} },
		PredicateFunc:             preprovisioningimage.Match,
		DefaultQualifiedResource:  baremetal.Resource("preprovisioningimages"),
		SingularQualifiedResource: baremetal.Resource("preprovisioningimage"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: preprovisioningimage.TableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: preprovisioningimage.GetAttrs}); err != nil {
		return Storage{}, err
	}

	// The status store is a shallow copy sharing the underlying storage and watch cache; only
	// the strategies differ.
	statusStore := *store
	statusStore.UpdateStrategy = statusStrategy
	statusStore.ResetFieldsStrategy = statusStrategy

	return Storage{Images: &REST{store}, Status: &StatusREST{store: &statusStore}}, nil
}

// REST is the storage of the preprovisioningimages resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.StandardStorage      = &REST{}
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// ShortNames lets users type kubectl get ppimg, as with Metal3.
func (r *REST) ShortNames() []string { return []string{"ppimg"} }

// StatusREST is the storage of preprovisioningimages/status.
type StatusREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.Storage             = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
	_ rest.TableConvertor      = &StatusREST{}
)

// New returns an empty PreprovisioningImage.
func (r *StatusREST) New() runtime.Object { return &baremetal.PreprovisioningImage{} }

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
