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
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func newPowerCommand(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "power (on|off|status) HOST...",
		Short: "Turn hosts on or off, or show their power (baremetalhosts/power)",
		Long: `Power goes through the baremetalhosts/power subresource: it needs get and update on
baremetalhosts/power only, not the right to edit the host. "on" and "off" record the desired
power; the server's reconciler then drives the BMC, and "power status" shows whether it got there.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageError{"power needs a subcommand: on, off or status"}
		},
	}
	cmd.AddCommand(newPowerSetCommand(o, v1alpha1.PowerOn), newPowerSetCommand(o, v1alpha1.PowerOff), newPowerStatusCommand(o))
	return cmd
}

func newPowerSetCommand(o *Options, want v1alpha1.PowerState) *cobra.Command {
	var dry dryRunFlag
	word := strings.ToLower(string(want))
	cmd := &cobra.Command{
		Use:   word + " HOST...",
		Short: fmt.Sprintf("Set the desired power of hosts to %s", want),
		Example: fmt.Sprintf(`  kubectl baremetal power %[1]s worker-0 worker-1
  kubectl baremetal power %[1]s -l rack=r1 --dry-run=server`, word),
		RunE: func(cmd *cobra.Command, args []string) error {
			dryRun, err := dry.options()
			if err != nil {
				return err
			}
			ts, err := o.targets(cmd.Context(), args, namesRequired)
			if err != nil {
				return err
			}
			return o.eachHost(ts, func(t target) (string, error) {
				msg, err := o.setPower(cmd.Context(), t, want, dryRun)
				return msg + dryRunSuffix(dryRun), err
			})
		},
	}
	dry.add(cmd)
	return cmd
}

// setPower is a read-modify-write of the Power: the write carries the resourceVersion that was
// read, so a host changed in between is a 409 and the whole cycle is retried on a fresh read
// instead of overwriting someone else's change.
func (o *Options) setPower(ctx context.Context, t target, want v1alpha1.PowerState, dryRun []string) (string, error) {
	hosts := o.hosts(t.namespace)
	word := strings.ToLower(string(want))
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := hosts.GetPower(ctx, t.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if changed = p.Spec.State != want; !changed {
			return nil
		}
		p.Spec.State = want
		_, err = hosts.UpdatePower(ctx, t.name, p, metav1.UpdateOptions{DryRun: dryRun, FieldManager: fieldManager})
		return err
	})
	if err != nil {
		return "", describe(err, action{what: "power " + word}, t)
	}
	if !changed {
		return "power already set to " + word, nil
	}
	return "power " + word + " requested", nil
}

func newPowerStatusCommand(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "status [HOST...]",
		Short: "Show desired and observed power of hosts (all hosts in the namespace when none is named)",
		Long: `DESIRED is what was asked for (the host's spec.online); OBSERVED what the BMC last
reported, <unknown> until the host is registered; PENDING is true while they differ; SINCE is the
time since the observed power last changed; MESSAGE explains a power management error.`,
		Example: `  kubectl baremetal power status worker-0
  kubectl baremetal power status -A -l rack=r1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, err := o.targets(cmd.Context(), args, namesOrAll)
			if err != nil {
				return err
			}
			if len(ts) == 0 {
				fmt.Fprintf(o.ErrOut, "No resources found %s.\n", scope(o.listNamespace()))
				return nil
			}
			return o.powerStatus(cmd.Context(), ts)
		},
	}
}

func (o *Options) powerStatus(ctx context.Context, ts []target) error {
	header := []string{"NAME", "DESIRED", "OBSERVED", "PENDING", "SINCE", "MESSAGE"}
	if o.allNamespaces {
		header = append([]string{"NAMESPACE"}, header...)
	}
	var rows [][]string
	failed := false
	for _, t := range ts {
		p, err := o.hosts(t.namespace).GetPower(ctx, t.name, metav1.GetOptions{})
		if err != nil {
			fmt.Fprintf(o.ErrOut, "error: %v\n", describe(err, action{what: "read the power of"}, t))
			failed = true
			continue
		}
		since := none
		if p.Status.LastTransitionTime != nil {
			since = age(o.now(), *p.Status.LastTransitionTime)
		}
		row := []string{t.name, string(p.Spec.State), orDefault(string(p.Status.State), unknown),
			strconv.FormatBool(p.Status.Pending), since, oneLine(p.Status.Message)}
		if o.allNamespaces {
			row = append([]string{t.namespace}, row...)
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		tbl := newTable(o.Out, header...)
		for _, r := range rows {
			tbl.row(r...)
		}
		tbl.flush()
	}
	if failed {
		return errReported
	}
	return nil
}

// eachHost runs fn on every target, printing "HOST: result" or the error on its own line, and
// goes on after a failure: with several hosts, one bad name must not stop the others.
func (o *Options) eachHost(ts []target, fn func(target) (string, error)) error {
	failed := false
	for _, t := range ts {
		msg, err := fn(t)
		if err != nil {
			fmt.Fprintf(o.ErrOut, "error: %v\n", err)
			failed = true
			continue
		}
		fmt.Fprintf(o.Out, "%s: %s\n", o.label(t), msg)
	}
	if failed {
		return errReported
	}
	return nil
}
