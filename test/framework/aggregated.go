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

package framework

import (
	"context"
	"encoding/base64"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	netutils "k8s.io/utils/net"

	"github.com/metal3-community/baremetal-apiserver/pkg/embeddedetcd"
)

// Names from artifacts/deploy/base that the aggregated setup relies on.
const (
	SystemNamespace = "baremetal-system"
	ServiceName     = "baremetal-apiserver"
	ServiceAccount  = "baremetal-apiserver"
)

// AggregatedConfig says what StartAggregated starts.
type AggregatedConfig struct {
	// KubeAPIServer, Server and Kubectl are the binaries.
	KubeAPIServer, Server, Kubectl string
	// Deploy is the kustomization whose RBAC and APIServices are applied: artifacts/deploy or
	// one of its overlays.
	Deploy string
	// Users are kube-apiserver's token users besides admin.
	Users []TokenUser
	// ServerArgs are added to the server's command line (after the serving certificate's).
	ServerArgs []string
}

// Aggregated is kube-apiserver on its own etcd with this server registered behind it through
// the APIServices of a kustomization, as a user deploys it: the same RBAC, the same
// APIServices with a real caBundle, the server authenticating as its ServiceAccount.
type Aggregated struct {
	// Dir holds every file of the cluster (certificates, kubeconfigs, data directories).
	Dir    string
	KAS    *KubeAPIServer
	Server *Server
	// ServingCA signed the server's serving certificate; it is the APIServices' caBundle.
	ServingCA *CA
	// APIServices are the names of the APIServices registered for the server.
	APIServices []string
	// Admin is kubectl as kube-apiserver's admin.
	Admin Kubectl

	kubectl string
}

