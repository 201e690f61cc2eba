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

// Package metal3compat proves the server with a client nobody here wrote: Metal3's published
// Go API types (github.com/metal3-io/baremetal-operator/apis) and a controller-runtime client,
// through a real kube-apiserver and the APIService v1alpha1.metal3.io, doing to hosts what
// Cluster API Provider Metal3 does, on a real Ironic. It is a module of its own so that
// neither enters the product's go.mod.
package metal3compat
