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

package storage

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"
	"k8s.io/apiserver/pkg/storage/storagebackend"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
	hoststorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost/storage"
	hdpstorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/hostdeploypolicy/storage"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

type optionsGetter struct{ config *storagebackend.Config }

func (g optionsGetter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig:           g.config.ForResource(resource),
		Decorator:               generic.UndecoratedStorage,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          resource.Group + "/" + resource.Resource,
	}, nil
}

type fixture struct {
	hosts    hoststorage.HostStorage
	policies *genericregistry.Store
	claims   ClaimStorage
	ctx      context.Context
}

const pool = "pool"

// newFixture: hosts, policies and claims on one fresh embedded etcd.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	_, config := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	config.Codec = scheme.Codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	hosts, err := hoststorage.NewStorage(optionsGetter{config}, validation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hosts.Host.Store.DestroyFunc)
	policies, err := hdpstorage.NewREST(optionsGetter{config})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(policies.Store.DestroyFunc)
	claims, err := NewStorage(optionsGetter{config}, hosts.Host.Store, policies.Store, testNamespaceLabels)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(claims.Claim.Store.DestroyFunc)
	return &fixture{hosts: hosts, policies: policies.Store, claims: claims, ctx: genericapirequest.WithNamespace(context.Background(), pool)}
}

// testNamespaceLabels are the labels of the namespaces of these tests, as kube-apiserver's
// Namespaces would have them; "unlabelled" has none, any other namespace is unknown.
func testNamespaceLabels(ns string) (map[string]string, bool) {
	switch ns {
	case "team-a":
		return map[string]string{"team": "a"}, true
	case "team-b":
		return map[string]string{"team": "b"}, true
	case "unlabelled":
		return nil, true
	}
	return nil, false
}

