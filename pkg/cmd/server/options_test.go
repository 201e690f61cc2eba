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
	"io"
	"os"
	"testing"

	"github.com/spf13/pflag"
)

func completed(t *testing.T, args ...string) *Options {
	t.Helper()
	o := NewOptions(io.Discard)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(append([]string{"--data-dir", t.TempDir()}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := o.Complete(fs); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCompleteMode(t *testing.T) {
	// Out of a cluster, whatever the machine running the test says.
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	os.Unsetenv("KUBERNETES_SERVICE_HOST")

	if o := completed(t); !o.Standalone || o.RecommendedOptions.Authentication != nil || o.RecommendedOptions.Admission != nil ||
		o.RecommendedOptions.Features.EnablePriorityAndFairness {
		t.Errorf("no flags: want standalone with no delegation, admission or priority and fairness")
	}

	o := completed(t, "--authentication-kubeconfig=/etc/kas/authn.kubeconfig")
	if o.Standalone {
		t.Fatal("--authentication-kubeconfig set: want delegated mode")
	}
	if o.RecommendedOptions.Admission == nil || o.RecommendedOptions.Authorization == nil || !o.RecommendedOptions.Features.EnablePriorityAndFairness {
		t.Error("delegated mode lacks admission, delegated authorization or priority and fairness")
	}
	if got := o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath; got != "/etc/kas/authn.kubeconfig" {
		t.Errorf("core client kubeconfig = %q, want the authentication kubeconfig", got)
	}

	o = completed(t, "--authentication-kubeconfig=/a", "--kubeconfig=/core")
	if got := o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath; got != "/core" {
		t.Errorf("core client kubeconfig = %q, want --kubeconfig's /core", got)
	}

	// In a cluster with nothing set, every client uses the in-cluster config.
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
	o = completed(t)
	if o.Standalone || o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath != "" {
		t.Errorf("in a cluster: standalone=%v core kubeconfig=%q, want delegated with in-cluster config",
			o.Standalone, o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath)
	}
}
