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

// Package baremetalhost is the host reconciler: it runs inside the server process, watches
// BareMetalHosts through the loopback client, walks each through Metal3's provisioning state
// machine by calling a provisioner backend, and writes what it observed through the status
// subresource.
package baremetalhost

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/async"
)

// Options tune the reconciler.
type Options struct {
	// Workers is how many hosts are reconciled at once. A slow host holds one worker for one
	// backend call at most: long operations are started, then polled.
	Workers int
	// MaxConcurrentProvisioning is the hard limit on hosts inspecting, provisioning or
	// deprovisioning at once.
	MaxConcurrentProvisioning int
	// BackoffBase and BackoffCap bound the exponential backoff after errors.
	BackoffBase time.Duration
	BackoffCap  time.Duration
	// PowerPollInterval is how often the power state of a host at rest is read.
	PowerPollInterval time.Duration
	// AllowTestBMCSchemes accepts fake:// BMC addresses.
	AllowTestBMCSchemes bool
	// MaxProvisioningRetries is how many failed provisioning attempts of the same image a
	// host makes before it stays available with an error (Metal3's --max-provisioning-retries);
	// 0 is no limit.
	MaxProvisioningRetries int
	// Recorder receives host events (NewEventRecorder); nil records none.
	Recorder record.EventRecorder
	// BuildPreprovImage is Metal3's --build-preprov-image: a host whose backend boots an agent
	// image gets a PreprovisioningImage of its name, which an image builder fills, and boots
	// the image built (preprovimage.go).
	BuildPreprovImage bool
	// CallBudget is the longest a worker waits for one call to the backend; a call still
	// running then finishes in the background and wakes its host (async.DefaultBudget when
	// zero). A slow BMC thus holds goroutines of its own hosts, never the workers.
	CallBudget time.Duration
}

// DefaultOptions are the defaults of the server flags.
func DefaultOptions() Options {
	return Options{
		Workers:                   10,
		MaxConcurrentProvisioning: 20,
		BackoffBase:               time.Second,
		BackoffCap:                5 * time.Minute,
		PowerPollInterval:         time.Minute,
		MaxProvisioningRetries:    5,
	}
}

// Controller reconciles BareMetalHosts.
type Controller struct {
	client  clientset.Interface
	lister  listers.BareMetalHostLister
	synced  cache.InformerSynced
	queue   workqueue.TypedRateLimitingInterface[string]
	prov    *async.Provisioner
	secrets SecretSource
	slots   *slots
	expect  *expectations
	opts    Options
	// clock is the reconciler's time: backoff, operation history, condition transitions.
	clock clock.PassiveClock
	// bySecret is the host informer's indexer, with secretIndex.
	bySecret cache.Indexer
	// hardwareData is each host's inventory record (HardwareData of the host's name), read from
	// the cache like the hosts: the reconciler looks at it in passes that would otherwise make no
	// request (a host whose inspection is disabled follows it on every pass, as in Metal3).
	hardwareData listers.HardwareDataLister
	// firmwareSettings and firmwareComponents are each host's HostFirmwareSettings and
	// HostFirmwareComponents (the objects of the host's name): the firmware changes the host
	// goes through while preparing or servicing.
	firmwareSettings   listers.HostFirmwareSettingsLister
	firmwareComponents listers.HostFirmwareComponentsLister
	// updatePolicies are the hosts' HostUpdatePolicies (of the host's name): whether a
	// provisioned host goes through firmware changes when it reboots (servicing).
	updatePolicies listers.HostUpdatePolicyLister
	// dataImages are the hosts' DataImages (of the host's name): the image a provisioned host
	// is to find in its virtual CD when it is powered on.
	dataImages listers.DataImageLister
	// firmware reads a host's firmware after a change, when the backend can (nil otherwise).
	firmware provisioner.FirmwareReader
	// preprovImages are the hosts' PreprovisioningImages (of the host's name), followed with
	// Options.BuildPreprovImage only; imageFormats is the backend, when it boots agent images.
	preprovImages listers.PreprovisioningImageLister
	imageFormats  provisioner.PreprovisioningImageBooter
	// endpoints is the backend, when it is spread over several endpoints (Ironic instances):
	// it assigns each host the endpoint recorded in its status (nil otherwise).
	endpoints provisioner.EndpointAssigner
	// slotMetrics are the endpoint labels the slot gauges have been set for (kept, at 0, when
	// their hosts leave), under the lock that orders the workers' updates.
	slotMetrics struct {
		sync.Mutex
		labels map[string]bool
	}
	// related are the caches of the objects above, synced before the first pass.
	related []cache.InformerSynced
}

