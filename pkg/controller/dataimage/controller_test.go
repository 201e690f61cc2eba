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

package dataimage

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

const ns, name = "ns", "h"

const url = "http://192.0.2.1/config.iso"

func host(state v1alpha1.ProvisioningState, annotations ...string) *v1alpha1.BareMetalHost {
	h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: "host-uid"}}
	h.Status.Provisioning.State = state
	for _, a := range annotations {
		if h.Annotations == nil {
			h.Annotations = map[string]string{}
		}
		h.Annotations[a] = ""
	}
	return h
}

// image is a DataImage owned by the host of ownerUID ("" for none), with the finalizer when
// finalized, its status saying attached is attached, deleted when deleting.
func image(ownerUID types.UID, finalized bool, attached string, deleting bool) *v1alpha1.DataImage {
	di := &v1alpha1.DataImage{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: "di-uid", ResourceVersion: "1"},
		Spec:       v1alpha1.DataImageSpec{URL: url},
		Status:     v1alpha1.DataImageStatus{AttachedImage: v1alpha1.AttachedImageReference{URL: attached}},
	}
	if ownerUID != "" {
		di.OwnerReferences = []metav1.OwnerReference{{APIVersion: "baremetal.metal3.io/v1alpha1", Kind: "BareMetalHost", Name: name, UID: ownerUID}}
	}
	if finalized {
		di.Finalizers = []string{v1alpha1.DataImageFinalizer}
	}
	if deleting {
		t := metav1.NewTime(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
		di.DeletionTimestamp = &t
	}
	return di
}

// TestSync: one pass per case, from the DataImage and its host as cached, to what is stored
// after (nil: deleted) and the writes made.
func TestSync(t *testing.T) {
	for _, tc := range []struct {
		name string
		di   *v1alpha1.DataImage
		host *v1alpha1.BareMetalHost
		// writes are the verbs of the pass's requests on DataImages.
		writes string
		// owner and finalized are what the stored DataImage has after the pass.
		owner     types.UID
		finalized bool
		gone      bool
	}{
		{name: "new: owned by its host first", di: image("", false, "", false), host: host(v1alpha1.StateAvailable),
			writes: "update", owner: "host-uid"},
		{name: "owned: the finalizer next", di: image("host-uid", false, "", false), host: host(v1alpha1.StateAvailable),
			writes: "update", owner: "host-uid", finalized: true},
		{name: "settled: nothing to write", di: image("host-uid", true, url, false), host: host(v1alpha1.StateProvisioned),
			owner: "host-uid", finalized: true},
		{name: "owned by an earlier host of the name: the reference replaced", di: image("old-uid", true, "", false), host: host(v1alpha1.StateAvailable),
			writes: "update", owner: "host-uid", finalized: true},
		{name: "deleted while attached to a provisioned host: held until detached", di: image("host-uid", true, url, true), host: host(v1alpha1.StateProvisioned),
			owner: "host-uid", finalized: true},
		{name: "deleted while attached, host deprovisioning: held", di: image("host-uid", true, url, true), host: host(v1alpha1.StateDeprovisioning),
			owner: "host-uid", finalized: true},
		{name: "deleted, detached: let go", di: image("host-uid", true, "", true), host: host(v1alpha1.StateProvisioned),
			writes: "update", owner: "host-uid", gone: true},
		{name: "deleted, host no longer provisioned: let go", di: image("host-uid", true, url, true), host: host(v1alpha1.StateAvailable),
			writes: "update", owner: "host-uid", gone: true},
		{name: "deleted, host detached: let go", di: image("host-uid", true, url, true), host: host(v1alpha1.StateProvisioned, v1alpha1.DetachedAnnotation),
			writes: "update", owner: "host-uid", gone: true},
		{name: "host paused: nothing", di: image("", false, url, true), host: host(v1alpha1.StateAvailable, v1alpha1.PausedAnnotation)},
		{name: "host gone: the finalizer removed, the owned image deleted", di: image("host-uid", true, url, false),
			writes: "update delete", gone: true},
		{name: "host gone, never owned: the finalizer removed, kept", di: image("", true, "", false),
			writes: "update"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewSimpleClientset()
			ctx := context.Background()
			images := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			hosts := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			if _, err := client.BaremetalV1alpha1().DataImages(ns).Create(ctx, tc.di, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			_ = images.Add(tc.di)
			if tc.host != nil {
				_ = hosts.Add(tc.host)
			}
			client.ClearActions()
			c := &Controller{client: client, images: listers.NewDataImageLister(images), hosts: listers.NewBareMetalHostLister(hosts),
				queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
			t.Cleanup(c.queue.ShutDown)
			if err := c.sync(ctx, ns+"/"+name); err != nil {
				t.Fatal(err)
			}
			var verbs []string
			for _, a := range client.Actions() {
				verbs = append(verbs, a.GetVerb())
			}
			if got := strings.Join(verbs, " "); got != tc.writes {
				t.Errorf("requests %q, want %q", got, tc.writes)
			}
			after, err := client.BaremetalV1alpha1().DataImages(ns).Get(ctx, name, metav1.GetOptions{})
			if tc.gone {
				// The fake store does not keep a deleted object for its finalizers: gone, or
				// let go of (no finalizer left) is the same outcome.
				if err == nil && slices.Contains(after.Finalizers, v1alpha1.DataImageFinalizer) {
					t.Errorf("still held: %+v", after.ObjectMeta)
				}
				if err != nil && !apierrors.IsNotFound(err) {
					t.Fatal(err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var owners []types.UID
			for _, ref := range after.OwnerReferences {
				owners = append(owners, ref.UID)
				if ref.Controller != nil || ref.Kind != "BareMetalHost" || ref.Name != name || ref.APIVersion != "baremetal.metal3.io/v1alpha1" {
					t.Errorf("owner reference %+v", ref)
				}
			}
			wantOwners := []types.UID{}
			if tc.owner != "" {
				wantOwners = []types.UID{tc.owner}
			}
			if !slices.Equal(append([]types.UID{}, owners...), wantOwners) {
				t.Errorf("owners %v, want %v", owners, wantOwners)
			}
			if has := slices.Contains(after.Finalizers, v1alpha1.DataImageFinalizer); has != tc.finalized {
				t.Errorf("finalizers %v, want the DataImage finalizer: %v", after.Finalizers, tc.finalized)
			}
		})
	}
}
