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
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// errorWidth keeps the ERROR column from pushing AGE off a terminal; -o wide shows it whole.
const errorWidth = 48

// listChunk is the page size, as kubectl's --chunk-size default: a large fleet is listed in
// several requests instead of one response the server must build in memory at once.
const listChunk = 500

func newListCommand(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List hosts with their state, power and last error",
		Long: `One line per host, sorted by namespace and name:
  STATE   the provisioning state (registering, available, provisioned, ...)
  POWER   desired/observed power; observed is <unknown> until the host is registered
  STATUS  the operational status (OK, discovered, error, delayed, detached, servicing)
  ERROR   the last error's message (or type), empty when there is none
-o wide adds the BMC address and a hardware summary from the last inspection.`,
		Example: `  kubectl baremetal list
  kubectl baremetal list -A -l rack=r1 -o wide`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "" && output != "wide" {
				return usageError{fmt.Sprintf(`--output must be "wide" (or empty), not %q; for yaml or json use kubectl get bmh`, output)}
			}
			return o.list(cmd.Context(), output == "wide")
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", `"wide" adds the BMC address and a hardware summary.`)
	return cmd
}

func (o *Options) list(ctx context.Context, wide bool) error {
	if err := o.complete(); err != nil {
		return err
	}
	ns := o.listNamespace()
	var hosts []v1alpha1.BareMetalHost
	opts := metav1.ListOptions{LabelSelector: o.selector, Limit: listChunk}
	for {
		page, err := o.hosts(ns).List(ctx, opts)
		if err != nil {
			return describeListError(err, ns)
		}
		hosts = append(hosts, page.Items...)
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	if len(hosts) == 0 {
		fmt.Fprintf(o.ErrOut, "No resources found %s.\n", scope(ns))
		return nil
	}
	sort.Slice(hosts, func(i, j int) bool {
		if hosts[i].Namespace != hosts[j].Namespace {
			return hosts[i].Namespace < hosts[j].Namespace
		}
		return hosts[i].Name < hosts[j].Name
	})

	header := []string{"NAME", "STATE", "POWER", "STATUS", "ERROR", "AGE"}
	if wide {
		header = append(header, "BMC", "HARDWARE")
	}
	if o.allNamespaces {
		header = append([]string{"NAMESPACE"}, header...)
	}
	tbl := newTable(o.Out, header...)
	width := errorWidth
	if wide {
		width = 0
	}
	now := o.now()
	for i := range hosts {
		h := &hosts[i]
		row := []string{
			h.Name,
			string(h.Status.Provisioning.State),
			powerWord(h.Spec.Online) + "/" + observedPower(h),
			string(h.Status.OperationalStatus),
			hostError(h, width),
			age(now, h.CreationTimestamp),
		}
		if wide {
			row = append(row, h.Spec.BMC.Address, hardwareSummary(h.Status.Hardware))
		}
		if o.allNamespaces {
			row = append([]string{h.Namespace}, row...)
		}
		tbl.row(row...)
	}
	tbl.flush()
	return nil
}
