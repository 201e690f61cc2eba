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

package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// poolHost is an available, inspected host of namespace ns with cpus CPUs, written as the
// reconciler would (create, then status).
func poolHost(t *testing.T, ctx context.Context, cs clientset.Interface, ns, name string, cpus int32, labels map[string]string) {
	t.Helper()
	h := newHost(name)
	h.Namespace = ns
	h.Labels = labels
	created, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status.Provisioning.State = v1alpha1.StateAvailable
	created.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	created.Status.Hardware = &v1alpha1.HardwareDetails{
		CPU:          v1alpha1.CPU{Arch: "x86_64", Count: cpus},
		RAMMebibytes: 262144,
		SystemVendor: v1alpha1.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R750"},
		Firmware:     v1alpha1.Firmware{BIOS: v1alpha1.BIOS{Version: "1.8.2"}},
		NICs:         []v1alpha1.NIC{{Name: "eno1", MAC: "52:54:00:00:00:01"}},
	}
	if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func bigHostClaim(name string) *v1alpha1.HostClaim {
	return &v1alpha1.HostClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.HostClaimSpec{
			PoweredOn: true,
			Image:     &v1alpha1.Image{URL: "http://images.example.com/node.qcow2", Checksum: "http://images.example.com/node.qcow2.sha256sum"},
			HostSelector: v1alpha1.HostSelector{
				MatchLabels: map[string]string{"pool": "compute"},
				MatchExpressions: []v1alpha1.HostSelectorRequirement{
					{Key: "hardware.baremetal.metal3.io/cpu-count", Operator: "gt", Values: []string{"32"}},
				},
			},
		},
	}
}

func associated(c *v1alpha1.HostClaim) *metav1.Condition {
	return meta.FindStatusCondition(c.Status.Conditions, v1alpha1.HostClaimAssociatedCondition)
}

