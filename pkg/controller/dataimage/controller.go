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

// Package dataimage is the lifecycle of DataImages, as Metal3's DataImage controller keeps it
// (dataimage_controller.go): a DataImage is owned by its host (the BareMetalHost of its name,
// an owner reference, not a controller one) and held by its finalizer while its image may be
// attached; a DataImage being deleted is let go once its status says nothing is attached, its
// host is detached or no longer holds virtual media (not provisioned), or its host is gone.
// Attaching and detaching are the host reconciler's, at the host's power-on
// (pkg/controller/baremetalhost); this controller calls no backend. Every decision is read
// from the DataImage and its host in the cache.
package dataimage

import (
	"context"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/metal3-community/baremetal-apiserver/pkg/controller/workloop"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

const fieldManager = "baremetal-dataimage-controller"

// Controller keeps DataImages' finalizers and owner references.
type Controller struct {
	client clientset.Interface
	images listers.DataImageLister
	hosts  listers.BareMetalHostLister
	synced []cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
}

// New returns a controller of the DataImages the informers see. A DataImage is keyed like its
// host, so a change of either brings the pair back.
func New(client clientset.Interface, baremetal informers.Interface) (*Controller, error) {
	images, hosts := baremetal.DataImages(), baremetal.BareMetalHosts()
	c := &Controller{
		client: client, images: images.Lister(), hosts: hosts.Lister(),
		synced: []cache.InformerSynced{images.Informer().HasSynced, hosts.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "dataimages"}),
	}
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.queue.Add(key)
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj interface{}) { enqueue(obj) }, DeleteFunc: enqueue,
	}
	if _, err := images.Informer().AddEventHandler(handler); err != nil {
		return nil, err
	}
	// A host's state, annotations and deletion decide when its DataImage may go. Most host
	// updates are status writes that change nothing here: a cache read each, no write.
	if _, err := hosts.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj interface{}) { enqueue(obj) }, DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run keeps DataImages until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	workloop.Loop{Queue: c.queue, Synced: c.synced, Failed: "DataImage sync failed", KeyName: "dataImage",
		Sync: func(ctx context.Context, key string) (time.Duration, error) { return 0, c.sync(ctx, key) }}.Run(ctx, workers)
}

// sync makes one change to the DataImage of key (the next pass, brought by its event, makes
// the next one).
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.images.DataImages(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	host, err := c.hosts.BareMetalHosts(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.hostGone(ctx, cached)
	}
	if err != nil {
		return err
	}
	if v1alpha1.Paused(host.Annotations) {
		return nil
	}
	di := cached.DeepCopy()
	deleting := di.DeletionTimestamp != nil
	switch {
	case !deleting && !ownedBy(di, host):
		setOwner(di, host)
	case !deleting && !slices.Contains(di.Finalizers, v1alpha1.DataImageFinalizer):
		di.Finalizers = append(di.Finalizers, v1alpha1.DataImageFinalizer)
	case deleting && slices.Contains(di.Finalizers, v1alpha1.DataImageFinalizer) && released(di, host):
		di.Finalizers = slices.DeleteFunc(di.Finalizers, func(f string) bool { return f == v1alpha1.DataImageFinalizer })
	default:
		return nil
	}
	return c.update(ctx, di)
}

// released says that the image of a DataImage being deleted is not attached (any more), or
// will not be detached by anyone: its status says nothing is attached; its host is detached
// (Metal3 lets such a DataImage go at once); or its host holds no virtual media of it (not
// provisioned: deprovisioning ejected it, and nothing is attached before it is provisioned).
func released(di *v1alpha1.DataImage, host *v1alpha1.BareMetalHost) bool {
	if _, detached := host.Annotations[v1alpha1.DetachedAnnotation]; detached {
		return true
	}
	switch host.Status.Provisioning.State {
	case v1alpha1.StateProvisioned, v1alpha1.StateExternallyProvisioned, v1alpha1.StateDeprovisioning:
		return di.Status.AttachedImage.URL == ""
	}
	return true
}

// hostGone lets a DataImage go whose host is gone, as Metal3 does (the finalizer is removed),
// and deletes it when that host owned it: a standalone server has no garbage collector to do
// what the owner reference asks.
func (c *Controller) hostGone(ctx context.Context, cached *v1alpha1.DataImage) error {
	di := cached.DeepCopy()
	if slices.Contains(di.Finalizers, v1alpha1.DataImageFinalizer) {
		di.Finalizers = slices.DeleteFunc(di.Finalizers, func(f string) bool { return f == v1alpha1.DataImageFinalizer })
		if err := c.update(ctx, di); err != nil {
			return err
		}
	}
	// The host is gone, so its UID is unknown: the kind and the name say whose it was.
	owned := slices.ContainsFunc(di.OwnerReferences, func(ref metav1.OwnerReference) bool {
		return ref.Kind == v1alpha1.BareMetalHostKind.Kind && ref.Name == di.Name
	})
	if !owned || di.DeletionTimestamp != nil {
		return nil
	}
	err := c.client.BaremetalV1alpha1().DataImages(di.Namespace).Delete(ctx, di.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &di.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Controller) update(ctx context.Context, di *v1alpha1.DataImage) error {
	_, err := c.client.BaremetalV1alpha1().DataImages(di.Namespace).Update(ctx, di, metav1.UpdateOptions{FieldManager: fieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// ownedBy says whether the DataImage has an owner reference to this host.
func ownedBy(di *v1alpha1.DataImage, host *v1alpha1.BareMetalHost) bool {
	return slices.ContainsFunc(di.OwnerReferences, func(ref metav1.OwnerReference) bool { return ref.UID == host.UID })
}

// setOwner adds the host as an owner, as Metal3's controllerutil.SetOwnerReference does (not
// a controller reference), replacing a reference to an earlier host of the same name.
func setOwner(di *v1alpha1.DataImage, host *v1alpha1.BareMetalHost) {
	di.OwnerReferences = slices.DeleteFunc(di.OwnerReferences, func(ref metav1.OwnerReference) bool {
		return ref.Kind == v1alpha1.BareMetalHostKind.Kind && ref.Name == host.Name
	})
	di.OwnerReferences = append(di.OwnerReferences, metav1.OwnerReference{
		APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: v1alpha1.BareMetalHostKind.Kind,
		Name: host.Name, UID: host.UID,
	})
}