// New returns a reconciler of the hosts baremetal's informers see, writing through client. It
// also follows each host's HardwareData (which it writes after inspections and reads back),
// HostFirmwareSettings and HostFirmwareComponents.
func New(client clientset.Interface, baremetal informers.Interface, prov provisioner.Provisioner, secrets SecretSource, opts Options) (*Controller, error) {
	informer, hardwareData := baremetal.BareMetalHosts(), baremetal.HardwareData()
	settings, components, policies := baremetal.HostFirmwareSettings(), baremetal.HostFirmwareComponents(), baremetal.HostUpdatePolicies()
	dataImages := baremetal.DataImages()
	if opts.Workers <= 0 || opts.MaxConcurrentProvisioning <= 0 {
		return nil, fmt.Errorf("workers (%d) and max concurrent provisioning (%d) must be positive", opts.Workers, opts.MaxConcurrentProvisioning)
	}
	registerMetrics()
	c := &Controller{
		client: client,
		lister: informer.Lister(),
		synced: informer.Informer().HasSynced,
		// The HardwareData of a host is the object of the host's name.
		hardwareData:       hardwareData.Lister(),
		firmwareSettings:   settings.Lister(),
		firmwareComponents: components.Lister(),
		updatePolicies:     policies.Lister(),
		dataImages:         dataImages.Lister(),
		related: []cache.InformerSynced{hardwareData.Informer().HasSynced,
			settings.Informer().HasSynced, components.Informer().HasSynced, policies.Informer().HasSynced,
			dataImages.Informer().HasSynced},
		secrets: countedSecrets{secrets},
		slots:   newSlots(opts.MaxConcurrentProvisioning),
		expect:  newExpectations(),
		opts:    opts,
		clock:   clock.RealClock{},
		// The queue's own rate limiter only guards against hot loops; error backoff is the
		// host's errorCount-based delay (AddAfter), which survives restarts through status.
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "baremetalhosts"}),
	}
	c.prov = async.New(prov, async.Config{Budget: opts.CallBudget, Notify: c.enqueue})
	if fw := c.prov.FirmwareReader(); fw != nil {
		c.firmware = fw
	}
	c.imageFormats, _ = prov.(provisioner.PreprovisioningImageBooter)
	c.endpoints, _ = prov.(provisioner.EndpointAssigner)
	c.initSlotMetrics()
	var err error
	if c.bySecret, err = indexBySecret(informer.Informer()); err != nil {
		return nil, err
	}
	_, err = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueObject,
		UpdateFunc: c.updated,
		DeleteFunc: c.enqueueObject,
	})
	if err != nil {
		return nil, err
	}
	// A host follows its HardwareData (one created for a host created again, a new inventory
	// for a host whose inspection is disabled), so a change of it is news for the host.
	_, err = hardwareData.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueObject,
		UpdateFunc: func(_, obj interface{}) { c.enqueueObject(obj) },
		DeleteFunc: c.enqueueObject,
	})
	if err != nil {
		return nil, err
	}
	// A change the host is to go through, or one that went away, is news for the host; a
	// status reading that changes nothing pending is not, nor is the empty HostFirmwareSettings
	// or HostFirmwareComponents the firmware reader creates for each host it first reads (two
	// passes of every host of a fleet being enrolled, each reading its Secret).
	firmwareHandler := cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			if hasPendingFirmware(obj) {
				c.enqueueObject(obj)
			}
		},
		UpdateFunc: func(oldObj, obj interface{}) {
			if !equality.Semantic.DeepEqual(pendingFirmware(oldObj), pendingFirmware(obj)) {
				c.enqueueObject(obj)
			}
		},
		DeleteFunc: c.enqueueObject,
	}
	if _, err := settings.Informer().AddEventHandler(firmwareHandler); err != nil {
		return nil, err
	}
	if _, err := components.Informer().AddEventHandler(firmwareHandler); err != nil {
		return nil, err
	}
	if opts.BuildPreprovImage {
		// A host waiting for its image is woken by the image builder's status write (or the
		// image's deletion, to create it again): no polling.
		images := baremetal.PreprovisioningImages()
		c.preprovImages = images.Lister()
		c.related = append(c.related, images.Informer().HasSynced)
		if _, err := images.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: c.enqueueObject, UpdateFunc: func(_, obj interface{}) { c.enqueueObject(obj) }, DeleteFunc: c.enqueueObject,
		}); err != nil {
			return nil, err
		}
	}
	// A policy says what servicing may apply: news for its host (one withdrawn ends a
	// servicing that cannot succeed).
	if _, err := policies.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueObject, UpdateFunc: func(_, obj interface{}) { c.enqueueObject(obj) }, DeleteFunc: c.enqueueObject,
	}); err != nil {
		return nil, err
	}
	// A DataImage's new URL, its deletion, or the finalizer it waits for is news for its host;
	// a status write (most often the host reconciler's own) is not.
	if _, err := dataImages.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueObject,
		UpdateFunc: func(oldObj, obj interface{}) {
			old, ok1 := oldObj.(*v1alpha1.DataImage)
			di, ok2 := obj.(*v1alpha1.DataImage)
			if !ok1 || !ok2 || old.Generation != di.Generation || !equality.Semantic.DeepEqual(old.DeletionTimestamp, di.DeletionTimestamp) ||
				!equality.Semantic.DeepEqual(old.Finalizers, di.Finalizers) {
				c.enqueueObject(obj)
			}
		},
		DeleteFunc: c.enqueueObject,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// hasPendingFirmware says whether a HostFirmwareSettings or HostFirmwareComponents asks its
