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

// Package install registers the baremetal.metal3.io API group, all its versions, into a scheme.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// Install registers the internal version and every served version, v1alpha1 preferred.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(baremetal.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	utilruntime.Must(scheme.SetVersionPriority(v1alpha1.SchemeGroupVersion))
}

// InstallMetal3Group registers the same types under Metal3's group (metal3.io) as well, for a
// server that serves both (--serve-metal3-io). Install must have run on the scheme.
func InstallMetal3Group(scheme *runtime.Scheme) {
	utilruntime.Must(baremetal.AddToGroup(scheme, baremetal.Metal3GroupName))
	utilruntime.Must(v1alpha1.AddToGroup(scheme, baremetal.Metal3GroupName))
	utilruntime.Must(scheme.SetVersionPriority(v1alpha1.Metal3GroupVersion))
}
