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
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	watchtools "k8s.io/client-go/tools/watch"
	"k8s.io/client-go/util/retry"
	"k8s.io/component-base/version"
	kjson "sigs.k8s.io/json"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// Migration from a running Metal3 follows Metal3's own pivot (what clusterctl move and Cluster
// API Provider Metal3 do to hosts): the host is paused in Metal3, so its operator stops acting
// on it; a copy is created with the host's status in the baremetalhost.metal3.io/status
// annotation, and its HardwareData beside it; the copy's controller restores the status and
// adopts the Ironic node as it is. Nothing is inspected, cleaned, deployed or powered: a
// provisioned host stays provisioned. Metal3's objects are left paused, never deleted: what
// to do with them (remove finalizers, delete, remove the CRDs) is the operator's decision,
// documented in the README.

const (
	// metal3Group is where Metal3's CRDs serve its kinds.
	metal3Group = "metal3.io"
	// migratePausedValue is the paused annotation's value on hosts this command paused. It is
	// not Cluster API Provider Metal3's "metal3.io/capm3": CAPM3 removes only its own value
	// when a cluster is unpaused, and a migrated host must never be resumed by Metal3.
	migratePausedValue = "baremetal.metal3.io/migrate"
	// MigratedFromAnnotation marks every object this command created with the UID of the
	// Metal3 object it copies, so a second run recognises its own work and never creates a
	// duplicate or overwrites an object someone else made.
	MigratedFromAnnotation = "baremetal.metal3.io/migrated-from"
)

// migratedKind is a Metal3 kind that moves with its host: the object of the host's name, of
// which the spec is copied (status is the controllers' to rebuild, except the host's own,
// which travels in the status annotation).
type migratedKind struct {
	resource string
	// newObject is this project's type of the kind, into which Metal3's object is decoded
	// strictly: JSON names are Metal3's, so an unknown field is one this server would lose.
	newObject func() runtime.Object
}

// perHostKinds move before the host, so that its first reconciliation finds them: the
// HardwareData (so the host is not inspected), firmware settings and components the user
// asked for, the update policy, and the DataImage. Not moved: FirmwareSchema (derived from the
// BMC, rebuilt), PreprovisioningImage (derived from the host, rebuilt), BMCEventSubscription
// (named freely and holding a subscription inside the BMC: re-create it by hand).
var perHostKinds = []migratedKind{
	{"hardwaredata", func() runtime.Object { return &v1alpha1.HardwareData{} }},
	{"hostfirmwaresettings", func() runtime.Object { return &v1alpha1.HostFirmwareSettings{} }},
	{"hostfirmwarecomponents", func() runtime.Object { return &v1alpha1.HostFirmwareComponents{} }},
	{"hostupdatepolicies", func() runtime.Object { return &v1alpha1.HostUpdatePolicy{} }},
	{"dataimages", func() runtime.Object { return &v1alpha1.DataImage{} }},
}

var hostKind = migratedKind{"baremetalhosts", func() runtime.Object { return &v1alpha1.BareMetalHost{} }}

func (k migratedKind) source(group string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: "v1alpha1", Resource: k.resource}
}

func (k migratedKind) target() schema.GroupVersionResource {
	return v1alpha1.SchemeGroupVersion.WithResource(k.resource)
}

// settledStates are the provisioning states in which Metal3 has no operation under way: Ironic
// is at rest with the node (or has none), so pausing the host leaves nothing half done. In
// every other state Metal3 is in the middle of something it tracks in its own status and in
// Ironic (registering, inspecting, preparing = cleaning, provisioning = deploying,
// deprovisioning, powering off before delete, deleting): a copy would resume from a
// snapshot of that bookkeeping, which Metal3 itself never promises to survive.
var settledStates = map[v1alpha1.ProvisioningState]bool{
	v1alpha1.StateNone:                  true, // never reconciled: only the spec moves
	v1alpha1.StateUnmanaged:             true,
	v1alpha1.StateAvailable:             true,
	v1alpha1.StateReady:                 true,
	v1alpha1.StateProvisioned:           true,
	v1alpha1.StateExternallyProvisioned: true,
}