// host to go through anything.
func hasPendingFirmware(obj interface{}) bool {
	switch o := obj.(type) {
	case *v1alpha1.HostFirmwareSettings:
		return len(o.PendingSettings()) > 0
	case *v1alpha1.HostFirmwareComponents:
		return len(o.PendingUpdates()) > 0
	}
	return false
}

// pendingFirmware is what a HostFirmwareSettings or HostFirmwareComponents asks its host to go
// through.
func pendingFirmware(obj interface{}) interface{} {
	switch o := obj.(type) {
	case *v1alpha1.HostFirmwareSettings:
		return o.PendingSettings()
	case *v1alpha1.HostFirmwareComponents:
		return o.PendingUpdates()
	}
	return nil
}

// enqueue reconciles a host now: a Secret it reads changed, a slot it waits for was freed, or
// a hardware call it made ended.
func (c *Controller) enqueue(namespace, name string) {
	c.queue.Add(namespace + "/" + name)
}

// SecretChanged reconciles the hosts of namespace that use the Secret name (BMC credentials,
// config-drive data, image pull credentials). New credentials also end an error backoff; that
// follows from the Secret's version against status.triedCredentials (backoffRemaining).
func (c *Controller) SecretChanged(namespace, name string) {
	hosts, err := c.bySecret.ByIndex(secretIndex, namespace+"/"+name)
	if err != nil {
		return
	}
	for _, obj := range hosts {
		if h, ok := obj.(*v1alpha1.BareMetalHost); ok {
			c.enqueue(h.Namespace, h.Name)
		}
	}
}

// updated reconciles a host whose desired state changed: its generation (the spec, or an
// action annotation: a reboot, an inspection, ...), its annotations, finalizers or deletion.
// A change of status alone is an observation, most often the reconciler's own, and the host
// keeps its timer, as Metal3's event filter does; but a pass that waits for its own write to
// reach the cache is woken by it.
func (c *Controller) updated(oldObj, newObj interface{}) {
	old, ok1 := oldObj.(*v1alpha1.BareMetalHost)
	h, ok2 := newObj.(*v1alpha1.BareMetalHost)
	if !ok1 || !ok2 {
		c.enqueueObject(newObj)
		return
	}
	waited := c.expect.observed(h.Namespace+"/"+h.Name, h.ResourceVersion)
	if waited || desiredStateChanged(old, h) {
		c.enqueueObject(newObj)
	}
}

// desiredStateChanged says whether an update is more than a status update.
func desiredStateChanged(old, h *v1alpha1.BareMetalHost) bool {
	return old.Generation != h.Generation ||
		!equality.Semantic.DeepEqual(old.Annotations, h.Annotations) ||
		!equality.Semantic.DeepEqual(old.Finalizers, h.Finalizers) ||
		!equality.Semantic.DeepEqual(old.DeletionTimestamp, h.DeletionTimestamp)
}

