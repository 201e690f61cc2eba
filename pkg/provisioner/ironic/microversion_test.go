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

package ironic

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestChooseMicroversion(t *testing.T) {
	for _, tc := range []struct {
		min, max string
		want     string
		wantErr  string
	}{
		{min: "1.1", max: "1.82", want: "1.81"}, // Debian 12's Ironic 21.4: inventory, not firmware
		{min: "1.1", max: "1.81", want: "1.81"},
		{min: "1.1", max: "1.80", want: "1.74"},
		{min: "1.1", max: "1.74", want: "1.74"},
		{min: "1.1", max: "1.73", want: "1.69"},
		{min: "1.1", max: "1.69", want: "1.69"},
		{min: "1.1", max: "1.86", want: "1.86"},
		{min: "1.1", max: "1.87", want: "1.87"},
		{min: "1.1", max: "1.94", want: "1.87"},
		{min: "1.1", max: "1.95", want: "1.95"},
		{min: "1.1", max: "1.110", want: "1.95"},
		{min: "", max: "1.82", want: "1.81"},
		{min: "1.85", max: "1.90", want: "1.87"},
		{min: "1.85", max: "1.86", want: "1.86"},
		{min: "1.1", max: "1.68", wantErr: "1.69 or newer is required"},
		{min: "1.90", max: "1.94", wantErr: "required"},
		{min: "1.1", max: "2.3", wantErr: "speaks 1.x"},
		{min: "1.1", max: "latest", wantErr: "malformed"},
	} {
		f, err := chooseMicroversion(tc.min, tc.max)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("chooseMicroversion(%q, %q) = %v, %v; want error %q", tc.min, tc.max, f, err, tc.wantErr)
			}
		case err != nil || f.String() != tc.want:
			t.Errorf("chooseMicroversion(%q, %q) = %v, %v; want %s", tc.min, tc.max, f, err, tc.want)
		}
	}
	f, _ := chooseMicroversion("1.1", "1.82")
	if !f.hasBIOSDetail() || !f.hasInventory() || f.hasFirmwareInterface() || f.hasServiceSteps() || f.hasDisablePowerOff() {
		t.Errorf("features of 1.82 wrong: %+v", f)
	}
	if got := f.needs("servicing", serviceStepsMinor, "service steps"); got != "servicing needs Ironic API 1.87 (service steps); this Ironic offers up to 1.82" {
		t.Errorf("needs() = %q", got)
	}
}

// fakeIronic is an httptest Ironic answering only what a test scripts. It records the
// microversion header and authorization of every request.
type fakeIronic struct {
	*httptest.Server
	mu       sync.Mutex
	max      string
	versions []string
	auth     []string
	handle   func(w http.ResponseWriter, r *http.Request) bool
}