// TestPolicyByNamespaceLabels: a HostDeployPolicy of the pool letting in the namespaces
// labelled team=a: a claim of team-a takes a pool host, one of team-b is refused (403, naming
// the namespaces), as are those of a namespace without labels or unknown.
func TestPolicyByNamespaceLabels(t *testing.T) {
	f := newFixture(t)
	f.host(t, "h0")
	f.host(t, "h1")
	policy := &baremetal.HostDeployPolicy{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Namespace: pool},
		Spec: baremetal.HostDeployPolicySpec{HostClaimNamespaces: &baremetal.HostClaimNamespaces{
			HasLabels: []baremetal.NameValuePair{{Name: "team", Value: "a"}}}}}
	if _, err := f.policies.Create(f.ctx, policy, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns        string
		wantBound bool
	}{{"team-a", true}, {"team-b", false}, {"unlabelled", false}, {"elsewhere", false}} {
		t.Run(tc.ns, func(t *testing.T) {
			c := claim("c")
			c.Namespace = tc.ns
			c.Spec.HostSelector.InNamespace = pool
			out, err := f.claims.Claim.Create(genericapirequest.WithNamespace(context.Background(), tc.ns), c, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
			if !tc.wantBound {
				if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `no HostDeployPolicy in namespace "pool" allows HostClaims from namespace "`+tc.ns+`"`) {
					t.Errorf("claim of %s: %v, want 403 naming the namespaces", tc.ns, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ref := out.(*baremetal.HostClaim).Status.BareMetalHost; ref == nil || ref.Namespace != pool {
				t.Errorf("claim of %s not bound to a pool host: %+v", tc.ns, out.(*baremetal.HostClaim).Status)
			}
		})
	}
}

// host stores an available host of the pool, as the reconciler leaves one.
func (f *fixture) host(t *testing.T, name string) {
	t.Helper()
	h := &baremetal.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pool, Labels: map[string]string{"pool": "compute"}},
		Spec: baremetal.BareMetalHostSpec{Online: true, BootMode: baremetal.BootModeUEFI, AutomatedCleaningMode: baremetal.CleaningModeMetadata,
			BootMACAddress: "52:54:00:00:00:01", BMC: baremetal.BMCDetails{Address: "ipmi://192.0.2.1", CredentialsName: "bmc"}},
	}
	if _, err := f.hosts.Host.Create(f.ctx, h, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.hosts.Status.Update(f.ctx, name, rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
		h := old.(*baremetal.BareMetalHost).DeepCopy()
		h.Status.Provisioning.State = baremetal.StateAvailable
		h.Status.Hardware = &baremetal.HardwareDetails{CPU: baremetal.CPU{Arch: "x86_64", Count: 64}}
		return h, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func claim(name string) *baremetal.HostClaim {
	return &baremetal.HostClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pool},
		Spec: baremetal.HostClaimSpec{PoweredOn: true,
			Image: &baremetal.Image{URL: "http://images.example.com/a.qcow2", Checksum: "abc"},
			HostSelector: baremetal.HostSelector{MatchExpressions: []baremetal.HostSelectorRequirement{
				{Key: "hardware.baremetal.metal3.io/cpu-count", Operator: "gt", Values: []string{"32"}}}}},
	}
}

// stored creates a claim without binding it (as if its create-path bind had not run).
func (f *fixture) stored(t *testing.T, name string) *baremetal.HostClaim {
	t.Helper()
	out, err := f.claims.Claim.Store.Create(f.ctx, claim(name), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*baremetal.HostClaim)
}

// holders maps each held host to the claim its consumerRef names.
func (f *fixture) holders(t *testing.T) map[string]string {
	t.Helper()
	list, err := f.hosts.Host.List(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, h := range list.(*baremetal.BareMetalHostList).Items {
		if h.Spec.ConsumerRef != nil {
			out[h.Name] = h.Spec.ConsumerRef.Name
		}
	}
	return out
}

// TestBindRace: 10 claims for 4 hosts, each claim bound by three binders at once (its create,
// the claim binder, a user's POST binding), on one server and on three (binders that share
// nothing but etcd): never a host held twice nor a claim holding two, each claim's status
// naming the host that names it, the others waiting with the reason. Across replicas a binder
// that lost a claim's race gives its host back, possibly after another claim found none free:
// binding the waiting claims again (what the claim binder does when it sees the host
// returned) then binds 4.
func TestBindRace(t *testing.T) {
	for _, replicas := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d replicas", replicas), func(t *testing.T) {
			f := newFixture(t)
			for i := range 4 {
				f.host(t, fmt.Sprintf("h%d", i))
			}
			var names []string
			for i := range 10 {
				names = append(names, f.stored(t, fmt.Sprintf("c%d", i)).Name)
			}
			b := f.claims.Binding.binder
			binders := []*Binder{b, b, b}
			if replicas > 1 {
				binders = []*Binder{b, {claims: b.claims, status: b.status, hosts: b.hosts, policies: b.policies},
					{claims: b.claims, status: b.status, hosts: b.hosts, policies: b.policies}}
			}
			var wg sync.WaitGroup
			for _, name := range names {
				for _, binder := range binders {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := binder.Bind(f.ctx, name); err != nil {
							t.Error(err)
						}
					}()
				}
			}
			wg.Wait()
			held := f.checkConsistent(t, names)
			if replicas == 1 && held != 4 {
				t.Errorf("%d hosts held, want 4", held)
			}
			for _, name := range names {
				if _, err := b.Bind(f.ctx, name); err != nil {
					t.Fatal(err)
				}
			}
			if held := f.checkConsistent(t, names); held != 4 {
				t.Errorf("%d hosts held after binding the waiting claims again, want 4", held)
			}
		})
	}
}