// migrateOptions are the migrate command's own flags.
type migrateOptions struct {
	*Options

	all               bool
	apply             bool
	allowTransient    bool
	dropUnknownFields bool
	waitFor           bool
	timeout           time.Duration
	sourceKubeconfig  string
	sourceContext     string
	sourceGroup       string

	// newSource is the dynamic client on Metal3's cluster; a field for tests.
	newSource func() (dynamic.Interface, error)

	source, target dynamic.Interface
}

func newMigrateCommand(o *Options) *cobra.Command {
	return migrateCommand(newMigrateOptions(o))
}

func newMigrateOptions(o *Options) *migrateOptions {
	m := &migrateOptions{Options: o, waitFor: true, timeout: 2 * time.Minute,
		sourceGroup: metal3Group}
	m.newSource = m.sourceClient
	return m
}

func migrateCommand(m *migrateOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate (HOST... | --selector SELECTOR | --all) [--apply]",
		Short: "Move hosts from a running Metal3 (metal3.io) to this server, without touching the machines",
		Long: `Move BareMetalHosts from Metal3's CRDs (group metal3.io) to this server (group
baremetal.metal3.io) the way Metal3 pivots hosts between clusters: each host is paused in Metal3
(annotation baremetalhost.metal3.io/paused=` + migratePausedValue + `), then copied here with its
status in the baremetalhost.metal3.io/status annotation, together with its HardwareData,
HostFirmwareSettings and HostFirmwareComponents (spec), HostUpdatePolicy and DataImage. This
server restores the status and adopts the Ironic node: no host is inspected, cleaned,
provisioned or power-cycled again. Metal3's objects stay, paused; Secrets are never copied
(both sides read the same ones).

Without --apply nothing changes: the plan is printed, one line per host. Hosts in a state in
which Metal3 has an operation under way (registering, inspecting, preparing, provisioning,
deprovisioning, deleting) are refused unless --allow-transient-states. Fields of Metal3's
objects this server does not know are reported, and the host refused unless
--drop-unknown-fields. Running it again finishes an interrupted migration: objects it created
before are recognised by the ` + MigratedFromAnnotation + ` annotation, never duplicated.

With --source-group baremetal.metal3.io and --source-kubeconfig (or --source-context) it moves
hosts from another of these servers the same way: the pivot of hosts between management
clusters that clusterctl move cannot do for an aggregated API.`,
		Example: `  # What would move from namespace metal3 (changes nothing)
  kubectl baremetal migrate --all -n metal3

  # Move two hosts and wait until this server has restored them
  kubectl baremetal migrate node-0 node-1 -n metal3 --apply

  # Metal3 runs in another cluster
  kubectl baremetal migrate --all -n metal3 --source-kubeconfig old.kubeconfig --apply

  # Pivot: hosts served by this server in the old management cluster move to the new one
  kubectl baremetal migrate --all -n metal3 --source-kubeconfig old.kubeconfig --source-group baremetal.metal3.io --apply`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.run(cmd.Context(), args)
		},
	}
	cmd.Flags().BoolVar(&m.all, "all", false, "Migrate every host of the namespace (of every namespace with -A).")
	cmd.Flags().BoolVar(&m.apply, "apply", false, "Carry out the plan; without it nothing is changed.")
	cmd.Flags().BoolVar(&m.allowTransient, "allow-transient-states", false,
		"Migrate hosts in the middle of a Metal3 operation too (registering, inspecting, preparing, provisioning, ...).")
	cmd.Flags().BoolVar(&m.dropUnknownFields, "drop-unknown-fields", false,
		"Migrate hosts whose Metal3 objects have fields this server does not know, dropping those fields.")
	cmd.Flags().BoolVar(&m.waitFor, "wait", m.waitFor, "With --apply, wait until this server has restored each migrated host's state.")
	cmd.Flags().DurationVar(&m.timeout, "timeout", m.timeout, "How long --wait waits for all hosts.")
	cmd.Flags().StringVar(&m.sourceKubeconfig, "source-kubeconfig", "",
		"Kubeconfig of the cluster running Metal3 (default: the same cluster as --kubeconfig).")
	cmd.Flags().StringVar(&m.sourceContext, "source-context", "", "Context of --source-kubeconfig to use.")
	cmd.Flags().StringVar(&m.sourceGroup, "source-group", m.sourceGroup,
		"API group the hosts are read from: metal3.io (Metal3's CRDs), or baremetal.metal3.io to move hosts between two of these servers (with --source-kubeconfig or --source-context).")
	return cmd
}

