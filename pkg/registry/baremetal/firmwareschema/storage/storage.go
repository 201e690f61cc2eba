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

// Package storage is the REST storage of FirmwareSchemas: an etcd-backed store, which also
// lends HostFirmwareSettings' validation its reads (GetFirmwareSchema).
package storage

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/firmwareschema"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// REST is the storage of the firmwareschemas resource, with the reads HostFirmwareSettings'
// validation makes.
type REST struct {
	*specstatus.REST
}

// NewREST builds the storage of FirmwareSchemas on the given etcd options.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	r, err := specstatus.NewREST(optsGetter, specstatus.Resource{
		NewFunc:        func() runtime.Object { return &baremetal.FirmwareSchema{} },
		NewListFunc:    func() runtime.Object { return &baremetal.FirmwareSchemaList{} },
		Plural:         "firmwareschemas",
		Singular:       "firmwareschema",
		TableConvertor: firmwareschema.TableConvertor,
		// No short name: Metal3 declares none for this kind.
	}, firmwareschema.Strategy)
	if err != nil {
		return nil, err
	}
	return &REST{r}, nil
}

// GetFirmwareSchema reads a schema from the store, as HostFirmwareSettings' validation needs it:
// in process, like kubernetes' eviction storage reads pods, so a write is judged by what etcd
// holds and never waits on a request to this server itself. The request's own authorization
// covered the write; the read is the server's.
func (r *REST) GetFirmwareSchema(ctx context.Context, namespace, name string) (*baremetal.FirmwareSchema, error) {
	obj, err := r.Get(genericapirequest.WithNamespace(ctx, namespace), name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*baremetal.FirmwareSchema)
	if !ok {
		return nil, fmt.Errorf("firmwareschemas %s/%s: unexpected object %T", namespace, name, obj)
	}
	return s, nil
}