// TestHostClaims: hardware facts as field selectors and labels; 100 claims racing from 20
// clients for 50 matching hosts bind exactly 50, the others wait saying why, and no host is
// ever held twice; a deleted claim returns its host, which a waiting claim then gets;
// HostDeployPolicy gates claims on another namespace's hosts.
func TestHostClaims(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	const pool = "pool"
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(pool)
	for i := range 50 {
		poolHost(t, ctx, cs, pool, fmt.Sprintf("big-%02d", i), 64, map[string]string{"pool": "compute"})
	}
	for i := range 10 {
		poolHost(t, ctx, cs, pool, fmt.Sprintf("small-%02d", i), 8, map[string]string{"pool": "compute"})
	}

	t.Run("hardware facts", func(t *testing.T) {
		for selector, want := range map[string]int{
			"hardware.cpu.count=64":                                   50,
			"hardware.cpu.count=8":                                    10,
			"hardware.cpu.arch=x86_64,hardware.ramGiB=256":            60,
			"hardware.vendor=Dell Inc.,hardware.model=PowerEdge R750": 60,
			"hardware.firmware.version=1.8.2":                         60,
			"hardware.nic.count=1,hardware.gpu.count=0":               60,
			"hardware.cpu.arch=aarch64":                               0,
		} {
			list, err := hosts.List(ctx, metav1.ListOptions{FieldSelector: selector})
			if err != nil {
				t.Fatalf("%s: %v", selector, err)
			}
			if len(list.Items) != want {
				t.Errorf("--field-selector %s: %d hosts, want %d", selector, len(list.Items), want)
			}
		}
		for selector, want := range map[string]int{
			"hardware.baremetal.metal3.io/cpu-count>32":            50,
			"hardware.baremetal.metal3.io/cpu-count in (8,16)":     10,
			"hardware.baremetal.metal3.io/vendor=Dell-Inc":         60,
			"hardware.baremetal.metal3.io/ramGiB>128,pool=compute": 60,
			"!hardware.baremetal.metal3.io/gpu-model":              60,
		} {
			list, err := hosts.List(ctx, metav1.ListOptions{LabelSelector: selector})
			if err != nil {
				t.Fatalf("%s: %v", selector, err)
			}
			if len(list.Items) != want {
				t.Errorf("-l %s: %d hosts, want %d", selector, len(list.Items), want)
			}
		}
		_, err := hosts.List(ctx, metav1.ListOptions{FieldSelector: "hardware.cpus=64"})
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `"hardware.cpus"`) {
			t.Errorf("unknown field selector: %v, want a 400 naming it", err)
		}
	})

	t.Run("100 claims from 20 clients for 50 hosts", func(t *testing.T) {
		cfg, err := srv.RESTConfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg.QPS, cfg.Burst = 1000, 1000
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for c := range 20 {
			client := clientset.NewForConfigOrDie(cfg)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					if _, err := client.BaremetalV1alpha1().HostClaims(pool).Create(ctx, bigHostClaim(fmt.Sprintf("claim-%02d-%d", c, i)), metav1.CreateOptions{}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		claims, err := cs.BaremetalV1alpha1().HostClaims(pool).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bound, waiting := map[string]string{}, 0
		for _, c := range claims.Items {
			cond := associated(&c)
			switch {
			case c.Status.BareMetalHost != nil:
				if other, dup := bound[c.Status.BareMetalHost.Name]; dup {
					t.Errorf("host %s held by %s and %s", c.Status.BareMetalHost.Name, other, c.Name)
				}
				bound[c.Status.BareMetalHost.Name] = c.Name
				if cond == nil || cond.Status != metav1.ConditionTrue || cond.Reason != v1alpha1.HostClaimBareMetalHostAssociatedReason {
					t.Errorf("%s bound with condition %+v", c.Name, cond)
				}
			case cond != nil && cond.Status == metav1.ConditionFalse && cond.Reason == v1alpha1.HostClaimAllBareMetalHostsClaimedReason:
				waiting++
			default:
				t.Errorf("%s neither bound nor waiting: %+v", c.Name, c.Status)
			}
		}
		if len(bound) != 50 || waiting != 50 {
			t.Errorf("%d bound, %d waiting; want 50 and 50", len(bound), waiting)
		}
		// The hosts, the source of truth: each of the 50 big hosts names exactly the claim
		// whose status names it; the small ones nobody.
		all, err := hosts.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, h := range all.Items {
			if h.Spec.ConsumerRef == nil {
				continue
			}
			held++
			if h.Spec.ConsumerRef.Kind != "HostClaim" || bound[h.Name] != h.Spec.ConsumerRef.Name {
				t.Errorf("host %s: consumerRef %+v, claims say %q", h.Name, h.Spec.ConsumerRef, bound[h.Name])
			}
			if h.Spec.Image == nil || h.Spec.Image.URL != "http://images.example.com/node.qcow2" {
				t.Errorf("host %s: image %+v", h.Name, h.Spec.Image)
			}
			if h.Status.Hardware.CPU.Count != 64 {
				t.Errorf("host %s with %d CPUs bound", h.Name, h.Status.Hardware.CPU.Count)
			}
		}
		if held != 50 {
			t.Errorf("%d hosts held, want 50", held)
		}
		if t.Failed() {
			return
		}

		// Deleting a claim returns its host (consumerRef and image cleared: the reconciler
		// deprovisions it); a waiting claim bound again gets it.
		var victim, host string
		for h, c := range bound {
			victim, host = c, h
			break
		}
		if err := cs.BaremetalV1alpha1().HostClaims(pool).Delete(ctx, victim, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		h, err := hosts.Get(ctx, host, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Freed by the delete itself; the claim binder may already have given it to a waiting
		// claim by the time it is read, never to the deleted one.
		if ref := h.Spec.ConsumerRef; ref != nil && ref.Name == victim {
			t.Fatalf("host %s after its claim was deleted: consumerRef %+v image %+v", host, h.Spec.ConsumerRef, h.Spec.Image)
		}
		// The claim binder sees the host returned and has a waiting claim bound to it.
		var taker string
		err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
			h, err := hosts.Get(ctx, host, metav1.GetOptions{})
			if err != nil || h.Spec.ConsumerRef == nil {
				return false, err
			}
			taker = h.Spec.ConsumerRef.Name
			return true, nil
		})
		if err != nil {
			t.Fatalf("host %s returned to the pool never taken by a waiting claim: %v", host, err)
		}
		err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			c, err := cs.BaremetalV1alpha1().HostClaims(pool).Get(ctx, taker, metav1.GetOptions{})
			return err == nil && c.Status.BareMetalHost != nil && c.Status.BareMetalHost.Name == host, err
		})
		if err != nil {
			t.Errorf("claim %s took host %s but its status does not say so: %v", taker, host, err)
		}
		// Binding a bound claim again changes nothing.
		got, err := cs.BaremetalV1alpha1().HostClaims(pool).Bind(ctx, taker, &v1alpha1.HostClaimBinding{ObjectMeta: metav1.ObjectMeta{Name: taker}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.BareMetalHost == nil || got.Status.BareMetalHost.Name != host {
			t.Errorf("bound claim bound again: %+v", got.Status)
		}
		waitingNow, err := cs.BaremetalV1alpha1().HostClaims(pool).List(ctx, metav1.ListOptions{FieldSelector: "status.bareMetalHost.name="})
		if err != nil || len(waitingNow.Items) != 49 {
			t.Errorf("waiting claims after one was bound again: %d, %v; want 49", len(waitingNow.Items), err)
		}
	})

	t.Run("a host held by a claim that is gone is returned", func(t *testing.T) {
		// What a crash between a claim's deletion and its host's release leaves.
		poolHost(t, ctx, cs, "orphans", "orphan-0", 8, nil)
		h, err := cs.BaremetalV1alpha1().BareMetalHosts("orphans").Get(ctx, "orphan-0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h.Spec.ConsumerRef = &v1alpha1.ObjectReference{Kind: "HostClaim", APIVersion: "baremetal.metal3.io/v1alpha1",
			Namespace: "orphans", Name: "ghost", UID: "0b0e5d5e-0000-4000-8000-000000000000"}
		h.Spec.Image = &v1alpha1.Image{URL: "http://images.example.com/node.qcow2", Checksum: "abc"}
		if _, err := cs.BaremetalV1alpha1().BareMetalHosts("orphans").Update(ctx, h, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
			h, err := cs.BaremetalV1alpha1().BareMetalHosts("orphans").Get(ctx, "orphan-0", metav1.GetOptions{})
			return err == nil && h.Spec.ConsumerRef == nil && h.Spec.Image == nil, err
		})
		if err != nil {
			t.Errorf("host of a claim that does not exist never returned: %v", err)
		}
	})

	t.Run("no matching host", func(t *testing.T) {
		c := bigHostClaim("gpu-claim")
		c.Spec.HostSelector.MatchExpressions = []v1alpha1.HostSelectorRequirement{
			{Key: "hardware.baremetal.metal3.io/gpu-count", Operator: "gt", Values: []string{"0"}}}
		got, err := cs.BaremetalV1alpha1().HostClaims(pool).Create(ctx, c, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cond := associated(got); cond == nil || cond.Reason != v1alpha1.HostClaimNoBareMetalHostReason || got.Status.BareMetalHost != nil {
			t.Errorf("claim matching nothing: %+v", got.Status)
		}
		bad := bigHostClaim("bad-claim")
		bad.Spec.HostSelector.MatchExpressions[0].Operator = "Gt"
		_, err = cs.BaremetalV1alpha1().HostClaims(pool).Create(ctx, bad, metav1.CreateOptions{})
		wantCauses(t, err, map[string]metav1.StatusCause{
			"spec.hostSelector.matchExpressions[0].operator": {Type: metav1.CauseTypeFieldValueNotSupported, Field: "spec.hostSelector.matchExpressions[0].operator",
				Message: `Unsupported value: "Gt": supported values: "in", "notin", "exists", "!", "=", "==", "!=", "gt", "lt"`},
		})
	})

	t.Run("another namespace needs a HostDeployPolicy", func(t *testing.T) {
		poolHost(t, ctx, cs, "shared", "shared-0", 64, map[string]string{"pool": "compute"})
		c := bigHostClaim("tenant-claim")
		c.Spec.HostSelector.InNamespace = "shared"
		claims := cs.BaremetalV1alpha1().HostClaims("tenant")
		_, err := claims.Create(ctx, c, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `no HostDeployPolicy in namespace "shared" allows HostClaims from namespace "tenant"`) {
			t.Fatalf("claim on another namespace without a policy: %v, want 403 with the reason", err)
		}
		if _, err := cs.BaremetalV1alpha1().HostDeployPolicies("shared").Create(ctx, &v1alpha1.HostDeployPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "tenants"},
			Spec:       v1alpha1.HostDeployPolicySpec{HostClaimNamespaces: &v1alpha1.HostClaimNamespaces{NameMatches: "^tenant"}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := claims.Create(ctx, c, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ref := got.Status.BareMetalHost; ref == nil || ref.Namespace != "shared" || ref.Name != "shared-0" {
			t.Errorf("claim allowed by a policy: %+v", got.Status)
		}
		list, err := claims.List(ctx, metav1.ListOptions{FieldSelector: "status.bareMetalHost.name=shared-0"})
		if err != nil || len(list.Items) != 1 {
			t.Errorf("claims by host held: %v %v", list, err)
		}
	})
}
