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
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	hoststorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost/storage"
)

// The storage wrappers below give the REST storages' writes the status errors that the generic
// registry and etcd store (k8s.io/apiserver) return as plain errors, and so as 500s:
//   - etcd refusing an object for its size (the server's "request is too large", or the client's
//     gRPC "trying to send message larger than max") is 413 RequestEntityTooLarge;
//   - a create that sets metadata.resourceVersion (storage.ErrResourceVersionSetOnCreate) is 400;
//   - an update whose object carries a resourceVersion that is not a number (the store's
//     strconv error) is 400, like a non-numeric resourceVersion query parameter.
//
// Each wrapper embeds its storage, so every interface the API installer looks for (getter,
// lister, watcher, table convertor, reset fields, short names, ...) is still there, and only
// overrides the write methods the storage already has: a wrapper never adds a verb.

type hostREST struct{ *hoststorage.REST }

func (r *hostREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	return out, storageError(err)
}

func (r *hostREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.REST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type powerREST struct{ *hoststorage.PowerREST }

func (r *powerREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	out, created, err := r.PowerREST.Update(ctx, name, checkedUpdate{objInfo}, createValidation, updateValidation, forceAllowCreate, options)
	return out, created, storageError(err)
}

type rebootREST struct{ *hoststorage.RebootREST }

func (r *rebootREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.RebootREST.Create(ctx, name, obj, createValidation, options)
	return out, storageError(err)
}

type inspectREST struct{ *hoststorage.InspectREST }

func (r *inspectREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.InspectREST.Create(ctx, name, obj, createValidation, options)
	return out, storageError(err)
}

var (
	_ rest.StandardStorage = &hostREST{}
	_ rest.Patcher         = &powerREST{}
	_ rest.NamedCreater    = &rebootREST{}
	_ rest.NamedCreater    = &inspectREST{}
)

// checkedUpdate refuses, with 400, an updated object whose resourceVersion the store could not
// parse. The store parses it right after UpdatedObject returns, and answers a plain strconv
// error; checking here, inside the store's update loop, sees the object after the patch or
// the subresource's mapping made it, whichever way the request set it.
type checkedUpdate struct{ rest.UpdatedObjectInfo }

func (u checkedUpdate) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	obj, err := u.UpdatedObjectInfo.UpdatedObject(ctx, oldObj)
	if err != nil {
		return obj, err
	}
	accessor, err := meta.Accessor(obj)
	if err != nil {
		// Not an object with metadata: nothing to check, the store decides.
		return obj, nil
	}
	if rv := accessor.GetResourceVersion(); rv != "" {
		if _, err := strconv.ParseUint(rv, 10, 64); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: metadata.resourceVersion: Invalid value: %q: "+
				"must be empty or a resourceVersion the server returned", rv))
		}
	}
	return obj, nil
}

// storageError translates the storage errors above; any other error is returned as it is.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	switch {
	case errors.Is(err, storage.ErrResourceVersionSetOnCreate):
		return apierrors.NewBadRequest(err.Error())
	case isTooLarge(err):
		return &entityTooLarge{cause: err}
	}
	return err
}

// etcdError is how etcd's client reports the server's errors (rpctypes.EtcdError).
type etcdError interface {
	error
	Code() codes.Code
}

type grpcError interface {
	error
	GRPCStatus() *grpcstatus.Status
}

// etcdTooLarge is etcd's answer to a request over its --max-request-bytes.
const etcdTooLarge = "etcdserver: request is too large"

// isTooLarge recognises etcd's size refusals as the generic handlers do (isTooLargeError in
// endpoints/handlers/rest.go), through wrapping too.
func isTooLarge(err error) bool {
	var ee etcdError
	if errors.As(err, &ee) && ee.Code() == codes.InvalidArgument && ee.Error() == etcdTooLarge {
		return true
	}
	var ge grpcError
	if errors.As(err, &ge) {
		s := ge.GRPCStatus()
		return s.Code() == codes.ResourceExhausted && strings.Contains(s.Message(), "trying to send message larger than max")
	}
	return false
}

// entityTooLarge is the 413 of a write etcd refused for its size.
//
// It keeps its cause's message, code and gRPC status as its own, because the generic create,
// update and patch handlers recognise etcd's size errors by type assertion and then retry the
// write once without managedFields (which can be most of an object); the Status they finally
// write is this error's 413. Were that recognition to change upstream, the only loss would be
// the retry: the answer stays 413.
type entityTooLarge struct{ cause error }

func (e *entityTooLarge) Error() string { return e.cause.Error() }

func (e *entityTooLarge) Unwrap() error { return e.cause }

func (e *entityTooLarge) Status() metav1.Status {
	return metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusRequestEntityTooLarge,
		Reason:  metav1.StatusReasonRequestEntityTooLarge,
		Message: fmt.Sprintf("Request entity too large: the object is larger than its storage (etcd) accepts: %v", e.cause),
	}
}

func (e *entityTooLarge) Code() codes.Code {
	var ee etcdError
	if errors.As(e.cause, &ee) {
		return ee.Code()
	}
	return grpcstatus.Code(e.cause)
}

func (e *entityTooLarge) GRPCStatus() *grpcstatus.Status {
	var ge grpcError
	if errors.As(e.cause, &ge) {
		return ge.GRPCStatus()
	}
	return grpcstatus.New(e.Code(), e.cause.Error())
}