// StartAggregated starts etcd, kube-apiserver and the server in delegated mode, applies the
// RBAC of cfg.Deploy (rendered with kubectl kustomize, as a user would), registers its
// APIServices and waits until kube-apiserver routes to the server and has aggregated its
// discovery and OpenAPI. Only the Deployment, its volume claim and the Service are not applied:
// the server runs as a process on loopback behind an ExternalName Service instead.
// Every process is stopped by the test's cleanup.
func StartAggregated(t testing.TB, cfg AggregatedConfig) *Aggregated {
	t.Helper()
	start := time.Now()
	a := &Aggregated{Dir: t.TempDir(), kubectl: cfg.Kubectl}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	etcd, err := embeddedetcd.Start(ctx, filepath.Join(a.Dir, "kube-etcd"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)

	a.KAS = StartKubeAPIServer(t, cfg.KubeAPIServer, filepath.Join(a.Dir, "kube-apiserver"), etcd.Endpoints[0], cfg.Users...)
	t.Logf("kube-apiserver ready on %s after %s", a.KAS.URL, time.Since(start).Round(time.Millisecond))
	a.Admin = a.KubectlAs(t, "admin")

	rbac, apiServices := SplitDeploy(a.Admin.Kustomize(t, cfg.Deploy))
	// The base alone has a namespace, a ServiceAccount and six roles and bindings: fewer means
	// the split (or the kustomization) lost some, and the test would prove less than it says.
	if len(apiServices) == 0 || len(rbac) < 8 {
		t.Fatalf("%s rendered %d APIServices and %d RBAC objects, want some and >= 8", cfg.Deploy, len(apiServices), len(rbac))
	}
	a.Admin.RunStdin(t, AsList(t, rbac), "apply", "-f", "-")

	// The server authenticates to kube-apiserver as its ServiceAccount, with a real token from
	// the TokenRequest API, so the artifacts' bindings are what grants it access.
	token := strings.TrimSpace(a.Admin.Run(t, "create", "token", ServiceAccount, "-n", SystemNamespace, "--duration=2h"))
	serverKubeconfig := filepath.Join(a.Dir, "server.kubeconfig")
	if err := WriteTokenKubeconfig(serverKubeconfig, a.KAS.URL, a.KAS.ServingCA.CertPEM,
		"system:serviceaccount:"+SystemNamespace+":"+ServiceAccount, token); err != nil {
		t.Fatal(err)
	}

	// The aggregator dials the Service but verifies the certificate for <service>.<ns>.svc.
	if a.ServingCA, err = NewCA("baremetal-apiserver-ca"); err != nil {
		t.Fatal(err)
	}
	svcDNS := ServiceName + "." + SystemNamespace + ".svc"
	serving, err := a.ServingCA.WriteCert(a.Dir, "baremetal-apiserver-serving", CertRequest{
		CommonName: svcDNS, Server: true,
		DNSNames: []string{svcDNS, svcDNS + ".cluster.local", "localhost"},
		IPs:      []net.IP{netutils.ParseIPSloppy("127.0.0.1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Server = StartDelegated(t, cfg.Server, filepath.Join(a.Dir, "server"), serverKubeconfig,
		append([]string{"--tls-cert-file", serving.Cert, "--tls-private-key-file", serving.Key}, cfg.ServerArgs...)...)
	t.Logf("baremetal-apiserver (pid %d) ready on 127.0.0.1:%d after %s", a.Server.PID(), a.Server.Port, time.Since(start).Round(time.Millisecond))

	a.RegisterAPIServices(t, apiServices)
	a.WaitAvailable(t)
	t.Logf("APIServices %v Available after %s", a.APIServices, time.Since(start).Round(time.Millisecond))
	a.WaitAggregated(t)
	t.Logf("discovery and OpenAPI v3 aggregated after %s", time.Since(start).Round(time.Millisecond))
	return a
}

// SplitDeploy picks, from the objects of a kustomization, the RBAC (with its namespace and
// ServiceAccount) and the APIServices; the rest needs a kubelet or routes through a
// ClusterIP, neither of which a test cluster has.
func SplitDeploy(objs []map[string]any) (rbac, apiServices []map[string]any) {
	for _, o := range objs {
		switch KindOf(o) {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			rbac = append(rbac, o)
		case "APIService":
			apiServices = append(apiServices, o)
		}
	}
	return rbac, apiServices
}

// RegisterAPIServices applies rendered APIServices pointed at the server: the real caBundle,
// and only the port differs, because the server listens on a free port of loopback rather
// than behind Service port 443. With no nodes or kube-proxy a ClusterIP Service would not
// route, so the Service is an ExternalName to localhost. It does not wait for them.
func (a *Aggregated) RegisterAPIServices(t testing.TB, apiServices []map[string]any) {
	t.Helper()
	svc := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": ServiceName, "namespace": SystemNamespace},
		"spec":     map[string]any{"type": "ExternalName", "externalName": "localhost"},
	}
	register := []map[string]any{svc}
	for _, as := range apiServices {
		spec := as["spec"].(map[string]any)
		if v, ok := spec["insecureSkipTLSVerify"]; ok && v != false {
			t.Fatalf("the APIService %s sets insecureSkipTLSVerify=%v", NameOf(as), v)
		}
		spec["caBundle"] = base64.StdEncoding.EncodeToString(a.ServingCA.CertPEM)
		spec["service"].(map[string]any)["port"] = a.Server.Port
		register = append(register, as)
		if name := NameOf(as); !slices.Contains(a.APIServices, name) {
			a.APIServices = append(a.APIServices, name)
		}
	}
	a.Admin.RunStdin(t, AsList(t, register), "apply", "-f", "-")
}

// KubectlAs is kubectl as one of kube-apiserver's token users, talking to kube-apiserver.
func (a *Aggregated) KubectlAs(t testing.TB, user string) Kubectl {
	t.Helper()
	kubeconfig, err := a.KAS.KubeconfigFor(user)
	if err != nil {
		t.Fatal(err)
	}
	return Kubectl{Binary: a.kubectl, Kubeconfig: kubeconfig, Home: filepath.Join(a.Dir, "home-"+user)}
}

// Direct is kubectl as user straight at the server, bypassing kube-apiserver: the server must
// authenticate the token itself (TokenReview) and authorize it (SubjectAccessReview).
func (a *Aggregated) Direct(t testing.TB, user string) Kubectl {
	t.Helper()
	name := "direct-" + user
	kubeconfig := filepath.Join(a.Dir, name+".kubeconfig")
	if err := WriteTokenKubeconfig(kubeconfig, a.ServerURL(), a.ServingCA.CertPEM, user, a.KAS.Tokens[user]); err != nil {
		t.Fatal(err)
	}
	return Kubectl{Binary: a.kubectl, Kubeconfig: kubeconfig, Home: filepath.Join(a.Dir, "home-"+name)}
}

// ServerURL is the server's own address, which kube-apiserver proxies to.
func (a *Aggregated) ServerURL() string {
	return "https://127.0.0.1:" + strconv.Itoa(a.Server.Port)
}

// WaitAvailable waits for the Available condition of the named APIServices (all of the
// server's when none are named) to be True.
func (a *Aggregated) WaitAvailable(t testing.TB, names ...string) {
	t.Helper()
	if len(names) == 0 {
		names = a.APIServices
	}
	k := a.Admin
	k.Timeout = 2 * time.Minute
	for _, name := range names {
		if _, errOut, err := k.Exec("", "wait", "--for=condition=Available", "apiservice/"+name, "--timeout=90s"); err != nil {
			status, _, _ := a.Admin.Exec("", "get", "apiservice", name, "-o", "jsonpath={.status}")
			t.Fatalf("APIService %s not Available: %v\n%s\nstatus: %s\nserver output:\n%s", name, err, errOut, status, tail(a.Server.Output(), 16<<10))
		}
	}
}

// WaitAggregated waits until kube-apiserver's discovery and OpenAPI v3 include the groups of
// every APIService, and each group version's resource list is served through it. Discovery
// and OpenAPI are fetched from the server asynchronously, after the APIService turns
// Available, so kubectl explain or a client's REST mapper can fail for a moment after a
// fresh registration.
func (a *Aggregated) WaitAggregated(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(context.Context) (bool, error) {
		disc, errOut, err := a.Admin.Exec("", "get", "--raw", "/apis")
		if err != nil {
			last = "discovery: " + errOut
			return false, nil
		}
		oapi, errOut, err := a.Admin.Exec("", "get", "--raw", "/openapi/v3")
		if err != nil {
			last = "openapi/v3: " + errOut
			return false, nil
		}
		for _, name := range a.APIServices {
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
			if res, errOut, err := a.Admin.Exec("", "get", "--raw", "/apis/"+group+"/"+version); err != nil || !strings.Contains(res, `"resources"`) {
				last = group + "/" + version + ": " + res + errOut
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("kube-apiserver did not aggregate discovery and OpenAPI v3 of %v: %v\nlast: %.2000s", a.APIServices, err, last)
	}
}

// WaitCan waits until every user may do verb on resource in namespace (all namespaces when
// empty). Bindings take effect through kube-apiserver's RBAC informers, and the server caches
// SubjectAccessReview answers (denials too): a test must not ask before the bindings count.
func (a *Aggregated) WaitCan(t testing.TB, namespace, verb, resource string, users ...string) {
	t.Helper()
	scope := []string{"--all-namespaces"}
	if namespace != "" {
		scope = []string{"-n", namespace}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var denied string
	if err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) {
		for _, user := range users {
			args := append([]string{"auth", "can-i", verb, resource, "--as=" + user}, scope...)
			if out, _, _ := a.Admin.Exec("", args...); strings.TrimSpace(out) != "yes" {
				denied = user
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatalf("%s may not %s %s in %v: %v", denied, verb, resource, scope, err)
	}
}