func newFakeIronic(t *testing.T, max string) *fakeIronic {
	f := &fakeIronic{max: max}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.versions = append(f.versions, r.Header.Get("X-OpenStack-Ironic-API-Version"))
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		max, handle := f.max, f.handle
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/" || r.URL.Path == "/v1" {
			w.Header().Set("X-OpenStack-Ironic-API-Minimum-Version", "1.1")
			w.Header().Set("X-OpenStack-Ironic-API-Maximum-Version", max)
			_, _ = w.Write([]byte(`{"id": "v1", "version": {"id": "v1", "version": "` + max + `", "min_version": "1.1"}}`))
			return
		}
		if v := r.Header.Get("X-OpenStack-Ironic-API-Version"); v != "" {
			if _, minor, _ := parseMicroversion(v); minor > mustMinor(max) {
				w.WriteHeader(http.StatusNotAcceptable)
				_, _ = w.Write([]byte(`{"error_message": {"code": 406, "title": "Not Acceptable", "description": "Version ` + v + ` was requested but the minor version is not supported by this service."}}`))
				return
			}
		}
		if handle != nil && handle(w, r) {
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error_message": "{\"faultstring\": \"Node could not be found.\", \"faultcode\": \"Client\"}"}`))
	}))
	t.Cleanup(f.Close)
	return f
}

func mustMinor(v string) int {
	_, m, _ := parseMicroversion(v)
	return m
}

func (f *fakeIronic) setMax(max string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.max = max
}

func (f *fakeIronic) lastVersion() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.versions[len(f.versions)-1]
}

func TestNegotiation(t *testing.T) {
	ctx := context.Background()
	ironic := newFakeIronic(t, "1.82")
	for _, endpoint := range []string{ironic.URL, ironic.URL + "/", ironic.URL + "/v1", ironic.URL + "/v1/"} {
		p, err := New(ctx, Config{Endpoint: endpoint})
		if err != nil {
			t.Fatal(err)
		}
		if p.APIVersion() != "1.81" {
			t.Errorf("endpoint %s: negotiated %q, want 1.81", endpoint, p.APIVersion())
		}
	}

	p, err := New(ctx, Config{Endpoint: ironic.URL})
	if err != nil {
		t.Fatal(err)
	}
	// Requests carry the negotiated version.
	if _, err := p.PowerState(ctx, testHost(t)); err == nil {
		t.Fatal("PowerState of an unknown node succeeded")
	}
	if v := ironic.lastVersion(); v != "1.81" {
		t.Errorf("request sent with API version %q, want 1.81", v)
	}

	// Ironic is replaced by an older one: 406, then the next call negotiates again.
	ironic.setMax("1.73")
	if _, err := p.PowerState(ctx, testHost(t)); err == nil || !strings.Contains(err.Error(), "406") {
		t.Errorf("PowerState against a downgraded Ironic: %v, want the 406", err)
	}
	if _, err := p.PowerState(ctx, testHost(t)); err == nil {
		t.Fatal("PowerState of an unknown node succeeded")
	}
	if p.APIVersion() != "1.69" || ironic.lastVersion() != "1.69" {
		t.Errorf("after the downgrade: negotiated %q, last request %q; want 1.69", p.APIVersion(), ironic.lastVersion())
	}

	// Too old an Ironic: every call says why.
	ironic.setMax("1.60")
	p, err = New(ctx, Config{Endpoint: ironic.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PowerState(ctx, testHost(t)); err == nil || !strings.Contains(err.Error(), "1.69 or newer is required") {
		t.Errorf("PowerState against Ironic 1.60: %v", err)
	}
}

func TestNegotiationFromBody(t *testing.T) {
	// A proxy that drops the version headers: the version document still tells.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id": "v1", "version": {"version": "1.99", "min_version": "1.1"}}`))
	}))
	defer srv.Close()
	p, err := New(context.Background(), Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if p.APIVersion() != "1.95" {
		t.Errorf("negotiated %q, want 1.95", p.APIVersion())
	}
}

func TestHTTPBasicAuth(t *testing.T) {
	ironic := newFakeIronic(t, "1.82")
	p, err := New(context.Background(), Config{Endpoint: ironic.URL, Username: "ironic", Password: "ironic-api-Pa55"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PowerState(context.Background(), testHost(t)); err == nil {
		t.Fatal("expected an error for an unknown node")
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("ironic:ironic-api-Pa55"))
	ironic.mu.Lock()
	defer ironic.mu.Unlock()
	for i, a := range ironic.auth {
		if a != want {
			t.Errorf("request %d authorization %q, want basic auth", i, a)
		}
	}
	if s := p.cfg.String(); strings.Contains(s, "ironic-api-Pa55") {
		t.Errorf("Config.String leaks the password: %s", s)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Endpoint: "ftp://ironic"},
		{Endpoint: "http://"},
		{Endpoint: "http://user:pw@ironic:6385"},
		{Endpoint: "http://ironic:6385", Username: "u"},
		{Endpoint: "http://ironic:6385", ClientCertFile: "c"},
		{Endpoint: "https://ironic:6385", CACertFile: "/nonexistent/ca.pem"},
	} {
		if _, err := New(context.Background(), cfg); err == nil {
			t.Errorf("New(%v) accepted an invalid configuration", cfg)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error leaks the URL's password: %v", err)
		}
	}
}

func TestNewDoesNotWaitForIronic(t *testing.T) {
	// An Ironic that accepts and never answers must not hold New past its probe.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	p, err := New(ctx, Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("New took %s", d)
	}
	if p.APIVersion() != "" {
		t.Errorf("negotiated %q with a silent server", p.APIVersion())
	}
}
