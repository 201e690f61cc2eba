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

// Package hostfirmware reports what a host's firmware is, as Metal3's HostFirmwareSettings and
// HostFirmwareComponents controllers do: for every host the backend manages and that is at
// rest, it reads the BIOS settings, the attribute registry and the firmware versions from the
// BMC and writes them to the status of the host's HostFirmwareSettings and
// HostFirmwareComponents (same name, controlled by the host) and to a FirmwareSchema shared by
// the hosts whose registry is the same. It reads again when the last reading is older than the
// read interval, a decision taken from the stored objects alone. It does not apply settings or
// updates (that is the host reconciler's, while preparing or servicing).
package hostfirmware

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// DefaultReadInterval is how old a firmware reading may get before the BMC is read again.
const DefaultReadInterval = time.Hour

// HostFunc builds the backend's view of a host (its BMC and credentials).
type HostFunc func(ctx context.Context, h *v1alpha1.BareMetalHost) (provisioner.Host, error)

// Controller writes hosts' firmware readings.
type Controller struct {
	client   clientset.Interface
	hosts    listers.BareMetalHostLister
	settings listers.HostFirmwareSettingsLister
	synced   []cache.InformerSynced
	reader   provisioner.FirmwareReader
	hostFor  HostFunc
	queue    workqueue.TypedRateLimitingInterface[string]
	clock    clock.PassiveClock
	interval time.Duration
}

// New returns a controller of the hosts the informer sees, reading through reader. Changes to
// HostFirmwareSettings (their desired settings) bring their host back too, so ChangeDetected
// follows the spec at once, without a BMC read.
func New(client clientset.Interface, hostInformer informers.BareMetalHostInformer, settingsInformer informers.HostFirmwareSettingsInformer,
	reader provisioner.FirmwareReader, hostFor HostFunc, interval time.Duration) (*Controller, error) {
	if interval <= 0 {
		interval = DefaultReadInterval
	}
	c := &Controller{
		client: client, hosts: hostInformer.Lister(), settings: settingsInformer.Lister(),
		synced: []cache.InformerSynced{hostInformer.Informer().HasSynced, settingsInformer.Informer().HasSynced},
		reader: reader, hostFor: hostFor, clock: clock.RealClock{}, interval: interval,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "hostfirmware"}),
	}
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.queue.Add(key)
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj interface{}) { enqueue(obj) }, DeleteFunc: enqueue,
	}
	if _, err := hostInformer.Informer().AddEventHandler(handler); err != nil {
		return nil, err
	}
	_, err := settingsInformer.Informer().AddEventHandler(handler)
	return c, err
}

// Run reads firmware until ctx ends, with a few workers: a BMC read takes seconds, and a slow
// BMC must not hold every host back.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for c.processNext(ctx) {
			}
		}, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	after, err := c.sync(ctx, key)
	switch {
	case err != nil:
		if !apierrors.IsConflict(err) {
			klog.FromContext(ctx).Error(err, "Firmware reading failed", "host", key)
		}
		c.queue.AddRateLimited(key)
	case after > 0:
		c.queue.Forget(key)
		c.queue.AddAfter(key, after)
	default:
		c.queue.Forget(key)
	}
	return true
}

// atRest are the states in which a host's firmware is read: registered, and not in the middle
// of an operation that may be changing it.
func atRest(h *v1alpha1.BareMetalHost) bool {
	switch h.Status.Provisioning.State {
	case v1alpha1.StateAvailable, v1alpha1.StateReady, v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned:
	default:
		return false
	}
	_, paused := h.Annotations[v1alpha1.PausedAnnotation]
	return h.Status.Provisioning.ID != "" && h.DeletionTimestamp == nil && !paused &&
		h.Status.OperationalStatus != v1alpha1.OperationalStatusDetached
}

