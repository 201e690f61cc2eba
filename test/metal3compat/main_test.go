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

package metal3compat

import (
	"os"
	"testing"

	"k8s.io/klog/v2"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

var (
	serverBin, kubectlBin string
	// kubeAPIServerBin is empty when kube-apiserver could not be built; kubeAPIServerErr says why.
	kubeAPIServerBin string
	kubeAPIServerErr error
)

// TestMain finds (or builds) the binaries the way test/e2e does: the server and kubectl always,
// kube-apiserver through hack/build-kube-apiserver.sh, whose failure is a skip only outside CI.
func TestMain(m *testing.M) {
	// controller-runtime's own logs (the cache, the client) go where the server's do.
	ctrllog.SetLogger(klog.NewKlogr())
	serverBin = framework.MustBinary("metal3compat", framework.ServerBinary)
	kubectlBin = framework.MustBinary("metal3compat", framework.KubectlBinary)
	// CI must prove the server behind a real kube-apiserver: never turn that into a skip.
	kubeAPIServerBin, kubeAPIServerErr = framework.KubeAPIServerForSuite("metal3compat")
	os.Exit(m.Run())
}

func requireKubeAPIServer(t *testing.T) {
	t.Helper()
	framework.RequireKubeAPIServer(t, kubeAPIServerErr)
}
