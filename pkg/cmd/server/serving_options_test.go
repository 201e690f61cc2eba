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

package server

import (
	"crypto/tls"
	"io"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/apiserver/pkg/authentication/user"
	cliflag "k8s.io/component-base/cli/flag"

	"github.com/metal3-community/baremetal-apiserver/pkg/standalone"
)

func TestBindAddressDefault(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	os.Unsetenv("KUBERNETES_SERVICE_HOST")

	// --help prints the flag's default: it must be what a server started with no flags binds.
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	NewOptions(io.Discard).AddFlags(fs)
	f := fs.Lookup("bind-address")
	if f.DefValue != "127.0.0.1" || !strings.Contains(f.Usage, "0.0.0.0 when not") {
		t.Errorf("--bind-address help: default %q, usage %q", f.DefValue, f.Usage)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "127.0.0.1"},
		{[]string{"--bind-address=0.0.0.0"}, "0.0.0.0"},
		// Behind a kube-apiserver the server must be reachable from it.
		{[]string{"--authentication-kubeconfig=/a"}, "0.0.0.0"},
		{[]string{"--standalone=false"}, "0.0.0.0"},
		{[]string{"--standalone=false", "--bind-address=10.0.0.7"}, "10.0.0.7"},
	} {
		if got := completed(t, tc.args...).RecommendedOptions.SecureServing.BindAddress.String(); got != tc.want {
			t.Errorf("%v: binds %s, want %s", tc.args, got, tc.want)
		}
	}
}

func TestTLSDefaults(t *testing.T) {
	o := completed(t)
	if o.RecommendedOptions.SecureServing.MinTLSVersion != "VersionTLS12" {
		t.Errorf("min TLS version %q", o.RecommendedOptions.SecureServing.MinTLSVersion)
	}
	ids, err := cliflag.TLSCipherSuites(o.RecommendedOptions.SecureServing.CipherSuites)
	if err != nil {
		t.Fatal(err)
	}
	secure := map[uint16]*tls.CipherSuite{}
	for _, s := range tls.CipherSuites() {
		secure[s.ID] = s
	}
	for _, id := range ids {
		s := secure[id]
		// Forward secrecy (ECDHE) and an AEAD: no CBC, no SHA-1 MAC, no RSA key exchange.
		if s == nil || !strings.HasPrefix(s.Name, "TLS_ECDHE_") || !(strings.Contains(s.Name, "_GCM_") || strings.Contains(s.Name, "CHACHA20_POLY1305")) ||
			!slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			t.Errorf("default suite %s is not an ECDHE AEAD suite of TLS 1.2", tls.CipherSuiteName(id))
		}
	}
	// HTTP/2 requires this one (RFC 7540, 9.2.2); Go's http2 server refuses a list without it.
	if !slices.Contains(ids, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) {
		t.Error("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 missing: HTTP/2 needs it")
	}

	o = completed(t, "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "--tls-min-version=VersionTLS13")
	if got := o.RecommendedOptions.SecureServing.CipherSuites; len(got) != 1 || got[0] != "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" {
		t.Errorf("--tls-cipher-suites did not override the default: %v", got)
	}
	if o.RecommendedOptions.SecureServing.MinTLSVersion != "VersionTLS13" {
		t.Errorf("--tls-min-version did not override the default")
	}
	// Options are per server: the package default is not shared with them.
	o.RecommendedOptions.SecureServing.CipherSuites = append(o.RecommendedOptions.SecureServing.CipherSuites[:0], "x")
	if defaultCipherSuites[0] == "x" {
		t.Error("options share the default cipher list")
	}
}

func TestStandaloneAuthenticator(t *testing.T) {
	a := standalone.Authenticator("s3cret")
	for _, tc := range []struct {
		name, header string
		wantUser     string
		wantErr      bool
	}{
		{name: "admin token", header: "Bearer s3cret", wantUser: standalone.AdminUser},
		{name: "no credential is anonymous", wantUser: user.Anonymous},
		{name: "wrong token fails, not anonymous", header: "Bearer wrong", wantErr: true},
		{name: "other schemes are no bearer token", header: "Basic Zm9vOmJhcg==", wantUser: user.Anonymous},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "https://127.0.0.1/apis", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, ok, err := a.AuthenticateRequest(req)
			if tc.wantErr {
				if ok || err == nil {
					t.Fatalf("got ok=%v err=%v, want an authentication error (401)", ok, err)
				}
				return
			}
			if !ok || err != nil || resp.User.GetName() != tc.wantUser {
				t.Fatalf("got %v ok=%v err=%v, want %s", resp, ok, err, tc.wantUser)
			}
			if tc.wantUser == standalone.AdminUser && !slices.Contains(resp.User.GetGroups(), user.SystemPrivilegedGroup) {
				t.Errorf("admin groups %v", resp.User.GetGroups())
			}
		})
	}
}
