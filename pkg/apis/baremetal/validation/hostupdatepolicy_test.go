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

package validation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func TestValidateHostUpdatePolicy(t *testing.T) {
	cases := []struct {
		name string
		spec baremetal.HostUpdatePolicySpec
		meta *metav1.ObjectMeta
		want []wantErr
	}{
		{name: "no policy"},
		{name: "onReboot for both, as Metal3's e2e writes it", spec: baremetal.HostUpdatePolicySpec{
			FirmwareSettings: baremetal.HostUpdatePolicyOnReboot, FirmwareUpdates: baremetal.HostUpdatePolicyOnReboot}},
		{name: "onPreparing, in Metal3's enum", spec: baremetal.HostUpdatePolicySpec{
			FirmwareSettings: baremetal.HostUpdatePolicyOnPreparing, FirmwareUpdates: baremetal.HostUpdatePolicyOnReboot}},
		{name: "one policy only", spec: baremetal.HostUpdatePolicySpec{FirmwareUpdates: baremetal.HostUpdatePolicyOnReboot}},
		{name: "unknown settings policy", spec: baremetal.HostUpdatePolicySpec{FirmwareSettings: "always"},
			want: []wantErr{notSupported("spec.firmwareSettings").saying(`"onPreparing", "onReboot"`)}},
		{name: "enum values are case sensitive, as in Metal3's CRD", spec: baremetal.HostUpdatePolicySpec{
			FirmwareSettings: "OnReboot", FirmwareUpdates: "onreboot"},
			want: []wantErr{notSupported("spec.firmwareSettings"), notSupported("spec.firmwareUpdates")}},
		{name: "name that is not a DNS subdomain", meta: &metav1.ObjectMeta{Name: "Worker_0", Namespace: testNamespace},
			want: []wantErr{invalid("metadata.name")}},
		{name: "no namespace", meta: &metav1.ObjectMeta{Name: "worker-0"},
			want: []wantErr{required("metadata.namespace")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hup := &baremetal.HostUpdatePolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace},
				Spec:       tc.spec,
			}
			if tc.meta != nil {
				hup.ObjectMeta = *tc.meta
			}
			checkErrors(t, ValidateHostUpdatePolicy(hup), tc.want)
			if tc.meta != nil {
				return
			}
			// Updates are judged by the same rules, whatever the policy was.
			hup.ResourceVersion = "1"
			old := hup.DeepCopy()
			old.Spec = baremetal.HostUpdatePolicySpec{FirmwareSettings: baremetal.HostUpdatePolicyOnReboot}
			checkErrors(t, ValidateHostUpdatePolicyUpdate(hup, old), tc.want)
		})
	}
}

func TestValidateHostUpdatePolicyUpdateMetadata(t *testing.T) {
	old := &baremetal.HostUpdatePolicy{ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: testNamespace, ResourceVersion: "1"}}
	hup := old.DeepCopy()
	hup.Name = "worker-1"
	checkErrors(t, ValidateHostUpdatePolicyUpdate(hup, old), []wantErr{invalid("metadata.name")})
}

func TestNilHostUpdatePolicies(t *testing.T) {
	for name, errs := range map[string]field.ErrorList{
		"create": ValidateHostUpdatePolicy(nil),
		"update": ValidateHostUpdatePolicyUpdate(nil, &baremetal.HostUpdatePolicy{}),
	} {
		if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal {
			t.Errorf("%s: got %v, want one internal error", name, errs)
		}
	}
}
