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
	"context"
	"encoding/base64"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	netutils "k8s.io/utils/net"

	"github.com/metal3-community/baremetal-apiserver/pkg/embeddedetcd"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	// Names from artifacts/deploy/base.
	systemNamespace = "baremetal-system"
	serviceName     = "baremetal-apiserver"
	serviceAccount  = "baremetal-apiserver"
	apiServiceName  = "v1alpha1.baremetal.metal3.io"

	// testNamespace holds the hosts the tests create; users get roles in it.
	testNamespace = "e2e"
)

// cluster is kube-apiserver on its etcd, with the server registered behind it.
type cluster struct {
	dir string
	kas *framework.KubeAPIServer
	srv *framework.Server
	// servingCA signed the server's serving certificate; it is the APIServices' caBundle.
	servingCA *framework.CA
	// apiServices are the names of the APIServices registered for the server.
	apiServices []string

	// kubectl as each user, talking to kube-apiserver.
	admin, viewer, editor, operator, powerop, nobody framework.Kubectl
}

// users of the test cluster besides admin; their bindings are made in startCluster.
var testUsers = []framework.TokenUser{
	{Name: "viewer", Groups: []string{"e2e:users"}},   // baremetal-view in testNamespace
	{Name: "editor", Groups: []string{"e2e:users"}},   // baremetal-edit in testNamespace
	{Name: "operator", Groups: []string{"e2e:users"}}, // baremetal-admin in testNamespace
	{Name: "powerop", Groups: []string{"e2e:users"}},  // baremetal-power-operator in testNamespace
	{Name: "nobody", Groups: []string{"e2e:users"}},   // no binding at all
	{Name: "m3editor", Groups: []string{"e2e:users"}}, // baremetal-edit-metal3-io (TestMetal3IO)
	{Name: "m3viewer", Groups: []string{"e2e:users"}}, // baremetal-view-metal3-io (TestMetal3IO)
}

// startCluster starts etcd, kube-apiserver and the delegated server, applies the RBAC and
// APIService of artifacts/deploy (rendered with kubectl kustomize, as a user would), and waits
// for the APIService to be Available. Every process is stopped by the test's cleanup.
func startCluster(t *testing.T, serverArgs ...string) *cluster {
	t.Helper()
	return startClusterFrom(t, "artifacts/deploy", serverArgs...)
}

