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

// Package integration tests the real server binary, standalone on its embedded etcd, through
// the generated clientset and a real kubectl.
package integration

import (
	"os"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

var (
	serverBin  string
	kubectlBin string
)

func TestMain(m *testing.M) {
	serverBin = framework.MustBinary("integration", framework.ServerBinary)
	kubectlBin = framework.MustBinary("integration", framework.KubectlBinary)
	os.Exit(m.Run())
}
