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
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	netutils "k8s.io/utils/net"
)

// kubeAPIServerBuildTimeout bounds hack/build-kube-apiserver.sh: ~8 minutes cold on 2 cores,
// about a second when the stamped binary is current.
const kubeAPIServerBuildTimeout = 40 * time.Minute

// ErrKubeAPIServerBuild marks a failed build of kube-apiserver (as opposed to a wrong
// KUBE_APISERVER_BIN): the one case where a suite may skip outside CI.
var ErrKubeAPIServerBuild = errors.New("kube-apiserver could not be built")

// KubeAPIServerBinary returns a kube-apiserver: $KUBE_APISERVER_BIN when set, else
// _output/bin/kube-apiserver, built (or found current) by hack/build-kube-apiserver.sh.
func KubeAPIServerBinary() (string, error) {
	if p := os.Getenv("KUBE_APISERVER_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KUBE_APISERVER_BIN=%s: %w", p, err)
		}
		return p, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), kubeAPIServerBuildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(), "hack", "build-kube-apiserver.sh"))
	cmd.Dir = RepoRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: hack/build-kube-apiserver.sh (bounded by %s): %v", ErrKubeAPIServerBuild, kubeAPIServerBuildTimeout, err)
	}
	return filepath.Join(RepoRoot(), "_output", "bin", "kube-apiserver"), nil
}

// TokenUser is a user of the test cluster, authenticated by a static bearer token.
type TokenUser struct {
	Name   string
	Groups []string
}

// Standard header names of the front proxy (the aggregator) and the name on its client
// certificate, as kubeadm configures them.
const (
	FrontProxyClientName = "front-proxy-client"
	adminUser            = "admin"
)

// KubeAPIServer is a kube-apiserver process on 127.0.0.1 with its own certificates: a serving
// CA, a client CA, a front-proxy CA with the proxy client certificate the aggregator presents
// to aggregated servers, service-account keys, and static tokens for test users.
type KubeAPIServer struct {
	Dir  string
	Port int
	URL  string
	// ServingCA signs the serving certificate; clients verify kube-apiserver against it.
	ServingCA *CA
	// ClientCA and FrontProxyCA are published in kube-system/extension-apiserver-authentication.
	ClientCA     *CA
	FrontProxyCA *CA
	// Tokens maps a user name to its bearer token; "admin" is in system:masters.
	Tokens map[string]string

	proc *Process
}

// StartKubeAPIServer starts kube-apiserver on a free port of 127.0.0.1 over the etcd at
// etcdURL, with the given users (plus "admin"), and waits until it is ready and has published
// the extension-apiserver-authentication ConfigMap. The test's cleanup stops it.
func StartKubeAPIServer(t testing.TB, binary, dir, etcdURL string, users ...TokenUser) *KubeAPIServer {
	t.Helper()
	k, err := setupKubeAPIServer(dir, users)
	if err != nil {
		t.Fatal(err)
	}
	args, err := k.args(etcdURL)
	if err != nil {
		t.Fatal(err)
	}
	if k.proc, err = StartProcess("kube-apiserver", binary, args...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.proc.Stop(30 * time.Second); err != nil {
			t.Errorf("stopping kube-apiserver: %v", err)
		}
		SaveLog(t, "kube-apiserver", k.proc.Output())
		if t.Failed() {
			t.Logf("kube-apiserver output (last 16 KiB):\n%s", tail(k.proc.Output(), 16<<10))
		}
	})
	if err := k.proc.WaitHTTPSOK(k.URL+"/readyz", k.ServingCA.CertPEM, 2*time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, tail(k.proc.Output(), 16<<10))
	}
	// The ConfigMap is written by a post-start controller shortly after /readyz turns ok, and a
	// delegating server refuses to start without it.
	if err := k.waitForAuthenticationConfigMap(time.Minute); err != nil {
		t.Fatal(err)
	}
	return k
}

