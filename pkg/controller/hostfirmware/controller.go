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
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/controller/workloop"
	"k8s.io/utils/clock"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/firmwarestatus"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// DefaultReadInterval is how old a firmware reading may get before the BMC is read again.
const DefaultReadInterval = time.Hour

// recentReading is how long a reading this process wrote stands in for the cache's view of
// it (see Controller.justRead): far longer than the informer takes to deliver a write.
const recentReading = 10 * time.Second

// HostFunc builds the backend's view of a host (its BMC and credentials).
type HostFunc func(ctx context.Context, h *v1alpha1.BareMetalHost) (provisioner.Host, error)

// Controller writes hosts' firmware readings.
type Controller struct {
	client   clientset.Interface
	hosts    listers.BareMetalHostLister
	settings listers.HostFirmwareSettingsLister
	// components is followed like settings, for its ChangeDetected.
	components listers.HostFirmwareComponentsLister
	synced     []cache.InformerSynced
	reader     provisioner.FirmwareReader
	hostFor    HostFunc
	queue      workqueue.TypedRateLimitingInterface[string]
	// justRead holds the hosts read in the last few seconds, until the informer shows the
	// reading: writing one makes the HostFirmwareSettings first (an event that brings the
	// host back while the cache shows no reading yet), then its status, and without this
	// the host's BMC was read a second time (0.3 reads per host with 1,000 hosts). Only
	// an optimization: past recentReading the stored objects decide alone.
	justRead *utilcache.Expiring
	clock    clock.PassiveClock
	interval time.Duration
	recorder record.EventRecorder
}

// New returns a controller of the hosts the informer sees, reading through reader. Changes to
// HostFirmwareSettings and HostFirmwareComponents (their desired settings and updates) bring
// their host back too, so ChangeDetected follows the spec at once, without a BMC read. A part
// of the firmware the backend cannot read (Ironic without its firmware interface) is
// reported on the host as a Warning event through recorder (nil: none).
func New(client clientset.Interface, baremetal informers.Interface, reader provisioner.FirmwareReader, hostFor HostFunc, interval time.Duration, recorder record.EventRecorder) (*Controller, error) {
	hostInformer, settingsInformer, componentsInformer := baremetal.BareMetalHosts(), baremetal.HostFirmwareSettings(), baremetal.HostFirmwareComponents()
	if interval <= 0 {
		interval = DefaultReadInterval
	}
	registerMetrics()
	c := &Controller{
		client: client, hosts: hostInformer.Lister(), settings: settingsInformer.Lister(), components: componentsInformer.Lister(),
		synced: []cache.InformerSynced{hostInformer.Informer().HasSynced, settingsInformer.Informer().HasSynced, componentsInformer.Informer().HasSynced},
		reader: reader, hostFor: hostFor, clock: clock.RealClock{}, interval: interval, recorder: recorder,
		justRead: utilcache.NewExpiring(),
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
	if _, err := settingsInformer.Informer().AddEventHandler(handler); err != nil {
		return nil, err
	}
	_, err := componentsInformer.Informer().AddEventHandler(handler)
	return c, err
}

// Workers is the number of readers for a server inspecting up to slots hosts at once: every
// host inspected is read once it is available, so the readings must keep pace with the
// inspections. In the benchmark a reading took 40-500 ms depending on the load, often longer
// than an inspection held its slot, and 5 readers behind 5 slots left 1,200 of 2,000 hosts
// unread at the end. Readers wait on BMCs, each on another host's (the session layer bounds
// the requests in flight to one BMC), so twice the slots cost little.
func Workers(slots int) int { return max(2, 2*slots) }

// Run reads firmware until ctx ends, with a few workers: a BMC read takes seconds, and a slow
// BMC must not hold every host back.
func (c *Controller) Run(ctx context.Context, workers int) {
	workloop.Loop{Queue: c.queue, Synced: c.synced, Sync: c.sync, Failed: "Firmware reading failed", KeyName: "host"}.Run(ctx, workers)
}

// atRest are the states in which a host's firmware is read: registered, and not in the middle
// of an operation that may be changing it.
func atRest(h *v1alpha1.BareMetalHost) bool {
	switch h.Status.Provisioning.State {
	case v1alpha1.StateAvailable, v1alpha1.StateReady, v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned:
	default:
		return false
	}
	paused := v1alpha1.Paused(h.Annotations)
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
	// Whether a reading is due, from the cache: every status write of the host brings it here,
	// and a read of the store each time would be wasted.
	cached, err := c.settings.HostFirmwareSettings(ns).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	if err == nil && cached.Status.LastUpdated != nil {
		if due := cached.Status.LastUpdated.Add(c.interval).Sub(c.clock.Now()); due > 0 {
			// Read recently: only the desired settings and updates may have changed since.
			return due, c.updateConditions(ctx, cached)
		}
	}
	if _, ok := c.justRead.Get(key); ok {
		// Read moments ago; the cache has not caught up with the writes yet.
		return recentReading, nil
	}
	ph, err := c.hostFor(ctx, h)
	if err != nil {
		return c.interval, nil // the host reconciler reports credential problems
	}
	start := c.clock.Now()
	defer func() { readingDuration.Observe(c.clock.Since(start).Seconds()) }()
	reading := firmwarestatus.Read(ctx, c.reader, ph)
	if reading.BIOSErr != nil {
		klog.FromContext(ctx).V(2).Info("BIOS not read", "host", key, "err", reading.BIOSErr)
	}
	if reading.ComponentsErr != nil {
		// E.g. an Ironic without the firmware interface (API 1.86), which the error names:
		// said on the host, once per reading, so that an empty HostFirmwareComponents has an
		// explanation.
		klog.FromContext(ctx).V(2).Info("Firmware versions not read", "host", key, "err", reading.ComponentsErr)
		if c.recorder != nil {
			c.recorder.Event(h, corev1.EventTypeWarning, "FirmwareVersionsUnavailable", reading.ComponentsErr.Error())
		}
	}
	if err := (firmwarestatus.Writer{Client: c.client}).Write(ctx, h, reading, nil, metav1.NewTime(c.clock.Now())); err != nil {
		return 0, err
	}
	c.justRead.Set(key, struct{}{}, recentReading)
	return c.interval, nil
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

// updateConditions follows the desired settings and updates in ChangeDetected without a BMC
// read.
func (c *Controller) updateConditions(ctx context.Context, cached *v1alpha1.HostFirmwareSettings) error {
	api := c.client.BaremetalV1alpha1()
	now := metav1.NewTime(c.clock.Now())
	if hfs := cached.DeepCopy(); firmwarestatus.SettingsConditions(hfs, now) {
		if _, err := api.HostFirmwareSettings(hfs.Namespace).UpdateStatus(ctx, hfs, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	cachedComps, err := c.components.HostFirmwareComponents(cached.Namespace).Get(cached.Name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if hfc := cachedComps.DeepCopy(); firmwarestatus.ComponentsConditions(hfc, now) {
		_, err = api.HostFirmwareComponents(hfc.Namespace).UpdateStatus(ctx, hfc, metav1.UpdateOptions{})
	}
	return err
}
