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

func testSubscription(mutate ...func(*baremetal.BMCEventSubscriptionSpec)) *baremetal.BMCEventSubscription {
	s := &baremetal.BMCEventSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0-events", Namespace: testNamespace, ResourceVersion: "1"},
		Spec: baremetal.BMCEventSubscriptionSpec{
			HostName:       "worker-0",
			Destination:    "https://events.example.com/bmc",
			Context:        "rack 4",
			HTTPHeadersRef: &baremetal.SecretReference{Name: "event-headers", Namespace: testNamespace},
		},
	}
	for _, m := range mutate {
		m(&s.Spec)
	}
	return s
}

func TestValidateBMCEventSubscription(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*baremetal.BMCEventSubscriptionSpec)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*baremetal.BMCEventSubscriptionSpec) {}},
		{name: "no context and no headers", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.Context, s.HTTPHeadersRef = "", nil
		}},
		{name: "http, a port, a query", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.Destination = "http://192.0.2.1:8080/events?source=bmc"
		}},
		{name: "a host with a trailing slash", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.Destination = "https://events.example.com/"
		}},
		// Metal3's rules.
		{name: "no host name", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.HostName = "" },
			want: []wantErr{required("spec.hostName")}},
		{name: "no destination", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.Destination = "" },
			want: []wantErr{required("spec.destination")}},
		{name: "destination that is not a URL", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.Destination = "events.example.com/bmc" },
			want: []wantErr{invalid("spec.destination").saying("must be an absolute URL")}},
		{name: "host-only destination without its slash", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.Destination = "https://events.example.com"
		}, want: []wantErr{invalid("spec.destination").saying("must end with a slash")}},
		{name: "headers in another namespace", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.HTTPHeadersRef.Namespace = "kube-system"
		}, want: []wantErr{invalid("spec.httpHeadersRef.namespace").saying(`own namespace, "metal3"`)}},
		{name: "headers without a namespace, as Metal3 refuses", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.HTTPHeadersRef.Namespace = ""
		}, want: []wantErr{invalid("spec.httpHeadersRef.namespace")}},
		{name: "both required fields missing", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { *s = baremetal.BMCEventSubscriptionSpec{} },
			want: []wantErr{required("spec.hostName"), required("spec.destination")}},
		// Values that could never work.
		{name: "destination a BMC cannot post to", mutate: func(s *baremetal.BMCEventSubscriptionSpec) {
			s.Destination = "ftp://events.example.com/bmc"
		}, want: []wantErr{invalid("spec.destination").saying(`scheme "ftp" is not supported`)}},
		{name: "destination without a host", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.Destination = "https:///bmc" },
			want: []wantErr{invalid("spec.destination").saying("must name a host")}},
		{name: "host name no host can have", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.HostName = "Worker_0" },
			want: []wantErr{invalid("spec.hostName")}},
		{name: "headers Secret without a name", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.HTTPHeadersRef.Name = "" },
			want: []wantErr{required("spec.httpHeadersRef.name")}},
		{name: "headers Secret with an invalid name", mutate: func(s *baremetal.BMCEventSubscriptionSpec) { s.HTTPHeadersRef.Name = "Headers!" },
			want: []wantErr{invalid("spec.httpHeadersRef.name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, ValidateBMCEventSubscription(testSubscription(tc.mutate)), tc.want)
		})
	}
}

func TestValidateBMCEventSubscriptionUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*baremetal.BMCEventSubscription)
		want   []wantErr
	}{
		{name: "nothing", mutate: func(*baremetal.BMCEventSubscription) {}},
		{name: "labels and finalizers", mutate: func(s *baremetal.BMCEventSubscription) {
			s.Labels = map[string]string{"a": "b"}
			s.Finalizers = []string{"bmceventsubscription.metal3.io"}
		}},
		{name: "another host", mutate: func(s *baremetal.BMCEventSubscription) { s.Spec.HostName = "worker-1" },
			want: []wantErr{invalid("spec.hostName").saying("immutable")}},
		{name: "another destination", mutate: func(s *baremetal.BMCEventSubscription) { s.Spec.Destination = "https://other.example.com/" },
			want: []wantErr{invalid("spec.destination").saying("delete it and create another")}},
		{name: "another context", mutate: func(s *baremetal.BMCEventSubscription) { s.Spec.Context = "" },
			want: []wantErr{invalid("spec.context")}},
		{name: "headers removed", mutate: func(s *baremetal.BMCEventSubscription) { s.Spec.HTTPHeadersRef = nil },
			want: []wantErr{invalid("spec.httpHeadersRef")}},
		{name: "other headers", mutate: func(s *baremetal.BMCEventSubscription) { s.Spec.HTTPHeadersRef.Name = "other" },
			want: []wantErr{invalid("spec.httpHeadersRef")}},
		{name: "everything", mutate: func(s *baremetal.BMCEventSubscription) { s.Spec = baremetal.BMCEventSubscriptionSpec{} },
			want: []wantErr{invalid("spec.hostName"), invalid("spec.destination"), invalid("spec.context"), invalid("spec.httpHeadersRef")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := testSubscription()
			s := old.DeepCopy()
			tc.mutate(s)
			checkErrors(t, ValidateBMCEventSubscriptionUpdate(s, old), tc.want)
		})
	}
	// Metal3 does not judge the spec again on update: only changes are refused.
	old := testSubscription(func(s *baremetal.BMCEventSubscriptionSpec) { s.Destination = "ftp://legacy.example.com/" })
	s := old.DeepCopy()
	s.Labels = map[string]string{"a": "b"}
	checkErrors(t, ValidateBMCEventSubscriptionUpdate(s, old), nil)
}

func TestValidateBMCEventSubscriptionStatusUpdate(t *testing.T) {
	old := testSubscription()
	s := old.DeepCopy()
	s.Status = baremetal.BMCEventSubscriptionStatus{SubscriptionID: "1", Error: "BMC unreachable"}
	checkErrors(t, ValidateBMCEventSubscriptionStatusUpdate(s, old), nil)
	s.Name = "renamed"
	checkErrors(t, ValidateBMCEventSubscriptionStatusUpdate(s, old), []wantErr{invalid("metadata.name")})
}

func TestNilBMCEventSubscriptions(t *testing.T) {
	for name, errs := range map[string]field.ErrorList{
		"create": ValidateBMCEventSubscription(nil),
		"update": ValidateBMCEventSubscriptionUpdate(nil, testSubscription()),
		"status": ValidateBMCEventSubscriptionStatusUpdate(testSubscription(), nil),
	} {
		if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal {
			t.Errorf("%s: got %v, want one internal error", name, errs)
		}
	}
}
