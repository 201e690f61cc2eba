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

package preprovisioningimage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

const (
	ns                   = "ns"
	iso, kernel, ramdisk = "http://images/ipa.iso", "http://images/ipa.kernel", "http://images/ipa.initramfs"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func image(formats []v1alpha1.ImageFormat, mutate func(*v1alpha1.PreprovisioningImage)) *v1alpha1.PreprovisioningImage {
	img := &v1alpha1.PreprovisioningImage{
		ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns, Generation: 3, ResourceVersion: "1"},
		Spec:       v1alpha1.PreprovisioningImageSpec{Architecture: "x86_64", AcceptFormats: formats},
	}
	if mutate != nil {
		mutate(img)
	}
	return img
}

// syncOnce runs one pass of the controller over img as stored, and returns the image after it
// and whether the pass wrote its status.
func syncOnce(t *testing.T, cfg Config, img *v1alpha1.PreprovisioningImage, secrets map[string]string) (*v1alpha1.PreprovisioningImage, bool, time.Duration) {
	t.Helper()
	client := fake.NewSimpleClientset(img.DeepCopy())
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := indexer.Add(img.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	c := &Controller{client: client, lister: listers.NewPreprovisioningImageLister(indexer), cfg: cfg,
		clock: clocktesting.NewFakePassiveClock(now),
		secretVersion: func(_ context.Context, namespace, name string) (string, error) {
			if v, ok := secrets[namespace+"/"+name]; ok {
				return v, nil
			}
			return "", fmt.Errorf("%w: %s/%s", ErrSecretNotFound, namespace, name)
		}}
	client.ClearActions()
	after, err := c.sync(context.Background(), ns+"/h")
	if err != nil {
		t.Fatal(err)
	}
	wrote := false
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			wrote = true
		}
	}
	got, err := client.BaremetalV1alpha1().PreprovisioningImages(ns).Get(context.Background(), "h", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got, wrote, after
}

