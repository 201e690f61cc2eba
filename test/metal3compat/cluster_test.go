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
	"context"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	netutils "k8s.io/utils/net"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metal3-community/baremetal-apiserver/pkg/embeddedetcd"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	// Names from artifacts/deploy/base.
	systemNamespace = "baremetal-system"
	serviceName     = "baremetal-apiserver"
	serviceAccount  = "baremetal-apiserver"

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
	dir       string
	kas       *framework.KubeAPIServer
	srv       *framework.Server
	ironic    *framework.Ironic
	servingCA *framework.CA
	admin     framework.Kubectl
	scheme    *runtime.Scheme

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

// startCluster starts etcd, kube-apiserver, Ironic and the server in delegated mode with
// --serve-metal3-io on Ironic, applies the RBAC and APIServices of the metal3-io overlay (as a
// user would, but for the Deployment, replaced by the process on loopback) and CAPM3's RBAC,
// and waits until kube-apiserver routes and discovers metal3.io.
// Every process is stopped by the test's cleanup.
func startCluster(t *testing.T, serverArgs ...string) *cluster {
	t.Helper()
	start := time.Now()
	c := &cluster{dir: t.TempDir(), scheme: newScheme(t)}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	etcd, err := embeddedetcd.Start(ctx, filepath.Join(c.dir, "kube-etcd"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	c.kas = framework.StartKubeAPIServer(t, kubeAPIServerBin, filepath.Join(c.dir, "kube-apiserver"), etcd.Endpoints[0],
		framework.TokenUser{Name: capm3User, Groups: []string{"capm3:controllers"}})
	t.Logf("kube-apiserver ready on %s after %s", c.kas.URL, time.Since(start).Round(time.Millisecond))
	c.admin = c.kubectlAs(t, "admin")
	c.adminCfg = c.restConfigAs(t, "admin")
	c.capm3Cfg = c.restConfigAs(t, capm3User)
	if c.adminClient, err = client.New(c.adminCfg, client.Options{Scheme: c.scheme}); err != nil {
		t.Fatal(err)
	}

	c.ironic = framework.StartIronic(t)

	// The RBAC and APIService of the deployment as a user applies it; the Deployment, its
	// volume and the Service are replaced by the process on loopback and an ExternalName Service.
	objs := c.admin.Kustomize(t, deployOverlay)
	var rbac, apiServices []map[string]any
	for _, o := range objs {
		switch framework.KindOf(o) {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			rbac = append(rbac, o)
		case "APIService":
			apiServices = append(apiServices, o)
		}
	}
	c.admin.RunStdin(t, framework.AsList(t, rbac), "apply", "-f", "-")
	token := strings.TrimSpace(c.admin.Run(t, "create", "token", serviceAccount, "-n", systemNamespace, "--duration=2h"))
	serverKubeconfig := filepath.Join(c.dir, "server.kubeconfig")
	if err := framework.WriteTokenKubeconfig(serverKubeconfig, c.kas.URL, c.kas.ServingCA.CertPEM,
		"system:serviceaccount:"+systemNamespace+":"+serviceAccount, token); err != nil {
		t.Fatal(err)
	}

	if c.servingCA, err = framework.NewCA("baremetal-apiserver-ca"); err != nil {
		t.Fatal(err)
	}
	svcDNS := serviceName + "." + systemNamespace + ".svc"
	serving, err := c.servingCA.WriteCert(c.dir, "baremetal-apiserver-serving", framework.CertRequest{
		CommonName: svcDNS, Server: true,
		DNSNames: []string{svcDNS, svcDNS + ".cluster.local", "localhost"},
		IPs:      []net.IP{netutils.ParseIPSloppy("127.0.0.1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--tls-cert-file", serving.Cert, "--tls-private-key-file", serving.Key,
		"--serve-metal3-io", "--provisioner=ironic", "--ironic-endpoint=" + c.ironic.Endpoint, "--allow-test-bmc-schemes",
		"--ironic-poll-interval=200ms", "--error-backoff-base=200ms", "--error-backoff-cap=2s"}, serverArgs...)
	c.srv = framework.StartDelegated(t, serverBin, filepath.Join(c.dir, "server"), serverKubeconfig, args...)
	t.Logf("baremetal-apiserver (pid %d) ready on 127.0.0.1:%d after %s", c.srv.PID(), c.srv.Port, time.Since(start).Round(time.Millisecond))

	if !slices.ContainsFunc(apiServices, func(o map[string]any) bool { return framework.NameOf(o) == metal3APIService }) {
		t.Fatalf("%s registers no APIService %s", deployOverlay, metal3APIService)
	}
	for _, as := range apiServices {
		spec := as["spec"].(map[string]any)
		spec["caBundle"] = base64.StdEncoding.EncodeToString(c.servingCA.CertPEM)
		spec["service"].(map[string]any)["port"] = c.srv.Port
	}
	svc := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": serviceName, "namespace": systemNamespace},
		"spec":     map[string]any{"type": "ExternalName", "externalName": "localhost"},
	}
	c.admin.RunStdin(t, framework.AsList(t, append([]map[string]any{svc}, apiServices...)), "apply", "-f", "-")
	c.waitAvailable(t, metal3APIService)
	c.waitDiscovered(t)
	t.Logf("APIService %s Available and discovered after %s", metal3APIService, time.Since(start).Round(time.Millisecond))

	c.admin.RunStdin(t, readTestdata(t, "capm3-rbac.yaml"), "apply", "-f", "-")
	c.waitCanI(t, capm3User, "patch", "baremetalhosts."+apiGroup)
	return c
}

func (c *cluster) kubectlAs(t *testing.T, user string) framework.Kubectl {
	t.Helper()
	kubeconfig, err := c.kas.KubeconfigFor(user)
	if err != nil {
		t.Fatal(err)
	}
	return framework.Kubectl{Binary: kubectlBin, Kubeconfig: kubeconfig, Home: filepath.Join(c.dir, "home-"+user)}
}

func (c *cluster) restConfigAs(t *testing.T, user string) *rest.Config {
	t.Helper()
	kubeconfig, err := c.kas.KubeconfigFor(user)
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

// waitAvailable waits for the APIService's Available condition.
func (c *cluster) waitAvailable(t *testing.T, apiService string) {
	t.Helper()
	k := c.admin
	k.Timeout = 2 * time.Minute
	if _, errOut, err := k.Exec("", "wait", "--for=condition=Available", "apiservice/"+apiService, "--timeout=90s"); err != nil {
		status, _, _ := c.admin.Exec("", "get", "apiservice", apiService, "-o", "jsonpath={.status}")
		t.Fatalf("APIService %s not Available: %v\n%s\nstatus: %s", apiService, err, errOut, status)
	}
}

// waitDiscovered waits until kube-apiserver's aggregated discovery lists metal3.io/v1alpha1
// with baremetalhosts: controller-runtime's REST mapper finds the kind there.
func (c *cluster) waitDiscovered(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(context.Context) (bool, error) {
		out, errOut, err := c.admin.Exec("", "get", "--raw", apiPrefix+"")
		last = out + errOut
		return err == nil && strings.Contains(out, `"baremetalhosts"`), nil
	})
	if err != nil {
		t.Fatalf("metal3.io/v1alpha1 not discovered through kube-apiserver: %v\nlast: %.2000s", err, last)
	}
}

// waitCanI waits until kube-apiserver's RBAC informers and the server's authorization cache
// grant user the verb on the resource.
func (c *cluster) waitCanI(t *testing.T, user, verb, resource string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) {
		out, _, _ := c.admin.Exec("", "auth", "can-i", verb, resource, "--all-namespaces", "--as="+user)
		return strings.TrimSpace(out) == "yes", nil
	}); err != nil {
		t.Fatalf("%s may not %s %s: %v", user, verb, resource, err)
	}
}

func readTestdata(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
