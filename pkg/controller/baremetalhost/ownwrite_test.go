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
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// TestOwnWriteEventBeforeResponseHidesNextSpecChange reproduces, deterministically, the order
// a loaded machine produces: the reconciler's status write is committed and its watch event is
// delivered, the user changes spec.online (also delivered), and only then does the reconciler
// see the HTTP response of its own write and record it in c.expect. The expectation is for a
// version the cache has already passed; observed() will never match it, so satisfied() is false
// until maxWait (10 s): the spec change waits that long although the cache holds it all along.
// TestOwnWriteSeenBeforeItsResponse: the watch event of the reconciler's own status write can
// arrive before the write's response, and a user's change right after it too. The reconciler
// must still act on that change at once: it used to wait for the version it wrote to appear in
// the cache, which the cache had already passed, for the 10 s safety bound on every such race
// (seen as power actions 10 s late under load).
func TestOwnWriteSeenBeforeItsResponse(t *testing.T) {
	opts := testOptions(0)
	opts.PowerPollInterval = time.Minute // as the benchmark: a missed wake-up shows
	host := newHost("h0")
	host.Spec.Online = false
	h := newHarness(t, opts, nil, host)
	h.writeSecret("h0-bmc", "u", "p")
	h.waitFor("h0", "available and off", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.Provisioning.State == v1alpha1.StateAvailable && !x.Status.PoweredOn &&
			meta.IsStatusConditionTrue(x.Status.Conditions, v1alpha1.ConditionAvailableForProvisioning)
	})
	time.Sleep(200 * time.Millisecond) // at rest

	var armed sync.Once
	var userWrote time.Time
	lister := h.ctrl.lister
	cached := func(rv string) bool {
		return wait.PollUntilContextTimeout(context.Background(), time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
			c, err := lister.BareMetalHosts(ns).Get("h0")
			return err == nil && c.ResourceVersion == rv, nil
		}) == nil
	}
	// Runs before enforceResourceVersions' reactor (prepended later).
	h.client.PrependReactor("update", "baremetalhosts", func(action k8stesting.Action) (bool, runtime.Object, error) {
		a := action.(k8stesting.UpdateAction)
		obj := a.GetObject().(*v1alpha1.BareMetalHost)
		if a.GetSubresource() != "status" || !obj.Status.PoweredOn {
			return false, nil, nil
		}
		handled, ret := false, runtime.Object(nil)
		var rerr error
		armed.Do(func() {
			handled = true
			tr := h.client.Tracker()
			gvr := action.GetResource()
			cur, _ := tr.Get(gvr, ns, "h0")
			current := cur.(*v1alpha1.BareMetalHost)
			if obj.ResourceVersion != current.ResourceVersion {
				t.Errorf("unexpected stale status write")
			}
			// 1. The reconciler's status write is committed ...
			written := current.DeepCopy()
			written.Status = obj.Status
			rv, _ := strconv.Atoi(current.ResourceVersion)
			written.ResourceVersion = strconv.Itoa(rv + 1)
			rerr = tr.Update(gvr, written, ns)
			ret = written.DeepCopy()
			// ... and its event reaches the informer before the response reaches the caller.
			if !cached(written.ResourceVersion) {
				t.Errorf("own write never reached the cache")
			}
			// 2. The user turns the host off (as the benchmark does as soon as status says on).
			user := written.DeepCopy()
			user.Spec.Online = false
			user.Generation++
			user.ResourceVersion = strconv.Itoa(rv + 2)
			if err := tr.Update(gvr, user, ns); err != nil {
				t.Error(err)
			}
			userWrote = time.Now()
			if !cached(user.ResourceVersion) {
				t.Errorf("user write never reached the cache")
			}
			// 3. Only now does the reconciler get the answer to its own write.
		})
		return handled, ret, rerr
	})
	offCalls := func() int {
		n := 0
		for _, c := range h.prov.Calls(ns, "h0") {
			if c == "PowerOff" {
				n++
			}
		}
		return n
	}
	before := offCalls()
	h.update("h0", func(x *v1alpha1.BareMetalHost) { x.Spec.Online = true })
	h.waitFor("h0", "spec.online=false written", func(x *v1alpha1.BareMetalHost) bool { return !x.Spec.Online })
	err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return offCalls() > before, nil
	})
	if err != nil {
		t.Fatalf("the backend never got PowerOff")
	}
	if d := time.Since(userWrote); d > time.Second {
		t.Errorf("spec.online=false reached the backend %v after it reached the reconciler's cache", d.Round(time.Millisecond))
	}
}
