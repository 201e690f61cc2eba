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

// Package bmceventsubscription makes BMCEventSubscriptions real, as Metal3's
// BMCEventSubscription controller does: it subscribes spec.destination to the Redfish events
// of the BMC of the host spec.hostName names (same namespace), with spec.context and the HTTP
// headers of the Secret spec.httpHeadersRef names, and records the BMC's ID of the
// subscription in status.subscriptionID. A subscription is created once: with an ID in
// status it is never created again, which a restarted or newly elected reconciler decides
// from the stored object alone. On delete (Metal3's finalizer) it is deleted on the BMC first;
// a host that is gone has nothing left to delete. Every failure is recorded in status.error
// and retried with backoff; header values (credentials, mostly) are never in status, events or
// logs.
package bmceventsubscription

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/controller/workloop"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// HostFunc builds the backend's view of a host (its BMC and credentials).
type HostFunc func(ctx context.Context, h *v1alpha1.BareMetalHost) (provisioner.Host, error)

// SecretSource reads Secrets, as the host reconciler does (its SecretSource: a directory in a
// standalone server, the cluster's Secrets in delegated mode).
type SecretSource interface {
	Get(ctx context.Context, namespace, name string) (data map[string][]byte, version string, err error)
}

// Event reasons.
const (
	ReasonCreated      = "SubscriptionCreated"
	ReasonCreateFailed = "SubscriptionCreateFailed"
	ReasonDeleted      = "SubscriptionDeleted"
	ReasonDeleteFailed = "SubscriptionDeleteFailed"
)

// fieldManager names this controller's writes.
const fieldManager = "baremetal-reconciler"

// byHost indexes subscriptions by the namespace/name of their host.
const byHost = "byHost"

func hostIndex(obj interface{}) ([]string, error) {
	s, ok := obj.(*v1alpha1.BMCEventSubscription)
	if !ok || s.Spec.HostName == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + s.Spec.HostName}, nil
}

// Controller reconciles BMCEventSubscriptions.
type Controller struct {
	client   clientset.Interface
	subs     listers.BMCEventSubscriptionLister
	byHost   cache.Indexer
	hosts    listers.BareMetalHostLister
	synced   []cache.InformerSynced
	backend  provisioner.EventSubscriber
	hostFor  HostFunc
	secrets  SecretSource
	recorder record.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New returns a controller of the subscriptions the informer sees, creating and deleting them
// through backend. A host that appears, registers or goes brings its subscriptions back at
// once. recorder may be nil.
func New(client clientset.Interface, baremetal informers.Interface, backend provisioner.EventSubscriber, hostFor HostFunc,
	secrets SecretSource, recorder record.EventRecorder) (*Controller, error) {
	subInformer, hostInformer := baremetal.BMCEventSubscriptions(), baremetal.BareMetalHosts()
	if err := subInformer.Informer().AddIndexers(cache.Indexers{byHost: hostIndex}); err != nil {
		return nil, err
	}
	c := newController(client, subInformer.Lister(), subInformer.Informer().GetIndexer(), hostInformer.Lister(),
		backend, hostFor, secrets, recorder)
	c.synced = []cache.InformerSynced{subInformer.Informer().HasSynced, hostInformer.Informer().HasSynced}
	if _, err := subInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, obj interface{}) {
			if changed(old, obj) {
				c.enqueue(obj)
			}
		},
		DeleteFunc: c.enqueue,
	}); err != nil {
		return nil, err
	}
	_, err := hostInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.hostChanged,
		UpdateFunc: func(old, obj interface{}) {
			o, n := old.(*v1alpha1.BareMetalHost), obj.(*v1alpha1.BareMetalHost)
			// What the controller looks at: whether the host is registered, and leaving.
			if o.Status.Provisioning.ID != n.Status.Provisioning.ID || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) {
				c.hostChanged(obj)
			}
		},
		DeleteFunc: c.hostChanged,
	})
	return c, err
}

func newController(client clientset.Interface, subs listers.BMCEventSubscriptionLister, index cache.Indexer, hosts listers.BareMetalHostLister,
	backend provisioner.EventSubscriber, hostFor HostFunc, secrets SecretSource, recorder record.EventRecorder) *Controller {
	registerMetrics()
	return &Controller{
		client: client, subs: subs, byHost: index, hosts: hosts,
		backend: backend, hostFor: hostFor, secrets: secrets, recorder: recorder,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "bmceventsubscription"}),
	}
}

// changed says whether an update of a subscription asks for a reconcile: a new spec (never,
// it is immutable), finalizers, a deletion. Status writes, this controller's own, do not:
// one after a failure would otherwise bring the subscription back at once, past the backoff.
func changed(old, obj interface{}) bool {
	o, ok1 := old.(*v1alpha1.BMCEventSubscription)
	n, ok2 := obj.(*v1alpha1.BMCEventSubscription)
	if !ok1 || !ok2 {
		return true
	}
	return o.Generation != n.Generation || !slices.Equal(o.Finalizers, n.Finalizers) ||
		(o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil)
}

