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
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
)

// enforceHardwareDataVersions makes the fake clientset treat HardwareData writes as the server
// does where the reconciler relies on it: an update from a stale copy is a conflict, every
// write a new resourceVersion, and a delete whose UID precondition names another object a
// conflict. Without it a write from a stale cache would pass here and fail on a real server.
func enforceHardwareDataVersions(client *fake.Clientset) {
	var mu sync.Mutex
	client.PrependReactor("*", "hardwaredata", func(action k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		tracker := client.Tracker()
		gvr := action.GetResource()
		switch action.GetVerb() {
		case "create":
			a := action.(k8stesting.CreateAction)
			obj := a.GetObject().(*v1alpha1.HardwareData).DeepCopy()
			if obj.ResourceVersion == "" {
				obj.ResourceVersion = "1"
			}
			if err := tracker.Create(gvr, obj, a.GetNamespace()); err != nil {
				return true, nil, err
			}
			return true, obj, nil
		case "update":
			a := action.(k8stesting.UpdateAction)
			obj := a.GetObject().(*v1alpha1.HardwareData).DeepCopy()
			cur, err := tracker.Get(gvr, a.GetNamespace(), obj.Name)
			if err != nil {
				return true, nil, err
			}
			current := cur.(*v1alpha1.HardwareData)
			if obj.ResourceVersion != "" && obj.ResourceVersion != current.ResourceVersion {
				return true, nil, apierrors.NewConflict(v1alpha1.Resource("hardwaredata"), obj.Name, errors.New("stale resourceVersion"))
			}
			rv, _ := strconv.Atoi(current.ResourceVersion)
			obj.ResourceVersion = strconv.Itoa(rv + 1)
			if err := tracker.Update(gvr, obj, a.GetNamespace()); err != nil {
				return true, nil, err
			}
			return true, obj, nil
		case "delete":
			a := action.(k8stesting.DeleteActionImpl)
			cur, err := tracker.Get(gvr, a.GetNamespace(), a.GetName())
			if err != nil {
				return true, nil, err
			}
			if p := a.DeleteOptions.Preconditions; p != nil && p.UID != nil && *p.UID != cur.(*v1alpha1.HardwareData).UID {
				return true, nil, apierrors.NewConflict(v1alpha1.Resource("hardwaredata"), a.GetName(), errors.New("UID precondition failed"))
			}
		}
		return false, nil, nil
	})
}

// TestHardwareDataThroughTheController runs the whole controller (informers, queue, workers):
// an inspected host gets its HardwareData; a host whose inspection is disabled takes the
// inventory of a HardwareData created for it later, brought to it by the HardwareData watch
// alone (power polls are an hour apart); a deleted host takes its HardwareData with it.
func TestHardwareDataThroughTheController(t *testing.T) {
	opts := testOptions(0)
	opts.PowerPollInterval = time.Hour
	disabled := newHost("h-disabled")
	disabled.Spec.InspectionMode = v1alpha1.InspectionModeDisabled
	h := newHarness(t, opts, nil, newHost("h-hd"), disabled)
	h.writeSecret("h-hd-bmc", "admin", "s3cret")
	h.writeSecret("h-disabled-bmc", "admin", "s3cret")
	hds := h.client.BaremetalV1alpha1().HardwareData(ns)

	host := h.waitFor("h-hd", "available", inState(v1alpha1.StateAvailable))
	hd, err := hds.Get(context.Background(), "h-hd", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("no HardwareData for the inspected host: %v", err)
	}
	if ref := metav1.GetControllerOf(hd); ref == nil || ref.UID != host.UID || !slices.Contains(hd.Finalizers, v1alpha1.HardwareDataFinalizer) ||
		!apiequality.Semantic.DeepEqual(hd.Spec.Hardware, host.Status.Hardware) {
		t.Errorf("HardwareData %+v of host %s", hd, host.UID)
	}

	h.waitFor("h-disabled", "available", inState(v1alpha1.StateAvailable))
	given := &v1alpha1.HardwareData{ObjectMeta: metav1.ObjectMeta{Name: "h-disabled", Namespace: ns},
		Spec: v1alpha1.HardwareDataSpec{Hardware: smInventory.DeepCopy()}}
	if _, err := hds.Create(context.Background(), given, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("h-disabled", "given the HardwareData's inventory", func(x *v1alpha1.BareMetalHost) bool {
		return apiequality.Semantic.DeepEqual(x.Status.Hardware, smInventory)
	})

	h.update("h-hd", func(x *v1alpha1.BareMetalHost) { now := metav1.Now(); x.DeletionTimestamp = &now })
	h.waitFor("h-hd", "finalized", func(x *v1alpha1.BareMetalHost) bool { return !hasFinalizer(x) })
	if err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := hds.Get(ctx, "h-hd", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Error("the deleted host's HardwareData is still there")
	}
}
