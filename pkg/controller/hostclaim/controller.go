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

// Package hostclaim is the claim binder: it asks the server to bind waiting HostClaims
// (POST hostclaims/NAME/binding) when a host they might take becomes available, and returns
// to the pool hosts whose claim is gone (a crash between a claim's deletion and the release
// its storage does right after). Which host a claim gets, and the guarantee that no host is
// held twice, are the registry's (pkg/registry/baremetal/hostclaim/storage/binder.go): this
// controller only says "try again now", so it may run on every replica at once.
package hostclaim

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

// Controller is the claim binder.
type Controller struct {
	client      clientset.Interface
	claims      listers.HostClaimLister
	hosts       listers.BareMetalHostLister
	claimSynced cache.InformerSynced
	hostSynced  cache.InformerSynced
	// queue holds claim keys (bind again) and host keys prefixed "host/" (release if orphaned).
	queue workqueue.TypedRateLimitingInterface[string]
}

// New builds the claim binder on informers of a factory the caller starts.
func New(client clientset.Interface, inf informers.Interface) (*Controller, error) {
	c := &Controller{
		client: client,
		claims: inf.HostClaims().Lister(), hosts: inf.BareMetalHosts().Lister(),
		claimSynced: inf.HostClaims().Informer().HasSynced, hostSynced: inf.BareMetalHosts().Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "hostclaims"}),
	}
	if _, err := inf.HostClaims().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.claimChanged(obj) },
		UpdateFunc: func(_, obj any) { c.claimChanged(obj) },
	}); err != nil {
		return nil, err
	}
	if _, err := inf.BareMetalHosts().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.hostChanged(obj) },
		UpdateFunc: func(_, obj any) { c.hostChanged(obj) },
		DeleteFunc: func(obj any) { c.hostChanged(obj) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Waiting says whether a claim holds no host after the server tried (its Associated condition
// is False); a claim never tried is being bound by its create.
func Waiting(claim *v1alpha1.HostClaim) bool {
	cond := meta.FindStatusCondition(claim.Status.Conditions, v1alpha1.HostClaimAssociatedCondition)
	return claim.DeletionTimestamp == nil && cond != nil && cond.Status == metav1.ConditionFalse
}

// Claimable says whether a host could be taken now (the registry decides for good).
func Claimable(h *v1alpha1.BareMetalHost) bool {
	s := h.Status.Provisioning.State
	paused := v1alpha1.Paused(h.Annotations)
	return h.Spec.ConsumerRef == nil && h.DeletionTimestamp == nil && !paused && h.Status.ErrorMessage == "" &&
		(s == v1alpha1.StateAvailable || s == v1alpha1.StateReady)
}

func (c *Controller) claimChanged(obj any) {
	claim, ok := obj.(*v1alpha1.HostClaim)
	if !ok {
		return
	}
	if Waiting(claim) {
		c.enqueueClaim(claim)
		return
	}
	// A claim whose status names a host that no longer names it (taken back, deleted):
	// binding again brings its status back to the truth, and finds it another host.
	if ref := claim.Status.BareMetalHost; ref != nil {
		h, err := c.hosts.BareMetalHosts(ref.Namespace).Get(ref.Name)
		if apierrors.IsNotFound(err) || (err == nil && !heldBy(h, claim)) {
			c.enqueueClaim(claim)
		}
	}
}

func (c *Controller) hostChanged(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	h, ok := obj.(*v1alpha1.BareMetalHost)
	if !ok {
		return
	}
	if ref := h.Spec.ConsumerRef; ref != nil && ref.Kind == v1alpha1.HostClaimKind {
		if claim, err := c.claims.HostClaims(ref.Namespace).Get(ref.Name); err != nil || claim.UID != ref.UID {
			// Possibly orphaned: the worker asks the API, not this cache, before releasing.
			key, _ := cache.MetaNamespaceKeyFunc(h)
			c.queue.Add("host/" + key)
		} else if ref := claim.Status.BareMetalHost; ref == nil || ref.Namespace != h.Namespace || ref.Name != h.Name ||
			claim.Status.PoweredOn != h.Status.PoweredOn {
			// Binding again writes the claim's status from its host (which, and its power).
			c.enqueueClaim(claim)
		}
		return
	}
	// Claims whose status names this host but that it no longer names.
	claims, _ := c.claims.List(labels.Everything())
	for _, claim := range claims {
		if ref := claim.Status.BareMetalHost; ref != nil && ref.Namespace == h.Namespace && ref.Name == h.Name {
			c.enqueueClaim(claim)
		}
	}
	if !Claimable(h) {
		return
	}
	// A host to take: every waiting claim may try; the registry gives it to one, and the
	// others' status does not change (nothing written).
	for _, claim := range claims {
		if Waiting(claim) && MightTake(claim, h) {
			c.enqueueClaim(claim)
		}
	}
}

// MightTake says whether a claim could take the host, as far as the host alone tells: its
// selector matches the host's labels and, when it names one, the namespace is the host's.
// (Whether a HostDeployPolicy lets the claim in is the registry's to decide.) A selector that
// cannot be read lets the registry say why.
func MightTake(claim *v1alpha1.HostClaim, h *v1alpha1.BareMetalHost) bool {
	sel := claim.Spec.HostSelector
	if sel.InNamespace != "" && sel.InNamespace != h.Namespace {
		return false
	}
	set := labels.Set(h.Labels)
	for k, v := range sel.MatchLabels {
		if set[k] != v {
			return false
		}
	}
	for _, e := range sel.MatchExpressions {
		r, err := labels.NewRequirement(e.Key, selection.Operator(e.Operator), e.Values)
		if err != nil {
			return true
		}
		if !r.Matches(set) {
			return false
		}
	}
	return true
}

func (c *Controller) enqueueClaim(claim *v1alpha1.HostClaim) {
	key, err := cache.MetaNamespaceKeyFunc(claim)
	if err == nil {
		c.queue.Add(key)
	}
}

// Run binds until ctx is cancelled, with workers workers.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.claimSynced, c.hostSynced) {
		return
	}
	for range workers {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
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
	if err := c.sync(ctx, key); err != nil {
		klog.FromContext(ctx).Error(err, "HostClaim binder", "key", key)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

func (c *Controller) sync(ctx context.Context, key string) error {
	if len(key) > 5 && key[:5] == "host/" {
		return c.releaseOrphan(ctx, key[5:])
	}
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	_, err = c.client.BaremetalV1alpha1().HostClaims(ns).Bind(ctx, name,
		&v1alpha1.HostClaimBinding{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// releaseOrphan returns a host whose consumerRef names a HostClaim that, asked of the API
// (never only this cache, which may not have seen a claim just created), does not exist: what
// the claim's deletion does, when the server stopped between the deletion and the release.
// The write carries the host's resourceVersion, so a host claimed meanwhile is left alone.
func (c *Controller) releaseOrphan(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	h, err := c.client.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	ref := h.Spec.ConsumerRef
	if ref == nil || ref.Kind != v1alpha1.HostClaimKind {
		return nil
	}
	claim, err := c.client.BaremetalV1alpha1().HostClaims(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case err == nil && claim.UID == ref.UID:
		return nil
	case err != nil && !apierrors.IsNotFound(err):
		return err
	}
	h.Spec.ConsumerRef = nil
	h.Spec.Image = nil
	h.Spec.CustomDeploy = nil
	if _, err := c.client.BaremetalV1alpha1().BareMetalHosts(ns).Update(ctx, h, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsConflict(err) {
			c.queue.Add("host/" + key)
			return nil
		}
		return fmt.Errorf("returning host %s of a deleted HostClaim: %w", key, err)
	}
	klog.FromContext(ctx).Info("Returned the host of a deleted HostClaim to the pool", "host", key, "hostClaim", ref.Namespace+"/"+ref.Name)
	return nil
}

func heldBy(h *v1alpha1.BareMetalHost, claim *v1alpha1.HostClaim) bool {
	ref := h.Spec.ConsumerRef
	return ref != nil && ref.Kind == v1alpha1.HostClaimKind && ref.Namespace == claim.Namespace &&
		ref.Name == claim.Name && ref.UID == claim.UID
}
