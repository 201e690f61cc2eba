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

// Package framework starts the real binaries the integration and e2e suites test: the server
// built from this tree and a kubectl built from the module proxy at the same release.
package framework

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// RepoRoot is the root of this repository, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary returns the path of a binary: the file named by env when set, else
// _output/bin/<name> when it is newer than nothing (make builds it there), else it is built
// now with go build from dir/pkg into _output/bin. Builds are bounded by timeout.
func Binary(name, env, dir, pkg string, timeout time.Duration, ldflags string) (string, error) {
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", env, p, err)
		}
		return p, nil
	}
	out := filepath.Join(RepoRoot(), "_output", "bin", name)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// go build is incremental: when nothing changed this takes about a second, and it
	// guarantees the tests never run a stale binary.
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Join(RepoRoot(), dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s (go %v in %s): %w", name, args, cmd.Dir, err)
	}
	return out, nil
}

// KubectlLDFlags stamps the kubectl version, which kubectl needs to compare with servers.
const KubectlLDFlags = "-X k8s.io/component-base/version.gitVersion=v1.37.2 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 " +
	"-X k8s.io/client-go/pkg/version.gitVersion=v1.37.2 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37"

// ServerBinary returns the baremetal-apiserver binary, building it if needed.
func ServerBinary() (string, error) {
	return Binary("baremetal-apiserver", "BAREMETAL_APISERVER_BIN", ".", "./cmd/baremetal-apiserver", 15*time.Minute, "")
}

// KubectlBinary returns the kubectl binary, building it from hack/tools if needed.
func KubectlBinary() (string, error) {
	return Binary("kubectl", "KUBECTL_BIN", "hack/tools", "./kubectl", 20*time.Minute, KubectlLDFlags)
}

// PluginBinary returns the kubectl-baremetal plugin, building it if needed.
func PluginBinary() (string, error) {
	return Binary("kubectl-baremetal", "KUBECTL_BAREMETAL_BIN", ".", "./cmd/kubectl-baremetal", 15*time.Minute, "")
}

// MustBinary is for a suite's TestMain: it returns the binary get finds (or builds) or, when
// there is none, prints why and exits the test binary, since no test of the suite could run.
func MustBinary(suite string, get func() (string, error)) string {
	bin, err := get()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", suite, err)
		os.Exit(1)
	}
	return bin
}
