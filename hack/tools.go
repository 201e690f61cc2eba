//go:build tools

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

// Package tools pins the code generators' module in go.mod so hack/update-codegen.sh runs the
// version the API machinery is built from, and etcd's command (etcdmain) so that go.sum keeps
// what test/framework.EtcdBinary needs to build the etcd the cluster tests run: the same 3.7 as
// the embedded one.
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/code-generator"
)
