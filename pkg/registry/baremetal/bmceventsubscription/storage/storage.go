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

// Package storage is the REST storage of BMCEventSubscriptions: the etcd-backed store of the main
// resource and the status subresource, which share one store and so one watch cache.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/bmceventsubscription"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// NewStorage builds the storages of BMCEventSubscriptions on the given etcd options.
func NewStorage(optsGetter generic.RESTOptionsGetter) (specstatus.Storage, error) {
	return specstatus.NewStorage(optsGetter, specstatus.Resource{
		NewFunc:        func() runtime.Object { return &baremetal.BMCEventSubscription{} },
		NewListFunc:    func() runtime.Object { return &baremetal.BMCEventSubscriptionList{} },
		Plural:         "bmceventsubscriptions",
		Singular:       "bmceventsubscription",
		TableConvertor: bmceventsubscription.TableConvertor,
		// kubectl get bes or bmcevent, as with Metal3.
		ShortNames: []string{"bes", "bmcevent"},
	}, bmceventsubscription.Strategy, bmceventsubscription.StatusStrategy)
}
