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
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func boundClaim() *baremetal.HostClaim {
	return &baremetal.HostClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", Generation: 3, Labels: map[string]string{"a": "b"}},
		Spec:       baremetal.HostClaimSpec{PoweredOn: true},
		Status:     baremetal.HostClaimStatus{BareMetalHost: &baremetal.ObjectReference{Namespace: "ns", Name: "h"}},
	}
}

// TestStrategies: which host a claim holds is never a client's to say, on create or update;
// a status write changes status only.
func TestStrategies(t *testing.T) {
	c := boundClaim()
	Strategy.PrepareForCreate(context.Background(), c)
	if c.Status.BareMetalHost != nil || c.Generation != 1 {
		t.Errorf("created: generation %d, status %+v", c.Generation, c.Status)
	}

	old := boundClaim()
	c = old.DeepCopy()
	c.Status.BareMetalHost.Name = "other"
	Strategy.PrepareForUpdate(context.Background(), c, old)
	if c.Status.BareMetalHost.Name != "h" || c.Generation != 3 {
		t.Errorf("status sent with an update: generation %d, status %+v", c.Generation, c.Status)
	}
	c.Spec.PoweredOn = false
	Strategy.PrepareForUpdate(context.Background(), c, old)
	if c.Generation != 4 {
		t.Errorf("generation after the spec changed: %d", c.Generation)
	}

	c = old.DeepCopy()
	c.Spec.PoweredOn = false
	c.Labels = nil
	c.Status.BareMetalHost = nil
	StatusStrategy.PrepareForUpdate(context.Background(), c, old)
	if !c.Spec.PoweredOn || c.Labels["a"] != "b" || c.Status.BareMetalHost != nil {
		t.Errorf("status write: spec %+v labels %v status %+v", c.Spec, c.Labels, c.Status)
	}

	set := SelectableFields(boundClaim())
	if set["status.bareMetalHost.name"] != "h" || set["status.bareMetalHost.namespace"] != "ns" || set["metadata.name"] != "c" {
		t.Errorf("selectable fields %v", set)
	}
}
