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

package metal3compat

// What Cluster API Provider Metal3 does to BareMetalHosts, transcribed from its source
// (metal3-io/cluster-api-provider-metal3 @2f6d76b: baremetal/metal3machine_manager.go
// chooseHost, hostLabelSelectorForMachine, Associate, setHostLabel, setHostConsumerRef,
// setHostSpec, Delete, SetPauseAnnotation, RemovePauseAnnotation, nodeAddresses;
// baremetal/metal3remediation_manager.go SetPowerOffAnnotation, RemovePowerOffAnnotation,
// IsPoweredOn, SetUnhealthyAnnotation). CAPM3 itself cannot be built here (no version of it
// downloads from the module proxy), so its host-facing code is kept with its names and
// decisions, minus Cluster API's objects: a machine below is what CAPM3 reads of a
// Metal3Machine and its Machine. Writes go through a patch helper that does what Cluster API's
// util/patch.Helper does for a host: a JSON merge patch of the changes since the read, with no
// resourceVersion (client.MergeFrom without optimistic locking).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Names CAPM3 uses.
const (
	pausedAnnotationKey = "metal3.io/capm3"                            // PausedAnnotationKey
	blockMoveAnnotation = "clusterctl.cluster.x-k8s.io/block-move"     // BlockMoveAnnotation
	clusterNameLabel    = "cluster.x-k8s.io/cluster-name"              // clusterv1.ClusterNameLabel
	unhealthyAnnotation = "capm3.metal3.io/unhealthy"                  // infrav1.UnhealthyAnnotation
	powerOffAnnotation  = "reboot.metal3.io/metal3-remediation-%s"     // powerOffAnnotation, with the Metal3Remediation's UID
	metal3MachineKind   = "Metal3Machine"                              // metal3MachineKind
	metal3MachineAPI    = "infrastructure.cluster.x-k8s.io/v1beta2"    // infrav1.GroupVersion
	nodeReuseLabelName  = "infrastructure.cluster.x-k8s.io/node-reuse" // nodeReuseLabelName
	hostAnnotation      = "metal3.io/BareMetalHost"                    // HostAnnotation (on the Metal3Machine)
)

// hostSelectorRequirement is CAPM3's infrav1.HostSelectorRequirement.
type hostSelectorRequirement struct {
	Key      string
	Operator selection.Operator
	Values   []string
}

// machine is what CAPM3 reads of a Metal3Machine (spec.hostSelector, spec.image,
// spec.automatedCleaningMode, status.userData) and of its Machine (spec.clusterName).
type machine struct {
	Name, Namespace, UID  string
	ClusterName           string
	MatchLabels           map[string]string
	MatchExpressions      []hostSelectorRequirement
	ImageURL              string
	ImageChecksum         string
	ImageChecksumType     string
	ImageDiskFormat       string
	UserData              *corev1.SecretReference
	AutomatedCleaningMode string

	// host is the metal3.io/BareMetalHost annotation CAPM3 keeps on the Metal3Machine.
	host string
}

// patchHelper is Cluster API's util/patch.Helper as it applies to a BareMetalHost: it keeps the
// object as read and patches what changed since, as a JSON merge patch with no resourceVersion.
type patchHelper struct {
	c      client.Client
	before *bmov1alpha1.BareMetalHost
}

func newPatchHelper(host *bmov1alpha1.BareMetalHost, c client.Client) *patchHelper {
	return &patchHelper{c: c, before: host.DeepCopy()}
}

func (h *patchHelper) Patch(ctx context.Context, host *bmov1alpha1.BareMetalHost) error {
	if equality.Semantic.DeepEqual(h.before.ObjectMeta, host.ObjectMeta) && equality.Semantic.DeepEqual(h.before.Spec, host.Spec) {
		return nil
	}
	if err := h.c.Patch(ctx, host, client.MergeFrom(h.before)); err != nil {
		return err
	}
	h.before = host.DeepCopy()
	return nil
}

