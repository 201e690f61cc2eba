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

package e2e

import (
	"os"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

var (
	serverBin  string
	kubectlBin string
	// kubeAPIServerBin is empty when kube-apiserver could not be built; kubeAPIServerErr says why.
	kubeAPIServerBin string
	kubeAPIServerErr error
)

func TestMain(m *testing.M) {
	serverBin = framework.MustBinary("e2e", framework.ServerBinary)
	kubectlBin = framework.MustBinary("e2e", framework.KubectlBinary)
	// CI must prove the server behind a real kube-apiserver: never turn that into a skip.
	kubeAPIServerBin, kubeAPIServerErr = framework.KubeAPIServerForSuite("e2e")
	os.Exit(m.Run())
}

// requireKubeAPIServer skips the test when kube-apiserver could not be built outside CI (TestMain
// has already failed the suite for every other case).
func requireKubeAPIServer(t *testing.T) {
	t.Helper()
	framework.RequireKubeAPIServer(t, kubeAPIServerErr)
}
