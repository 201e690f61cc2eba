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

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

func TestValidateHostClaim(t *testing.T) {
	req := func(key, op string, values ...string) baremetal.HostSelectorRequirement {
		return baremetal.HostSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	cases := []struct {
		name string
		spec baremetal.HostClaimSpec
		want []wantErr
	}{
		{name: "empty: any host of the namespace"},
		{name: "labels and hardware facts", spec: baremetal.HostClaimSpec{HostSelector: baremetal.HostSelector{
			MatchLabels: map[string]string{"pool": "compute"},
			MatchExpressions: []baremetal.HostSelectorRequirement{
				req("hardware.baremetal.metal3.io/cpu-count", "gt", "63"),
				req("hardware.baremetal.metal3.io/cpu-arch", "in", "x86_64", "aarch64"),
				req("hardware.baremetal.metal3.io/gpu-model", "!"),
			}}}},
		{name: "an image", spec: baremetal.HostClaimSpec{Image: &baremetal.Image{URL: "http://images.example.com/a.qcow2", Checksum: "abc"}}},
		{name: "operator spelled as selection's constants only", spec: baremetal.HostClaimSpec{HostSelector: baremetal.HostSelector{
			MatchExpressions: []baremetal.HostSelectorRequirement{req("a", "In", "b")}}},
			want: []wantErr{notSupported("spec.hostSelector.matchExpressions[0].operator")}},
		{name: "gt needs one integer", spec: baremetal.HostClaimSpec{HostSelector: baremetal.HostSelector{
			MatchExpressions: []baremetal.HostSelectorRequirement{req("a", "in"), req("hardware.baremetal.metal3.io/ramGiB", "gt", "lots")}}},
			want: []wantErr{invalid("spec.hostSelector.matchExpressions[0]"), invalid("spec.hostSelector.matchExpressions[1]")}},
		{name: "bad label key", spec: baremetal.HostClaimSpec{HostSelector: baremetal.HostSelector{MatchLabels: map[string]string{"a b": "c"}}},
			want: []wantErr{invalid("spec.hostSelector.matchLabels")}},
		{name: "bad namespace", spec: baremetal.HostClaimSpec{HostSelector: baremetal.HostSelector{InNamespace: "Pool_A"}},
			want: []wantErr{invalid("spec.hostSelector.inNamespace")}},
		{name: "Secret of another namespace", spec: baremetal.HostClaimSpec{UserData: &baremetal.SecretReference{Name: "ud", Namespace: "other"}},
			want: []wantErr{forbidden("spec.userData.namespace")}},
		{name: "image without a URL", spec: baremetal.HostClaimSpec{Image: &baremetal.Image{}},
			want: []wantErr{required("spec.image.url"), required("spec.image.checksum")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &baremetal.HostClaim{ObjectMeta: metav1.ObjectMeta{Name: "claim-0", Namespace: testNamespace}, Spec: tc.spec}
			checkErrors(t, ValidateHostClaim(c), tc.want)
			c.ResourceVersion = "1"
			checkErrors(t, ValidateHostClaimUpdate(c, c.DeepCopy()), tc.want)
		})
	}
}

func TestValidateHostClaimStatusUpdate(t *testing.T) {
	old := &baremetal.HostClaim{ObjectMeta: metav1.ObjectMeta{Name: "claim-0", Namespace: testNamespace, ResourceVersion: "1"}}
	c := old.DeepCopy()
	c.Status.BareMetalHost = &baremetal.ObjectReference{Name: "h"}
	checkErrors(t, ValidateHostClaimStatusUpdate(c, old), []wantErr{required("status.bareMetalHost.namespace")})
}

func TestValidateHostDeployPolicy(t *testing.T) {
	cases := []struct {
		name string
		spec baremetal.HostDeployPolicySpec
		want []wantErr
	}{
		{name: "no constraint"},
		{name: "names, a regexp and labels", spec: baremetal.HostDeployPolicySpec{HostClaimNamespaces: &baremetal.HostClaimNamespaces{
			Names: []string{"tenant-a"}, NameMatches: "^tenant-", HasLabels: []baremetal.NameValuePair{{Name: "team", Value: "a"}, {Name: "bare"}}}}},
		{name: "bad regexp", spec: baremetal.HostDeployPolicySpec{HostClaimNamespaces: &baremetal.HostClaimNamespaces{NameMatches: "(tenant"}},
			want: []wantErr{invalid("spec.hostClaimNamespaces.nameMatches")}},
		{name: "bad names", spec: baremetal.HostDeployPolicySpec{HostClaimNamespaces: &baremetal.HostClaimNamespaces{
			Names: []string{"ok", "Not_OK"}, HasLabels: []baremetal.NameValuePair{{Name: "a b"}, {Name: "x", Value: "-y"}}}},
			want: []wantErr{invalid("spec.hostClaimNamespaces.names[1]"), invalid("spec.hostClaimNamespaces.hasLabels[0].name"),
				invalid("spec.hostClaimNamespaces.hasLabels[1].value")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &baremetal.HostDeployPolicy{ObjectMeta: metav1.ObjectMeta{Name: "tenants", Namespace: testNamespace}, Spec: tc.spec}
			checkErrors(t, ValidateHostDeployPolicy(p), tc.want)
			p.ResourceVersion = "1"
			checkErrors(t, ValidateHostDeployPolicyUpdate(p, p.DeepCopy()), tc.want)
		})
	}
}
