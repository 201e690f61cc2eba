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
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/metal3-community/baremetal-apiserver/pkg/controller/hostclaim"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions"
)

// claimBinderWorkers is how many waiting HostClaims the claim binder asks to bind at once.
const claimBinderWorkers = 4

// claimBinderHook starts the claim binder (pkg/controller/hostclaim) once the server serves,
// whatever the provisioner: HostClaims are API behaviour, and binding is the registry's. It
// runs on every replica without an election: it only asks the registry to bind again, which
// is safe from any number of callers at once.
func claimBinderHook(hookCtx genericapiserver.PostStartHookContext) error {
	ctx := hookCtx.Context
	loopback := rest.CopyConfig(hookCtx.LoopbackClientConfig)
	loopback.QPS, loopback.Burst = reconcilerQPS, reconcilerBurst
	client, err := clientset.NewForConfig(loopback)
	if err != nil {
		return err
	}
	// Hosts are cached with only what the binder reads (hostclaim.CacheTransform): the
	// reconciler's informers and the watch cache already hold each host whole.
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(func(obj any) (any, error) {
		obj, err := hostclaim.CacheTransform(obj)
		if err != nil {
			return nil, err
		}
		return stripManagedFields(obj)
	}))
	ctrl, err := hostclaim.New(client, factory.Baremetal().V1alpha1())
	if err != nil {
		return err
	}
	factory.Start(ctx.Done())
	go func() {
		ctrl.Run(klog.NewContext(ctx, klog.Background().WithName("hostclaim-binder")), claimBinderWorkers)
		factory.Shutdown()
	}()
	return nil
}
