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

// Package kubectlplugin is `kubectl baremetal`: hardware actions on BareMetalHosts (power,
// reboot, inspect), waiting for a host to reach a state, an at-a-glance list, and a host's
// firmware with the changes pending. It talks to the API through the generated typed client
// (and the dynamic client only for kinds that client lacks), so every action goes through the
// same subresources, RBAC and admission as any other client.
package kubectlplugin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/version"

	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	typedv1alpha1 "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/typed/baremetal/v1alpha1"
)

// fieldManager names the plugin in managedFields and audit logs, so a power change made with
// it can be told apart from one made with kubectl patch.
const fieldManager = "kubectl-baremetal"

// Options is what every command shares: where the API is, which namespace, which hosts.
type Options struct {
	genericiooptions.IOStreams

	// kube are kubectl's own connection flags (--kubeconfig, --context, -n, -s, --as, ...).
	kube          *genericclioptions.ConfigFlags
	allNamespaces bool
	selector      string

	// newClient, newDynamic and namespace are fields, not methods, so tests can use the fake
	// clientsets without a kubeconfig.
	newClient func() (versioned.Interface, error)
	// newDynamic is for the kinds the generated client does not have (Metal3's
	// HostUpdatePolicy, which a server may not serve); only the commands that read them build it.
	newDynamic func() (dynamic.Interface, error)
	namespace  func() (string, error)
	// tablePage asks the server for a page of its host table (a field: the fake clientset has
	// no REST client to ask).
	tablePage func(ctx context.Context, namespace string, opts metav1.ListOptions) (*metav1.Table, error)
	now       func() time.Time

	client versioned.Interface
	ns     string
}

// NewOptions returns options that read the kubeconfig the way kubectl does.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	// The default loading rules read $KUBECONFIG (a path list) and fall back to ~/.kube/config,
	// as kubectl does; kubectl passes its environment to plugins unchanged.
	o := &Options{IOStreams: streams, kube: genericclioptions.NewConfigFlags(true), now: time.Now}
	config := func() (*rest.Config, error) {
		cfg, err := o.kube.ToRESTConfig()
		if err != nil {
			return nil, err
		}
		cfg = rest.CopyConfig(cfg)
		cfg.UserAgent = fieldManager + "/" + version.Get().GitVersion
		// API warnings (deprecations, admission warnings) go to stderr once each, as in kubectl.
		cfg.WarningHandler = rest.NewWarningWriter(o.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
		return cfg, nil
	}
	o.newClient = func() (versioned.Interface, error) {
		cfg, err := config()
		if err != nil {
			return nil, err
		}
		return versioned.NewForConfig(cfg)
	}
	o.newDynamic = func() (dynamic.Interface, error) {
		cfg, err := config()
		if err != nil {
			return nil, err
		}
		return dynamic.NewForConfig(cfg)
	}
	o.namespace = func() (string, error) {
		loader := o.kube.ToRawKubeConfigLoader()
		if raw, err := loader.RawConfig(); err == nil && len(raw.Clusters) == 0 && *o.kube.APIServer == "" {
			return "", errNoKubeconfig
		}
		ns, _, err := loader.Namespace()
		return ns, err
	}
	o.tablePage = o.getTablePage
	return o
}

// NewCommand returns the `kubectl baremetal` command tree.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	return newCommand(NewOptions(streams))
}

func newCommand(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kubectl-baremetal",
		Short: "Power, reboot, inspect and watch bare-metal hosts (baremetal.metal3.io BareMetalHosts)",
		Long: `Hardware actions on BareMetalHosts through their subresources (baremetalhosts/power,
/reboot, /inspect), waiting for a host to reach a state, a list of hosts at a glance, and a
host's firmware versions and BIOS settings with the changes pending.

Flags follow kubectl: --kubeconfig, --context, -n/--namespace, -A/--all-namespaces and
-l/--selector. Exit status is 1 when any host failed; each failure is reported on its own line.`,
		Annotations: map[string]string{
			// Help and usage say "kubectl baremetal", which is how people run it.
			cobra.CommandDisplayNameAnnotation: "kubectl baremetal",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.CompletionOptions.HiddenDefaultCmd = true
	o.kube.AddFlags(cmd.PersistentFlags())
	cmd.PersistentFlags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false,
		"Act on hosts in every namespace (list, and with --selector).")
	cmd.PersistentFlags().StringVarP(&o.selector, "selector", "l", "",
		"Label selector (e.g. rack=r1) choosing the hosts instead of naming them.")

	cmd.AddCommand(newPowerCommand(o), newRebootCommand(o), newInspectCommand(o), newWaitCommand(o), newListCommand(o),
		newFirmwareCommand(o), newMigrateCommand(o))
	return cmd
}

// Execute runs the command tree on args and returns the process's exit status. Errors are
// printed here as one line; failures already reported per host are not printed again.
func Execute(ctx context.Context, streams genericiooptions.IOStreams, args []string) int {
	cmd := NewCommand(streams)
	cmd.SetArgs(args)
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	ran, err := cmd.ExecuteContextC(ctx)
	return report(streams, ran, err)
}

// report prints err as one line and returns the exit status; ran is the command that failed,
// whose help a usage mistake points to.
func report(streams genericiooptions.IOStreams, ran *cobra.Command, err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errReported):
		return 1
	}
	path := "kubectl baremetal"
	if ran != nil {
		path = ran.CommandPath()
	}
	var usage usageError
	if errors.As(err, &usage) || isFlagError(err) {
		fmt.Fprintf(streams.ErrOut, "error: %s\nSee '%s --help' for usage.\n", oneLine(err.Error()), path)
		return 1
	}
	fmt.Fprintf(streams.ErrOut, "error: %s\n", oneLine(err.Error()))
	return 1
}

