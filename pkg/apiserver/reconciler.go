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

package apiserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapiserver "k8s.io/apiserver/pkg/server"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	controller "github.com/metal3-community/baremetal-apiserver/pkg/controller/baremetalhost"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/bmceventsubscription"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/dataimage"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/hostfirmware"
	"github.com/metal3-community/baremetal-apiserver/pkg/controller/preprovisioningimage"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions"
	"github.com/metal3-community/baremetal-apiserver/pkg/leaderelection"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// ReconcilerConfig configures the in-process host reconciler. A nil ReconcilerConfig serves
// the API only, which is what a read replica or an API-only test wants.
type ReconcilerConfig struct {
	Provisioner provisioner.Provisioner
	// Secrets reads BMC credentials; nil means the cluster's Secrets through KubeClient
	// (delegated mode).
	Secrets controller.SecretSource
	// KubeClient, in delegated mode, reads (and labels) Secrets and receives host events;
	// without it events are logged.
	KubeClient kubernetes.Interface
	Options    controller.Options
	// FirmwareReadInterval is how old a host's firmware reading may get (hostfirmware); zero is
	// its default.
	FirmwareReadInterval time.Duration
	// DefaultPreprovImages, with Options.BuildPreprovImage, runs the default
	// PreprovisioningImage provider with these images; nil leaves the images to an external
	// builder.
	DefaultPreprovImages *preprovisioningimage.Config
	// Election, when set, makes only the elected replica reconcile.
	Election *ElectionConfig
}

// ElectionConfig is where replicas elect the reconciler's leader.
type ElectionConfig struct {
	Etcd     clientv3.Config
	Key      string
	Identity string
	// TTL is how long a dead leader keeps the lead.
	TTL time.Duration
}

// The reconciler's client-side rate limit on its loopback client.
const (
	reconcilerQPS   = 1000
	reconcilerBurst = 2000
)