// sourceName is how the report names where hosts come from.
func (m *migrateOptions) sourceName() string {
	if m.sourceGroup == metal3Group {
		return "Metal3"
	}
	return "the source server"
}

// sourceClient is the dynamic client on Metal3's cluster: the plugin's own connection unless
// --source-kubeconfig or --source-context names another.
func (m *migrateOptions) sourceClient() (dynamic.Interface, error) {
	if m.sourceKubeconfig == "" && m.sourceContext == "" {
		return m.newDynamic()
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = m.sourceKubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: m.sourceContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("source cluster: %w", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = fieldManager + "/" + version.Get().GitVersion
	cfg.WarningHandler = rest.NewWarningWriter(m.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	return dynamic.NewForConfig(cfg)
}

func (m *migrateOptions) run(ctx context.Context, args []string) error {
	switch {
	case m.all && (len(args) > 0 || m.selector != ""):
		return usageError{"--all excludes naming hosts and --selector"}
	case len(args) > 0 && m.selector != "":
		return usageError{"name hosts or give --selector, not both"}
	case len(args) > 0 && m.allNamespaces:
		return usageError{"--all-namespaces needs --selector or --all: named hosts are looked up in one namespace (-n)"}
	case len(args) == 0 && m.selector == "" && !m.all:
		return usageError{"name at least one HOST, or choose hosts with --selector or --all"}
	case m.sourceGroup != metal3Group && m.sourceGroup != v1alpha1.GroupName:
		return usageError{fmt.Sprintf("--source-group must be %s or %s, not %q", metal3Group, v1alpha1.GroupName, m.sourceGroup)}
	case m.sourceGroup == v1alpha1.GroupName && m.sourceKubeconfig == "" && m.sourceContext == "":
		return usageError{"--source-group " + v1alpha1.GroupName + " needs --source-kubeconfig or --source-context: hosts cannot move onto the server that holds them"}
	}
	if err := m.complete(); err != nil {
		return err
	}
	var err error
	if m.source, err = m.newSource(); err != nil {
		return err
	}
	if m.target, err = m.newDynamic(); err != nil {
		return err
	}
	hosts, err := m.sourceHosts(ctx, args)
	if err != nil {
		return err
	}
	if !m.apply {
		fmt.Fprintf(m.Out, "Plan (nothing is changed; run again with --apply to carry it out):\n")
	}
	failed := false
	var created []pendingHost
	for _, h := range hosts {
		r := m.migrateHost(ctx, h)
		fmt.Fprintf(m.Out, "%s: %s\n", m.label(target{h.namespace, h.name}), r.line())
		for _, w := range r.warnings {
			fmt.Fprintf(m.ErrOut, "warning: %s: %s\n", m.label(target{h.namespace, h.name}), w)
		}
		if r.err != nil {
			failed = true
		} else if m.apply && r.expect != nil {
			created = append(created, *r.expect)
		}
	}
	if m.apply && m.waitFor && len(created) > 0 {
		if !m.waitRestored(ctx, created) {
			failed = true
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// sourceHost is a host to migrate, as named or found in Metal3.
type sourceHost struct {
	namespace, name string
	obj             *unstructured.Unstructured // nil when named and not found
}

func (m *migrateOptions) sourceHosts(ctx context.Context, args []string) ([]sourceHost, error) {
	hosts := m.source.Resource(hostKind.source(m.sourceGroup))
	if len(args) > 0 {
		var out []sourceHost
		seen := map[string]bool{}
		for _, name := range args {
			if seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, sourceHost{namespace: m.ns, name: name})
		}
		return out, nil
	}
	ns := m.listNamespace()
	list, err := hosts.Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: m.selector})
	if err != nil {
		return nil, m.describeSourceError(err, ns)
	}
	out := make([]sourceHost, 0, len(list.Items))
	for i := range list.Items {
		it := &list.Items[i]
		out = append(out, sourceHost{namespace: it.GetNamespace(), name: it.GetName(), obj: it})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].namespace != out[j].namespace {
			return out[i].namespace < out[j].namespace
		}
		return out[i].name < out[j].name
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("no hosts (baremetalhosts.%s) in %s %s", m.sourceGroup, m.sourceName(), scope(ns))
	}
	return out, nil
}

func (m *migrateOptions) describeSourceError(err error, namespace string) error {
	if apierrors.IsNotFound(err) {
		if m.sourceGroup == metal3Group {
			return errors.New("the source cluster does not serve baremetalhosts.metal3.io/v1alpha1: is Metal3 (its CRDs) installed there?")
		}
		return fmt.Errorf("the source cluster does not serve baremetalhosts.%s/v1alpha1", m.sourceGroup)
	}
	if apierrors.IsForbidden(err) {
		return fmt.Errorf("forbidden: you may not list the hosts of %s %s: %s", m.sourceName(), scope(namespace), serverReason(err, ""))
	}
	return errors.New(oneLine(err.Error()))
}

// hostResult is what happened (or would happen) to one host.
type hostResult struct {
	state    v1alpha1.ProvisioningState
	steps    []string // done, or planned without --apply
	warnings []string
	err      error
	// expect is what --wait waits for on the created host.
	expect *pendingHost
	// hostDone says an earlier run created the host here (see preflight).
	hostDone bool
}

func (r hostResult) line() string {
	state := string(r.state)
	if state == "" {
		state = "(no status)"
	}
	if r.err != nil {
		s := state + ": not migrated: " + r.err.Error()
		if len(r.steps) > 0 {
			s += " (done before: " + strings.Join(r.steps, ", ") + ")"
		}
		return s
	}
	return state + ": " + strings.Join(r.steps, ", ")
}

// pendingHost is a host created here, whose restored state --wait waits for.
type pendingHost struct {
	namespace, name string
	state           v1alpha1.ProvisioningState
}

// migrateHost pauses one host in Metal3 and copies it and its per-host objects here. Each
// step checks what is already done, so a second run after an interruption finishes the job.
func (m *migrateOptions) migrateHost(ctx context.Context, sh sourceHost) (r hostResult) {
	src := m.source.Resource(hostKind.source(m.sourceGroup)).Namespace(sh.namespace)
	obj := sh.obj
	var host *v1alpha1.BareMetalHost
	// The pause is a write conditional on what was read: when Metal3 changed the host in
	// between, it is read again and its state looked at again, a few times at most.
	for attempt := 0; ; attempt++ {
		var conflict bool
		host, obj, conflict = m.checkAndPause(ctx, src, sh, obj, &r)
		if !conflict || r.err != nil {
			break
		}
		if attempt == 2 {
			r.err = fmt.Errorf("%s kept changing the host while it was being paused; run again", m.sourceName())
			break
		}
		obj = nil
	}
	if r.err != nil {
		return r
	}

	// The per-host objects, then the host; then the host becomes the controller of the copies
	// of the objects the source host controlled.
	var owned []migratedKind
	for _, k := range perHostKinds {
		step, isOwned, err := m.copyObject(ctx, k, sh.namespace, sh.name, &r)
		if err != nil {
			r.err = err
			return r
		}
		if step != "" {
			r.steps = append(r.steps, step)
		}
		if isOwned {
			owned = append(owned, k)
		}
	}
	step, created, err := m.copyHost(ctx, obj, host)
	if err != nil {
		r.err = err
		return r
	}
	r.steps = append(r.steps, step)
	if created != nil {
		var kinds []string
		for _, k := range owned {
			changed, err := m.own(ctx, k, created)
			if err != nil {
				r.err = err
				return r
			}
			if changed {
				kinds = append(kinds, k.resource)
			}
		}
		if len(kinds) > 0 {
			r.steps = append(r.steps, "host made owner of its "+strings.Join(kinds, ", "))
		}
	}
	if m.apply && host.Status.Provisioning.State != v1alpha1.StateNone {
		r.expect = &pendingHost{sh.namespace, sh.name, host.Status.Provisioning.State}
	}
	return r
}

// checkAndPause reads the Metal3 host (unless given), refuses it when it cannot move, and
// pauses it; conflict says that the pause found the host changed since it was read.
func (m *migrateOptions) checkAndPause(ctx context.Context, src dynamic.ResourceInterface, sh sourceHost,
	obj *unstructured.Unstructured, r *hostResult) (*v1alpha1.BareMetalHost, *unstructured.Unstructured, bool) {
	if obj == nil {
		var err error
		if obj, err = src.Get(ctx, sh.name, metav1.GetOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				r.err = fmt.Errorf("no host %s/%s in %s", sh.namespace, sh.name, m.sourceName())
			} else {
				r.err = describe(err, action{"read the source"}, target{sh.namespace, sh.name})
			}
			return nil, nil, false
		}
	}
	host, unknown, err := decodeHost(obj)
	if err != nil {
		r.err = err
		return nil, nil, false
	}
	r.state = host.Status.Provisioning.State
	r.warnings = nil
	if r.err = m.checkUnknown("BareMetalHost", unknown, r); r.err != nil {
		return nil, nil, false
	}
	if obj.GetDeletionTimestamp() != nil {
		r.err = errors.New("it is being deleted in " + m.sourceName())
		return nil, nil, false
	}
	if refs := obj.GetOwnerReferences(); len(refs) > 0 {
		// An owner of the Metal3 host is an object of Metal3's cluster: the copy's
		// reference would dangle, and a garbage collector would delete the copy.
		r.warnings = append(r.warnings, fmt.Sprintf("owner references not copied: %s", ownerNames(refs)))
	}
	if r.hostDone, r.err = m.preflight(ctx, obj); r.err != nil {
		return nil, nil, false
	}
	if obj.GetAnnotations()[v1alpha1.PausedAnnotation] == migratePausedValue {
		// Paused by an earlier run: the state it was paused in is the one that moves (a
		// transient one only if that run allowed it); Metal3 has not touched it since.
		r.steps = append(r.steps, "already paused in "+m.sourceName())
		return host, obj, false
	}
	if !settledStates[r.state] && !m.allowTransient {
		r.err = fmt.Errorf("%q is a transient state: %s has an operation under way; wait until it settles, or pass --allow-transient-states", r.state, m.sourceName())
		return nil, nil, false
	}
	step := "pause in " + m.sourceName()
	if prev, was := obj.GetAnnotations()[v1alpha1.PausedAnnotation]; was {
		step = fmt.Sprintf("pause in %s (was paused by %q)", m.sourceName(), prev)
	}
	if !m.apply {
		r.steps = append(r.steps, "would "+step)
		return host, obj, false
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": obj.GetResourceVersion(),
		"annotations":     map[string]string{v1alpha1.PausedAnnotation: migratePausedValue},
	}})
	if err != nil {
		r.err = err
		return nil, nil, false
	}
	paused, err := src.Patch(ctx, obj.GetName(), types.MergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
	switch {
	case apierrors.IsConflict(err):
		return nil, nil, true
	case err != nil:
		r.err = fmt.Errorf("pausing it in %s: %s", m.sourceName(), serverReason(err, obj.GetName()))
		return nil, nil, false
	}
	// What Metal3 last wrote before the pause is what moves: from now on it writes nothing.
	if host, _, r.err = decodeHost(paused); r.err != nil {
		return nil, nil, false
	}
	r.state = host.Status.Provisioning.State
	r.steps = append(r.steps, strings.Replace(step, "pause", "paused", 1))
	return host, paused, false
}

