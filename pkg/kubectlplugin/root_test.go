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

package kubectlplugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestConnectionFlags: kubectl's connection flags (cli-runtime's ConfigFlags) choose the
// kubeconfig, context and namespace as in kubectl; with no kubeconfig at all the plugin says so
// instead of trying localhost:8080.
func TestConnectionFlags(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
contexts:
- name: lab
  context: {cluster: c, user: u, namespace: lab}
- name: plain
  context: {cluster: c, user: u}
current-context: lab
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	t.Setenv("KUBECONFIG", filepath.Join(dir, "absent"))
	for _, tc := range []struct {
		args    []string
		ns, err string
	}{
		{args: nil, err: "no kubeconfig"},
		{args: []string{"-s", "https://127.0.0.1:6443"}, ns: "default"},
		{args: []string{"--kubeconfig", kubeconfig}, ns: "lab"},
		{args: []string{"--kubeconfig", kubeconfig, "--context", "plain"}, ns: "default"},
		{args: []string{"--kubeconfig", kubeconfig, "-n", "elsewhere"}, ns: "elsewhere"},
		{args: []string{"--kubeconfig", kubeconfig, "--context", "nope"}, err: `context was not found for specified context: nope`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o := NewOptions(genericiooptions.NewTestIOStreamsDiscard())
			if err := newCommand(o).ParseFlags(tc.args); err != nil {
				t.Fatal(err)
			}
			ns, err := o.namespace()
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("namespace: %q, %v; want an error with %q", ns, err, tc.err)
			case tc.err == "" && (err != nil || ns != tc.ns):
				t.Errorf("namespace: %q, %v; want %q", ns, err, tc.ns)
			}
		})
	}
}
