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
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// provisioningStates are the states --for=state= accepts: a typo must fail at once, not wait
// out the timeout for a state that can never come.
var provisioningStates = []v1alpha1.ProvisioningState{
	v1alpha1.StateUnmanaged, v1alpha1.StateRegistering, v1alpha1.StateMatchProfile,
	v1alpha1.StatePreparing, v1alpha1.StateReady, v1alpha1.StateAvailable,
	v1alpha1.StateProvisioning, v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned,
	v1alpha1.StateDeprovisioning, v1alpha1.StateInspecting, v1alpha1.StatePoweringOffBeforeDelete,
	v1alpha1.StateDeleting,
}

// waitFor is a parsed --for: what about the host is watched and which value ends the wait.
type waitFor struct {
	kind       string // "state", "power" or "condition"
	state      v1alpha1.ProvisioningState
	power      v1alpha1.PowerState
	condType   string
	condStatus metav1.ConditionStatus
}

const forSyntax = "state=STATE, power=On|Off or condition=TYPE[=True|False|Unknown]"

// parseFor parses --for. States may be written with dashes or underscores instead of spaces
// ("externally-provisioned") so they need no shell quoting.
func parseFor(s string) (waitFor, error) {
	key, val, ok := strings.Cut(s, "=")
	if !ok || val == "" {
		return waitFor{}, usageError{fmt.Sprintf("--for must be %s, not %q", forSyntax, s)}
	}
	switch strings.ToLower(key) {
	case "state":
		norm := strings.ToLower(strings.NewReplacer("-", " ", "_", " ").Replace(strings.TrimSpace(val)))
		for _, st := range provisioningStates {
			if string(st) == norm {
				return waitFor{kind: "state", state: st}, nil
			}
		}
		names := make([]string, len(provisioningStates))
		for i, st := range provisioningStates {
			names[i] = strings.ReplaceAll(string(st), " ", "-")
		}
		return waitFor{}, usageError{fmt.Sprintf("--for=state=%s: unknown provisioning state; one of %s", val, strings.Join(names, ", "))}
	case "power":
		for _, p := range []v1alpha1.PowerState{v1alpha1.PowerOn, v1alpha1.PowerOff} {
			if strings.EqualFold(val, string(p)) {
				return waitFor{kind: "power", power: p}, nil
			}
		}
		return waitFor{}, usageError{fmt.Sprintf("--for=power=%s: power is On or Off", val)}
	case "condition":
		typ, status, hasStatus := strings.Cut(val, "=")
		w := waitFor{kind: "condition", condType: typ, condStatus: metav1.ConditionTrue}
		if typ == "" {
			return waitFor{}, usageError{fmt.Sprintf("--for must be %s, not %q", forSyntax, s)}
		}
		if hasStatus {
			w.condStatus = ""
			for _, c := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
				if strings.EqualFold(status, string(c)) {
					w.condStatus = c
				}
			}
			if w.condStatus == "" {
				return waitFor{}, usageError{fmt.Sprintf("--for=%s: a condition's status is True, False or Unknown", s)}
			}
		}
		return w, nil
	}
	return waitFor{}, usageError{fmt.Sprintf("--for must be %s, not %q", forSyntax, s)}
}

func (w waitFor) String() string {
	switch w.kind {
	case "state":
		return "state=" + string(w.state)
	case "power":
		return "power=" + string(w.power)
	}
	if w.condStatus == metav1.ConditionTrue {
		return "condition=" + w.condType
	}
	return "condition=" + w.condType + "=" + string(w.condStatus)
}

// subject names what the progress lines show: "" for the provisioning state, whose values speak
// for themselves ("registering -> inspecting").
func (w waitFor) subject() string {
	switch w.kind {
	case "power":
		return "power "
	case "condition":
		return w.condType + " "
	}
	return ""
}

// show is a value with its subject always named, for lines that stand alone.
func (w waitFor) show(value string) string {
	if w.kind == "state" {
		return "state " + value
	}
	return w.subject() + value
}