func (c *Controller) enqueueObject(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// Run reconciles until ctx is cancelled.
func (c *Controller) Run(ctx context.Context) error {
	defer c.queue.ShutDown()
	logger := klog.FromContext(ctx).WithName("baremetalhost-reconciler")
	ctx = klog.NewContext(ctx, logger)
	if !cache.WaitForCacheSync(ctx.Done(), append([]cache.InformerSynced{c.synced}, c.related...)...) {
		return fmt.Errorf("BareMetalHost and related caches did not sync")
	}
	c.restoreSlots()
	// The fleet's gauges come from this term's cache while it leads.
	fleetSource.Store(&c.lister)
	defer fleetSource.CompareAndSwap(&c.lister, nil)
	logger.Info("Starting", "workers", c.opts.Workers, "provisioner", c.prov.Name(), "maxConcurrentProvisioning", c.opts.MaxConcurrentProvisioning)
	for i := 0; i < c.opts.Workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
	logger.Info("Stopping")
	return nil
}

// restoreSlots gives a slot to every host already in a long state, so a restart (or a new
// leader) does not let more hosts start than the limit.
func (c *Controller) restoreSlots() {
	hosts, err := c.lister.List(labelsEverything())
	if err != nil {
		return
	}
	for _, h := range hosts {
		if isLongState(h.Status.Provisioning.State) {
			c.slots.hold(h.Namespace+"/"+h.Name, h.Status.Provisioning.Endpoint)
		}
	}
	c.updateSlotMetrics()
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)

	// A host offered a provisioning slot shows in this pass whether it takes it; if it does
	// not, the slot goes to the next host in line.
	c.slots.begin(key)
	requeue, err := c.sync(ctx, key)
	if next := c.slots.end(key); next != nil {
		c.wake(next)
	}
	switch {
	case err != nil:
		// Only API conflicts and the like land here; hardware errors are in status.
		reconcileTotal.WithLabelValues("error").Inc()
		metal3ReconcileErrors.Inc()
		if !apierrors.IsConflict(err) {
			klog.FromContext(ctx).Error(err, "Reconcile failed", "host", key)
		}
		c.queue.AddRateLimited(key)
	case requeue > 0:
		reconcileTotal.WithLabelValues("requeue").Inc()
		c.queue.Forget(key)
		c.queue.AddAfter(key, requeue)
	default:
		reconcileTotal.WithLabelValues("ok").Inc()
		c.queue.Forget(key)
	}
	return true
}

// sync reconciles one host and returns when to look at it again.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	host, err := c.lister.BareMetalHosts(ns).Get(name)
	if apierrors.IsNotFound(err) {
		forgetHostMetrics(ns, name)
		c.expect.forget(key)
		c.prov.Forget(ns, name)
		c.wake(c.slots.forget(key))
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !c.expect.satisfied(key, host.ResourceVersion) {
		// Our last write has not reached the cache yet; its event brings the host back (the
		// timer is the safety net of a lost event).
		return c.expect.maxWait, nil
	}
	if wait := c.backoffRemaining(host); wait > 0 {
		// The host's own status write after an error brings it back here at once; the
		// backoff is what keeps a failing BMC from being hammered.
		return wait, nil
	}
	metal3Reconciles.WithLabelValues(ns, name).Inc()
	r := &hostReconcile{c: c, key: key, host: host.DeepCopy(), orig: host,
		logger: klog.FromContext(ctx).WithValues("host", key)}
	return r.run(klog.NewContext(ctx, r.logger))
}

func (c *Controller) wake(keys []string) {
	for _, k := range keys {
		// A freed slot is news the host's own timer does not know about.
		c.queue.Add(k)
	}
	c.updateSlotMetrics()
}

// initSlotMetrics gives every endpoint its slot gauges, at 0 until its first host.
func (c *Controller) initSlotMetrics() {
	c.slotMetrics.Lock()
	c.slotMetrics.labels = map[string]bool{}
	if c.endpoints == nil {
		c.slotMetrics.labels[""] = true
	} else {
		for _, e := range c.endpoints.Endpoints() {
			c.slotMetrics.labels[c.endpointLabel(e)] = true
		}
	}
	c.slotMetrics.Unlock()
	c.updateSlotMetrics()
}