// pendingChanges says whether a firmware object's status says that its spec asks for changes
// not applied yet (Metal3's ChangeDetected condition, on HostFirmwareSettings and
// HostFirmwareComponents).
func pendingChanges(obj *unstructured.Unstructured) bool {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		if c, ok := c.(map[string]any); ok && c["type"] == v1alpha1.FirmwareSettingsChangeDetected && c["status"] == string(metav1.ConditionTrue) {
			return true
		}
	}
	return false
}

// preflight refuses the host before anything is written when an object it would create here
// exists already and was not made from it by an earlier run: the host would otherwise be
// paused in the source and then stop half-way. It reports whether an earlier run created the
// host here (hostDone): that run created its per-host objects before it, and any here without
// the marker are this server's own, made for the host since.
func (m *migrateOptions) preflight(ctx context.Context, obj *unstructured.Unstructured) (hostDone bool, err error) {
	foreign := func(existing *unstructured.Unstructured) error {
		return fmt.Errorf("a %s %s/%s already exists here and was not migrated from this host: resolve by hand",
			existing.GetKind(), existing.GetNamespace(), existing.GetName())
	}
	ns, name := obj.GetNamespace(), obj.GetName()
	host, err := m.target.Resource(hostKind.target()).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil && host.GetAnnotations()[MigratedFromAnnotation] == string(obj.GetUID()):
		return true, nil
	case err == nil:
		return false, foreign(host)
	case !apierrors.IsNotFound(err):
		return false, fmt.Errorf("reading baremetalhosts here: %s", serverReason(err, name))
	case !namesObject(err, name):
		// The group itself is missing here: nothing could be created after the pause.
		return false, errNotServed
	}
	for _, k := range perHostKinds {
		existing, err := m.target.Resource(k.target()).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return false, fmt.Errorf("reading %s here: %s", k.resource, serverReason(err, name))
		}
		if _, ours := existing.GetAnnotations()[MigratedFromAnnotation]; ours {
			continue
		}
		// A conflict only when the source has one to copy.
		switch _, err := m.source.Resource(k.source(m.sourceGroup)).Namespace(ns).Get(ctx, name, metav1.GetOptions{}); {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return false, fmt.Errorf("reading %s of %s: %s", k.resource, m.sourceName(), serverReason(err, name))
		}
		return false, foreign(existing)
	}
	return false, nil
}