// observe reads the watched value of the host and whether it ends the wait. Power is read from
// baremetalhosts/power, the server's own account of the observed state, rather than recomputed
// here from status fields.
func (w waitFor) observe(ctx context.Context, o *Options, t target, h *v1alpha1.BareMetalHost) (string, bool, error) {
	switch w.kind {
	case "state":
		return orDefault(string(h.Status.Provisioning.State), none), h.Status.Provisioning.State == w.state, nil
	case "power":
		p, err := o.hosts(t.namespace).GetPower(ctx, t.name, metav1.GetOptions{})
		if err != nil {
			return "", false, err
		}
		return orDefault(string(p.Status.State), unknown), p.Status.State == w.power, nil
	}
	for _, c := range h.Status.Conditions {
		if strings.EqualFold(c.Type, w.condType) {
			// As kubectl wait: a condition written for an older generation says nothing yet
			// about the current spec.
			current := c.ObservedGeneration == 0 || c.ObservedGeneration >= h.Generation
			return string(c.Status), current && c.Status == w.condStatus, nil
		}
	}
	return none, false, nil
}

func newWaitCommand(o *Options) *cobra.Command {
	var (
		forFlag string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "wait HOST --for=CONDITION",
		Short: "Wait until a host reaches a provisioning state, a power state or a condition",
		Long: `Watches the host and prints a line each time the watched value changes, e.g.
"worker-0: registering -> inspecting (12s)", and a line when the host reports an error. Exits 0
once the condition holds, 1 on timeout or when the host is deleted.

--for is one of:
  state=STATE               a provisioning state: registering, inspecting, available,
                            provisioning, provisioned, externally-provisioned, ...
  power=On|Off              the power the BMC reports (baremetalhosts/power status.state)
  condition=TYPE[=STATUS]   a host condition such as Ready; STATUS defaults to True

--timeout=0 checks once without waiting; a negative timeout waits without limit.`,
		Example: `  kubectl baremetal wait worker-0 --for=state=provisioned --timeout=30m
  kubectl baremetal wait worker-0 --for=power=Off
  kubectl baremetal wait worker-0 --for=condition=Ready`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if forFlag == "" {
				return usageError{"--for is required: " + forSyntax}
			}
			cond, err := parseFor(forFlag)
			if err != nil {
				return err
			}
			ts, err := o.targets(cmd.Context(), args, namesRequired)
			if err != nil {
				return err
			}
			return o.wait(cmd.Context(), ts[0], cond, timeout)
		},
	}
	cmd.Flags().StringVar(&forFlag, "for", "", "The condition to wait for: "+forSyntax+".")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "How long to wait; 0 checks once, negative waits forever.")
	return cmd
}

