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

// Package storage is the REST storage of HostClaims: the claims' store, hostclaims/status,
// and hostclaims/binding, and the binder (binder.go) that binds a claim to a host.
package storage

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/util/dryrun"
	"k8s.io/klog/v2"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostclaim"
)

// ClaimStorage groups the storages of the resource and its subresources.
type ClaimStorage struct {
	Claim   *REST
	Status  *StatusREST
	Binding *BindingREST
}

// NewStorage builds the storages of HostClaims. hosts is the hosts' own store (binding writes
// hosts through it, so the host strategy's validation applies to what binding records) and
// policies the HostDeployPolicies' store, both in process; namespaceLabels (nil when the server
// has no Namespaces to read) serves policies that select claims' namespaces by label.
func NewStorage(optsGetter generic.RESTOptionsGetter, hosts HostStore, policies rest.Lister, namespaceLabels NamespaceLabels) (ClaimStorage, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &baremetal.HostClaim{} },
		NewListFunc:               func() runtime.Object { return &baremetal.HostClaimList{} },
		PredicateFunc:             hostclaim.Match,
		DefaultQualifiedResource:  baremetal.Resource("hostclaims"),
		SingularQualifiedResource: baremetal.Resource("hostclaim"),

		CreateStrategy:      hostclaim.Strategy,
		UpdateStrategy:      hostclaim.Strategy,
		DeleteStrategy:      hostclaim.Strategy,
		ResetFieldsStrategy: hostclaim.Strategy,

		TableConvertor: hostclaim.TableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: hostclaim.GetAttrs}); err != nil {
		return ClaimStorage{}, err
	}
	statusStore := *store
	statusStore.UpdateStrategy = hostclaim.StatusStrategy
	statusStore.ResetFieldsStrategy = hostclaim.StatusStrategy

	b := &Binder{claims: store, status: &statusStore, hosts: hosts, policies: policies, namespaceLabels: namespaceLabels}
	// A claim deleted returns its host to the pool, whichever way it was deleted (one by one or
	// by collection): the hook runs once the claim is gone from etcd. A crash between the two
	// leaves a host held by a claim that no longer exists; Binder.ReleaseOrphans, run by the
	// claim binder, returns such hosts.
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if options != nil && dryrun.IsDryRun(options.DryRun) {
			return
		}
		claim, ok := obj.(*baremetal.HostClaim)
		if !ok {
			return
		}
		if err := b.Release(context.Background(), claim); err != nil {
			klog.ErrorS(err, "Returning the host of a deleted HostClaim to the pool", "hostClaim", klog.KObj(claim))
		}
	}
	return ClaimStorage{
		Claim:   &REST{Store: store, binder: b},
		Status:  &StatusREST{store: &statusStore},
		Binding: &BindingREST{binder: b},
	}, nil
}

// REST is the storage of the hostclaims resource.
type REST struct {
	*genericregistry.Store
	binder *Binder
}

var (
	_ rest.StandardStorage      = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// No short name and no category, as Metal3's CRD.

// Create refuses a claim on another namespace's hosts that no HostDeployPolicy there allows
// (403 with the reason), stores the claim, and binds it at once: the answer is the claim
// bound, or waiting with the reason in its Associated condition.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	if claim, ok := obj.(*baremetal.HostClaim); ok {
		if claim.Namespace == "" {
			claim.Namespace = genericapirequest.NamespaceValue(ctx)
		}
		if err := r.binder.checkNamespace(ctx, claim); err != nil {
			return nil, err
		}
	}
	out, err := r.Store.Create(ctx, obj, createValidation, options)
	if err != nil || dryrun.IsDryRun(options.DryRun) {
		return out, err
	}
	bound, err := r.binder.Bind(ctx, out.(*baremetal.HostClaim).Name)
	if err != nil {
		// Stored, not bound yet: the claim binder tries again.
		klog.ErrorS(err, "Binding a new HostClaim", "hostClaim", klog.KObj(out.(*baremetal.HostClaim)))
		return out, nil
	}
	return bound, nil
}

// Update writes the claim, then carries what it asks of its host (image, custom deploy,
// power, config drive) to the host it holds, as binding did: a claim is how its user changes
// the host (Metal3's Synchronized). The host write, like binding's, refuses a host no longer
// held by the claim.
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.Store.Update(ctx, name, objInfo, createValidation, updateValidation, forceAllowCreate, options)
	if err != nil || dryrun.IsDryRun(options.DryRun) {
		return out, created, err
	}
	claim := out.(*baremetal.HostClaim)
	if claim.DeletionTimestamp == nil {
		if serr := r.binder.Sync(ctx, claim); serr != nil {
			klog.ErrorS(serr, "Carrying a HostClaim's spec to its host", "hostClaim", klog.KObj(claim))
		}
	}
	return out, created, nil
}

// StatusREST is the storage of hostclaims/status.
type StatusREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
)

func (r *StatusREST) New() runtime.Object { return &baremetal.HostClaim{} }

// Destroy does nothing: the store is shared with the main resource.
func (r *StatusREST) Destroy() {}

func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