// decodeHost decodes a Metal3 host strictly into this server's type, returning the fields the
// type does not know.
func decodeHost(obj *unstructured.Unstructured) (*v1alpha1.BareMetalHost, []string, error) {
	h := &v1alpha1.BareMetalHost{}
	unknown, err := decodeStrict(obj, h)
	return h, unknown, err
}

// decodeStrict decodes a Metal3 object into into, and lists what a strict decode objects to
// (unknown and duplicate fields) instead of failing on the first.
func decodeStrict(obj *unstructured.Unstructured, into runtime.Object) ([]string, error) {
	raw, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	strict, err := kjson.UnmarshalStrict(raw, into)
	if err != nil {
		return nil, fmt.Errorf("%s %s does not decode as this server's type: %v", obj.GetKind(), obj.GetName(), err)
	}
	var unknown []string
	for _, e := range strict {
		unknown = append(unknown, e.Error())
	}
	return unknown, nil
}

func (m *migrateOptions) checkUnknown(kind string, unknown []string, r *hostResult) error {
	if len(unknown) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s has fields this server does not know: %s", kind, strings.Join(unknown, "; "))
	if !m.dropUnknownFields {
		return errors.New(msg + " (--drop-unknown-fields migrates without them)")
	}
	r.warnings = append(r.warnings, msg+": dropped")
	return nil
}