// hostLabelSelectorForMachine builds a label selector from the Metal3Machine's host selector;
// like CAPM3 it lower-cases the operators (so In, NotIn and Exists work).
func hostLabelSelectorForMachine(m *machine) (labels.Selector, error) {
	selector := labels.NewSelector()
	for k, v := range m.MatchLabels {
		r, err := labels.NewRequirement(k, selection.Equals, []string{v})
		if err != nil {
			return nil, err
		}
		selector = selector.Add(*r)
	}
	for _, req := range m.MatchExpressions {
		r, err := labels.NewRequirement(req.Key, selection.Operator(strings.ToLower(string(req.Operator))), req.Values)
		if err != nil {
			return nil, err
		}
		selector = selector.Add(*r)
	}
	return selector, nil
}

func consumerRefMatches(consumer *corev1.ObjectReference, m *machine) bool {
	return consumer != nil && consumer.Name == m.Name && consumer.Namespace == m.Namespace &&
		consumer.Kind == metal3MachineKind && strings.HasPrefix(consumer.APIVersion, "infrastructure.cluster.x-k8s.io/")
}

// chooseHost lists the hosts of the machine's namespace matching its selector (through the
// client given: CAPM3's manager client reads from its informer cache) and picks one that is
// free: the one already consumed by this machine, else one with no consumer, not being
// deleted, without an error message, not paused or unhealthy, in state ready or available.
// CAPM3 picks at random; the first by name keeps the test deterministic.
func chooseHost(ctx context.Context, c client.Client, m *machine) (*bmov1alpha1.BareMetalHost, *patchHelper, error) {
	selector, err := hostLabelSelectorForMachine(m)
	if err != nil {
		return nil, nil, err
	}
	hosts := bmov1alpha1.BareMetalHostList{}
	if err := c.List(ctx, &hosts, client.InNamespace(m.Namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
		return nil, nil, err
	}
	sort.Slice(hosts.Items, func(i, j int) bool { return hosts.Items[i].Name < hosts.Items[j].Name })
	var available []*bmov1alpha1.BareMetalHost
	for i := range hosts.Items {
		host := &hosts.Items[i]
		if host.Spec.ConsumerRef != nil && consumerRefMatches(host.Spec.ConsumerRef, m) {
			return host, newPatchHelper(host, c), nil
		}
		if _, reuse := host.Labels[nodeReuseLabelName]; reuse || host.Spec.ConsumerRef != nil {
			continue
		}
		if host.GetDeletionTimestamp() != nil || host.Status.ErrorMessage != "" {
			continue
		}
		if _, ok := host.Annotations[bmov1alpha1.PausedAnnotation]; ok {
			continue
		}
		if _, ok := host.Annotations[unhealthyAnnotation]; ok {
			continue
		}
		switch host.Status.Provisioning.State {
		case bmov1alpha1.StateReady, bmov1alpha1.StateAvailable:
			available = append(available, host)
		}
	}
	if len(available) == 0 {
		return nil, nil, nil
	}
	return available[0], newPatchHelper(available[0], c), nil
}

// associate is CAPM3's Associate for a machine without a data template: choose a host, label
// it with the cluster, set its consumer and its spec (image, user data, online), patch it.
func associate(ctx context.Context, c client.Client, m *machine) (*bmov1alpha1.BareMetalHost, error) {
	host, helper, err := chooseHost(ctx, c, m)
	if err != nil || host == nil {
		return nil, err
	}
	if host.Labels == nil {
		host.Labels = map[string]string{}
	}
	host.Labels[clusterNameLabel] = m.ClusterName    // setHostLabel
	host.Spec.ConsumerRef = &corev1.ObjectReference{ // setHostConsumerRef
		Kind: metal3MachineKind, Name: m.Name, Namespace: m.Namespace, APIVersion: metal3MachineAPI,
	}
	delete(host.Labels, nodeReuseLabelName)
	setHostSpec(host, m)
	if err := helper.Patch(ctx, host); err != nil {
		return nil, err
	}
	m.host = host.Namespace + "/" + host.Name // ensureAnnotation
	return host, nil
}

// setHostSpec sets the image and user data once (a host with an image keeps it until
// deprovisioned), the cleaning mode, and powers the host on.
func setHostSpec(host *bmov1alpha1.BareMetalHost, m *machine) {
	if host.Spec.Image == nil && host.Spec.CustomDeploy == nil && m.UserData != nil {
		format := m.ImageDiskFormat
		host.Spec.Image = &bmov1alpha1.Image{
			URL: m.ImageURL, Checksum: m.ImageChecksum,
			ChecksumType: bmov1alpha1.ChecksumType(m.ImageChecksumType), DiskFormat: &format,
		}
		host.Spec.UserData = m.UserData.DeepCopy()
		if host.Spec.UserData.Namespace == "" {
			host.Spec.UserData.Namespace = host.Namespace
		}
	}
	if m.AutomatedCleaningMode != "" {
		host.Spec.AutomatedCleaningMode = bmov1alpha1.AutomatedCleaningMode(m.AutomatedCleaningMode)
	}
	host.Spec.Online = true
}

// getHost reads the machine's host (from the metal3.io/BareMetalHost annotation) through c.
func getHost(ctx context.Context, c client.Client, m *machine) (*bmov1alpha1.BareMetalHost, *patchHelper, error) {
	if m.host == "" {
		return nil, nil, nil
	}
	_, hostName, _ := strings.Cut(m.host, "/")
	host := &bmov1alpha1.BareMetalHost{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: m.Namespace, Name: hostName}, host); err != nil {
		return nil, nil, err
	}
	return host, newPatchHelper(host, c), nil
}

