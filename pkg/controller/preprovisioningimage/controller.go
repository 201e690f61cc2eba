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

// Package preprovisioningimage is Metal3's PreprovisioningImage controller with its default
// image provider (pkg/controllers/preprovisioningimage_controller.go and
// pkg/imageprovider/default.go): it "builds" each PreprovisioningImage by pointing its status at
// the agent images the server is configured with (Metal3's DEPLOY_ISO_URL, DEPLOY_KERNEL_URL
// and DEPLOY_RAMDISK_URL; here --ironic-deploy-iso, --ironic-deploy-kernel and
// --ironic-deploy-ramdisk), so that --build-preprov-image works out of the box.
//
// As in Metal3 it runs only when it can provide a format (an ISO, or a kernel and a ramdisk):
// a deployment with an external image builder (one that embeds network data in the image, say)
// leaves those unset, so that this controller does not run and the builder alone writes the
// status. The builder may still rely on the configured kernel for initrd images it builds
// without one.
//
// Not as Metal3: it puts no finalizer on the images (the default provider discards nothing,
// so there is nothing for one to wait for), it builds in one step rather than first recording
// an empty build, and it has no per-architecture URLs.
package preprovisioningimage

import (
	"context"
	"errors"
	"slices"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/controller/workloop"
	"k8s.io/utils/clock"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

// Config is what the default provider hands out.
type Config struct {
	// ISOURL is the agent as an ISO (Metal3's DEPLOY_ISO_URL).
	ISOURL string
	// KernelURL and RamdiskURL are the agent kernel and initramfs (DEPLOY_KERNEL_URL,
	// DEPLOY_RAMDISK_URL): an initrd image needs both.
	KernelURL, RamdiskURL string
}

// SupportsFormat says whether the provider has an image of the format.
func (c Config) SupportsFormat(f v1alpha1.ImageFormat) bool {
	switch f {
	case v1alpha1.ImageFormatISO:
		return c.ISOURL != ""
	case v1alpha1.ImageFormatInitRD:
		return c.KernelURL != "" && c.RamdiskURL != ""
	}
	return false
}

// CanStart is Metal3's rule: the controller runs only when it can provide some format.
func (c Config) CanStart() bool {
	return c.SupportsFormat(v1alpha1.ImageFormatISO) || c.SupportsFormat(v1alpha1.ImageFormatInitRD)
}

// ErrSecretNotFound is what a SecretVersionFunc wraps when the Secret does not exist.
var ErrSecretNotFound = errors.New("secret not found")

// SecretVersionFunc returns the version of a Secret (as the host reconciler reads it, so that
// both compare the same versions), an error wrapping ErrSecretNotFound when there is none.
type SecretVersionFunc func(ctx context.Context, namespace, name string) (string, error)

// Condition reasons, Metal3's.
const (
	ReasonImageSuccess            = "ImageSuccess"
	ReasonImageConfigurationError = "ConfigurationError"
	ReasonImageMissingNetworkData = "MissingNetworkData"
)

const (
	fieldManager = "baremetal-preprovisioningimage-controller"
	// minRetryDelay and maxRetryDelay bound the wait for a missing network data Secret
	// (Metal3's getErrorRetryDelay): the longer it has been missing, the longer the wait.
	minRetryDelay = 10 * time.Second
	maxRetryDelay = 10 * time.Minute
	// networkDataRecheck is how often an image built with network data looks at the Secret's
	// version again: a standalone server's Secrets directory has no watch.
	networkDataRecheck = time.Minute
)

// Controller writes PreprovisioningImage status from Config.
type Controller struct {
	client        clientset.Interface
	lister        listers.PreprovisioningImageLister
	synced        cache.InformerSynced
	queue         workqueue.TypedRateLimitingInterface[string]
	cfg           Config
	secretVersion SecretVersionFunc
	clock         clock.PassiveClock
}

// New returns the controller of the PreprovisioningImages baremetal's informers see.
func New(client clientset.Interface, baremetal informers.Interface, cfg Config, secretVersion SecretVersionFunc) (*Controller, error) {
	images := baremetal.PreprovisioningImages()
	c := &Controller{
		client: client, lister: images.Lister(), synced: images.Informer().HasSynced,
		cfg: cfg, secretVersion: secretVersion, clock: clock.RealClock{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "preprovisioningimages"}),
	}
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.queue.Add(key)
		}
	}
	_, err := images.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
	})
	return c, err
}

// SecretChanged builds again the images of namespace whose network data is the Secret name.
func (c *Controller) SecretChanged(namespace, name string) {
	images, err := c.lister.PreprovisioningImages(namespace).List(labelsEverything())
	if err != nil {
		return
	}
	for _, img := range images {
		if img.Spec.NetworkDataName == name {
			c.queue.Add(namespace + "/" + img.Name)
		}
	}
}

