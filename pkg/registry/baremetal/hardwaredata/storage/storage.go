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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hardwaredata"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
)

// NewREST builds the storage of HardwareData on the given etcd options. Field selectors are
// the metadata ones (name, namespace), as for Metal3's CRD.
func NewREST(optsGetter generic.RESTOptionsGetter) (*specstatus.REST, error) {
	return specstatus.NewREST(optsGetter, specstatus.Resource{
		NewFunc:     func() runtime.Object { return &baremetal.HardwareData{} },
		NewListFunc: func() runtime.Object { return &baremetal.HardwareDataList{} },
		// Metal3's CRD: plural and singular are both "hardwaredata".
		Plural:         "hardwaredata",
		Singular:       "hardwaredata",
		TableConvertor: hardwaredata.TableConvertor,
		// kubectl get hd, as with Metal3.
		ShortNames: []string{"hd"},
		// kubectl get baremetal lists HardwareData beside the hosts they belong to (and, like
		// hosts, kubectl get all does not).
		Categories: []string{"baremetal"},
	}, hardwaredata.Strategy)
}
