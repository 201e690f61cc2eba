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
	"path/filepath"
	"slices"
	"testing"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	// metal3APIService is the APIService Metal3's consumers reach the server through.
	metal3APIService = "v1alpha1.metal3.io"
	// deployOverlay is what a user applies to serve metal3.io (artifacts/deploy/overlays).
	deployOverlay = "artifacts/deploy/overlays/metal3-io"
	// capm3User is the identity the Cluster API Provider Metal3 client runs as; it holds CAPM3's
	// own RBAC rules (testdata/capm3-rbac.yaml) and nothing else.
	capm3User = "capm3-controller-manager"
)

// cluster is kube-apiserver on its etcd, the server behind it serving metal3.io, and Ironic.
type cluster struct {
	*framework.Aggregated
	ironic *framework.Ironic
	admin  framework.Kubectl
	scheme *runtime.Scheme

	// adminCfg and capm3Cfg reach kube-apiserver as admin and as CAPM3's controller.
	adminCfg, capm3Cfg *rest.Config
	// adminClient is an uncached controller-runtime client as admin.
	adminClient client.Client
}

// newScheme is what CAPM3's manager registers for hosts: client-go's types and Metal3's.
func newScheme(t testing.TB) *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := bmov1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// startCluster starts Ironic, then etcd, kube-apiserver and the server in delegated mode with
// --serve-metal3-io on Ironic behind the RBAC and APIServices of the metal3-io overlay
// (framework.StartAggregated), and applies CAPM3's RBAC.
// Every process is stopped by the test's cleanup.
func startCluster(t *testing.T, serverArgs ...string) *cluster {
	t.Helper()
	c := &cluster{scheme: newScheme(t)}
	c.ironic = framework.StartIronic(t)
	args := append([]string{"--serve-metal3-io", "--provisioner=ironic", "--ironic-endpoint=" + c.ironic.Endpoint, "--allow-test-bmc-schemes",
		"--ironic-poll-interval=200ms", "--error-backoff-base=200ms", "--error-backoff-cap=2s"}, serverArgs...)
	c.Aggregated = framework.StartAggregated(t, framework.AggregatedConfig{
		KubeAPIServer: kubeAPIServerBin, Server: serverBin, Kubectl: kubectlBin,
		Deploy: deployOverlay, ServerArgs: args,
		Users: []framework.TokenUser{{Name: capm3User, Groups: []string{"capm3:controllers"}}},
	})
	if !slices.Contains(c.APIServices, metal3APIService) {
		t.Fatalf("%s registers no APIService %s, only %v", deployOverlay, metal3APIService, c.APIServices)
	}
	c.admin = c.Admin
	c.adminCfg = c.restConfigAs(t, "admin")
	c.capm3Cfg = c.restConfigAs(t, capm3User)
	var err error
	if c.adminClient, err = client.New(c.adminCfg, client.Options{Scheme: c.scheme}); err != nil {
		t.Fatal(err)
	}

	c.admin.RunStdin(t, readTestdata(t, "capm3-rbac.yaml"), "apply", "-f", "-")
	c.WaitCan(t, "", "patch", "baremetalhosts."+apiGroup, capm3User)
	return c
}

func (c *cluster) restConfigAs(t *testing.T, user string) *rest.Config {
	t.Helper()
	kubeconfig, err := c.KAS.KubeconfigFor(user)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	// A controller's budget, not kubectl's: CAPM3's manager runs with client-go's defaults.
	cfg.QPS, cfg.Burst = 50, 100
	return cfg
}

func readTestdata(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