// updateSlotMetrics sets the slot gauges of every endpoint from the slots: an endpoint whose
// hosts all left keeps its series, at 0.
func (c *Controller) updateSlotMetrics() {
	c.slotMetrics.Lock()
	defer c.slotMetrics.Unlock()
	if c.slotMetrics.labels == nil { // a Controller built by a test, not New
		c.slotMetrics.labels = map[string]bool{}
	}
	byLabel := map[string]poolUsage{}
	for l := range c.slotMetrics.labels {
		byLabel[l] = poolUsage{}
	}
	for pool, u := range c.slots.usage() {
		l := c.endpointLabel(pool)
		sum := byLabel[l]
		sum.held += u.held
		sum.waiting += u.waiting
		byLabel[l] = sum
	}
	for l, u := range byLabel {
		c.slotMetrics.labels[l] = true
		slotsInUse.WithLabelValues(l).Set(float64(u.held))
		hostsDelayed.WithLabelValues(l).Set(float64(u.waiting))
	}
}

// unconfiguredEndpoint labels the slots of hosts whose recorded endpoint is not configured.
const unconfiguredEndpoint = "unconfigured"

// endpointLabel is the endpoint label of a pool's slot gauges: the Ironic endpoint as
// configured, with any userinfo cut off (a metric is no place for credentials); "" for a
// backend without endpoints (Redfish). An endpoint recorded in a host's status but not
// configured (any more) is "unconfigured": status is written by clients too, and a label
// must not take whatever value they write.
func (c *Controller) endpointLabel(pool string) string {
	if pool == "" {
		return ""
	}
	if c.endpoints == nil || !c.endpoints.HasEndpoint(pool) {
		return unconfiguredEndpoint
	}
	u, err := url.Parse(pool)
	if err != nil {
		return unconfiguredEndpoint
	}
	u.User = nil
	return u.String()
}

// backoff is the delay after the n-th consecutive error: exponential, capped, with jitter so
// that hosts failing together (a BMC network down) do not retry in lockstep. The jitter is a
// function of the host and the count, so every look at the same failure gives the same delay.
func (c *Controller) backoff(seed string, n int32) time.Duration {
	if n < 1 {
		n = 1
	}
	d := c.opts.BackoffBase
	for i := int32(1); i < n && d < c.opts.BackoffCap; i++ {
		d *= 2
	}
	if d > c.opts.BackoffCap {
		d = c.opts.BackoffCap
	}
	h := fnv.New32a()
	h.Write([]byte(seed))
	h.Write([]byte{byte(n), byte(n >> 8)})
	jitter := float64(h.Sum32()%1000) / 1000
	return time.Duration(float64(d) * (0.75 + 0.5*jitter))
}

// backoffRemaining is how long a host in error must still wait before it is retried: the
// errorCount-based backoff counted from the status write that recorded the error. Everything
// that ends it early is read from the stored host: a new generation (a spec change, or an
// action asked through an annotation or a subresource) and new BMC credentials.
func (c *Controller) backoffRemaining(h *v1alpha1.BareMetalHost) time.Duration {
	if h.Status.ErrorCount == 0 || h.Status.LastUpdated == nil {
		return 0
	}
	if h.Spec.BMC.CredentialsName != "" {
		// New credentials end a backoff: a Secret that appeared or changed (a standalone
		// credentials directory has no watch, so this is also how it is noticed there).
		_, version, err := c.secrets.Get(context.Background(), h.Namespace, h.Spec.BMC.CredentialsName)
		if err == nil && version != h.Status.TriedCredentials.CredentialsVersion {
			return 0
		}
	}
	if ready := meta.FindStatusCondition(h.Status.Conditions, v1alpha1.ConditionReady); ready != nil && ready.ObservedGeneration != h.Generation {
		return 0
	}
	until := h.Status.LastUpdated.Add(c.backoff(string(h.UID), h.Status.ErrorCount))
	return until.Sub(c.clock.Now())
}

// isLongState says whether a state holds a provisioning slot.
func isLongState(s v1alpha1.ProvisioningState) bool {
	switch s {
	case v1alpha1.StateInspecting, v1alpha1.StateProvisioning, v1alpha1.StateDeprovisioning:
		return true
	}
	return false
}
