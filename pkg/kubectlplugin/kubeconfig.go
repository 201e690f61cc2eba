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
	"sync"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// connectionFlags is the part of k8s.io/cli-runtime's genericclioptions.ConfigFlags the plugin
// uses; *genericclioptions.ConfigFlags satisfies it, so switching to it is a one-line change in
// NewOptions.
type connectionFlags interface {
	AddFlags(fs *pflag.FlagSet)
	ToRESTConfig() (*rest.Config, error)
	ToRawKubeConfigLoader() clientcmd.ClientConfig
}

// kubeFlags are kubectl's connection flags, with the names, shorthands and meaning of
// genericclioptions.ConfigFlags (--kubeconfig, --context, --cluster, --user, -n/--namespace,
// -s/--server, --token, --as, --as-group, --as-uid, --certificate-authority, --client-certificate,
// --client-key, --insecure-skip-tls-verify, --tls-server-name, --request-timeout, ...), built on
// client-go's clientcmd directly. ConfigFlags itself lives in a package that also pulls in its
// printers and kustomize (ten more modules); the plugin needs none of them for this.
type kubeFlags struct {
	loadingRules *clientcmd.ClientConfigLoadingRules
	overrides    clientcmd.ConfigOverrides

	once   sync.Once
	loader clientcmd.ClientConfig
}

var _ connectionFlags = &kubeFlags{}

func newKubeFlags() *kubeFlags {
	// The default rules read $KUBECONFIG (a path list) and fall back to ~/.kube/config, as
	// kubectl does; kubectl passes its environment to plugins unchanged.
	return &kubeFlags{loadingRules: clientcmd.NewDefaultClientConfigLoadingRules()}
}

// AddFlags adds the connection flags to fs.
func (f *kubeFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.loadingRules.ExplicitPath, clientcmd.RecommendedConfigPathFlag, "",
		"Path to the kubeconfig file to use for CLI requests.")
	names := clientcmd.RecommendedConfigOverrideFlags("")
	names.ClusterOverrideFlags.APIServer.ShortName = "s" // as kubectl's -s
	clientcmd.BindOverrideFlags(&f.overrides, fs, names)
}

// ToRawKubeConfigLoader returns the merged kubeconfig with the flags applied. It is built
// once, after flag parsing, so every use sees the same context and namespace.
func (f *kubeFlags) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	f.once.Do(func() {
		f.loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(f.loadingRules, &f.overrides)
	})
	return f.loader
}

// ToRESTConfig returns the client configuration of the selected context.
func (f *kubeFlags) ToRESTConfig() (*rest.Config, error) {
	return f.ToRawKubeConfigLoader().ClientConfig()
}