// copyObject copies the Metal3 object of kind k and the host's name, when there is one: its
// labels, annotations and spec. It returns the step done or planned ("" when Metal3 has none).
//
// owned says that the host controls the source object (Metal3's HardwareData, firmware
// objects): the copy is then given the new host as its controller once that exists.
func (m *migrateOptions) copyObject(ctx context.Context, k migratedKind, namespace, name string, r *hostResult) (step string, owned bool, err error) {
	src, err := m.source.Resource(k.source(m.sourceGroup)).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		// None, or Metal3's CRDs do not have the kind at all (older Metal3): nothing to move.
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("reading %s of %s: %s", k.resource, m.sourceName(), serverReason(err, name))
	}
	if ref := metav1.GetControllerOfNoCopy(src); ref != nil && ref.Kind == v1alpha1.BareMetalHostKind.Kind && ref.Name == name {
		owned = true
	}
	if pendingChanges(src) {
		r.warnings = append(r.warnings, fmt.Sprintf("%s %s has changes %s has not applied yet (ChangeDetected): this server applies them as Metal3 does "+
			"(an available host is prepared again; a provisioned one at servicing, as its HostUpdatePolicy allows)", src.GetKind(), name, m.sourceName()))
	}
	if r.hostDone {
		// The host is here already, so this was copied before it (or is this server's own,
		// made for the host since, which own leaves alone unless it carries the marker).
		return "", owned, nil
	}
	typed := k.newObject()
	unknown, err := decodeStrict(src, typed)
	if err != nil {
		return "", false, err
	}
	if err := m.checkUnknown(src.GetKind(), unknown, r); err != nil {
		return "", false, err
	}
	converted, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return "", false, err
	}
	copied := newCopy(src, k.target())
	if spec, ok := converted["spec"]; ok {
		copied.Object["spec"] = spec
	}
	step, _, err = m.create(ctx, k, copied, src)
	return step, owned, err
}

