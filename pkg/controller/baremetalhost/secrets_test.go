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

package baremetalhost

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	"k8s.io/klog/v2"
)

// TestDirSecretsWarnsAboutExposedFiles: a credentials file others can read is still used, and
// the log says so once per file and mode, never with the file's content.
func TestDirSecretsWarnsAboutExposedFiles(t *testing.T) {
	cases := []struct {
		name  string
		mode  os.FileMode
		warns bool
	}{
		{"owner only", 0o600, false},
		{"group readable", 0o640, true},
		{"world readable", 0o644, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			secret := filepath.Join(dir, "ns", "bmc")
			if err := os.MkdirAll(secret, 0o700); err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{"username": "admin", "password": "s3cret-value"} {
				if err := os.WriteFile(filepath.Join(secret, k), []byte(v), tc.mode); err != nil {
					t.Fatal(err)
				}
				// WriteFile's mode is filtered by the umask; set it exactly.
				if err := os.Chmod(filepath.Join(secret, k), tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			var lines []string
			ctx := klog.NewContext(context.Background(), funcr.New(func(prefix, args string) {
				lines = append(lines, args)
			}, funcr.Options{}))
			for range 3 {
				data, _, err := DirSecrets{Dir: dir}.Get(ctx, "ns", "bmc")
				if err != nil {
					t.Fatal(err)
				}
				if string(data["password"]) != "s3cret-value" {
					t.Fatalf("password not read: %q", data["password"])
				}
			}
			want := 0
			if tc.warns {
				want = 2 // one per file, not one per read
			}
			if len(lines) != want {
				t.Fatalf("got %d log lines, want %d: %v", len(lines), want, lines)
			}
			for _, l := range lines {
				if strings.Contains(l, "s3cret-value") {
					t.Fatalf("the warning holds the secret: %s", l)
				}
				if !strings.Contains(l, "chmod 600") {
					t.Fatalf("the warning does not say what to do: %s", l)
				}
			}
		})
	}
}