func condition(img *v1alpha1.PreprovisioningImage, typ v1alpha1.ImageStatusConditionType) metav1.Condition {
	if c := meta.FindStatusCondition(img.Status.Conditions, string(typ)); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// TestDefaultProvider: Metal3's PreprovisioningImage controller with the default image provider.
func TestDefaultProvider(t *testing.T) {
	all := Config{ISOURL: iso, KernelURL: kernel, RamdiskURL: ramdisk}
	isoFirst := []v1alpha1.ImageFormat{v1alpha1.ImageFormatISO, v1alpha1.ImageFormatInitRD}
	initrdOnly := []v1alpha1.ImageFormat{v1alpha1.ImageFormatInitRD}
	ready := func(t *testing.T, img *v1alpha1.PreprovisioningImage) {
		t.Helper()
		r, e := condition(img, v1alpha1.ConditionImageReady), condition(img, v1alpha1.ConditionImageError)
		if r.Status != metav1.ConditionTrue || r.ObservedGeneration != img.Generation || r.Reason != ReasonImageSuccess ||
			e.Status != metav1.ConditionFalse || e.ObservedGeneration != img.Generation {
			t.Errorf("conditions %+v, want Ready True and Error False for generation %d", img.Status.Conditions, img.Generation)
		}
		if img.Status.Architecture != img.Spec.Architecture {
			t.Errorf("architecture %q, want %q", img.Status.Architecture, img.Spec.Architecture)
		}
	}
	failed := func(reason, msg string) func(*testing.T, *v1alpha1.PreprovisioningImage) {
		return func(t *testing.T, img *v1alpha1.PreprovisioningImage) {
			t.Helper()
			r, e := condition(img, v1alpha1.ConditionImageReady), condition(img, v1alpha1.ConditionImageError)
			if r.Status != metav1.ConditionFalse || e.Status != metav1.ConditionTrue || e.Reason != reason || e.Message != msg ||
				e.ObservedGeneration != img.Generation || img.Status.ImageURL != "" {
				t.Errorf("status %+v, want an Error %s %q and no image", img.Status, reason, msg)
			}
		}
	}
	for _, tc := range []struct {
		name    string
		cfg     Config
		img     *v1alpha1.PreprovisioningImage
		secrets map[string]string
		// format, url and kernel are the image built; "" for none.
		format      v1alpha1.ImageFormat
		url, kernel string
		check       func(*testing.T, *v1alpha1.PreprovisioningImage)
		wrote       bool
		retry       bool
	}{
		{name: "ISO first where the host boots one", cfg: all, img: image(isoFirst, nil),
			format: v1alpha1.ImageFormatISO, url: iso, check: ready, wrote: true},
		{name: "initrd: the ramdisk with the kernel", cfg: all, img: image(initrdOnly, nil),
			format: v1alpha1.ImageFormatInitRD, url: ramdisk, kernel: kernel, check: ready, wrote: true},
		{name: "no ISO configured: initrd", cfg: Config{KernelURL: kernel, RamdiskURL: ramdisk}, img: image(isoFirst, nil),
			format: v1alpha1.ImageFormatInitRD, url: ramdisk, kernel: kernel, check: ready, wrote: true},
		{name: "no acceptable format: ConfigurationError", cfg: Config{ISOURL: iso}, img: image(initrdOnly, nil),
			check: failed(ReasonImageConfigurationError, "No acceptable image format supported"), wrote: true},
		{name: "network data recorded with its version", cfg: all,
			img:     image(initrdOnly, func(i *v1alpha1.PreprovisioningImage) { i.Spec.NetworkDataName = "net" }),
			secrets: map[string]string{ns + "/net": "v7"},
			format:  v1alpha1.ImageFormatInitRD, url: ramdisk, kernel: kernel, wrote: true, retry: true,
			check: func(t *testing.T, img *v1alpha1.PreprovisioningImage) {
				ready(t, img)
				if img.Status.NetworkData != (v1alpha1.SecretStatus{Name: "net", Version: "v7"}) {
					t.Errorf("networkData %+v", img.Status.NetworkData)
				}
			}},
		{name: "network data Secret missing: MissingNetworkData, looked at again",
			cfg: all, img: image(initrdOnly, func(i *v1alpha1.PreprovisioningImage) { i.Spec.NetworkDataName = "net" }),
			check: failed(ReasonImageMissingNetworkData, "NetworkData secret not found"), wrote: true, retry: true},
		{name: "built already: no write", cfg: all, img: func() *v1alpha1.PreprovisioningImage {
			img := image(initrdOnly, nil)
			st, _, _ := (&Controller{cfg: all, clock: clocktesting.NewFakePassiveClock(now.Add(-time.Hour))}).build(context.Background(), img)
			img.Status = st
			return img
		}(), format: v1alpha1.ImageFormatInitRD, url: ramdisk, kernel: kernel, check: ready},
		{name: "a new generation: built again", cfg: all, img: func() *v1alpha1.PreprovisioningImage {
			img := image(initrdOnly, nil)
			st, _, _ := (&Controller{cfg: all, clock: clocktesting.NewFakePassiveClock(now)}).build(context.Background(), img)
			img.Status = st
			img.Generation++
			return img
		}(), format: v1alpha1.ImageFormatInitRD, url: ramdisk, kernel: kernel, check: ready, wrote: true},
		{name: "being deleted: left alone", cfg: all, img: image(initrdOnly, func(i *v1alpha1.PreprovisioningImage) {
			t := metav1.NewTime(now)
			i.DeletionTimestamp = &t
			i.Finalizers = []string{"someone-else"}
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, wrote, after := syncOnce(t, tc.cfg, tc.img, tc.secrets)
			if got.Status.Format != tc.format || got.Status.ImageURL != tc.url || got.Status.KernelURL != tc.kernel {
				t.Errorf("built %s %q (kernel %q), want %s %q (kernel %q)", got.Status.Format, got.Status.ImageURL, got.Status.KernelURL,
					tc.format, tc.url, tc.kernel)
			}
			if wrote != tc.wrote {
				t.Errorf("status written %v, want %v", wrote, tc.wrote)
			}
			if (after > 0) != tc.retry {
				t.Errorf("looked at again after %v, want a retry: %v", after, tc.retry)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func TestCanStart(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want bool
	}{
		{Config{}, false},
		{Config{KernelURL: kernel}, false},
		{Config{RamdiskURL: ramdisk}, false},
		{Config{KernelURL: kernel, RamdiskURL: ramdisk}, true},
		{Config{ISOURL: iso}, true},
	} {
		if got := tc.cfg.CanStart(); got != tc.want {
			t.Errorf("%+v: CanStart %v, want %v", tc.cfg, got, tc.want)
		}
	}
}

func TestErrorRetryDelay(t *testing.T) {
	st := v1alpha1.PreprovisioningImageStatus{}
	setError(&st, 1, metav1.NewTime(now.Add(-time.Minute)), ReasonImageMissingNetworkData, "missing")
	if got := errorRetryDelay(st, now); got != time.Minute+minRetryDelay {
		t.Errorf("after a minute: %v", got)
	}
	if got := errorRetryDelay(st, now.Add(time.Hour)); got != maxRetryDelay {
		t.Errorf("after an hour: %v, want the cap", got)
	}
}