func (c *Controller) enqueue(obj interface{}) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// hostChanged enqueues the subscriptions of a host.
func (c *Controller) hostChanged(obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	h, ok := obj.(*v1alpha1.BareMetalHost)
	if !ok {
		return
	}
	subs, err := c.byHost.ByIndex(byHost, h.Namespace+"/"+h.Name)
	if err != nil {
		return
	}
	for _, s := range subs {
		c.enqueue(s)
	}
}

// Run reconciles until ctx ends, with a few workers: a BMC call takes seconds.
func (c *Controller) Run(ctx context.Context, workers int) {
	klog.FromContext(ctx).Info("Reconciling BMCEventSubscriptions")
	workloop.Loop{Queue: c.queue, Synced: c.synced, Failed: "BMCEventSubscription sync failed, will retry", KeyName: "bmceventsubscription",
		Sync: func(ctx context.Context, key string) (time.Duration, error) {
			return 0, c.sync(klog.NewContext(ctx, klog.FromContext(ctx).WithValues("bmceventsubscription", key)), key)
		}}.Run(ctx, workers)
}

// errRetry marks a failure recorded in status, to be retried with backoff.
type errRetry struct{ msg string }

func (e *errRetry) Error() string { return e.msg }

// sync reconciles one subscription. An error means: try again later, with backoff.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.subs.BMCEventSubscriptions(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s := cached.DeepCopy()
	if s.DeletionTimestamp != nil {
		return c.finalize(ctx, s)
	}
	if !slices.Contains(s.Finalizers, v1alpha1.BMCEventSubscriptionFinalizer) {
		s.Finalizers = append(s.Finalizers, v1alpha1.BMCEventSubscriptionFinalizer)
		updated, err := c.client.BaremetalV1alpha1().BMCEventSubscriptions(ns).Update(ctx, s, metav1.UpdateOptions{FieldManager: fieldManager})
		if err != nil {
			return err
		}
		s = updated
	}
	if s.Status.SubscriptionID != "" {
		// Created before (by this process or another): never again.
		return nil
	}
	// The cache may not hold this controller's last status write yet (the finalizer's update
	// brings the subscription back before the ID's): only the stored object may say that
	// nothing was created, or the BMC would get the subscription twice. One read per creation.
	s, err = c.client.BaremetalV1alpha1().BMCEventSubscriptions(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case s.DeletionTimestamp != nil || s.Status.SubscriptionID != "":
		// Deleted or created meanwhile: the next event (or this one's) says what to do.
		return nil
	}
	return c.create(ctx, s)
}

// create subscribes on the host's BMC and records the ID.
func (c *Controller) create(ctx context.Context, s *v1alpha1.BMCEventSubscription) error {
	logger := klog.FromContext(ctx)
	host, err := c.hosts.BareMetalHosts(s.Namespace).Get(s.Spec.HostName)
	switch {
	case apierrors.IsNotFound(err):
		return c.fail(ctx, s, nil, fmt.Sprintf("baremetal host %q not found", s.Spec.HostName))
	case err != nil:
		return err
	case host.Status.Provisioning.ID == "":
		return c.fail(ctx, s, nil, fmt.Sprintf("baremetal host %q is not registered yet", s.Spec.HostName))
	}
	ph, err := c.hostFor(ctx, host)
	if err != nil {
		return c.fail(ctx, s, nil, fmt.Sprintf("cannot reach the BMC of baremetal host %q: %v", host.Name, err))
	}
	headers, err := c.headers(ctx, s)
	if err != nil {
		return c.fail(ctx, s, nil, "failed to retrieve HTTP headers secret: "+err.Error())
	}
	req := provisioner.SubscriptionRequest{Destination: s.Spec.Destination, Context: s.Spec.Context, Headers: headers}
	start := time.Now()
	id, err := c.backend.CreateSubscription(ctx, ph, req)
	observe(opCreate, start, err)
	switch {
	case errors.Is(err, provisioner.ErrNeedsRegistration):
		return c.fail(ctx, s, req.Secrets(), fmt.Sprintf("baremetal host %q is not registered yet", s.Spec.HostName))
	case err != nil:
		msg := "failed to create a subscription: " + err.Error()
		c.event(s, "Warning", ReasonCreateFailed, msg, req.Secrets())
		return c.fail(ctx, s, req.Secrets(), msg)
	}
	logger.Info("Subscribed to the events of the host's BMC", "host", host.Name, "subscriptionID", id,
		"destination", s.Spec.Destination, "headers", req.HeaderNames())
	c.event(s, "Normal", ReasonCreated, fmt.Sprintf("subscription %s created on the BMC of host %s", id, host.Name), nil)
	// A merge patch without a resourceVersion cannot conflict: the ID of a subscription that
	// exists on the BMC must not be lost to a stale cache, or it would be created twice.
	patch := fmt.Appendf(nil, `{"status":{"subscriptionID":%q,"error":null}}`, id)
	_, err = c.client.BaremetalV1alpha1().BMCEventSubscriptions(s.Namespace).Patch(ctx, s.Name, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: fieldManager}, "status")
	if err != nil {
		logger.Error(err, "The subscription exists on the BMC but its ID could not be recorded; it may be created again", "subscriptionID", id)
	}
	return err
}