// errRequeue is CAPM3's transient error: "deprovisioning BareMetalHost, requeuing".
var errRequeue = errors.New("deprovisioning BareMetalHost, requeuing")

// deleteMachine is one pass of CAPM3's Delete (without Capm3FastTrack, node reuse or a BMC
// Secret label): first clear the image, custom deploy and user data and power the host off,
// and requeue; requeue while the host is still provisioned or deprovisioning; then release
// it: no consumer, no cluster label, no pause of CAPM3's. It returns errRequeue until done.
func deleteMachine(ctx context.Context, c client.Client, m *machine) error {
	host, helper, err := getHost(ctx, c, m)
	if err != nil || host == nil {
		return err
	}
	if host.Spec.ConsumerRef == nil || !consumerRefMatches(host.Spec.ConsumerRef, m) {
		return nil
	}
	updated := false
	if host.Spec.Image != nil {
		host.Spec.Image, updated = nil, true
	}
	if host.Spec.CustomDeploy != nil {
		host.Spec.CustomDeploy, updated = nil, true
	}
	if m.UserData != nil && host.Spec.UserData != nil {
		host.Spec.UserData, updated = nil, true
	}
	online := host.Spec.DisablePowerOff // Capm3FastTrack is false
	if host.Spec.Online != online {
		host.Spec.Online, updated = online, true
	}
	if updated {
		if err := helper.Patch(ctx, host); err != nil {
			return err
		}
		return errRequeue
	}
	switch host.Status.Provisioning.State {
	case bmov1alpha1.StateRegistering, bmov1alpha1.StateMatchProfile, bmov1alpha1.StateInspecting,
		bmov1alpha1.StateReady, bmov1alpha1.StateAvailable, bmov1alpha1.StateNone, bmov1alpha1.StateUnmanaged:
	case bmov1alpha1.StateExternallyProvisioned:
		if host.Status.PoweredOn {
			return errRequeue
		}
	default:
		return errRequeue
	}
	host.Spec.ConsumerRef = nil
	if host.Labels[clusterNameLabel] == m.ClusterName {
		delete(host.Labels, clusterNameLabel)
	}
	if host.Annotations[bmov1alpha1.PausedAnnotation] == pausedAnnotationKey {
		delete(host.Annotations, bmov1alpha1.PausedAnnotation)
	}
	if err := helper.Patch(ctx, host); err != nil {
		return err
	}
	m.host = ""
	return nil
}

