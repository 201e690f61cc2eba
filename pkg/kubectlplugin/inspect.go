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
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func newInspectCommand(o *Options) *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
		dry     dryRunFlag
	)
	cmd := &cobra.Command{
		Use:   "inspect HOST",
		Short: "Inspect a host's hardware again (POST baremetalhosts/inspect)",
		Long: `Asks the server to inspect the host's hardware again. The host must be available (or
ready); the server refuses with the reason (409) otherwise. With --wait, follows the inspection
(Pending -> InProgress -> Completed) and ends with a summary of the inventory found: CPUs, RAM,
NICs and disks. The full inventory is in kubectl get bmh HOST --subresource=inspect -o yaml.`,
		Example: `  kubectl baremetal inspect worker-0
  kubectl baremetal inspect worker-0 --wait --timeout=20m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dryRun, err := dry.options()
			if err != nil {
				return err
			}
			if wait && dryRun != nil {
				return usageError{"--wait cannot be combined with --dry-run: a dry run starts no inspection to wait for"}
			}
			ts, err := o.targets(cmd.Context(), args, namesRequired)
			if err != nil {
				return err
			}
			return o.inspect(cmd.Context(), ts[0], dryRun, wait, timeout)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "Wait for the inspection to complete or fail, then print the inventory.")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "With --wait: how long to wait; negative waits forever.")
	dry.add(cmd)
	return cmd
}

func (o *Options) inspect(ctx context.Context, t target, dryRun []string, wait bool, timeout time.Duration) error {
	hosts := o.hosts(t.namespace)
	// The inspection before ours tells a fresh result from an old one: see waitInspection.
	var before *v1alpha1.Inspection
	if wait {
		var err error
		if before, err = hosts.GetInspection(ctx, t.name, metav1.GetOptions{}); err != nil {
			return describe(err, action{what: "read the inspection of"}, t)
		}
	}
	if _, err := hosts.Inspect(ctx, t.name, &v1alpha1.InspectRequest{}, metav1.CreateOptions{DryRun: dryRun, FieldManager: fieldManager}); err != nil {
		return describe(err, action{what: "inspect"}, t)
	}
	fmt.Fprintf(o.Out, "%s: inspection accepted%s\n", o.label(t), dryRunSuffix(dryRun))
	if !wait {
		return nil
	}
	return o.waitInspection(ctx, t, before, timeout)
}

// waitInspection follows baremetalhosts/inspect each time the host changes. An inventory from
// an earlier inspection must not pass for the new one: the result counts once the inspection
// was seen in progress, or when its completion time is newer than the one read before asking.
func (o *Options) waitInspection(parent context.Context, t target, before *v1alpha1.Inspection, timeout time.Duration) error {
	ctx, cancel := withTimeout(parent, timeout)
	defer cancel()
	name := o.label(t)
	start := o.now()
	var (
		last        v1alpha1.InspectionState
		sawProgress bool
		result      *v1alpha1.Inspection
	)
	err := o.watchHost(ctx, t, func(*v1alpha1.BareMetalHost) (bool, error) {
		in, err := o.hosts(t.namespace).GetInspection(ctx, t.name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st := in.Status.State
		switch {
		case last == "":
			fmt.Fprintf(o.Out, "%s: inspection %s (waiting, timeout %s)\n", name, st, timeoutText(timeout))
		case st != last:
			fmt.Fprintf(o.Out, "%s: inspection %s -> %s (%s)\n", name, last, st, elapsed(o.now().Sub(start)))
		}
		last = st
		switch st {
		case v1alpha1.InspectionInProgress:
			sawProgress = true
		case v1alpha1.InspectionFailed:
			result = in
			return true, nil
		case v1alpha1.InspectionCompleted:
			if sawProgress || newer(in.Status.CompletionTime, before.Status.CompletionTime) {
				result = in
				return true, nil
			}
		}
		return false, nil
	})
	var deleted errHostDeleted
	switch {
	case err == nil:
	case errors.As(err, &deleted):
		return err
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil:
		return fmt.Errorf("timed out after %s waiting for the inspection of %s (inspection %s)", timeoutText(timeout), name, orDefault(string(last), unknown))
	case parent.Err() != nil:
		return fmt.Errorf("interrupted while waiting for the inspection of %s", name)
	default:
		return describe(err, action{what: "follow the inspection of"}, t)
	}
	if result.Status.State == v1alpha1.InspectionFailed {
		return fmt.Errorf("host %s/%s: inspection failed: %s", t.namespace, t.name, orDefault(oneLine(result.Status.Message), "no message"))
	}
	took := elapsed(o.now().Sub(start))
	if s, c := result.Status.StartTime, result.Status.CompletionTime; s != nil && c != nil && !c.Before(s) {
		took = elapsed(c.Sub(s.Time)) // the server's own measure, when it has one
	}
	fmt.Fprintf(o.Out, "%s: inspection completed in %s\n", name, took)
	printInventory(o.Out, result.Status.Hardware)
	return nil
}

func newer(t, than *metav1.Time) bool {
	return t != nil && (than == nil || t.After(than.Time))
}
