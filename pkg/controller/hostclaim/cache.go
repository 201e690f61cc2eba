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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// CacheTransform is the transform (cache.TransformFunc) of the informers the binder reads: it
// keeps of a host only what the binder reads, and passes anything else unchanged. The binder
// runs on every replica beside the reconciler's informers and the watch cache, so a full copy
// would be a third of every host in memory (inventory, operation history, managed fields) for
// a few fields. What it reads of a cached host: identity, labels and annotations (Paused),
// deletion, spec.consumerRef, and status provisioning state, error message and power
// (Claimable, MightTake, heldBy, hostChanged). It never writes a cached host: releaseOrphan
// reads the host from the API first. A field the binder comes to read must be kept here
// (TestCacheTransformKeepsWhatTheBinderReads).
func CacheTransform(obj any) (any, error) {
	h, ok := obj.(*v1alpha1.BareMetalHost)
	if !ok {
		return obj, nil
	}
	return &v1alpha1.BareMetalHost{
		TypeMeta: h.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name: h.Name, Namespace: h.Namespace, UID: h.UID, ResourceVersion: h.ResourceVersion,
			Labels: h.Labels, Annotations: h.Annotations, DeletionTimestamp: h.DeletionTimestamp,
		},
		Spec: v1alpha1.BareMetalHostSpec{ConsumerRef: h.Spec.ConsumerRef},
		Status: v1alpha1.BareMetalHostStatus{
			Provisioning: v1alpha1.ProvisionStatus{State: h.Status.Provisioning.State},
			ErrorMessage: h.Status.ErrorMessage,
			PoweredOn:    h.Status.PoweredOn,
		},
	}, nil
}