// copyHost creates the host here: labels, annotations (without the pause), spec, and the
// status as Metal3 had it in the status annotation, which this server's controller restores
// before it does anything else.
func (m *migrateOptions) copyHost(ctx context.Context, src *unstructured.Unstructured, host *v1alpha1.BareMetalHost) (string, *unstructured.Unstructured, error) {
	spec, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&host.Spec)
	if err != nil {
		return "", nil, err
	}
	copied := newCopy(src, hostKind.target())
	copied.Object["spec"] = spec
	if host.Status.Provisioning.State != v1alpha1.StateNone {
		raw, err := json.Marshal(&host.Status)
		if err != nil {
			return "", nil, err
		}
		annotations := copied.GetAnnotations()
		annotations[v1alpha1.StatusAnnotation] = string(raw)
		copied.SetAnnotations(annotations)
	}
	step, created, err := m.create(ctx, hostKind, copied, src)
	if err == nil && !strings.HasSuffix(step, "already migrated") && host.Status.Provisioning.State != v1alpha1.StateNone {
		step += " with its status"
	}
	return step, created, err
}

// own makes the new host the controller of its per-host object of kind k, as the host was of
// the source object, unless the object has a controller already (this server's reconciler
// adopts a HardwareData itself; a second run finds it done). The owner reference lets the
// object go with its host, as in Metal3.
func (m *migrateOptions) own(ctx context.Context, k migratedKind, host *unstructured.Unstructured) (bool, error) {
	objs := m.target.Resource(k.target()).Namespace(host.GetNamespace())
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj, err := objs.Get(ctx, host.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if _, ours := obj.GetAnnotations()[MigratedFromAnnotation]; !ours || metav1.GetControllerOfNoCopy(obj) != nil {
			return nil
		}
		ref := metav1.NewControllerRef(host, v1alpha1.BareMetalHostKind)
		obj.SetOwnerReferences(append(obj.GetOwnerReferences(), *ref))
		_, err = objs.Update(ctx, obj, metav1.UpdateOptions{FieldManager: fieldManager})
		changed = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("making the host own its %s: %s", k.resource, serverReason(err, host.GetName()))
	}
	return changed, nil
}

// newCopy is the object to create here for a Metal3 object: same name and namespace, its
// labels, its annotations but the pause and a status annotation of its own, and the marker.
// Owner references, finalizers and managed fields belong to Metal3's objects and controllers.
func newCopy(src *unstructured.Unstructured, gvr schema.GroupVersionResource) *unstructured.Unstructured {
	c := &unstructured.Unstructured{Object: map[string]any{}}
	c.SetAPIVersion(gvr.GroupVersion().String())
	c.SetKind(src.GetKind())
	c.SetNamespace(src.GetNamespace())
	c.SetName(src.GetName())
	if l := src.GetLabels(); len(l) > 0 {
		c.SetLabels(l)
	}
	annotations := map[string]string{}
	for k, v := range src.GetAnnotations() {
		if k != v1alpha1.PausedAnnotation && k != v1alpha1.StatusAnnotation {
			annotations[k] = v
		}
	}
	annotations[MigratedFromAnnotation] = string(src.GetUID())
	c.SetAnnotations(annotations)
	return c
}

