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

package storage

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/util/dryrun"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// BindingREST is the storage of hostclaims/binding: POST a HostClaimBinding to bind the claim
// now (what the claim binder does for a waiting claim when a host is returned). The answer is
// the claim: bound (status.bareMetalHost), or waiting with the reason in its Associated
// condition. Binding a bound claim changes nothing.
type BindingREST struct {
	binder *Binder
}

var (
	_ rest.NamedCreater = &BindingREST{}
	_ rest.Storage      = &BindingREST{}
)

func (r *BindingREST) New() runtime.Object { return &baremetal.HostClaimBinding{} }

// Destroy does nothing: the stores belong to the main resources.
func (r *BindingREST) Destroy() {}

func (r *BindingREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*baremetal.HostClaimBinding)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected a HostClaimBinding, got %T", obj))
	}
	if req.Name != "" && req.Name != name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the HostClaimBinding names %q, the URL %q", req.Name, name))
	}
	if createValidation != nil {
		if err := createValidation(ctx, req.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	if options != nil && dryrun.IsDryRun(options.DryRun) {
		return r.binder.claimNow(ctx, name)
	}
	return r.binder.Bind(ctx, name)
}