// checkConsistent checks hosts and claims agree (see TestBindRace) and returns how many
// hosts are held.
func (f *fixture) checkConsistent(t *testing.T, names []string) int {
	t.Helper()
	holders := f.holders(t)
	byClaim := map[string]string{}
	for h, c := range holders {
		if other, dup := byClaim[c]; dup {
			t.Errorf("claim %s holds %s and %s", c, other, h)
		}
		byClaim[c] = h
	}
	for _, name := range names {
		obj, err := f.claims.Claim.Get(f.ctx, name, &metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := obj.(*baremetal.HostClaim)
		cond := meta.FindStatusCondition(c.Status.Conditions, baremetal.HostClaimAssociatedCondition)
		switch h, holds := byClaim[name]; {
		case holds && (c.Status.BareMetalHost == nil || c.Status.BareMetalHost.Name != h):
			t.Errorf("claim %s holds %s, its status says %+v", name, h, c.Status.BareMetalHost)
		case !holds && (c.Status.BareMetalHost != nil || cond == nil || cond.Reason != baremetal.HostClaimAllBareMetalHostsClaimedReason):
			t.Errorf("claim %s holds nothing, its status says %+v", name, c.Status)
		}
	}
	return len(holders)
}

// TestStatusFollowsTheHost: a binder that stopped between the host write and the claim's
// status leaves a host naming the claim; binding again writes the status from it and takes
// no other host.
func TestStatusFollowsTheHost(t *testing.T) {
	f := newFixture(t)
	f.host(t, "h0")
	f.host(t, "h1")
	c := f.stored(t, "c0")
	if _, err := f.claims.Binding.binder.take(f.ctx, mustHost(t, f, "h1"), c, mustSelector(t, c)); err != nil {
		t.Fatal(err)
	}
	got, err := f.claims.Binding.Create(f.ctx, "c0", &baremetal.HostClaimBinding{}, nil, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := got.(*baremetal.HostClaim).Status.BareMetalHost; ref == nil || ref.Name != "h1" {
		t.Errorf("status after binding again: %+v", ref)
	}
	if holders := f.holders(t); len(holders) != 1 || holders["h1"] != "c0" {
		t.Errorf("holders %v, want h1 only", holders)
	}
}

// TestDeleteReturnsTheHost: a deleted claim's host has no consumer, image or custom deploy.
func TestDeleteReturnsTheHost(t *testing.T) {
	f := newFixture(t)
	f.host(t, "h0")
	out, err := f.claims.Claim.Create(f.ctx, claim("c0"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := out.(*baremetal.HostClaim).Status.BareMetalHost; ref == nil || ref.Name != "h0" {
		t.Fatalf("created claim not bound: %+v", out.(*baremetal.HostClaim).Status)
	}
	h := mustHost(t, f, "h0")
	if h.Spec.Image == nil || h.Spec.Image.URL != "http://images.example.com/a.qcow2" || !h.Spec.Online {
		t.Errorf("bound host: image %+v online %v", h.Spec.Image, h.Spec.Online)
	}
	if _, _, err := f.claims.Claim.Delete(f.ctx, "c0", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h = mustHost(t, f, "h0")
	if h.Spec.ConsumerRef != nil || h.Spec.Image != nil {
		t.Errorf("host after its claim was deleted: consumerRef %+v image %+v", h.Spec.ConsumerRef, h.Spec.Image)
	}
}

func TestPolicyAllows(t *testing.T) {
	policy := func(c *baremetal.HostClaimNamespaces) *baremetal.HostDeployPolicy {
		return &baremetal.HostDeployPolicy{Spec: baremetal.HostDeployPolicySpec{HostClaimNamespaces: c}}
	}
	for _, tc := range []struct {
		name     string
		policy   *baremetal.HostDeployPolicy
		ns       string
		nsLabels map[string]string
		want     bool
	}{
		{"no constraints given: nobody", policy(nil), "a", nil, false},
		{"empty constraints: everybody, as Metal3", policy(&baremetal.HostClaimNamespaces{}), "a", nil, true},
		{"in names", policy(&baremetal.HostClaimNamespaces{Names: []string{"a", "b"}}), "b", nil, true},
		{"not in names", policy(&baremetal.HostClaimNamespaces{Names: []string{"a"}}), "c", nil, false},
		{"regexp matches anywhere", policy(&baremetal.HostClaimNamespaces{NameMatches: "prod"}), "not-prod", nil, true},
		{"anchored regexp", policy(&baremetal.HostClaimNamespaces{NameMatches: "^prod$"}), "not-prod", nil, false},
		{"every constraint", policy(&baremetal.HostClaimNamespaces{Names: []string{"prod-a"}, NameMatches: "^dev"}), "prod-a", nil, false},
		{"label present, any value", policy(&baremetal.HostClaimNamespaces{HasLabels: []baremetal.NameValuePair{{Name: "team"}}}), "a", map[string]string{"team": "x"}, true},
		{"label absent", policy(&baremetal.HostClaimNamespaces{HasLabels: []baremetal.NameValuePair{{Name: "team"}}}), "a", map[string]string{"other": "x"}, false},
		{"namespace labels unknown (standalone)", policy(&baremetal.HostClaimNamespaces{HasLabels: []baremetal.NameValuePair{{Name: "team"}}}), "a", nil, false},
		{"label with the wanted value", policy(&baremetal.HostClaimNamespaces{HasLabels: []baremetal.NameValuePair{{Name: "team", Value: "a"}}}), "a", map[string]string{"team": "a"}, true},
		{"label with another value", policy(&baremetal.HostClaimNamespaces{HasLabels: []baremetal.NameValuePair{{Name: "team", Value: "a"}}}), "a", map[string]string{"team": "b"}, false},
		{"every label (forall)", policy(&baremetal.HostClaimNamespaces{HasLabels: []baremetal.NameValuePair{{Name: "team"}, {Name: "env", Value: "prod"}}}), "a", map[string]string{"team": "b"}, false},
		{"labels and names", policy(&baremetal.HostClaimNamespaces{Names: []string{"b"}, HasLabels: []baremetal.NameValuePair{{Name: "team"}}}), "a", map[string]string{"team": "b"}, false},
	} {
		if got := PolicyAllows(tc.policy, tc.ns, tc.nsLabels); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func mustHost(t *testing.T, f *fixture, name string) *baremetal.BareMetalHost {
	t.Helper()
	obj, err := f.hosts.Host.Get(f.ctx, name, &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*baremetal.BareMetalHost)
}

func mustSelector(t *testing.T, c *baremetal.HostClaim) labels.Selector {
	t.Helper()
	sel, errs := validation.HostSelectorAsLabelSelector(&c.Spec.HostSelector, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return sel
}

// TestHostTakenBack: a host whose consumerRef someone cleared no longer belongs to the claim;
// binding again says so (MissingBareMetalHost) when there is no other host, and binds the
// claim to one when there is.
func TestHostTakenBack(t *testing.T) {
	f := newFixture(t)
	f.host(t, "h0")
	if _, err := f.claims.Claim.Create(f.ctx, claim("c0"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Taken back, and no longer available (as a host being deprovisioned).
	_, _, err := f.hosts.Host.Update(f.ctx, "h0", rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
		h := old.(*baremetal.BareMetalHost).DeepCopy()
		h.Spec.ConsumerRef, h.Spec.Image = nil, nil
		h.Annotations = map[string]string{v1alpha1.PausedAnnotation: ""}
		return h, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.claims.Binding.binder.Bind(f.ctx, "c0")
	if err != nil {
		t.Fatal(err)
	}
	cond := meta.FindStatusCondition(got.Status.Conditions, baremetal.HostClaimAssociatedCondition)
	if got.Status.BareMetalHost != nil || cond == nil || cond.Reason != baremetal.HostClaimMissingBareMetalHostReason {
		t.Errorf("claim whose host was taken back: %+v", got.Status)
	}
	f.host(t, "h1")
	got, err = f.claims.Binding.binder.Bind(f.ctx, "c0")
	if err != nil {
		t.Fatal(err)
	}
	if ref := got.Status.BareMetalHost; ref == nil || ref.Name != "h1" {
		t.Errorf("claim bound again: %+v", got.Status)
	}
}

// TestUpdateReachesTheHost: a bound claim's new image and power go to its host.
func TestUpdateReachesTheHost(t *testing.T) {
	f := newFixture(t)
	f.host(t, "h0")
	if _, err := f.claims.Claim.Create(f.ctx, claim("c0"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.claims.Claim.Update(f.ctx, "c0", rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
		c := old.(*baremetal.HostClaim).DeepCopy()
		c.Spec.Image = &baremetal.Image{URL: "http://images.example.com/b.qcow2", Checksum: "def"}
		c.Spec.PoweredOn = false
		return c, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := mustHost(t, f, "h0")
	if h.Spec.Image == nil || h.Spec.Image.URL != "http://images.example.com/b.qcow2" || h.Spec.Online {
		t.Errorf("host after its claim changed: image %+v online %v", h.Spec.Image, h.Spec.Online)
	}
}