// sync reads the host's firmware when its last reading is older than the interval, and says
// when to look again.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	h, err := c.hosts.BareMetalHosts(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, c.forget(ctx, ns, name)
	}
	if err != nil || !atRest(h) {
		return 0, err
	}
	api := c.client.BaremetalV1alpha1()
	// Whether a reading is due, from the cache: every status write of the host brings it here,
	// and a read of the store each time would be wasted.
	cached, err := c.settings.HostFirmwareSettings(ns).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	if err == nil && cached.Status.LastUpdated != nil {
		if due := cached.Status.LastUpdated.Add(c.interval).Sub(c.clock.Now()); due > 0 {
			// Read recently: only the desired settings may have changed since.
			hfs := cached.DeepCopy()
			if updateConditions(hfs, metav1.NewTime(c.clock.Now())) {
				if _, err := api.HostFirmwareSettings(ns).UpdateStatus(ctx, hfs, metav1.UpdateOptions{}); err != nil {
					return 0, err
				}
			}
			return due, nil
		}
	}
	ph, err := c.hostFor(ctx, h)
	if err != nil {
		return c.interval, nil // the host reconciler reports credential problems
	}
	bios, biosErr := c.reader.ReadBIOS(ctx, ph)
	comps, compErr := c.reader.FirmwareComponents(ctx, ph)
	now := metav1.NewTime(c.clock.Now())
	if biosErr == nil {
		if err := c.writeSettings(ctx, h, bios, now); err != nil {
			return 0, err
		}
	} else {
		klog.FromContext(ctx).V(2).Info("BIOS not read", "host", key, "err", biosErr)
	}
	if compErr == nil {
		if err := c.writeComponents(ctx, h, comps, now); err != nil {
			return 0, err
		}
	} else {
		// E.g. an Ironic without the firmware interface (API 1.86), which the error names.
		klog.FromContext(ctx).V(2).Info("Firmware versions not read", "host", key, "err", compErr)
	}
	return c.interval, nil
}

// owner makes the host the controller of an object named after it, as Metal3 does.
func owner(h *v1alpha1.BareMetalHost) []metav1.OwnerReference {
	return []metav1.OwnerReference{*metav1.NewControllerRef(h, v1alpha1.BareMetalHostKind)}
}

