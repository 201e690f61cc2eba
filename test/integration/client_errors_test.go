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

package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost/storage"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

const (
	hostsPath = "/apis/baremetal.metal3.io/v1alpha1/namespaces/default/baremetalhosts"
	applyType = "application/apply-patch+yaml"
	mergeType = "application/merge-patch+json"
	jsonType  = "application/json"
	yamlType  = "application/yaml"
)

// clientProbe is one raw HTTP request and the status it must get.
type clientProbe struct {
	name        string
	method      string
	path        string // sent as is: it may hold ".."
	contentType string
	body        string
	auth        string // "" sends the admin token; "none" no credential; anything else is sent as the token
	want        int
}

// hostJSON is a valid BareMetalHost named name, with extra metadata and spec fields spliced in.
func hostJSON(name, metadata, spec string) string {
	return `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"` + name + `"` + metadata + `},` +
		`"spec":{"online":true,"bootMACAddress":"52:54:00:00:00:01","bmc":{"address":"redfish+https://192.0.2.10/redfish/v1/Systems/1",` +
		`"credentialsName":"` + name + `-bmc-secret"}` + spec + `}}`
}

func applyHost(name, body string) string {
	return `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"` + name + `"},` + body + `}`
}

// TestClientErrors sends the client mistakes that the generic API server answers with a 500,
// and the other requests of the same defect reports, as raw HTTP, and checks each status.
func TestClientErrors(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cfg, err := srv.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(cfg.TLSClientConfig.CAData) {
		t.Fatal("no CA in the admin kubeconfig")
	}
	tlsConfig := &tls.Config{RootCAs: roots, ServerName: "localhost"}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	t.Cleanup(client.CloseIdleConnections)

	send := func(t *testing.T, p clientProbe) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var body io.Reader
		if p.body != "" {
			body = strings.NewReader(p.body)
		}
		req, err := http.NewRequestWithContext(ctx, p.method, cfg.Host+p.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if p.contentType != "" {
			req.Header.Set("Content-Type", p.contentType)
		}
		req.Header.Set("Accept", jsonType)
		switch p.auth {
		case "":
			req.Header.Set("Authorization", "Bearer "+cfg.BearerToken)
		case "none":
		default:
			req.Header.Set("Authorization", "Bearer "+p.auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", p.method, p.path, err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, string(out)
	}

	// h1 exists, is available and powered on: a reboot of it would be accepted.
	cs := srv.Clientset(t)
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(ns)
	h, err := hosts.Create(ctx, newHost("h1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.Status.Provisioning.State = v1alpha1.StateAvailable
	h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	h.Status.PoweredOn = true
	if _, err := hosts.UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Over etcd's request limit (1.5 MiB on the server, 2 MiB in its gRPC client) and under the
	// API server's body limit (3 MiB), so the request reaches etcd.
	big := strings.Repeat("x", 2500*1024)

	probes := []clientProbe{
		// Server-side apply with a field of the wrong type, or not in the schema: 422 with the
		// field's path, as for any invalid object (was the field manager's 500).
		{name: "apply wrong type", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: applyHost("h1", `"spec":{"online":"yes"}`), want: 422},
		{name: "apply unknown field", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: applyHost("h1", `"spec":{"bogus":1}`), want: 422},
		{name: "apply creating, unknown field", method: "PATCH", path: hostsPath + "/h-new?fieldManager=probe", contentType: applyType,
			body: applyHost("h-new", `"spec":{"bogus":1}`), want: 422},
		{name: "apply label of the wrong type", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"h1","labels":{"rack":1}}}`, want: 422},
		{name: "apply yaml wrong type", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: "apiVersion: baremetal.metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata:\n  name: h1\nspec:\n  online: maybe\n", want: 422},
		{name: "apply status wrong type", method: "PATCH", path: hostsPath + "/h1/status?fieldManager=probe", contentType: applyType,
			body: applyHost("h1", `"status":{"poweredOn":"x"}`), want: 422},
		{name: "apply power wrong type", method: "PATCH", path: hostsPath + "/h1/power?fieldManager=probe", contentType: applyType,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"Power","metadata":{"name":"h1"},"spec":{"state":5}}`, want: 422},
		{name: "apply of another kind (handler's 400)", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"Power","metadata":{"name":"h1"},"spec":{"state":"On"}}`, want: 400},
		{name: "apply valid", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: applyHost("h1", `"spec":{"description":"probed"}`), want: 200},

		// A resourceVersion that is not a number: 400, as list already answered.
		{name: "get rv abc", method: "GET", path: hostsPath + "/h1?resourceVersion=abc", want: 400},
		{name: "watch rv abc", method: "GET", path: hostsPath + "?watch=true&resourceVersion=abc&timeoutSeconds=1", want: 400},
		{name: "list rv abc", method: "GET", path: hostsPath + "?resourceVersion=abc", want: 400},
		{name: "power get rv abc", method: "GET", path: hostsPath + "/h1/power?resourceVersion=abc", want: 400},
		{name: "inspect get rv abc", method: "GET", path: hostsPath + "/h1/inspect?resourceVersion=abc", want: 400},
		{name: "update with rv abc", method: "PUT", path: hostsPath + "/h1", contentType: jsonType,
			body: hostJSON("h1", `,"resourceVersion":"abc"`, ""), want: 400},
		{name: "merge patch rv abc", method: "PATCH", path: hostsPath + "/h1", contentType: mergeType,
			body: `{"metadata":{"resourceVersion":"abc"}}`, want: 400},
		{name: "apply rv abc", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"h1","resourceVersion":"abc"}}`, want: 400},
		{name: "status patch rv abc", method: "PATCH", path: hostsPath + "/h1/status", contentType: mergeType,
			body: `{"metadata":{"resourceVersion":"abc"}}`, want: 400},
		{name: "power patch rv abc", method: "PATCH", path: hostsPath + "/h1/power", contentType: mergeType,
			body: `{"metadata":{"resourceVersion":"abc"}}`, want: 400},
		{name: "get rv 0", method: "GET", path: hostsPath + "/h1?resourceVersion=0", want: 200},

		// A create that sets resourceVersion: 400 with the storage's message.
		{name: "create with rv", method: "POST", path: hostsPath, contentType: jsonType,
			body: hostJSON("h-rv", `,"resourceVersion":"5"`, ""), want: 400},

		// Over etcd's request limit: 413.
		{name: "create too large", method: "POST", path: hostsPath, contentType: jsonType,
			body: hostJSON("h-big", "", `,"description":"`+big+`"`), want: 413},
		{name: "merge patch too large", method: "PATCH", path: hostsPath + "/h1", contentType: mergeType,
			body: `{"spec":{"description":"` + big + `"}}`, want: 413},
		{name: "apply too large", method: "PATCH", path: hostsPath + "/h1?fieldManager=probe", contentType: applyType,
			body: applyHost("h1", `"spec":{"description":"`+big+`"}`), want: 413},

		// A namespace that cannot be a path segment: 400 (was etcd's "invalid key", 500).
		{name: "list in namespace ..", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/../baremetalhosts", want: 400},
		{name: "get in namespace ..", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/../baremetalhosts/h1", want: 400},
		{name: "get in namespace .", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/./baremetalhosts/h1", want: 400},
		{name: "create in namespace ..", method: "POST", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/../baremetalhosts",
			contentType: jsonType, body: hostJSON("h2", "", ""), want: 400},

		// A wrong bearer token fails authentication; no credential at all is anonymous.
		{name: "wrong token", method: "GET", path: hostsPath, auth: "not-the-admin-token", want: 401},
		{name: "wrong token on a public path", method: "GET", path: "/healthz", auth: "not-the-admin-token", want: 401},
		{name: "anonymous", method: "GET", path: hostsPath, auth: "none", want: 403},
		{name: "anonymous on a public path", method: "GET", path: "/healthz", auth: "none", want: 200},

		// An action without a request object is no request: 400, and nothing happens.
		{name: "reboot empty yaml", method: "POST", path: hostsPath + "/h1/reboot", contentType: yamlType, want: 400},
		{name: "reboot yaml comment", method: "POST", path: hostsPath + "/h1/reboot", contentType: yamlType, body: "# reboot\n", want: 400},
		{name: "reboot json null", method: "POST", path: hostsPath + "/h1/reboot", contentType: jsonType, body: "null", want: 400},
		{name: "reboot empty json", method: "POST", path: hostsPath + "/h1/reboot", contentType: jsonType, want: 400},
		{name: "inspect json null", method: "POST", path: hostsPath + "/h1/inspect", contentType: jsonType, body: "null", want: 400},
		{name: "dry-run reboot with a request", method: "POST", path: hostsPath + "/h1/reboot?dryRun=All", contentType: jsonType,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest"}`, want: 202},
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			code, body := send(t, p)
			if code != p.want {
				t.Errorf("%s %s: HTTP %d, want %d: %s", p.method, p.path, code, p.want, body)
			}
		})
	}

	// None of those rebooted h1; a RebootRequest does, even with no spec (a soft reboot).
	h, err = hosts.Get(ctx, "h1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := h.Annotations[storage.RebootAnnotation]; ok {
		t.Fatalf("h1 was asked to reboot (%q) by a request without a RebootRequest", v)
	}
	reboot := clientProbe{method: "POST", path: hostsPath + "/h1/reboot", contentType: jsonType,
		body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest"}`}
	if code, body := send(t, reboot); code != http.StatusAccepted {
		t.Fatalf("reboot with a RebootRequest: HTTP %d, want 202: %s", code, body)
	}
	if h, err = hosts.Get(ctx, "h1", metav1.GetOptions{}); err != nil || h.Annotations[storage.RebootAnnotation] != `{"mode":"soft"}` {
		t.Errorf("after a RebootRequest: %v %v, want a soft reboot recorded", h.Annotations, err)
	}

	t.Run("TLS 1.2 offers only ECDHE AEAD suites", func(t *testing.T) {
		addr := strings.TrimPrefix(cfg.Host, "https://")
		handshake := func(c *tls.Config) (tls.ConnectionState, error) {
			c.RootCAs, c.ServerName = roots, "localhost"
			d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: c}
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return tls.ConnectionState{}, err
			}
			defer conn.Close()
			return conn.(*tls.Conn).ConnectionState(), nil
		}
		cbc := []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		}
		if st, err := handshake(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: cbc}); err == nil {
			t.Errorf("TLS 1.2 handshake with CBC/SHA-1 or RSA key exchange suites succeeded: %s", tls.CipherSuiteName(st.CipherSuite))
		}
		if _, err := handshake(&tls.Config{MaxVersion: tls.VersionTLS11}); err == nil {
			t.Error("TLS 1.1 handshake succeeded")
		}
		st, err := handshake(&tls.Config{MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatalf("TLS 1.2 handshake: %v", err)
		}
		if name := tls.CipherSuiteName(st.CipherSuite); !strings.HasPrefix(name, "TLS_ECDHE_") || strings.Contains(name, "CBC") {
			t.Errorf("TLS 1.2 negotiated %s", name)
		}
		if st, err = handshake(&tls.Config{}); err != nil || st.Version != tls.VersionTLS13 {
			t.Errorf("TLS 1.3 handshake: version %x, %v", st.Version, err)
		}
	})

	t.Run("--help shows the bind address the server binds", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, serverBin, "--help").CombinedOutput()
		if err != nil {
			t.Fatalf("--help: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "--bind-address ") {
				if !strings.Contains(line, "(default 127.0.0.1)") {
					t.Errorf("--bind-address help: %s", strings.TrimSpace(line))
				}
				return
			}
		}
		t.Error("--help does not list --bind-address")
	})
}
