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
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/sharded"
)

func TestIronicEndpointsFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// keys are the endpoints as hosts' status records them.
		keys []string
		err  string
	}{
		{name: "none", err: "needs --ironic-endpoint"},
		{name: "one", args: []string{"--ironic-endpoint=http://127.0.0.1:6385"}, keys: []string{"http://127.0.0.1:6385"}},
		{name: "repeated", args: []string{"--ironic-endpoint=http://127.0.0.1:6385", "--ironic-endpoint=http://127.0.0.1:6386/"},
			keys: []string{"http://127.0.0.1:6385", "http://127.0.0.1:6386"}},
		{name: "comma-separated, /v1 or not", args: []string{"--ironic-endpoint=http://a:6385/v1,http://b:6385"},
			keys: []string{"http://a:6385", "http://b:6385"}},
		{name: "the same Ironic twice", args: []string{"--ironic-endpoint=http://a:6385/v1/,http://a:6385"}, err: "given twice"},
		// The error names the endpoint without its userinfo.
		{name: "credentials in the URL", args: []string{"--ironic-endpoint=http://ironic:s3cret@a:6385"}, err: "--ironic-endpoint http://a:6385 carries credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o IronicOptions
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			errs := o.Validate()
			if (len(errs) > 0) != (tc.err != "") || (len(errs) > 0 && !strings.Contains(errs[0].Error(), tc.err)) {
				t.Fatalf("Validate = %v, want an error with %q", errs, tc.err)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("an error shows the password: %v", err)
				}
			}
			if tc.err != "" {
				return
			}
			// Ironic need not be up: the backend negotiates on first use.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			prov, err := o.New(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := prov.(*sharded.Provisioner).Endpoints(); !slices.Equal(got, tc.keys) {
				t.Errorf("endpoints %v, want %v", got, tc.keys)
			}
		})
	}
}
