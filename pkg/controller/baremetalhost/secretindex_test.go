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

package baremetalhost

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions"
)

// secretHost is a host of namespace ns with BMC credentials creds and, when not empty, the
// config-drive Secrets user, network and meta.
func secretHost(ns, name, creds, user, network, meta string) *v1alpha1.BareMetalHost {
	h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	h.Spec.BMC.CredentialsName = creds
	ref := func(n string) *v1alpha1.SecretReference {
		if n == "" {
			return nil
		}
		return &v1alpha1.SecretReference{Name: n}
	}
	h.Spec.UserData, h.Spec.NetworkData, h.Spec.MetaData = ref(user), ref(network), ref(meta)
	return h
}

func TestHostSecrets(t *testing.T) {
	withNamespace := secretHost("ns", "h", "bmc", "", "", "")
	// The reference's namespace is not where the Secret is read: validation only lets it be
	// the host's, and the reconciler reads the host's namespace.
	withNamespace.Spec.UserData = &v1alpha1.SecretReference{Name: "user", Namespace: "ns"}
	emptyRef := secretHost("ns", "h", "bmc", "", "", "")
	emptyRef.Spec.NetworkData = &v1alpha1.SecretReference{}
	pull := "registry-pull"
	oci := secretHost("ns", "h", "bmc", "", "", "")
	oci.Spec.Image = &v1alpha1.Image{URL: "oci://registry.example.com/os:1", OCIAuthSecretName: &pull}
	preprov := secretHost("ns", "h", "bmc", "", "", "")
	preprov.Spec.PreprovisioningNetworkDataName = "preprov-net"

	for _, tc := range []struct {
		name string
		obj  interface{}
		want []string
	}{
		{"credentials only", secretHost("ns", "h", "bmc", "", "", ""), []string{"ns/bmc"}},
		{"credentials and config drive", secretHost("ns", "h", "bmc", "user", "net", "meta"), []string{"ns/bmc", "ns/user", "ns/net", "ns/meta"}},
		{"one Secret for several references, once", secretHost("ns", "h", "bmc", "drive", "drive", "bmc"), []string{"ns/bmc", "ns/drive"}},
		{"no credentials name", secretHost("ns", "h", "", "user", "", ""), []string{"ns/user"}},
		{"nothing", secretHost("ns", "h", "", "", "", ""), nil},
		{"reference with a namespace", withNamespace, []string{"ns/bmc", "ns/user"}},
		{"reference without a name", emptyRef, []string{"ns/bmc"}},
		{"image pull Secret", oci, []string{"ns/bmc", "ns/registry-pull"}},
		{"preprovisioning network data", preprov, []string{"ns/bmc", "ns/preprov-net"}},
		{"not a host", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "bmc"}}, nil},
		{"deleted host tombstone", cache.DeletedFinalStateUnknown{Key: "ns/h", Obj: secretHost("ns", "h", "bmc", "", "", "")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hostSecrets(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("hostSecrets = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSecretChanged: a Secret wakes exactly the hosts that read it, in its namespace, found
// through the index.
func TestSecretChanged(t *testing.T) {
	hosts := []*v1alpha1.BareMetalHost{
		secretHost("a", "h1", "bmc-1", "", "", ""),
		secretHost("a", "h2", "bmc-1", "drive", "", ""),
		secretHost("a", "h3", "bmc-3", "", "net", "meta"),
		secretHost("b", "h1", "bmc-1", "", "", ""),
		secretHost("b", "h4", "other", "", "", ""),
	}
	for _, tc := range []struct {
		namespace, name string
		want            []string
	}{
		{"a", "bmc-1", []string{"a/h1", "a/h2"}},
		{"b", "bmc-1", []string{"b/h1"}},
		{"a", "drive", []string{"a/h2"}},
		{"a", "net", []string{"a/h3"}},
		{"a", "meta", []string{"a/h3"}},
		{"a", "other", nil},
		{"c", "bmc-1", nil},
		{"a", "unused", nil},
	} {
		t.Run(tc.namespace+"/"+tc.name, func(t *testing.T) {
			indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{secretIndex: hostSecrets})
			for _, h := range hosts {
				if err := indexer.Add(h); err != nil {
					t.Fatal(err)
				}
			}
			c := &Controller{bySecret: indexer, queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
			defer c.queue.ShutDown()

			c.SecretChanged(tc.namespace, tc.name)

			var woken []string
			for c.queue.Len() > 0 {
				key, _ := c.queue.Get()
				c.queue.Done(key)
				woken = append(woken, key)
			}
			slices.Sort(woken)
			if !slices.Equal(woken, tc.want) {
				t.Errorf("SecretChanged(%s, %s) woke %q, want %q", tc.namespace, tc.name, woken, tc.want)
			}
		})
	}
}

// TestNewIndexesHostsBySecret: New adds the index to a host informer, started or not (a
// running one indexes the hosts it holds), shares it with another controller on the same
// informer, and fails on a stopped informer, whose index could never be filled.
func TestNewIndexesHostsBySecret(t *testing.T) {
	opts := testOptions(0)
	client := fake.NewSimpleClientset(secretHost("ns", "h", "bmc", "", "", ""))
	hostsOf := func(c *Controller, secret string) []string {
		t.Helper()
		objs, err := c.bySecret.ByIndex(secretIndex, secret)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range objs {
			keys = append(keys, cache.MetaObjectToName(o.(*v1alpha1.BareMetalHost)).String())
		}
		return keys
	}
	start := func(factory informers.SharedInformerFactory, inf cache.SharedIndexInformer) (stop func()) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		factory.Start(ctx.Done())
		if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			t.Fatal("host informer did not sync")
		}
		return func() { cancel(); factory.Shutdown() }
	}

	// Indexed before the start, by two controllers.
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Baremetal().V1alpha1().BareMetalHosts()
	first, err := New(client, factory.Baremetal().V1alpha1(), nil, DirSecrets{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(client, factory.Baremetal().V1alpha1(), nil, DirSecrets{}, opts)
	if err != nil {
		t.Fatalf("second controller on the same informer: %v", err)
	}
	stop := start(factory, inf.Informer())
	defer stop()
	for i, c := range []*Controller{first, second} {
		if got := hostsOf(c, "ns/bmc"); !slices.Equal(got, []string{"ns/h"}) {
			t.Errorf("controller %d: hosts of ns/bmc = %q, want ns/h", i, got)
		}
	}

	// Indexed after the start: the hosts already in the cache are indexed.
	running := informers.NewSharedInformerFactory(client, 0)
	runningInf := running.Baremetal().V1alpha1().BareMetalHosts()
	defer start(running, runningInf.Informer())()
	late, err := New(client, running.Baremetal().V1alpha1(), nil, DirSecrets{}, opts)
	if err != nil {
		t.Fatalf("New on a running informer: %v", err)
	}
	if got := hostsOf(late, "ns/bmc"); !slices.Equal(got, []string{"ns/h"}) {
		t.Errorf("running informer: hosts of ns/bmc = %q, want ns/h", got)
	}

	// A stopped informer (another controller's of another election term) cannot be indexed.
	stopped := informers.NewSharedInformerFactory(client, 0)
	stoppedInf := stopped.Baremetal().V1alpha1().BareMetalHosts()
	start(stopped, stoppedInf.Informer())()
	if _, err := New(client, stopped.Baremetal().V1alpha1(), nil, DirSecrets{}, opts); err == nil || !strings.Contains(err.Error(), "indexing hosts by Secret") {
		t.Errorf("New on a stopped informer: err = %v, want an indexing error", err)
	}
}
