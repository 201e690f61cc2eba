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
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/discovery"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// hostUpdatePoliciesGVR is Metal3's HostUpdatePolicy, which lets servicing apply firmware
// changes to a provisioned host. The server may not serve it (the generated client has no type
// for it), so it is looked up in discovery and read through the dynamic client, and its absence
// is part of the answer, not an error.
var hostUpdatePoliciesGVR = v1alpha1.SchemeGroupVersion.WithResource("hostupdatepolicies")

// updatePolicyOnReboot is the HostUpdatePolicy value that lets servicing apply a kind of change
// on the host's next reboot. Anything else (Metal3's default, onPreparing) leaves that kind of
// change to preparing, which a provisioned host does not go through.
const updatePolicyOnReboot = "onReboot"

// When the pending firmware changes are applied: the "when" of the structured output.
const (
	applyNothing    = "Nothing"    // nothing is pending
	applyPreparing  = "Preparing"  // when the host next goes through preparing
	applyOnReboot   = "OnReboot"   // on the host's next reboot, through servicing
	applyInProgress = "InProgress" // now: the host is preparing or servicing
	applyBlocked    = "Blocked"    // not until something changes: a policy, the host's state, the spec
	applyUnknown    = "Unknown"    // the HostUpdatePolicy could not be read
)

const firmwareNotRead = "firmware not read yet: the server reads it once the host is registered and at rest"

// firmwareView is what `firmware` shows: the text output is printed from it, and -o json|yaml
// prints it as it is.
type firmwareView struct {
	Name              string                     `json:"name"`
	Namespace         string                     `json:"namespace"`
	State             v1alpha1.ProvisioningState `json:"state"`
	OperationalStatus v1alpha1.OperationalStatus `json:"operationalStatus,omitempty"`
	// Error is the host's last error, which says why servicing or preparing failed.
	Error string `json:"error,omitempty"`

	Changes changesView `json:"changes"`
	// Components is nil without a HostFirmwareComponents, Settings without a HostFirmwareSettings.
	Components *componentsView `json:"components,omitempty"`
	Settings   *settingsView   `json:"settings,omitempty"`
}

// changesView says how much is pending, and when the server applies it.
type changesView struct {
	PendingSettings int `json:"pendingSettings"`
	PendingUpdates  int `json:"pendingUpdates"`
	// When is Nothing, Preparing, OnReboot, InProgress, Blocked or Unknown; Message says why.
	When    string `json:"when"`
	Message string `json:"message"`
	// UpdatePolicy is read for the states where only servicing can apply changes.
	UpdatePolicy *updatePolicyView `json:"updatePolicy,omitempty"`
}

// updatePolicyView is the host's HostUpdatePolicy, as far as servicing cares.
type updatePolicyView struct {
	// Name is the policy servicing looks for: the host's own name.
	Name  string `json:"name"`
	Found bool   `json:"found"`
	// FirmwareSettings and FirmwareUpdates are onReboot when servicing may apply that kind.
	FirmwareSettings string `json:"firmwareSettings,omitempty"`
	FirmwareUpdates  string `json:"firmwareUpdates,omitempty"`
	// Message says why there is no policy, or why it could not be read.
	Message string `json:"message,omitempty"`

	unreadable bool
}

// componentsView is the host's HostFirmwareComponents.
type componentsView struct {
	// Read is false until the server has read the versions from the BMC.
	Read               bool                               `json:"read"`
	LastRead           *metav1.Time                       `json:"lastRead,omitempty"`
	Components         []v1alpha1.FirmwareComponentStatus `json:"components"`
	PendingUpdates     []v1alpha1.FirmwareUpdate          `json:"pendingUpdates"`
	LastAppliedUpdates []v1alpha1.FirmwareUpdate          `json:"lastAppliedUpdates"`
	Conditions         []metav1.Condition                 `json:"conditions,omitempty"`
}

// settingsView is the host's HostFirmwareSettings, with the limits of its FirmwareSchema.
type settingsView struct {
	// Read is false until the server has read the BIOS; nothing is pending before.
	Read     bool         `json:"read"`
	LastRead *metav1.Time `json:"lastRead,omitempty"`
	// Schema is the FirmwareSchema status.schema names, nil when it names none.
	Schema     *schemaView        `json:"schema,omitempty"`
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	Pending    []settingView      `json:"pending"`
	// All is every setting, the host's and the wanted ones, with --all-settings.
	All []settingView `json:"all,omitempty"`
}