// setPauseAnnotation is what CAPM3 does when its cluster is paused (clusterctl move pauses it
// first): block the move, pause the host with CAPM3's key and its status (without the
// hardware details) in Metal3's status annotation, then unblock the move. Three patches.
func setPauseAnnotation(ctx context.Context, c client.Client, m *machine) error {
	host, helper, err := getHost(ctx, c, m)
	if err != nil || host == nil {
		return err
	}
	if _, ok := host.Annotations[bmov1alpha1.PausedAnnotation]; ok {
		return nil
	}
	if host.Annotations == nil {
		host.Annotations = map[string]string{}
	}
	if _, ok := host.Annotations[blockMoveAnnotation]; !ok {
		host.Annotations[blockMoveAnnotation] = ""
		if err := helper.Patch(ctx, host); err != nil {
			return fmt.Errorf("failed to set block-move annotation: %w", err)
		}
	}
	host.Annotations[bmov1alpha1.PausedAnnotation] = pausedAnnotationKey
	status, err := json.Marshal(&host.Status)
	if err != nil {
		return err
	}
	obj := map[string]any{}
	if err := json.Unmarshal(status, &obj); err != nil {
		return err
	}
	delete(obj, "hardware")
	if status, err = json.Marshal(obj); err != nil {
		return err
	}
	host.Annotations[bmov1alpha1.StatusAnnotation] = string(status)
	if err := helper.Patch(ctx, host); err != nil {
		return fmt.Errorf("failed to set pause annotations: %w", err)
	}
	delete(host.Annotations, blockMoveAnnotation)
	if err := helper.Patch(ctx, host); err != nil {
		return fmt.Errorf("failed to remove block-move annotation: %w", err)
	}
	return nil
}

// removePauseAnnotation removes CAPM3's pause from a host of its cluster (a pause set by a user,
// with another value, stays).
func removePauseAnnotation(ctx context.Context, c client.Client, m *machine) error {
	host, helper, err := getHost(ctx, c, m)
	if err != nil || host == nil {
		return err
	}
	if v, ok := host.Annotations[bmov1alpha1.PausedAnnotation]; ok && v == pausedAnnotationKey && host.Labels[clusterNameLabel] == m.ClusterName {
		delete(host.Annotations, bmov1alpha1.PausedAnnotation)
	}
	return helper.Patch(ctx, host)
}

// remediation is what CAPM3's RemediationManager does to the host of an unhealthy machine.
type remediation struct {
	m   *machine
	uid string // the Metal3Remediation's UID, in the power-off annotation's key
}

func (r remediation) powerOffAnnotationKey() string { return fmt.Sprintf(powerOffAnnotation, r.uid) }

func (r remediation) setUnhealthyAnnotation(ctx context.Context, c client.Client) error {
	host, helper, err := getHost(ctx, c, r.m)
	if err != nil {
		return err
	}
	if host.Annotations == nil {
		host.Annotations = map[string]string{}
	}
	host.Annotations[unhealthyAnnotation] = "capm3/UnhealthyNode"
	return helper.Patch(ctx, host)
}

// setPowerOffAnnotation asks Metal3 to power the host off and keep it off: a suffixed reboot
// annotation, hard mode, held until removed.
func (r remediation) setPowerOffAnnotation(ctx context.Context, c client.Client) error {
	host, helper, err := getHost(ctx, c, r.m)
	if err != nil {
		return err
	}
	mode, err := json.Marshal(bmov1alpha1.RebootAnnotationArguments{Mode: bmov1alpha1.RebootModeHard})
	if err != nil {
		return err
	}
	if host.Annotations == nil {
		host.Annotations = map[string]string{}
	}
	host.Annotations[r.powerOffAnnotationKey()] = string(mode)
	return helper.Patch(ctx, host)
}

func (r remediation) removePowerOffAnnotation(ctx context.Context, c client.Client) error {
	host, helper, err := getHost(ctx, c, r.m)
	if err != nil {
		return err
	}
	delete(host.Annotations, r.powerOffAnnotationKey())
	delete(host.Annotations, unhealthyAnnotation)
	return helper.Patch(ctx, host)
}

// nodeAddresses is what CAPM3 copies into the Metal3Machine's addresses: each NIC's IP, and the
// hostname.
func nodeAddresses(host *bmov1alpha1.BareMetalHost) []string {
	var addrs []string
	if host.Status.HardwareDetails == nil {
		return addrs
	}
	for _, nic := range host.Status.HardwareDetails.NIC {
		if nic.IP != "" {
			addrs = append(addrs, "InternalIP:"+nic.IP)
		}
	}
	if h := host.Status.HardwareDetails.Hostname; h != "" {
		addrs = append(addrs, "Hostname:"+h, "InternalDNS:"+h)
	}
	return addrs
}