// create creates obj here, or finds that an earlier run did (the marker names the same Metal3
// object). An object of the name that this command did not make from that Metal3 object is
// never overwritten: the host is refused.
// It returns the object here (nil in a plan).
func (m *migrateOptions) create(ctx context.Context, k migratedKind, obj, src *unstructured.Unstructured) (string, *unstructured.Unstructured, error) {
	kind := obj.GetKind()
	targets := m.target.Resource(k.target()).Namespace(obj.GetNamespace())
	existing, err := targets.Get(ctx, obj.GetName(), metav1.GetOptions{})
	switch {
	case err == nil:
		step, err := alreadyThere(kind, existing, src)
		return step, existing, err
	case !apierrors.IsNotFound(err):
		return "", nil, fmt.Errorf("reading %s here: %s", kind, serverReason(err, obj.GetName()))
	case !namesObject(err, obj.GetName()):
		return "", nil, fmt.Errorf("this server does not serve %s: %v", k.target().GroupResource(), errNotServed)
	case !m.apply:
		return "would create " + kind, nil, nil
	}
	created, err := targets.Create(ctx, obj, metav1.CreateOptions{FieldManager: fieldManager})
	if apierrors.IsAlreadyExists(err) {
		if existing, err = targets.Get(ctx, obj.GetName(), metav1.GetOptions{}); err == nil {
			step, err := alreadyThere(kind, existing, src)
			return step, existing, err
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("creating %s: %s", kind, serverReason(err, obj.GetName()))
	}
	return "created " + kind, created, nil
}

func alreadyThere(kind string, existing, src *unstructured.Unstructured) (string, error) {
	if existing.GetAnnotations()[MigratedFromAnnotation] == string(src.GetUID()) {
		return kind + " already migrated", nil
	}
	return "", fmt.Errorf("a %s %s/%s already exists here and was not migrated from this host: resolve by hand",
		kind, existing.GetNamespace(), existing.GetName())
}

func ownerNames(refs []metav1.OwnerReference) string {
	var names []string
	for _, r := range refs {
		names = append(names, r.Kind+"/"+r.Name)
	}
	return strings.Join(names, ", ")
}

// waitRestored waits until this server has restored every created host: the status
// annotation consumed and the provisioning state Metal3 had. It reports each host's outcome
// and whether all were restored in time. It follows the hosts as wait does, with client-go's
// UntilWithSync: one informer over their namespace (all namespaces when they are in several),
// so a restoration is seen as it is written, and a watch that ends is resumed.
func (m *migrateOptions) waitRestored(ctx context.Context, hosts []pendingHost) bool {
	type key struct{ namespace, name string }
	pending := map[key]pendingHost{}
	// why is what each pending host last showed, for the timeout's report.
	why := map[key]string{}
	namespace := ""
	for i, h := range hosts {
		k := key{h.namespace, h.name}
		pending[k], why[k] = h, "not seen yet"
		if i == 0 {
			namespace = h.namespace
		} else if h.namespace != namespace {
			namespace = metav1.NamespaceAll
		}
	}
	var deleted []key
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	client := m.target.Resource(hostKind.target()).Namespace(namespace)
	lw := cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			return client.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return client.Watch(ctx, opts)
		},
	}, m.target)
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, func(ev watch.Event) (bool, error) {
		obj, ok := ev.Object.(*unstructured.Unstructured)
		if !ok {
			return false, nil
		}
		k := key{obj.GetNamespace(), obj.GetName()}
		h, isPending := pending[k]
		if !isPending {
			return false, nil
		}
		if ev.Type == watch.Deleted {
			// It can never be restored: reported now rather than at the timeout.
			delete(pending, k)
			deleted = append(deleted, k)
			return len(pending) == 0, nil
		}
		_, annotated := obj.GetAnnotations()[v1alpha1.StatusAnnotation]
		state, _, _ := unstructured.NestedString(obj.Object, "status", "provisioning", "state")
		if !annotated && state == string(h.state) {
			fmt.Fprintf(m.Out, "%s: restored here: %s\n", m.label(target{h.namespace, h.name}), state)
			delete(pending, k)
			return len(pending) == 0, nil
		}
		why[k] = fmt.Sprintf("state %q, status annotation consumed: %v", state, !annotated)
		return false, nil
	})
	for _, k := range deleted {
		fmt.Fprintf(m.ErrOut, "%s: deleted here before it was restored\n", m.label(target{k.namespace, k.name}))
	}
	var left []key
	for k := range pending {
		left = append(left, k)
	}
	sort.Slice(left, func(i, j int) bool { return left[i].namespace+"/"+left[i].name < left[j].namespace+"/"+left[j].name })
	for _, k := range left {
		reason := why[k]
		if err != nil && ctx.Err() == nil { // not the timeout: the watch itself failed
			reason = oneLine(err.Error())
		}
		fmt.Fprintf(m.ErrOut, "%s: not restored within %s (want %q; %s)\n", m.label(target{k.namespace, k.name}), m.timeout, pending[k].state, reason)
	}
	return len(left) == 0 && len(deleted) == 0
}