func setupKubeAPIServer(dir string, users []TokenUser) (*KubeAPIServer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	k := &KubeAPIServer{Dir: dir, Port: port, URL: fmt.Sprintf("https://127.0.0.1:%d", port), Tokens: map[string]string{}}
	for _, ca := range []struct {
		dst **CA
		cn  string
	}{{&k.ServingCA, "kube-apiserver-serving-ca"}, {&k.ClientCA, "kube-client-ca"}, {&k.FrontProxyCA, "front-proxy-ca"}} {
		if *ca.dst, err = NewCA(ca.cn); err != nil {
			return nil, err
		}
	}
	var lines []string
	for _, u := range append([]TokenUser{{Name: adminUser, Groups: []string{"system:masters"}}}, users...) {
		tok, err := randomToken()
		if err != nil {
			return nil, err
		}
		k.Tokens[u.Name] = tok
		// token,user,uid,"group1,group2"
		lines = append(lines, fmt.Sprintf("%s,%s,%s,%q", tok, u.Name, "uid-"+u.Name, strings.Join(u.Groups, ",")))
	}
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *KubeAPIServer) args(etcdURL string) ([]string, error) {
	d := k.Dir
	serving, err := k.ServingCA.WriteCert(d, "serving", CertRequest{CommonName: "kube-apiserver", Server: true,
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default.svc"},
		IPs:      []net.IP{netutils.ParseIPSloppy("127.0.0.1")}})
	if err != nil {
		return nil, err
	}
	clientCA, err := k.ClientCA.WriteCA(d, "client-ca")
	if err != nil {
		return nil, err
	}
	frontProxyCA, err := k.FrontProxyCA.WriteCA(d, "front-proxy-ca")
	if err != nil {
		return nil, err
	}
	// The aggregator's identity towards aggregated servers: they trust the X-Remote-* headers
	// only on connections that present this certificate.
	proxyClient, err := k.FrontProxyCA.WriteCert(d, "front-proxy-client", CertRequest{CommonName: FrontProxyClientName, Client: true})
	if err != nil {
		return nil, err
	}
	saKey, saPub, err := WriteServiceAccountKeys(d)
	if err != nil {
		return nil, err
	}
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(k.Port),
		"--cert-dir=" + filepath.Join(d, "generated"),
		"--tls-cert-file=" + serving.Cert,
		"--tls-private-key-file=" + serving.Key,
		"--client-ca-file=" + clientCA,
		"--token-auth-file=" + filepath.Join(d, "tokens.csv"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=10.96.0.0/24",
		"--authorization-mode=RBAC",
		// No nodes, no kube-proxy: nothing would serve the endpoints of the kubernetes Service.
		"--endpoint-reconciler-type=none",
		"--requestheader-client-ca-file=" + frontProxyCA,
		"--requestheader-allowed-names=" + FrontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-uid-headers=X-Remote-Uid",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + proxyClient.Cert,
		"--proxy-client-key-file=" + proxyClient.Key,
		"--profiling=false",
	}, nil
}

// KubeconfigFor writes a kubeconfig for user (one of the token users) into the server's dir
// and returns its path. An empty user gives a kubeconfig with no credentials at all.
func (k *KubeAPIServer) KubeconfigFor(user string) (string, error) {
	var token string
	if user != "" {
		var ok bool
		if token, ok = k.Tokens[user]; !ok {
			return "", fmt.Errorf("no token user %q", user)
		}
	}
	name := user
	if name == "" {
		name = "anonymous"
	}
	path := filepath.Join(k.Dir, "kubeconfig-"+name)
	return path, WriteTokenKubeconfig(path, k.URL, k.ServingCA.CertPEM, name, token)
}

// WriteTokenKubeconfig writes a kubeconfig for server, trusting caPEM, authenticating with a
// bearer token (none when token is empty).
func WriteTokenKubeconfig(path, server string, caPEM []byte, user, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = "e2e"
	return clientcmd.WriteToFile(*cfg, path)
}

// Output is what kube-apiserver printed so far.
func (k *KubeAPIServer) Output() string { return k.proc.Output() }

func (k *KubeAPIServer) waitForAuthenticationConfigMap(timeout time.Duration) error {
	kubeconfig, err := k.KubeconfigFor(adminUser)
	if err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	err = wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
		if err != nil {
			last = err
			return false, nil
		}
		_, ok := cm.Data["requestheader-client-ca-file"]
		return ok, nil
	})
	if err != nil {
		return fmt.Errorf("kube-system/extension-apiserver-authentication not published (last error: %v): %w", last, err)
	}
	return nil
}

func randomToken() (string, error) {
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// InCI says whether the tests run in CI (CI set, and not "false" or "0"), where nothing that
// should run may skip.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// KubeAPIServerForSuite is KubeAPIServerBinary for a suite's TestMain: a failed build is
// returned, for the suite's tests to skip on (RequireKubeAPIServer), only outside CI; in CI, or
// when KUBE_APISERVER_BIN names nothing (a mistake to report, not a reason to skip), it prints
// why and exits the test binary.
func KubeAPIServerForSuite(suite string) (string, error) {
	bin, err := KubeAPIServerBinary()
	if err != nil && (InCI() || !errors.Is(err, ErrKubeAPIServerBuild)) {
		fmt.Fprintf(os.Stderr, "%s: FAIL: no kube-apiserver (CI=%q): %v\n", suite, os.Getenv("CI"), err)
		os.Exit(1)
	}
	return bin, err
}

// RequireKubeAPIServer skips the test when kube-apiserver could not be built (err, from
// KubeAPIServerForSuite) outside CI, and fails it in CI.
func RequireKubeAPIServer(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if InCI() {
		t.Fatalf("kube-apiserver is required in CI: %v", err)
	}
	t.Skipf("SKIP (not in CI): the server cannot be tested behind kube-apiserver: %v", err)
}
