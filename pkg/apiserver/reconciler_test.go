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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

func TestStripManagedFields(t *testing.T) {
	host := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{
		Name: "h", Labels: map[string]string{"rack": "a"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}},
	}}
	tombstone := cache.DeletedFinalStateUnknown{Key: "ns/h", Obj: nil}
	for _, tc := range []struct {
		name string
		in   any
	}{{"host", host}, {"tombstone", tombstone}} {
		out, err := stripManagedFields(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m, ok := out.(*v1alpha1.BareMetalHost); ok {
			if m.ManagedFields != nil || m.Labels["rack"] != "a" {
				t.Errorf("%s: managed fields %v, labels %v: want none, and the rest kept", tc.name, m.ManagedFields, m.Labels)
			}
		} else if out != tc.in {
			t.Errorf("%s: %v changed to %v", tc.name, tc.in, out)
		}
	}
}
