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

// Package scheme holds the one runtime.Scheme of the server, with every API group it serves
// installed. Registry strategies are package-level singletons and need the scheme as their
// ObjectTyper at init time, so it lives below both the registry and the server wiring.
package scheme

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/install"
)

var (
	// Scheme knows the internal and versioned types of every served group.
	Scheme = runtime.NewScheme()
	// Codecs serialises the types of Scheme.
	Codecs = serializer.NewCodecFactory(Scheme)
	// ParameterCodec decodes query parameters (list and get options).
	ParameterCodec = runtime.NewParameterCodec(Scheme)
)

func init() {
	install.Install(Scheme)
	// The generic API server decodes options (ListOptions, DeleteOptions, ...) and writes
	// Status and discovery objects as the unversioned meta types of the core group.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	Scheme.AddUnversionedTypes(unversioned,
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
}

var metal3Group sync.Once

// AddMetal3Group registers the served types under Metal3's group (metal3.io) too. Only a server
// that serves that group calls it (--serve-metal3-io), before building its OpenAPI namer: the
// types then carry both groups' kinds. Calling it again does nothing.
func AddMetal3Group() {
	metal3Group.Do(func() { install.InstallMetal3Group(Scheme) })
}