// wait watches one host until cond holds, printing progress.
func (o *Options) wait(parent context.Context, t target, cond waitFor, timeout time.Duration) error {
	name := o.label(t)
	// One read first, as kubectl wait does: a missing host or a refused read fails at once, and
	// a condition that already holds needs no watch.
	h, err := o.hosts(t.namespace).Get(parent, t.name, metav1.GetOptions{})
	if err != nil {
		return describe(err, action{what: "read"}, t)
	}
	value, met, err := cond.observe(parent, o, t, h)
	if err != nil {
		return describe(err, action{what: "read the power of"}, t)
	}
	switch {
	case met:
		fmt.Fprintf(o.Out, "%s: %s\n", name, cond.show(value))
		return nil
	case timeout == 0:
		return fmt.Errorf("%s: %s, not %s", name, cond.show(value), cond)
	}

	ctx, cancel := withTimeout(parent, timeout)
	defer cancel()
	start := o.now()
	var last, lastErr string
	// The first line is printed from the watch's first event, not from the read above: every
	// change after it is then seen.
	first := true
	err = o.watchHost(ctx, t, func(h *v1alpha1.BareMetalHost) (bool, error) {
		value, met, err := cond.observe(ctx, o, t, h)
		if err != nil {
			return false, err
		}
		since := elapsed(o.now().Sub(start))
		switch {
		case first && met:
			fmt.Fprintf(o.Out, "%s: %s\n", name, cond.show(value))
		case first:
			fmt.Fprintf(o.Out, "%s: %s (waiting for %s, timeout %s)\n", name, cond.show(value), cond, timeoutText(timeout))
		case value != last:
			fmt.Fprintf(o.Out, "%s: %s%s -> %s (%s)\n", name, cond.subject(), last, value, since)
		}
		// Errors are shown as they appear: the reconciler retries, so they do not end the wait,
		// but the person waiting should not have to find them separately.
		if msg := errorLine(h); msg != lastErr {
			if msg != "" {
				fmt.Fprintf(o.Out, "%s: error: %s (%s)\n", name, msg, since)
			}
			lastErr = msg
		}
		first, last = false, value
		return met, nil
	})
	var deleted errHostDeleted
	switch {
	case err == nil:
		return nil
	case errors.As(err, &deleted):
		return err
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil:
		now := last
		if first {
			now = unknown
		}
		return fmt.Errorf("timed out after %s waiting for %s %s (%s)", timeoutText(timeout), name, cond, cond.show(now))
	case parent.Err() != nil:
		return fmt.Errorf("interrupted while waiting for %s %s", name, cond)
	}
	return describe(err, action{what: "watch"}, t)
}

// errorLine is the host's error with its type, as a wait reports it: "provisioning error: image
// write failed".
func errorLine(h *v1alpha1.BareMetalHost) string {
	msg, typ := oneLine(h.Status.ErrorMessage), string(h.Status.ErrorType)
	switch {
	case msg == "":
		return typ
	case typ == "":
		return msg
	}
	return typ + ": " + msg
}

// withTimeout bounds ctx by timeout; a negative timeout means no bound.
func withTimeout(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}

func timeoutText(d time.Duration) string {
	if d < 0 {
		return "none"
	}
	return d.String()
}

// errHostDeleted ends a wait whose host went away: it can never reach the condition.
type errHostDeleted struct{ t target }

func (e errHostDeleted) Error() string {
	return fmt.Sprintf("host %s/%s was deleted", e.t.namespace, e.t.name)
}

// watchHost calls visit with the host as it is when the watch starts and on every change,
// until visit says done, visit fails, or ctx ends. It follows the host as kubectl wait does:
// client-go's UntilWithSync, an informer on the one host (field selector metadata.name) that
// relists and resumes by itself when a watch ends or its resourceVersion is too old, so a wait
// of an hour outlives any single watch.
func (o *Options) watchHost(ctx context.Context, t target, visit func(*v1alpha1.BareMetalHost) (bool, error)) error {
	hosts := o.hosts(t.namespace)
	selector := fields.OneTermEqualSelector("metadata.name", t.name).String()
	lw := cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = selector
			return hosts.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = selector
			return hosts.Watch(ctx, opts)
		},
	}, o.client)
	// A host missing from the informer's first list was deleted since the caller read it.
	precondition := func(store cache.Store) (bool, error) {
		if _, exists, err := store.Get(&metav1.ObjectMeta{Namespace: t.namespace, Name: t.name}); err != nil || !exists {
			return true, errors.Join(err, errHostDeleted{t})
		}
		return false, nil
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &v1alpha1.BareMetalHost{}, precondition, func(ev watch.Event) (bool, error) {
		h, ok := ev.Object.(*v1alpha1.BareMetalHost)
		// The field selector already filters; the name check keeps a server (or fake) that
		// ignores it from mixing hosts up.
		if !ok || h.Name != t.name {
			return false, nil
		}
		if ev.Type == watch.Deleted {
			return false, errHostDeleted{t}
		}
		return visit(h)
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
