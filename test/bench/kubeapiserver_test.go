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

package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// crdFile is where hack/tools/controller-gen writes the CRD of the baseline.
const crdFile = "_output/bench/crd/baremetal.metal3.io_baremetalhosts.yaml"

// generateCRD builds and runs hack/tools/controller-gen (controller-gen's CRD generator on
// pkg/apis/baremetal/v1alpha1, plus the status subresource and the selectable field) and
// returns the CRD as JSON. It runs every time: the CRD is always the current types' schema.
func generateCRD(b testing.TB) []byte {
	b.Helper()
	bin, err := framework.Binary("bench-crd", "BENCH_CRD_BIN", "hack/tools/controller-gen", ".", 10*time.Minute, "")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-out", filepath.Dir(crdFile))
	cmd.Dir = framework.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("generating the CRD: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(framework.RepoRoot(), crdFile))
	if err != nil {
		b.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	return js
}

// kubeAPIServer is system B: a stock kube-apiserver, its own etcd, nothing but this CRD added.
// Started here rather than with framework.StartKubeAPIServer because the benchmark needs its
// PID (memory, CPU) and its pprof endpoints (which the e2e setup turns off).
type kubeAPIServer struct {
	proc  *framework.Process
	url   string
	caPEM []byte
	token string
}

func startKubeAPIServer(b testing.TB, binary, dir, etcdURL string) *kubeAPIServer {
	b.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	port, err := framework.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	ca, err := framework.NewCA("bench-kube-apiserver-ca")
	if err != nil {
		b.Fatal(err)
	}
	serving, err := ca.WriteCert(dir, "serving", framework.CertRequest{CommonName: "kube-apiserver", Server: true,
		DNSNames: []string{"localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}})
	if err != nil {
		b.Fatal(err)
	}
	clientCA, err := ca.WriteCA(dir, "client-ca")
	if err != nil {
		b.Fatal(err)
	}
	saKey, saPub, err := framework.WriteServiceAccountKeys(dir)
	if err != nil {
		b.Fatal(err)
	}
	tok := make([]byte, 24)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(token+`,admin,uid-admin,"system:masters"`+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(dir, "generated"),
		"--tls-cert-file=" + serving.Cert,
		"--tls-private-key-file=" + serving.Key,
		"--client-ca-file=" + clientCA,
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=10.96.0.0/24",
		"--authorization-mode=RBAC",
		"--endpoint-reconciler-type=none",
		"--profiling=true",
	}
	p, err := framework.StartProcess("kube-apiserver", binary, args...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := p.Stop(30 * time.Second); err != nil {
			b.Errorf("stopping kube-apiserver: %v", err)
		}
		framework.SaveLog(b, "bench-kube-apiserver", p.Output())
	})
	k := &kubeAPIServer{proc: p, url: fmt.Sprintf("https://127.0.0.1:%d", port), caPEM: ca.CertPEM, token: token}
	if err := p.WaitHTTPSOK(k.url+"/readyz", ca.CertPEM, 2*time.Minute); err != nil {
		b.Fatalf("%v\n%s", err, tailString(p.Output(), 8<<10))
	}
	return k
}

// installCRD creates the CRD and the benchmark's namespaces, and waits until the resource
// answers a LIST.
func installCRD(b testing.TB, t *target, crdJSON []byte) {
	b.Helper()
	c := t.newClient()
	if code, body, err := c.do(http.MethodPost, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/json", "application/json", crdJSON); err != nil || code != http.StatusCreated {
		b.Fatalf("creating the CRD: %d %v %s", code, err, tailString(string(body), 2048))
	}
	for ns := 0; ns < benchNamespaces; ns++ {
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%q}}`, hostNamespace(ns))
		if code, resp, err := c.do(http.MethodPost, "/api/v1/namespaces", "application/json", "application/json", []byte(body)); err != nil || code != http.StatusCreated {
			b.Fatalf("creating namespace %s: %d %v %s", hostNamespace(ns), code, err, resp)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		code, body, err := c.do(http.MethodGet, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/baremetalhosts.baremetal.metal3.io", "", "application/json", nil)
		established := false
		if err == nil && code == http.StatusOK {
			var crd struct {
				Status struct {
					Conditions []struct{ Type, Status string } `json:"conditions"`
				} `json:"status"`
			}
			if json.Unmarshal(body, &crd) == nil {
				for _, c := range crd.Status.Conditions {
					established = established || (c.Type == "Established" && c.Status == "True")
				}
			}
		}
		if established {
			if code, _, err := c.do(http.MethodGet, t.collection("")+"?limit=1", "", "application/json", nil); err == nil && code == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the CRD was not established and served within a minute (last: %d %v)", code, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// kubeAPIServerVersion asks the binary for its version, for the report.
func kubeAPIServerVersion(binary string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
