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

// Package storage is the REST storage of HardwareData: one etcd-backed store, no subresources.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hardwaredata"
)

// REST is the storage of the hardwaredata resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.StandardStorage      = &REST{}
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.CategoriesProvider   = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// NewREST builds the storage of HardwareData on the given etcd options. Field selectors are
// the metadata ones (name, namespace), as for Metal3's CRD.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:     func() runtime.Object { return &baremetal.HardwareData{} },
		NewListFunc: func() runtime.Object { return &baremetal.HardwareDataList{} },
		// Metal3's CRD: plural and singular are both "hardwaredata".
		DefaultQualifiedResource:  baremetal.Resource("hardwaredata"),
		SingularQualifiedResource: baremetal.Resource("hardwaredata"),

		CreateStrategy: hardwaredata.Strategy,
		UpdateStrategy: hardwaredata.Strategy,
		DeleteStrategy: hardwaredata.Strategy,

		TableConvertor: hardwaredata.TableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

// ShortNames lets users type kubectl get hd, as with Metal3.
func (r *REST) ShortNames() []string { return []string{"hd"} }

// Categories puts HardwareData in kubectl get baremetal, beside the hosts they belong to (and,
// like hosts, not in all).
func (r *REST) Categories() []string { return []string{"baremetal"} }