// startClusterFrom is startCluster with the RBAC and APIServices of another kustomization
// (an overlay of artifacts/deploy).
func startClusterFrom(t *testing.T, deployDir string, serverArgs ...string) *cluster {
	t.Helper()
	start := time.Now()
	c := &cluster{dir: t.TempDir()}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	etcd, err := embeddedetcd.Start(ctx, filepath.Join(c.dir, "kube-etcd"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)

	c.kas = framework.StartKubeAPIServer(t, kubeAPIServerBin, filepath.Join(c.dir, "kube-apiserver"), etcd.Endpoints[0], testUsers...)
	t.Logf("kube-apiserver ready on %s after %s", c.kas.URL, time.Since(start).Round(time.Millisecond))
	c.admin = c.kubectlAs(t, "admin")
	c.viewer = c.kubectlAs(t, "viewer")
	c.editor = c.kubectlAs(t, "editor")
	c.operator = c.kubectlAs(t, "operator")
	c.powerop = c.kubectlAs(t, "powerop")
	c.nobody = c.kubectlAs(t, "nobody")

	// Everything in the base except what needs a kubelet (the Deployment and its volume claim)
	// and the Service, which points the aggregator at our process on loopback instead.
	objs := c.admin.Kustomize(t, deployDir)
	var rbac, apiService []map[string]any
	for _, o := range objs {
		switch framework.KindOf(o) {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			rbac = append(rbac, o)
		case "APIService":
			apiService = append(apiService, o)
		}
	}
	if len(apiService) == 0 || len(rbac) < 8 {
		t.Fatalf("%s rendered %d APIServices and %d RBAC objects, want some and >= 8", deployDir, len(apiService), len(rbac))
	}
	c.admin.RunStdin(t, framework.AsList(t, rbac), "apply", "-f", "-")

	// The server authenticates to kube-apiserver as its ServiceAccount, with a real token from
	// the TokenRequest API, so the artifacts' bindings are what grants it access.
	token := strings.TrimSpace(c.admin.Run(t, "create", "token", serviceAccount, "-n", systemNamespace, "--duration=2h"))
	serverKubeconfig := filepath.Join(c.dir, "server.kubeconfig")
	if err := framework.WriteTokenKubeconfig(serverKubeconfig, c.kas.URL, c.kas.ServingCA.CertPEM,
		"system:serviceaccount:"+systemNamespace+":"+serviceAccount, token); err != nil {
		t.Fatal(err)
	}

	// The aggregator dials the Service but verifies the certificate for <service>.<ns>.svc.
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
	c.srv = framework.StartDelegated(t, serverBin, filepath.Join(c.dir, "server"), serverKubeconfig,
		append([]string{"--tls-cert-file", serving.Cert, "--tls-private-key-file", serving.Key}, serverArgs...)...)
	t.Logf("baremetal-apiserver (pid %d) ready on 127.0.0.1:%d after %s", c.srv.PID(), c.srv.Port, time.Since(start).Round(time.Millisecond))

	// The real APIServices with the real caBundle; only the port differs, because the server
	// listens on a free port of loopback rather than behind Service port 443. With no nodes or
	// kube-proxy, a ClusterIP Service would not route: an ExternalName Service to localhost does.
	svc := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": serviceName, "namespace": systemNamespace},
		"spec":     map[string]any{"type": "ExternalName", "externalName": "localhost"},
	}
	register := []map[string]any{svc}
	for _, as := range apiService {
		spec := as["spec"].(map[string]any)
		if v, ok := spec["insecureSkipTLSVerify"]; ok && v != false {
			t.Fatalf("artifacts' APIService %s sets insecureSkipTLSVerify=%v", framework.NameOf(as), v)
		}
		spec["caBundle"] = base64.StdEncoding.EncodeToString(c.servingCA.CertPEM)
		spec["service"].(map[string]any)["port"] = c.srv.Port
		register = append(register, as)
		c.apiServices = append(c.apiServices, framework.NameOf(as))
	}
	c.admin.RunStdin(t, framework.AsList(t, register), "apply", "-f", "-")
	c.waitAvailable(t)
	t.Logf("APIService Available after %s", time.Since(start).Round(time.Millisecond))
	c.waitAggregated(t)
	t.Logf("discovery and OpenAPI v3 aggregated after %s", time.Since(start).Round(time.Millisecond))

	c.admin.Run(t, "create", "namespace", testNamespace)
	for user, role := range map[string]string{"viewer": "baremetal-view", "editor": "baremetal-edit", "operator": "baremetal-admin", "powerop": "baremetal-power-operator"} {
		c.admin.Run(t, "create", "rolebinding", user+"-"+role, "-n", testNamespace, "--clusterrole="+role, "--user="+user)
	}
	// RBAC decisions come from kube-apiserver's informer caches, and the server caches
	// SubjectAccessReview answers (denials too): do not let a test ask before the bindings count.
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) {
		for _, user := range []string{"viewer", "editor", "operator", "powerop"} {
			if out, _, _ := c.admin.Exec("", "auth", "can-i", "get", "baremetalhosts.baremetal.metal3.io", "-n", testNamespace, "--as="+user); strings.TrimSpace(out) != "yes" {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatalf("role bindings of the test users not effective: %v", err)
	}
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

// direct is kubectl as user straight at the server, bypassing kube-apiserver: the server must
// authenticate the token itself (TokenReview) and authorize it (SubjectAccessReview).
func (c *cluster) direct(t *testing.T, user string) framework.Kubectl {
	t.Helper()
	name := "direct-" + user
	kubeconfig := filepath.Join(c.dir, name+".kubeconfig")
	url := "https://127.0.0.1:" + strconv.Itoa(c.srv.Port)
	if err := framework.WriteTokenKubeconfig(kubeconfig, url, c.servingCA.CertPEM, user, c.kas.Tokens[user]); err != nil {
		t.Fatal(err)
	}
	return framework.Kubectl{Binary: kubectlBin, Kubeconfig: kubeconfig, Home: filepath.Join(c.dir, "home-"+name)}
}

// waitAvailable waits for the Available condition of every APIService of the server to be True.
func (c *cluster) waitAvailable(t *testing.T) {
	t.Helper()
	k := c.admin
	k.Timeout = 2 * time.Minute
	for _, name := range c.apiServices {
		if _, errOut, err := k.Exec("", "wait", "--for=condition=Available", "apiservice/"+name, "--timeout=90s"); err != nil {
			status, _, _ := c.admin.Exec("", "get", "apiservice", name, "-o", "jsonpath={.status}")
			t.Fatalf("APIService %s not Available: %v\n%s\nstatus: %s\nserver output:\n%s", name, err, errOut, status, c.srv.Output())
		}
	}
}

// waitAggregated waits until kube-apiserver's aggregated discovery and OpenAPI v3 include the
// groups of every APIService. Both are fetched from the server asynchronously, after the
// APIService turns Available, so kubectl explain can fail for a moment after a fresh registration.
func (c *cluster) waitAggregated(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(context.Context) (bool, error) {
		disc, errOut, err := c.admin.Exec("", "get", "--raw", "/apis")
		if err != nil {
			last = "discovery: " + errOut
			return false, nil
		}
		oapi, errOut, err := c.admin.Exec("", "get", "--raw", "/openapi/v3")
		if err != nil {
			last = "openapi/v3: " + errOut
			return false, nil
		}
		for _, name := range c.apiServices {
			// An APIService is named <version>.<group>.
			version, group, _ := strings.Cut(name, ".")
			if !strings.Contains(disc, `"`+group+`"`) {
				last = "discovery lacks " + group
				return false, nil
			}
			if !strings.Contains(oapi, `"apis/`+group+`/`+version+`"`) {
				last = "openapi/v3 lacks " + group + ": " + oapi
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("kube-apiserver did not aggregate discovery and OpenAPI v3 of %v: %v\nlast: %.2000s", c.apiServices, err, last)
	}
}