// Run builds until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	logger := klog.FromContext(ctx).WithName("preprovisioningimage-controller")
	ctx = klog.NewContext(ctx, logger)
	logger.Info("Starting the default PreprovisioningImage provider", "iso", c.cfg.ISOURL != "",
		"initrd", c.cfg.SupportsFormat(v1alpha1.ImageFormatInitRD))
	workloop.Loop{Queue: c.queue, Synced: []cache.InformerSynced{c.synced}, Sync: c.sync,
		Failed: "PreprovisioningImage not built", KeyName: "image"}.Run(ctx, workers)
}

// sync writes the image's status and says when to look again.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	img, err := c.lister.PreprovisioningImages(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if img.DeletionTimestamp != nil {
		// Nothing to discard: the image is the configured one.
		return 0, nil
	}
	status, after, err := c.build(ctx, img)
	if err != nil {
		return 0, err
	}
	if apiequality.Semantic.DeepEqual(img.Status, status) {
		return after, nil
	}
	updated := img.DeepCopy()
	updated.Status = status
	if _, err := c.client.BaremetalV1alpha1().PreprovisioningImages(ns).UpdateStatus(ctx, updated, metav1.UpdateOptions{FieldManager: fieldManager}); err != nil {
		return 0, err
	}
	klog.FromContext(ctx).Info("PreprovisioningImage status written", "image", key, "url", status.ImageURL, "format", status.Format)
	return after, nil
}

// build is Metal3's update with the default provider: the first format the image accepts that
// the provider has, the network data Secret's version, and the configured URLs.
func (c *Controller) build(ctx context.Context, img *v1alpha1.PreprovisioningImage) (v1alpha1.PreprovisioningImageStatus, time.Duration, error) {
	st := *img.Status.DeepCopy()
	gen, now := img.Generation, metav1.NewTime(c.clock.Now())
	i := slices.IndexFunc(img.Spec.AcceptFormats, c.cfg.SupportsFormat)
	if i < 0 {
		setError(&st, gen, now, ReasonImageConfigurationError, "No acceptable image format supported")
		return st, 0, nil
	}
	format := img.Spec.AcceptFormats[i]
	var networkData v1alpha1.SecretStatus
	after := time.Duration(0)
	if name := img.Spec.NetworkDataName; name != "" {
		version, err := c.secretVersion(ctx, img.Namespace, name)
		if errors.Is(err, ErrSecretNotFound) {
			setError(&st, gen, now, ReasonImageMissingNetworkData, "NetworkData secret not found")
			return st, errorRetryDelay(st, now.Time), nil
		}
		if err != nil {
			return st, 0, err
		}
		networkData = v1alpha1.SecretStatus{Name: name, Version: version}
		after = networkDataRecheck
	}
	st.ImageURL, st.KernelURL, st.ExtraKernelParams = "", "", ""
	switch format {
	case v1alpha1.ImageFormatISO:
		st.ImageURL = c.cfg.ISOURL
	case v1alpha1.ImageFormatInitRD:
		st.ImageURL, st.KernelURL = c.cfg.RamdiskURL, c.cfg.KernelURL
	}
	st.Format, st.Architecture, st.NetworkData = format, img.Spec.Architecture, networkData
	setCondition(&st, gen, now, v1alpha1.ConditionImageReady, metav1.ConditionTrue, ReasonImageSuccess, "Generated image")
	setCondition(&st, gen, now, v1alpha1.ConditionImageError, metav1.ConditionFalse, ReasonImageSuccess, "")
	return st, after, nil
}

// setError is Metal3's: no image, Ready False and Error True, both saying why.
func setError(st *v1alpha1.PreprovisioningImageStatus, gen int64, now metav1.Time, reason, msg string) {
	st.ImageURL = ""
	setCondition(st, gen, now, v1alpha1.ConditionImageReady, metav1.ConditionFalse, reason, "")
	setCondition(st, gen, now, v1alpha1.ConditionImageError, metav1.ConditionTrue, reason, msg)
}

func setCondition(st *v1alpha1.PreprovisioningImageStatus, gen int64, now metav1.Time, typ v1alpha1.ImageStatusConditionType,
	status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: string(typ), Status: status, Reason: reason, Message: msg,
		ObservedGeneration: gen, LastTransitionTime: now})
}

// errorRetryDelay is Metal3's getErrorRetryDelay: the time the error has lasted, plus the
// minimum, capped.
func errorRetryDelay(st v1alpha1.PreprovisioningImageStatus, now time.Time) time.Duration {
	c := meta.FindStatusCondition(st.Conditions, string(v1alpha1.ConditionImageError))
	if c == nil || c.Status != metav1.ConditionTrue {
		return minRetryDelay
	}
	return min(now.Sub(c.LastTransitionTime.Time)+minRetryDelay, maxRetryDelay)
}

func labelsEverything() labels.Selector { return labels.Everything() }