// schemaName names a FirmwareSchema by its content, so hosts with the same registry share one.
func schemaName(registry string, schema map[string]v1alpha1.SettingSchema) string {
	names := make([]string, 0, len(schema))
	for k := range schema {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write([]byte(registry))
	for _, k := range names {
		b, _ := json.Marshal(schema[k])
		h.Write([]byte(k))
		h.Write(b)
	}
	return "schema-" + hex.EncodeToString(h.Sum(nil))[:8]
}

func settingSchemas(in map[string]provisioner.SettingSchema) map[string]v1alpha1.SettingSchema {
	out := make(map[string]v1alpha1.SettingSchema, len(in))
	for k, s := range in {
		out[k] = v1alpha1.SettingSchema{
			AttributeType: v1alpha1.SettingAttributeType(s.AttributeType), AllowableValues: s.AllowableValues,
			LowerBound: s.LowerBound, UpperBound: s.UpperBound, MinLength: s.MinLength, MaxLength: s.MaxLength,
			ReadOnly: ptr.To(s.ReadOnly), Unique: ptr.To(s.Unique),
		}
	}
	return out
}

// writeSettings records the BIOS in the host's HostFirmwareSettings (created when missing) and
// its registry in a FirmwareSchema.
func (c *Controller) writeSettings(ctx context.Context, h *v1alpha1.BareMetalHost, bios provisioner.BIOS, now metav1.Time) error {
	api := c.client.BaremetalV1alpha1()
	var ref *v1alpha1.SchemaReference
	if bios.Schema != nil {
		schema := settingSchemas(bios.Schema)
		fs := &v1alpha1.FirmwareSchema{
			ObjectMeta: metav1.ObjectMeta{Name: schemaName(bios.RegistryID, schema), Namespace: h.Namespace},
			Spec:       v1alpha1.FirmwareSchemaSpec{Schema: schema},
		}
		if h.Status.Hardware != nil {
			fs.Spec.HardwareVendor = h.Status.Hardware.SystemVendor.Manufacturer
			fs.Spec.HardwareModel = h.Status.Hardware.SystemVendor.ProductName
		}
		if _, err := api.FirmwareSchemas(h.Namespace).Create(ctx, fs, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("FirmwareSchema %s: %w", fs.Name, err)
		}
		ref = &v1alpha1.SchemaReference{Namespace: h.Namespace, Name: fs.Name}
	}
	hfs, err := api.HostFirmwareSettings(h.Namespace).Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		hfs, err = api.HostFirmwareSettings(h.Namespace).Create(ctx, &v1alpha1.HostFirmwareSettings{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, OwnerReferences: owner(h)},
		}, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	hfs.Status.Settings = maps.Clone(bios.Settings)
	hfs.Status.Schema = ref
	hfs.Status.LastUpdated = &now
	updateConditions(hfs, now)
	_, err = api.HostFirmwareSettings(h.Namespace).UpdateStatus(ctx, hfs, metav1.UpdateOptions{})
	return err
}

// updateConditions sets Metal3's Valid (the API server refuses invalid desired settings, so a
// stored spec is valid) and ChangeDetected (a desired setting differs from the BIOS's); it says
// whether anything changed.
func updateConditions(hfs *v1alpha1.HostFirmwareSettings, now metav1.Time) bool {
	before := hfs.Status.DeepCopy()
	changed := false
	for k, v := range hfs.Spec.Settings {
		if hfs.Status.Settings[k] != v.String() {
			changed = true
		}
	}
	setCondition(&hfs.Status.Conditions, hfs.Generation, now, v1alpha1.FirmwareSettingsValid, true, "Success", "")
	if changed {
		setCondition(&hfs.Status.Conditions, hfs.Generation, now, v1alpha1.FirmwareSettingsChangeDetected, true, "Success", "the desired settings differ from the BIOS's")
	} else {
		setCondition(&hfs.Status.Conditions, hfs.Generation, now, v1alpha1.FirmwareSettingsChangeDetected, false, "Success", "")
	}
	return !apiequality.Semantic.DeepEqual(before, &hfs.Status)
}

// writeComponents records the firmware versions in the host's HostFirmwareComponents (created
// when missing); the first version seen of a component stays its initialVersion.
func (c *Controller) writeComponents(ctx context.Context, h *v1alpha1.BareMetalHost, comps []provisioner.FirmwareComponent, now metav1.Time) error {
	api := c.client.BaremetalV1alpha1()
	hfc, err := api.HostFirmwareComponents(h.Namespace).Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		hfc, err = api.HostFirmwareComponents(h.Namespace).Create(ctx, &v1alpha1.HostFirmwareComponents{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, OwnerReferences: owner(h)},
		}, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	initial := map[string]string{}
	for _, s := range hfc.Status.Components {
		initial[s.Component] = s.InitialVersion
	}
	var out []v1alpha1.FirmwareComponentStatus
	for _, comp := range comps {
		first := initial[comp.Component]
		if first == "" {
			first = comp.Version
		}
		out = append(out, v1alpha1.FirmwareComponentStatus{Component: comp.Component, InitialVersion: first, CurrentVersion: comp.Version})
	}
	hfc.Status.Components = out
	hfc.Status.LastUpdated = &now
	_, err = api.HostFirmwareComponents(h.Namespace).UpdateStatus(ctx, hfc, metav1.UpdateOptions{})
	return err
}

// forget deletes the HostFirmwareSettings and HostFirmwareComponents of a host that is gone,
// when that host controlled them: a standalone server has no garbage collector to do it.
func (c *Controller) forget(ctx context.Context, ns, name string) error {
	api := c.client.BaremetalV1alpha1()
	// The host is gone, so its UID is unknown: its kind and name say whose these were.
	ours := func(obj metav1.Object) bool {
		ref := metav1.GetControllerOfNoCopy(obj)
		return ref != nil && ref.Kind == v1alpha1.BareMetalHostKind.Kind && ref.Name == name
	}
	if hfs, err := api.HostFirmwareSettings(ns).Get(ctx, name, metav1.GetOptions{}); err == nil && ours(hfs) {
		err := api.HostFirmwareSettings(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &hfs.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	if hfc, err := api.HostFirmwareComponents(ns).Get(ctx, name, metav1.GetOptions{}); err == nil && ours(hfc) {
		err := api.HostFirmwareComponents(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &hfc.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

func setCondition(conds *[]metav1.Condition, gen int64, now metav1.Time, typ string, ok bool, reason, msg string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: gen, LastTransitionTime: now})
}