// stripManagedFields is the cache.TransformFunc of every informer of the server's own
// controllers: it drops an object's managed fields (anything without object metadata, a
// tombstone, passes unchanged). No controller reads them, they are a fifth of what the
// informers hold (heap profile at 10,000 hosts: 70 of 305 MB), and an update built from a
// cached object without them keeps the stored ones (the field manager reads the live object's
// when a request has none), as with controller-runtime's TransformStripManagedFields.
func stripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil && m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// reconcilerHook starts the reconciler once the server serves, through the loopback client,
// so that everything it writes goes through the same validation and admission as any client.
func (c completedConfig) reconcilerHook(rc *ReconcilerConfig) genericapiserver.PostStartHookFunc {
	return func(hookCtx genericapiserver.PostStartHookContext) error {
		ctx := hookCtx.Context
		// The loopback config allows 50 requests/s, a limit meant for clients of a shared
		// kube-apiserver. Here the only server is this process, protected by its own
		// priority and fairness; throttled status writes would only hide progress when
		// hundreds of hosts move at once.
		loopback := rest.CopyConfig(hookCtx.LoopbackClientConfig)
		loopback.QPS, loopback.Burst = reconcilerQPS, reconcilerBurst
		client, err := clientset.NewForConfig(loopback)
		if err != nil {
			return err
		}
		secrets := rc.Secrets
		var secretInformer cache.SharedIndexInformer
		if secrets == nil {
			if rc.KubeClient == nil {
				return fmt.Errorf("the reconciler needs a Secret source: a credentials directory or a kube-apiserver")
			}
			// Only the Secrets with Metal3's label are cached and watched, as in Metal3: an
			// informer over every Secret of the cluster would hold them all in memory and
			// receive each change of each, for the few that hosts read. ClusterSecrets labels
			// a Secret the first time a host's reconcile reads it.
			factory := kubeinformers.NewSharedInformerFactoryWithOptions(rc.KubeClient, 0,
				kubeinformers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = controller.SecretSelector }),
				kubeinformers.WithTransform(stripManagedFields))
			inf := factory.Core().V1().Secrets()
			secretInformer = inf.Informer()
			secrets = controller.ClusterSecrets{Lister: inf.Lister(), Client: rc.KubeClient.CoreV1()}
			factory.Start(ctx.Done())
			go func() { <-ctx.Done(); factory.Shutdown() }()
		}

		recorder, stopEvents := controller.NewEventRecorder(rc.KubeClient)
		go func() { <-ctx.Done(); stopEvents() }()

		lead := func(ctx context.Context) {
			// A fresh informer and controller per term: a new leader must start from what the
			// API says now, not from a previous term's queue.
			factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(stripManagedFields))
			opts := rc.Options
			opts.Recorder = recorder
			baremetal := factory.Baremetal().V1alpha1()
			ctrl, err := controller.New(client, baremetal, rc.Provisioner, secrets, opts)
			if err != nil {
				klog.FromContext(ctx).Error(err, "Cannot start the reconciler")
				return
			}
			var images *preprovisioningimage.Controller
			if rc.Options.BuildPreprovImage && rc.DefaultPreprovImages != nil {
				version := func(ctx context.Context, namespace, name string) (string, error) {
					_, v, err := secrets.Get(ctx, namespace, name)
					if errors.Is(err, controller.ErrSecretNotFound) {
						err = fmt.Errorf("%w: %w", preprovisioningimage.ErrSecretNotFound, err)
					}
					return v, err
				}
				if images, err = preprovisioningimage.New(client, baremetal, *rc.DefaultPreprovImages, version); err != nil {
					klog.FromContext(ctx).Error(err, "Cannot start the default PreprovisioningImage provider")
					images = nil
				} else {
					go images.Run(ctx, 2)
				}
			}
			if secretInformer != nil {
				changed := func(obj interface{}) {
					if s, ok := obj.(*corev1.Secret); ok {
						ctrl.SecretChanged(s.Namespace, s.Name)
						if images != nil {
							images.SecretChanged(s.Namespace, s.Name)
						}
					}
				}
				reg, err := secretInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
					AddFunc:    changed,
					UpdateFunc: func(_, obj interface{}) { changed(obj) },
				})
				if err == nil {
					defer func() { _ = secretInformer.RemoveEventHandler(reg) }()
				}
			}
			// DataImages' finalizers and owner references; the host reconciler attaches them.
			if images, err := dataimage.New(client, baremetal); err != nil {
				klog.FromContext(ctx).Error(err, "Cannot start the DataImage controller")
			} else {
				go images.Run(ctx, 1)
			}
			// Backends that read firmware report it in HostFirmwareSettings/Components.
			if reader, ok := rc.Provisioner.(provisioner.FirmwareReader); ok {
				hostFor := func(ctx context.Context, h *v1alpha1.BareMetalHost) (provisioner.Host, error) {
					ph, _, err := controller.ProviderHost(ctx, h, secrets, rc.Options.AllowTestBMCSchemes)
					return ph, err
				}
				fw, err := hostfirmware.New(client, baremetal, reader, hostFor, rc.FirmwareReadInterval, recorder)
				if err != nil {
					klog.FromContext(ctx).Error(err, "Cannot start the firmware reader")
				} else {
					// Readers in proportion to the inspection slots: with 2, 9,000 hosts
					// were still unread when 10,000 were inspected.
					go fw.Run(ctx, hostfirmware.Workers(rc.Options.MaxConcurrentProvisioning))
				}
			}
			// Backends that manage BMC event subscriptions make BMCEventSubscriptions real.
			if subscriber, ok := rc.Provisioner.(provisioner.EventSubscriber); ok {
				hostFor := func(ctx context.Context, h *v1alpha1.BareMetalHost) (provisioner.Host, error) {
					ph, _, err := controller.ProviderHost(ctx, h, secrets, rc.Options.AllowTestBMCSchemes)
					return ph, err
				}
				subs, err := bmceventsubscription.New(client, baremetal, subscriber, hostFor, secrets, recorder)
				if err != nil {
					klog.FromContext(ctx).Error(err, "Cannot start the BMC event subscription reconciler")
				} else {
					go subs.Run(ctx, 2)
				}
			}
			factory.Start(ctx.Done())
			defer factory.Shutdown()
			if err := ctrl.Run(ctx); err != nil {
				klog.FromContext(ctx).Error(err, "Reconciler stopped")
			}
		}

		if rc.Election == nil {
			go lead(ctx)
			return nil
		}
		etcd, err := clientv3.New(rc.Election.Etcd)
		if err != nil {
			return fmt.Errorf("etcd client for leader election: %w", err)
		}
		go func() {
			defer etcd.Close()
			leaderelection.Run(ctx, leaderelection.Config{
				Client: etcd, Key: rc.Election.Key, Identity: rc.Election.Identity, TTL: rc.Election.TTL,
			}, lead)
		}()
		return nil
	}
}