// isFlagError recognises cobra's and pflag's own parsing errors, which deserve the usage hint.
func isFlagError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag") ||
		strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "invalid argument") ||
		strings.Contains(msg, "flag needs an argument") || strings.HasPrefix(msg, "accepts ") ||
		strings.HasPrefix(msg, "requires at least")
}

// complete connects: it resolves the namespace and builds the client once per run. Commands
// call it after checking their own arguments, so a usage mistake is reported as such, and
// --help works without any kubeconfig.
func (o *Options) complete() error {
	if o.client != nil {
		return nil
	}
	ns, err := o.namespace()
	if err != nil {
		return err
	}
	client, err := o.newClient()
	if err != nil {
		return err
	}
	o.ns, o.client = ns, client
	return nil
}

// errNoKubeconfig: neither a kubeconfig nor --server says where the API is. kubectl would then
// try localhost:8080, which for a plugin run by hand is never the intent.
var errNoKubeconfig = errors.New("no kubeconfig: set KUBECONFIG or pass --kubeconfig (kubectl config view shows what kubectl uses)")

// hosts is the typed client for one namespace ("" for all namespaces).
func (o *Options) hosts(namespace string) typedv1alpha1.BareMetalHostInterface {
	return o.client.BaremetalV1alpha1().BareMetalHosts(namespace)
}

// target is one host an action applies to.
type target struct {
	namespace, name string
}

// targetMode says what an empty HOST list means for a command.
type targetMode int

const (
	// namesRequired: actions that change hardware never default to "every host".
	namesRequired targetMode = iota
	// namesOrAll: read-only commands show every host when none is named.
	namesOrAll
)

// targets resolves the hosts a command acts on: the HOST arguments in the current namespace, or
// the hosts matching --selector (across namespaces with -A). Names and a selector exclude each
// other, as in kubectl, so a typo in a selector cannot widen an action to unintended hosts.
func (o *Options) targets(ctx context.Context, args []string, mode targetMode) ([]target, error) {
	switch {
	case len(args) > 0 && o.selector != "":
		return nil, usageError{"name hosts or give --selector, not both"}
	case len(args) > 0 && o.allNamespaces:
		return nil, usageError{"--all-namespaces needs --selector: named hosts are looked up in one namespace (-n)"}
	case len(args) == 0 && o.selector == "" && mode == namesRequired:
		return nil, usageError{"name at least one HOST, or choose hosts with --selector"}
	}
	if err := o.complete(); err != nil {
		return nil, err
	}
	switch {
	case len(args) > 0:
		var ts []target
		seen := sets.New[string]()
		for _, name := range args {
			if !seen.Has(name) {
				seen.Insert(name)
				ts = append(ts, target{o.ns, name})
			}
		}
		return ts, nil
	}
	list, err := o.hosts(o.listNamespace()).List(ctx, metav1.ListOptions{LabelSelector: o.selector})
	if err != nil {
		return nil, describeListError(err, o.listNamespace())
	}
	ts := make([]target, 0, len(list.Items))
	for _, h := range list.Items {
		ts = append(ts, target{h.Namespace, h.Name})
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].namespace != ts[j].namespace {
			return ts[i].namespace < ts[j].namespace
		}
		return ts[i].name < ts[j].name
	})
	if len(ts) == 0 && mode == namesRequired {
		return nil, fmt.Errorf("no hosts match selector %q %s", o.selector, scope(o.listNamespace()))
	}
	return ts, nil
}

// listNamespace is the namespace lists and watches are scoped to: "" with -A.
func (o *Options) listNamespace() string {
	if o.allNamespaces {
		return metav1.NamespaceAll
	}
	return o.ns
}

// label is how a host is named in output lines: qualified by namespace only when several
// namespaces are in play, like kubectl's NAMESPACE column.
func (o *Options) label(t target) string {
	if o.allNamespaces {
		return t.namespace + "/" + t.name
	}
	return t.name
}

// dryRunFlag is --dry-run for the commands that change something.
type dryRunFlag struct{ value string }

func (d *dryRunFlag) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&d.value, "dry-run", "none",
		`"server" sends the request with dryRun=All: the server validates, authorizes and checks the host's state, and changes nothing.`)
}

// options turns the flag into the API's dryRun list. Client-side dry-run is refused: only the
// server knows whether the host's state allows the action.
func (d *dryRunFlag) options() ([]string, error) {
	switch d.value {
	case "", "none":
		return nil, nil
	case "server":
		return []string{metav1.DryRunAll}, nil
	case "client":
		return nil, usageError{`--dry-run=client is not supported: only the server can tell whether the host's state allows the action; use --dry-run=server`}
	}
	return nil, usageError{fmt.Sprintf(`--dry-run must be "none" or "server", not %q`, d.value)}
}

// dryRunSuffix marks output lines of a dry run so nobody mistakes them for real actions.
func dryRunSuffix(dryRun []string) string {
	if len(dryRun) > 0 {
		return " (server dry run)"
	}
	return ""
}

func scope(namespace string) string {
	if namespace == metav1.NamespaceAll {
		return "in any namespace"
	}
	return fmt.Sprintf("in namespace %s", namespace)
}
