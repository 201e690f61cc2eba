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
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

var grpcTooLarge = grpcstatus.Error(codes.ResourceExhausted, "trying to send message larger than max (2560501 vs. 2097152)")

func TestStorageError(t *testing.T) {
	other := errors.New("etcd is down")
	conflict := apierrors.NewConflict(baremetal.Resource("baremetalhosts"), "h1", errors.New("stale"))
	cases := []struct {
		name string
		err  error
		want int // HTTP code the API handlers would write; 0 for no error
		same bool
	}{
		{name: "nil"},
		{name: "status errors stay", err: conflict, want: http.StatusConflict, same: true},
		{name: "other errors stay", err: other, want: http.StatusInternalServerError, same: true},
		{name: "rv set on create", err: storage.ErrResourceVersionSetOnCreate, want: http.StatusBadRequest},
		{name: "etcd server too large", err: rpctypes.ErrRequestTooLarge, want: http.StatusRequestEntityTooLarge},
		{name: "grpc client too large", err: grpcTooLarge, want: http.StatusRequestEntityTooLarge},
		{name: "wrapped too large", err: fmt.Errorf("writing: %w", rpctypes.ErrRequestTooLarge), want: http.StatusRequestEntityTooLarge},
		{name: "other grpc resource exhausted", err: grpcstatus.Error(codes.ResourceExhausted, "quota"), want: http.StatusInternalServerError, same: true},
		{name: "other etcd invalid argument", err: rpctypes.ErrEmptyKey, want: http.StatusInternalServerError, same: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := storageError(tc.err)
			if tc.err == nil {
				if got != nil {
					t.Fatalf("got %v for no error", got)
				}
				return
			}
			if tc.same && got != tc.err {
				t.Errorf("got %v, want the error unchanged", got)
			}
			// As responsewriters.ErrorToAPIStatus decides: a status error by type assertion,
			// anything else is a 500.
			code := http.StatusInternalServerError
			if s, ok := got.(apierrors.APIStatus); ok {
				code = int(s.Status().Code)
			}
			if code != tc.want {
				t.Errorf("answered %d (%v), want %d", code, got, tc.want)
			}
		})
	}
}

// The generic create, update and patch handlers retry a write without managedFields when its
// error is etcd's size refusal, recognised by type assertion (isTooLargeError in
// k8s.io/apiserver/pkg/endpoints/handlers/rest.go). The 413 must still be recognised so.
func TestEntityTooLargeKeepsHandlerRetry(t *testing.T) {
	type etcdErr interface {
		Code() codes.Code
		Error() string
	}
	type grpcErr interface{ GRPCStatus() *grpcstatus.Status }

	err := storageError(rpctypes.ErrRequestTooLarge)
	if e, ok := err.(etcdErr); !ok || e.Code() != codes.InvalidArgument || e.Error() != "etcdserver: request is too large" {
		t.Errorf("etcd's refusal is no longer recognisable as etcd's: %#v", err)
	}
	err = storageError(grpcTooLarge)
	if e, ok := err.(grpcErr); !ok || e.GRPCStatus().Code() != codes.ResourceExhausted ||
		!strings.Contains(e.GRPCStatus().Message(), "trying to send message larger than max") {
		t.Errorf("the client's refusal is no longer recognisable as gRPC's: %#v", err)
	}
	if !apierrors.IsRequestEntityTooLargeError(err) {
		t.Errorf("%v is not a 413", err)
	}
}

type fakeUpdate struct {
	obj runtime.Object
	err error
}

func (f fakeUpdate) Preconditions() *metav1.Preconditions { return &metav1.Preconditions{} }

func (f fakeUpdate) UpdatedObject(context.Context, runtime.Object) (runtime.Object, error) {
	return f.obj, f.err
}

func TestCheckedUpdate(t *testing.T) {
	withRV := func(rv string) runtime.Object {
		return &baremetal.Power{ObjectMeta: metav1.ObjectMeta{Name: "h1", ResourceVersion: rv}}
	}
	inner := apierrors.NewNotFound(baremetal.Resource("baremetalhosts"), "h1")
	cases := []struct {
		name    string
		update  fakeUpdate
		wantErr func(error) bool
	}{
		{name: "no rv", update: fakeUpdate{obj: withRV("")}},
		{name: "numeric rv", update: fakeUpdate{obj: withRV("42")}},
		{name: "rv abc", update: fakeUpdate{obj: withRV("abc")}, wantErr: apierrors.IsBadRequest},
		{name: "rv -1", update: fakeUpdate{obj: withRV("-1")}, wantErr: apierrors.IsBadRequest},
		{name: "inner error", update: fakeUpdate{err: inner}, wantErr: apierrors.IsNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := checkedUpdate{tc.update}
			if u.Preconditions() == nil {
				t.Error("preconditions not passed on")
			}
			obj, err := u.UpdatedObject(context.Background(), nil)
			if tc.wantErr == nil {
				if err != nil || obj != tc.update.obj {
					t.Errorf("got %v, %v; want the object", obj, err)
				}
				return
			}
			if !tc.wantErr(err) {
				t.Errorf("got %v", err)
			}
		})
	}
}

// The wrappers keep every interface of the storages they wrap, and add none: the API installer
// decides the verbs and the discovery of a resource from them.
func TestWrappersKeepInterfaces(t *testing.T) {
	s := testStorages()
	is := func(path string, ok bool, what string) {
		t.Helper()
		if !ok {
			t.Errorf("%s is not a %s", path, what)
		}
	}
	isNot := func(path string, ok bool, what string) {
		t.Helper()
		if ok {
			t.Errorf("%s became a %s", path, what)
		}
	}
	host := s["baremetalhosts"]
	_, ok := host.(rest.StandardStorage)
	is("baremetalhosts", ok, "StandardStorage")
	for what, ok := range map[string]bool{
		"ShortNamesProvider":   func() bool { _, ok := host.(rest.ShortNamesProvider); return ok }(),
		"CategoriesProvider":   func() bool { _, ok := host.(rest.CategoriesProvider); return ok }(),
		"SingularNameProvider": func() bool { _, ok := host.(rest.SingularNameProvider); return ok }(),
		"TableConvertor":       func() bool { _, ok := host.(rest.TableConvertor); return ok }(),
		"ResetFieldsStrategy":  func() bool { _, ok := host.(rest.ResetFieldsStrategy); return ok }(),
		"Scoper":               func() bool { _, ok := host.(rest.Scoper); return ok }(),
	} {
		is("baremetalhosts", ok, what)
	}
	_, ok = s["baremetalhosts/status"].(rest.ResetFieldsStrategy)
	is("baremetalhosts/status", ok, "ResetFieldsStrategy")
	_, ok = s["baremetalhosts/inspect"].(rest.Getter)
	is("baremetalhosts/inspect", ok, "Getter")
	_, ok = s["baremetalhosts/inspect"].(rest.StorageMetadata)
	is("baremetalhosts/inspect", ok, "StorageMetadata")
	for _, path := range []string{"baremetalhosts/status", "baremetalhosts/power"} {
		_, ok = s[path].(rest.Creater)
		isNot(path, ok, "Creater")
		_, ok = s[path].(rest.NamedCreater)
		isNot(path, ok, "NamedCreater")
	}
	for _, path := range []string{"baremetalhosts/reboot", "baremetalhosts/inspect"} {
		_, ok = s[path].(rest.Updater)
		isNot(path, ok, "Updater")
	}
	_, ok = s["baremetalhosts/reboot"].(rest.Getter)
	isNot("baremetalhosts/reboot", ok, "Getter")
}
