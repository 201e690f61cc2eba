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

package hostclaim

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func TestMightTake(t *testing.T) {
	host := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: "pool",
		Labels: map[string]string{"pool": "compute", "hardware.baremetal.metal3.io/cpu-count": "64"}}}
	sel := func(s v1alpha1.HostSelector) *v1alpha1.HostClaim {
		return &v1alpha1.HostClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant"}, Spec: v1alpha1.HostClaimSpec{HostSelector: s}}
	}
	gt := func(n string) []v1alpha1.HostSelectorRequirement {
		return []v1alpha1.HostSelectorRequirement{{Key: "hardware.baremetal.metal3.io/cpu-count", Operator: "gt", Values: []string{n}}}
	}
	for _, tc := range []struct {
		name  string
		claim *v1alpha1.HostClaim
		want  bool
	}{
		{"anything", sel(v1alpha1.HostSelector{}), true},
		{"labels and hardware", sel(v1alpha1.HostSelector{MatchLabels: map[string]string{"pool": "compute"}, MatchExpressions: gt("32")}), true},
		{"too few CPUs", sel(v1alpha1.HostSelector{MatchExpressions: gt("64")}), false},
		{"another label", sel(v1alpha1.HostSelector{MatchLabels: map[string]string{"pool": "storage"}}), false},
		{"another namespace named", sel(v1alpha1.HostSelector{InNamespace: "other"}), false},
		{"the host's namespace named", sel(v1alpha1.HostSelector{InNamespace: "pool"}), true},
		{"unreadable selector: the registry says why", sel(v1alpha1.HostSelector{MatchExpressions: gt("many")}), true},
	} {
		if got := MightTake(tc.claim, host); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWaitingAndClaimable(t *testing.T) {
	c := &v1alpha1.HostClaim{}
	if Waiting(c) {
		t.Error("a claim never tried is not waiting (its create binds it)")
	}
	c.Status.Conditions = []metav1.Condition{{Type: v1alpha1.HostClaimAssociatedCondition, Status: metav1.ConditionFalse}}
	if !Waiting(c) {
		t.Error("Associated=False is waiting")
	}
	h := &v1alpha1.BareMetalHost{}
	h.Status.Provisioning.State = v1alpha1.StateAvailable
	if !Claimable(h) {
		t.Error("an available free host is claimable")
	}
	h.Spec.ConsumerRef = &v1alpha1.ObjectReference{Name: "x"}
	if Claimable(h) {
		t.Error("a held host is not")
	}
}
