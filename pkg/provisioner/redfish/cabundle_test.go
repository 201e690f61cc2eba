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

package redfish

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// TestBMCCABundle: a BMC whose certificate a private CA signed is refused with the system's
// CAs, accepted with that CA as the bundle, and a bundle that holds no certificate is refused
// when the backend is built.
func TestBMCCABundle(t *testing.T) {
	s, err := sim.New(sim.Config{Count: 1, Seed: 1, Username: "admin", Password: "password"})
	if err != nil {
		t.Fatal(err)
	}
	bmc := httptest.NewTLSServer(s.Handler())
	t.Cleanup(bmc.Close)
	address := "redfish+" + bmc.URL + "/redfish/v1/Systems/1"
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: bmc.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		bundle  string
		wantErr string
	}{
		{name: "system CAs", wantErr: "certificate"},
		{name: "the BMC's CA as the bundle", bundle: bundle},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.CABundleFile = tc.bundle
			cfg.ReadRetries = -1
			p := newBackend(t, cfg)
			_, res, err := p.Register(context.Background(), simHost(t, address, "h"))
			msg := res.ErrorMessage
			if err != nil {
				msg = err.Error()
			}
			switch {
			case tc.wantErr == "" && (msg != "" || !res.Done):
				t.Fatalf("Register: %+v, %v; want Done", res, err)
			case tc.wantErr != "" && !strings.Contains(msg, tc.wantErr):
				t.Fatalf("Register: %+v, %v; want an error about the %s", res, err, tc.wantErr)
			}
		})
	}

	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.CABundleFile = empty
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("New with an empty bundle: %v", err)
	}
}
