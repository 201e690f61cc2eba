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

// Package e2e tests the server behind a real kube-apiserver, on loopback: an embedded etcd,
// kube-apiserver (built from the module proxy by hack/build-kube-apiserver.sh) with serving,
// client and front-proxy certificates, the server in delegated mode registered with the
// APIService and RBAC of artifacts/deploy, and kubectl talking to kube-apiserver only.
//
// Run it with `make test-e2e`. In CI (CI=true) a kube-apiserver that cannot be built fails the
// suite; elsewhere the suite is skipped with the reason.
package e2e
