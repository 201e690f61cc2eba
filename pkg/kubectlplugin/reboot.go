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

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func newRebootCommand(o *Options) *cobra.Command {
	var (
		hard bool
		dry  dryRunFlag
	)
	cmd := &cobra.Command{
		Use:   "reboot HOST...",
		Short: "Reboot hosts (POST baremetalhosts/reboot)",
		Long: `Asks the server to reboot each host. A soft reboot asks the operating system to restart and
falls back to a hard reset after the server's timeout; --hard resets at once. The server accepts
the request (202) and its reconciler carries it out; it refuses with the reason (409) when the
host's state does not allow a reboot, e.g. while provisioning or powered off.`,
		Example: `  kubectl baremetal reboot worker-0
  kubectl baremetal reboot --hard worker-0 worker-1
  kubectl baremetal reboot -l rack=r1 --dry-run=server`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dryRun, err := dry.options()
			if err != nil {
				return err
			}
			ts, err := o.targets(cmd.Context(), args, namesRequired)
			if err != nil {
				return err
			}
			mode := v1alpha1.RebootModeSoft
			if hard {
				mode = v1alpha1.RebootModeHard
			}
			return o.eachHost(ts, func(t target) (string, error) {
				return o.reboot(cmd.Context(), t, mode, dryRun)
			})
		},
	}
	cmd.Flags().BoolVar(&hard, "hard", false, "Reset the host at once instead of asking the operating system to restart.")
	dry.add(cmd)
	return cmd
}

func (o *Options) reboot(ctx context.Context, t target, mode v1alpha1.RebootMode, dryRun []string) (string, error) {
	req := &v1alpha1.RebootRequest{Spec: v1alpha1.RebootRequestSpec{Mode: mode}}
	// A 409 is not retried: it is the host's state refusing the reboot, not a stale write.
	_, err := o.hosts(t.namespace).Reboot(ctx, t.name, req, metav1.CreateOptions{DryRun: dryRun, FieldManager: fieldManager})
	if err != nil {
		return "", describe(err, action{what: "reboot"}, t)
	}
	return string(mode) + " reboot accepted" + dryRunSuffix(dryRun), nil
}