type schemaView struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Found is false when the schema named does not exist: no limits are known then.
	Found bool `json:"found"`
}

// settingView is one BIOS setting. Current and Wanted are nil where the host does not report
// the setting or the spec does not set it ("" is a value: an empty asset tag).
type settingView struct {
	Name    string                  `json:"name"`
	Current *string                 `json:"current,omitempty"`
	Wanted  *string                 `json:"wanted,omitempty"`
	Limits  *v1alpha1.SettingSchema `json:"limits,omitempty"`
}

func newFirmwareCommand(o *Options) *cobra.Command {
	var (
		output      string
		allSettings bool
	)
	cmd := &cobra.Command{
		Use:     "firmware HOST",
		Aliases: []string{"fw"},
		Short:   "Show a host's firmware versions and BIOS settings, and the changes pending",
		Long: `Shows what the server last read of a host's firmware (its HostFirmwareComponents and
HostFirmwareSettings, named after the host) and the changes their specs ask for that the host
does not have yet:
  - the host's state and when the pending changes are applied: an available or ready host goes
    through preparing on its own; a provisioned or externally provisioned host only through
    servicing, on its next reboot, and only with a HostUpdatePolicy named like the host whose
    firmwareSettings (for settings) or firmwareUpdates (for updates) is onReboot;
  - each firmware component with its initial, current and last flashed version, the updates
    pending (spec.updates not applied yet) and those applied last;
  - the BIOS settings that differ from the wanted ones (CURRENT, WANTED) with what the host's
    FirmwareSchema ALLOWS for each, the Valid and ChangeDetected conditions, and when the BIOS
    was last read; --all-settings lists every setting.
-o json or -o yaml prints the same as one document.`,
		Example: `  kubectl baremetal firmware worker-0
  kubectl baremetal firmware worker-0 --all-settings
  kubectl baremetal firmware worker-0 -n lab -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch output {
			case "", "json", "yaml":
			default:
				return usageError{fmt.Sprintf(`--output must be "json" or "yaml" (or empty), not %q`, output)}
			}
			ts, err := o.targets(cmd.Context(), args, namesRequired)
			if err != nil {
				return err
			}
			v, err := o.firmware(cmd.Context(), ts[0], allSettings)
			if err != nil {
				return err
			}
			if output != "" {
				return printStructured(o.Out, output, v)
			}
			printFirmware(o.Out, v, o.now())
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", `"json" or "yaml" prints a structured view instead of text.`)
	cmd.Flags().BoolVar(&allSettings, "all-settings", false, "List every BIOS setting of the host, not only those pending.")
	return cmd
}

// firmware reads the host, its firmware objects, the schema they name and, where it decides
// anything, the host's HostUpdatePolicy.
func (o *Options) firmware(ctx context.Context, t target, allSettings bool) (*firmwareView, error) {
	api := o.client.BaremetalV1alpha1()
	host, err := o.hosts(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
	if err != nil {
		return nil, describe(err, action{what: "read"}, t)
	}
	hfs, err := api.HostFirmwareSettings(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
	if hfs, err = absent(hfs, err, t.name); err != nil {
		return nil, describeRead(err, "hostfirmwaresettings", t.namespace, t.name)
	}
	hfc, err := api.HostFirmwareComponents(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
	if hfc, err = absent(hfc, err, t.name); err != nil {
		return nil, describeRead(err, "hostfirmwarecomponents", t.namespace, t.name)
	}
	if hfs == nil && hfc == nil {
		return nil, fmt.Errorf("host %s/%s: %s (the host is %s)", t.namespace, t.name, firmwareNotRead, stateText(host))
	}
	var schema *v1alpha1.FirmwareSchema
	if hfs != nil && hfs.Status.Schema != nil {
		ref := hfs.Status.Schema
		schema, err = api.FirmwareSchemas(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if schema, err = absent(schema, err, ref.Name); err != nil {
			return nil, describeRead(err, "firmwareschemas", ref.Namespace, ref.Name)
		}
	}
	var policy *updatePolicyView
	if servicingOnly(host.Status.Provisioning.State) {
		policy = o.updatePolicy(ctx, t)
	}
	return buildFirmwareView(host, hfs, hfc, schema, policy, allSettings), nil
}

// absent turns a 404 about the named object into nil: not there yet is an answer. A 404 that
// names no object (the kind is not served) stays an error.
func absent[T any](obj *T, err error, name string) (*T, error) {
	if apierrors.IsNotFound(err) && namesObject(err, name) {
		return nil, nil
	}
	return obj, err
}

// describeRead is describe for the firmware kinds, read on the host's behalf.
func describeRead(err error, resource, namespace, name string) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("the server does not serve %s.%s/%s: is it an older baremetal-apiserver?",
			resource, v1alpha1.SchemeGroupVersion.Group, v1alpha1.SchemeGroupVersion.Version)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: you may not read %s %s/%s: %s", resource, namespace, name, serverReason(err, name))
	case apierrors.IsUnauthorized(err):
		return errUnauthorized
	}
	return fmt.Errorf("%s %s/%s: %s", resource, namespace, name, serverReason(err, name))
}

// servicingOnly are the states whose host takes firmware changes only through servicing: it
// is (or is being) provisioned and does not go through preparing again until deprovisioned.
func servicingOnly(st v1alpha1.ProvisioningState) bool {
	switch st {
	case v1alpha1.StateProvisioning, v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned:
		return true
	}
	return false
}

// updatePolicy reads the host's HostUpdatePolicy if the server serves the kind. Nothing here
// fails the command: a policy that cannot be read makes the answer "unknown", with the reason.
func (o *Options) updatePolicy(ctx context.Context, t target) *updatePolicyView {
	p := &updatePolicyView{Name: t.name}
	unreadable := func(err error) *updatePolicyView {
		p.unreadable = true
		p.Message = "HostUpdatePolicy unknown: " + describeRead(err, hostUpdatePoliciesGVR.Resource, t.namespace, t.name).Error()
		return p
	}
	resources, err := discovery.ToDiscoveryInterfaceWithContext(o.client.Discovery()).
		ServerResourcesForGroupVersionWithContext(ctx, hostUpdatePoliciesGVR.GroupVersion().String())
	if err != nil && !apierrors.IsNotFound(err) {
		return unreadable(err)
	}
	served := resources != nil && slices.ContainsFunc(resources.APIResources, func(r metav1.APIResource) bool {
		return r.Name == hostUpdatePoliciesGVR.Resource
	})
	if !served {
		p.Message = "no HostUpdatePolicy: the server does not serve hostupdatepolicies"
		return p
	}
	dyn, err := o.newDynamic()
	if err != nil {
		return unreadable(err)
	}
	obj, err := dyn.Resource(hostUpdatePoliciesGVR).Namespace(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		p.Message = fmt.Sprintf("no HostUpdatePolicy %s/%s", t.namespace, t.name)
		return p
	case err != nil:
		return unreadable(err)
	}
	p.Found = true
	p.FirmwareSettings, _, _ = unstructured.NestedString(obj.Object, "spec", "firmwareSettings")
	p.FirmwareUpdates, _, _ = unstructured.NestedString(obj.Object, "spec", "firmwareUpdates")
	return p
}

// buildFirmwareView puts the objects read together. The pending changes are the API types'
// own definition (PendingSettings, PendingUpdates), the one the server's reconciler applies.
func buildFirmwareView(h *v1alpha1.BareMetalHost, hfs *v1alpha1.HostFirmwareSettings, hfc *v1alpha1.HostFirmwareComponents,
	schema *v1alpha1.FirmwareSchema, policy *updatePolicyView, allSettings bool) *firmwareView {
	v := &firmwareView{
		Name: h.Name, Namespace: h.Namespace,
		State: h.Status.Provisioning.State, OperationalStatus: h.Status.OperationalStatus,
		Error: hostError(h),
	}
	if hfc != nil {
		v.Components = &componentsView{
			Read:               len(hfc.Status.Components) > 0 || hfc.Status.LastUpdated != nil,
			LastRead:           hfc.Status.LastUpdated,
			Components:         orEmpty(hfc.Status.Components),
			PendingUpdates:     orEmpty(hfc.PendingUpdates()),
			LastAppliedUpdates: orEmpty(hfc.Status.Updates),
			Conditions:         hfc.Status.Conditions,
		}
	}
	if hfs != nil {
		s := &settingsView{
			Read:       hfs.Status.Settings != nil,
			LastRead:   hfs.Status.LastUpdated,
			Conditions: hfs.Status.Conditions,
			Pending:    []settingView{},
		}
		if ref := hfs.Status.Schema; ref != nil {
			s.Schema = &schemaView{Namespace: ref.Namespace, Name: ref.Name, Found: schema != nil}
		}
		setting := func(name string) settingView {
			sv := settingView{Name: name}
			if cur, ok := hfs.Status.Settings[name]; ok {
				sv.Current = &cur
			}
			if want, ok := hfs.Spec.Settings[name]; ok {
				w := want.String()
				sv.Wanted = &w
			}
			if schema != nil {
				if lim, ok := schema.Spec.Schema[name]; ok {
					sv.Limits = lim.DeepCopy()
				}
			}
			return sv
		}
		pending := hfs.PendingSettings()
		for _, name := range sets.List(sets.KeySet(pending)) {
			s.Pending = append(s.Pending, setting(name))
		}
		if allSettings {
			names := sets.KeySet(hfs.Status.Settings).Union(sets.KeySet(hfs.Spec.Settings))
			for _, name := range sets.List(names) {
				s.All = append(s.All, setting(name))
			}
		}
		v.Settings = s
	}
	v.Changes = planChanges(h, hfs, hfc, policy)
	return v
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// planChanges says when the server applies what is pending, following Metal3: preparing applies
// settings and updates to a host that is not provisioned, and an available or ready host goes
// through preparing again on its own when they change; a provisioned host takes them only through
// servicing, started by a reboot, for each kind of change its HostUpdatePolicy sets to onReboot.
func planChanges(h *v1alpha1.BareMetalHost, hfs *v1alpha1.HostFirmwareSettings, hfc *v1alpha1.HostFirmwareComponents, policy *updatePolicyView) changesView {
	c := changesView{
		PendingSettings: len(hfs.PendingSettings()),
		PendingUpdates:  len(hfc.PendingUpdates()),
		UpdatePolicy:    policy,
	}
	set := func(when, msg string) changesView {
		c.When, c.Message = when, msg
		return c
	}
	if c.PendingSettings == 0 && c.PendingUpdates == 0 {
		return set(applyNothing, "nothing pending: the host has the settings and firmware its specs ask for")
	}
	if hfs != nil && c.PendingSettings > 0 {
		if cond := invalid(hfs.Status.Conditions); cond != nil {
			return set(applyBlocked, "not applied while the HostFirmwareSettings are not Valid: "+conditionText(cond))
		}
	}
	if hfc != nil && c.PendingUpdates > 0 {
		if cond := invalid(hfc.Status.Conditions); cond != nil {
			return set(applyBlocked, "not applied while the HostFirmwareComponents are not Valid: "+conditionText(cond))
		}
	}
	if _, paused := h.Annotations[v1alpha1.PausedAnnotation]; paused {
		return set(applyBlocked, "not applied while the host is paused (annotation "+v1alpha1.PausedAnnotation+")")
	}
	if h.Status.OperationalStatus == v1alpha1.OperationalStatusDetached {
		return set(applyBlocked, "not applied while the host is detached")
	}
	if h.Status.OperationalStatus == v1alpha1.OperationalStatusServicing {
		return set(applyInProgress, "being applied: the host is servicing")
	}
	switch st := h.Status.Provisioning.State; st {
	case v1alpha1.StatePreparing:
		return set(applyInProgress, "being applied: the host is preparing")
	case v1alpha1.StateAvailable:
		return set(applyPreparing, "when the host goes through preparing, which an available host does on its own")
	case v1alpha1.StateReady:
		return set(applyPreparing, "when the host goes through preparing, which a ready host does on its own")
	case v1alpha1.StateNone, v1alpha1.StateRegistering, v1alpha1.StateInspecting, v1alpha1.StateMatchProfile:
		return set(applyPreparing, "when the host goes through preparing, after registering and inspecting")
	case v1alpha1.StateDeprovisioning:
		return set(applyPreparing, "when the host goes through preparing, once deprovisioned")
	case v1alpha1.StateUnmanaged:
		return set(applyBlocked, "not applied: the host is unmanaged (it has no BMC)")
	case v1alpha1.StateDeleting, v1alpha1.StatePoweringOffBeforeDelete:
		return set(applyBlocked, "not applied: the host is being deleted")
	case v1alpha1.StateProvisioning, v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned:
		return planServicing(c, h)
	default:
		return set(applyBlocked, fmt.Sprintf("not applied in state %q", st))
	}
}

// planServicing is planChanges for a host that only servicing can change.
func planServicing(c changesView, h *v1alpha1.BareMetalHost) changesView {
	p := c.UpdatePolicy
	if p == nil { // the caller did not read it: same as none
		p = &updatePolicyView{Name: h.Name, Message: "no HostUpdatePolicy " + h.Namespace + "/" + h.Name}
	}
	// Which kinds of change are pending, and which the policy lets servicing apply.
	type kind struct{ what, field, value string }
	var allowed, refused []kind
	for _, k := range []struct {
		pending int
		kind
	}{
		{c.PendingSettings, kind{"BIOS settings", "firmwareSettings", p.FirmwareSettings}},
		{c.PendingUpdates, kind{"firmware updates", "firmwareUpdates", p.FirmwareUpdates}},
	} {
		switch {
		case k.pending == 0:
		case k.value == updatePolicyOnReboot:
			allowed = append(allowed, k.kind)
		default:
			refused = append(refused, k.kind)
		}
	}
	fields := func(ks []kind) string {
		var fs []string
		for _, k := range ks {
			fs = append(fs, k.field)
		}
		return strings.Join(fs, " and ")
	}
	whats := func(ks []kind) string {
		var ws []string
		for _, k := range ks {
			ws = append(ws, k.what)
		}
		return strings.Join(ws, " and ")
	}
	state := "provisioned"
	first := "on the next reboot"
	if h.Status.Provisioning.State == v1alpha1.StateProvisioning {
		state = "provisioning"
		first = "once provisioned, on its next reboot"
	}
	reboot := "kubectl baremetal reboot " + h.Name
	set := func(when, msg string) changesView {
		c.When, c.Message = when, msg
		return c
	}
	switch {
	case p.unreadable:
		return set(applyUnknown, fmt.Sprintf("not while the host is %s unless HostUpdatePolicy %s allows servicing, "+
			"and it could not be read", state, p.Name))
	case !p.Found:
		// p.Message (printed beside) says why there is none: missing, or the kind not served.
		return set(applyBlocked, fmt.Sprintf("not while the host is %s without a HostUpdatePolicy: servicing applies them "+
			"on a reboot once a HostUpdatePolicy named %s sets %s to %s", state, h.Name, fields(refused), updatePolicyOnReboot))
	case len(refused) == 0:
		return set(applyOnReboot, fmt.Sprintf("%s, through servicing (HostUpdatePolicy %s: %s %s): %s",
			first, p.Name, fields(allowed), updatePolicyOnReboot, reboot))
	case len(allowed) == 0:
		return set(applyBlocked, fmt.Sprintf("not while the host is %s: HostUpdatePolicy %s does not set %s to %s",
			state, p.Name, fields(refused), updatePolicyOnReboot))
	}
	return set(applyOnReboot, fmt.Sprintf("%s %s, through servicing (%s); %s not while the host is %s: HostUpdatePolicy %s does not set %s to %s",
		whats(allowed), first, reboot, whats(refused), state, p.Name, fields(refused), updatePolicyOnReboot))
}

// invalid is the Valid condition when it is False.
func invalid(conds []metav1.Condition) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == v1alpha1.FirmwareSettingsValid && conds[i].Status == metav1.ConditionFalse {
			return &conds[i]
		}
	}
	return nil
}

func conditionText(c *metav1.Condition) string {
	return orDefault(oneLine(c.Message), c.Reason)
}

// stateText is the host's provisioning state for a sentence.
func stateText(h *v1alpha1.BareMetalHost) string {
	if st := h.Status.Provisioning.State; st != v1alpha1.StateNone {
		return string(st)
	}
	return "not registered yet"
}

// sortedConditions puts Valid and ChangeDetected first, as they are the ones to read.
func sortedConditions(conds []metav1.Condition) []metav1.Condition {
	rank := func(t string) int {
		switch t {
		case v1alpha1.FirmwareSettingsValid:
			return 0
		case v1alpha1.FirmwareSettingsChangeDetected:
			return 1
		}
		return 2
	}
	out := slices.Clone(conds)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Type) < rank(out[j].Type) })
	return out
}
