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

package kubectlplugin

import (
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

func TestDescribe(t *testing.T) {
	gr := hostsGVR.GroupResource()
	tgt := target{"ns1", "h0"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apierrors.NewNotFound(gr, "h0"), "host ns1/h0 not found"},
		{apierrors.NewNotFound(schema.GroupResource{}, ""), errNotServed.Error()},
		{apierrors.NewConflict(gr, "h0", errors.New("cannot reboot: the host is provisioning")), "host ns1/h0: cannot reboot: the host is provisioning"},
		{apierrors.NewForbidden(gr, "h0", errors.New(`User "bob" cannot update resource "baremetalhosts/power"`)),
			`forbidden: you may not power off host ns1/h0: User "bob" cannot update resource "baremetalhosts/power"`},
		{apierrors.NewUnauthorized("no"), errUnauthorized.Error()},
		{apierrors.NewInternalError(errors.New("etcd\nis down")), "host ns1/h0: Internal error occurred: etcd; is down"},
		{fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused"), "host ns1/h0: dial tcp 127.0.0.1:1: connect: connection refused"},
	} {
		if got := describe(tc.err, action{what: "power off"}, tgt).Error(); got != tc.want {
			t.Errorf("describe(%v):\n got %q\nwant %q", tc.err, got, tc.want)
		}
	}
}

func TestListErrors(t *testing.T) {
	h := newHarness(t)
	h.cs.PrependReactor("list", "baremetalhosts", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(hostsGVR.GroupResource(), "",
			errors.New(`User "bob" cannot list resource "baremetalhosts" in API group "baremetal.metal3.io" at the cluster scope`))
	})
	if code := h.run("list", "-A"); code != 1 {
		t.Errorf("exit %d", code)
	}
	want := `error: forbidden: you may not list hosts in any namespace: User "bob" cannot list resource "baremetalhosts" in API group "baremetal.metal3.io" at the cluster scope` + "\n"
	if got := h.errOut.String(); got != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
}
