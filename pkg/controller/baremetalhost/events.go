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

package baremetalhost

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// EventSource is the component name on the host events the reconciler records.
const EventSource = "baremetal-reconciler"

// NewEventRecorder returns a recorder of host events. With a kube client (delegated mode) the
// events go to the cluster, where kubectl describe and kubectl events show them; without one
// (standalone: there is no Events API) they go to the structured log at verbosity 2. stop
// shuts the broadcaster down.
func NewEventRecorder(kube kubernetes.Interface) (recorder record.EventRecorder, stop func()) {
	scheme := runtime.NewScheme()
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	broadcaster := record.NewBroadcaster()
	if kube != nil {
		broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")})
	} else {
		broadcaster.StartStructuredLogging(2)
	}
	return broadcaster.NewRecorder(scheme, corev1.EventSource{Component: EventSource}), broadcaster.Shutdown
}

// stateEvents are the events of entering a state: reason and message.
var stateEvents = map[v1alpha1.ProvisioningState][2]string{
	v1alpha1.StateRegistering:             {"Registering", "registering the host with the provisioner"},
	v1alpha1.StateInspecting:              {"InspectionStarted", "hardware inspection started"},
	v1alpha1.StatePreparing:               {"Preparing", "preparing the host (cleaning, RAID, settings)"},
	v1alpha1.StateAvailable:               {"Available", "the host is available"},
	v1alpha1.StateProvisioning:            {"ProvisioningStarted", "provisioning started"},
	v1alpha1.StateProvisioned:             {"ProvisioningComplete", "the image is provisioned"},
	v1alpha1.StateExternallyProvisioned:   {"ExternallyProvisioned", "the host was provisioned by something else and is adopted"},
	v1alpha1.StateDeprovisioning:          {"DeprovisioningStarted", "deprovisioning started"},
	v1alpha1.StatePoweringOffBeforeDelete: {"PoweringOffBeforeDelete", "powering off before deletion"},
	v1alpha1.StateDeleting:                {"Deleting", "removing the host from the provisioner"},
}

func (r *hostReconcile) event(eventType, reason, message string) {
	if rec := r.c.opts.Recorder; rec != nil {
		rec.Event(r.orig, eventType, reason, message)
	}
}
