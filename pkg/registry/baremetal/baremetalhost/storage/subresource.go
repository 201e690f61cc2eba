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

package storage

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
)

// hostUpdate is an UpdatedObjectInfo that derives the new host from the stored one, inside
// the store's optimistic-concurrency loop: a subresource's change is applied to the current
// object, atomically, never to a copy read earlier.
type hostUpdate struct {
	preconditions *metav1.Preconditions
	mutate        func(ctx context.Context, host *baremetal.BareMetalHost) error
}

func (u hostUpdate) Preconditions() *metav1.Preconditions { return u.preconditions }

func (u hostUpdate) UpdatedObject(ctx context.Context, old runtime.Object) (runtime.Object, error) {
	stored, ok := old.(*baremetal.BareMetalHost)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("stored object is %T, not a BareMetalHost", old))
	}
	host := stored.DeepCopy()
	if err := u.mutate(ctx, host); err != nil {
		return nil, err
	}
	return host, nil
}

var _ rest.UpdatedObjectInfo = hostUpdate{}

// accepted is the answer to an action that was recorded and will be carried out: HTTP 202.
//
// The generic create handler always answers 201; only its error path writes the Status's own
// code. An action subresource is not a creation, so it goes out that way, as a Status whose
// status is Success: clients (client-go included) read it as success, with code 202.
func accepted(format string, args ...interface{}) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusSuccess,
		Code:    http.StatusAccepted,
		Reason:  "Accepted",
		Message: fmt.Sprintf(format, args...),
	}}
}

// forbiddenByState is the 409 of an action the host's state does not allow.
func forbiddenByState(name, action, why string) error {
	return apierrors.NewConflict(baremetal.Resource("baremetalhosts"), name, fmt.Errorf("cannot %s: %s", action, why))
}

// recordAction records an action on the stored host as an annotation, atomically, when the
// host's state allows it (forbidden says why not), through the main store so the host's own
// strategy applies: the action is a new generation of the host, which the reconciler's watch
// sees, on whichever replica leads.
func recordAction(ctx context.Context, store *genericregistry.Store, name, action, key, value string,
	forbidden func(*baremetal.BareMetalHost) string, options *metav1.CreateOptions) error {
	update := hostUpdate{mutate: func(ctx context.Context, host *baremetal.BareMetalHost) error {
		if why := forbidden(host); why != "" {
			return forbiddenByState(name, action, why)
		}
		if host.Annotations == nil {
			host.Annotations = map[string]string{}
		}
		host.Annotations[key] = value
		return nil
	}}
	_, _, err := store.Update(ctx, name, update, nil, rest.ValidateAllObjectUpdateFunc, false,
		&metav1.UpdateOptions{DryRun: options.DryRun, FieldManager: options.FieldManager})
	return err
}