// headers reads the headers Secret: every key a header name, its value the header's. The
// namespace is the subscription's (validation makes sure it is).
func (c *Controller) headers(ctx context.Context, s *v1alpha1.BMCEventSubscription) (map[string]string, error) {
	ref := s.Spec.HTTPHeadersRef
	if ref == nil || ref.Name == "" {
		return nil, nil
	}
	if ref.Namespace != "" && ref.Namespace != s.Namespace {
		return nil, fmt.Errorf("the httpHeadersRef Secret must be in the subscription's namespace %q", s.Namespace)
	}
	data, _, err := c.secrets.Get(ctx, s.Namespace, ref.Name)
	if err != nil {
		// The sources' errors name the Secret, never its data.
		return nil, err
	}
	headers := make(map[string]string, len(data))
	for k, v := range data {
		headers[k] = string(v)
	}
	return headers, nil
}

// finalize deletes the subscription on the BMC, then lets the object go.
func (c *Controller) finalize(ctx context.Context, s *v1alpha1.BMCEventSubscription) error {
	logger := klog.FromContext(ctx)
	if !slices.Contains(s.Finalizers, v1alpha1.BMCEventSubscriptionFinalizer) {
		return nil
	}
	id := s.Status.SubscriptionID
	if id == "" {
		// Never created: nothing on the BMC.
		return c.removeFinalizer(ctx, s)
	}
	host, err := c.hosts.BareMetalHosts(s.Namespace).Get(s.Spec.HostName)
	if apierrors.IsNotFound(err) {
		logger.Info("The host is gone; nothing left to delete on its BMC", "host", s.Spec.HostName, "subscriptionID", id)
		return c.removeFinalizer(ctx, s)
	}
	if err != nil {
		return err
	}
	leaving := host.DeletionTimestamp != nil
	ph, err := c.hostFor(ctx, host)
	if err != nil {
		if leaving {
			return c.removeFinalizer(ctx, s)
		}
		return c.fail(ctx, s, nil, fmt.Sprintf("cannot reach the BMC of baremetal host %q to delete the subscription: %v", host.Name, err))
	}
	start := time.Now()
	err = c.backend.DeleteSubscription(ctx, ph, id)
	observe(opDelete, start, err)
	switch {
	case errors.Is(err, provisioner.ErrNeedsRegistration) && leaving:
		logger.Info("The host is being deleted and its backend no longer knows it; leaving the subscription", "host", host.Name, "subscriptionID", id)
		return c.removeFinalizer(ctx, s)
	case errors.Is(err, provisioner.ErrNeedsRegistration):
		return c.fail(ctx, s, nil, fmt.Sprintf("baremetal host %q is not registered; the subscription is deleted once it is", host.Name))
	case err != nil:
		msg := "failed to delete the subscription: " + err.Error()
		c.event(s, "Warning", ReasonDeleteFailed, msg, nil)
		return c.fail(ctx, s, nil, msg)
	}
	logger.Info("Deleted the subscription on the host's BMC", "host", host.Name, "subscriptionID", id)
	c.event(s, "Normal", ReasonDeleted, fmt.Sprintf("subscription %s deleted from the BMC of host %s", id, host.Name), nil)
	return c.removeFinalizer(ctx, s)
}

func (c *Controller) removeFinalizer(ctx context.Context, s *v1alpha1.BMCEventSubscription) error {
	s.Finalizers = slices.DeleteFunc(s.Finalizers, func(f string) bool { return f == v1alpha1.BMCEventSubscriptionFinalizer })
	_, err := c.client.BaremetalV1alpha1().BMCEventSubscriptions(s.Namespace).Update(ctx, s, metav1.UpdateOptions{FieldManager: fieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// fail records msg in status.error (scrubbed of the header values) and asks for a retry with
// backoff.
func (c *Controller) fail(ctx context.Context, s *v1alpha1.BMCEventSubscription, secrets []string, msg string) error {
	res, _ := provisioner.Scrub(provisioner.Result{ErrorMessage: msg}, nil, secrets...)
	msg = res.ErrorMessage
	if s.Status.Error != msg {
		s.Status.Error = msg
		if _, err := c.client.BaremetalV1alpha1().BMCEventSubscriptions(s.Namespace).UpdateStatus(ctx, s, metav1.UpdateOptions{FieldManager: fieldManager}); err != nil {
			return err
		}
	}
	return &errRetry{msg: msg}
}

func (c *Controller) event(s *v1alpha1.BMCEventSubscription, eventType, reason, msg string, secrets []string) {
	if c.recorder != nil {
		c.recorder.Event(s, eventType, reason, provisioner.ScrubMessage(msg, secrets...))
	}
}
