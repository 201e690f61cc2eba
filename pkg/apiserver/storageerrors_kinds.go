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

package apiserver

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	besstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/bmceventsubscription/storage"
	distorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/dataimage/storage"
	hcstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostclaim/storage"
	hdpstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostdeploypolicy/storage"
	hupstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostupdatepolicy/storage"
	ppistorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/preprovisioningimage/storage"
)

// The storage error wrappers (storageerrors.go) of Metal3's kinds served without behaviour of
// their own yet: HostUpdatePolicy, DataImage, BMCEventSubscription, PreprovisioningImage.

type hostUpdatePolicyREST struct{ *hupstorage.REST }

func (r *hostUpdatePolicyREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *hostUpdatePolicyREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type dataImageREST struct{ *distorage.REST }

func (r *dataImageREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *dataImageREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type dataImageStatusREST struct{ *distorage.StatusREST }

func (r *dataImageStatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.StatusREST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type subscriptionREST struct{ *besstorage.REST }

func (r *subscriptionREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *subscriptionREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type subscriptionStatusREST struct{ *besstorage.StatusREST }

func (r *subscriptionStatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.StatusREST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type preprovisioningImageREST struct{ *ppistorage.REST }

func (r *preprovisioningImageREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *preprovisioningImageREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type preprovisioningImageStatusREST struct{ *ppistorage.StatusREST }

func (r *preprovisioningImageStatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.StatusREST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

var (
	_ rest.StandardStorage = &hostUpdatePolicyREST{}
	_ rest.StandardStorage = &dataImageREST{}
	_ rest.Patcher         = &dataImageStatusREST{}
	_ rest.StandardStorage = &subscriptionREST{}
	_ rest.Patcher         = &subscriptionStatusREST{}
	_ rest.StandardStorage = &preprovisioningImageREST{}
	_ rest.Patcher         = &preprovisioningImageStatusREST{}
)

type hostDeployPolicyREST struct{ *hdpstorage.REST }

func (r *hostDeployPolicyREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *hostDeployPolicyREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type hostClaimREST struct{ *hcstorage.REST }

func (r *hostClaimREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *hostClaimREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type hostClaimStatusREST struct{ *hcstorage.StatusREST }

func (r *hostClaimStatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.StatusREST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type hostClaimBindingREST struct{ *hcstorage.BindingREST }

func (r *hostClaimBindingREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.BindingREST.Create(ctx, name, obj, createValidation, options)
	return out, storageError(err)
}
