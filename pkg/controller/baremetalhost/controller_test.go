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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/component-base/metrics/testutil"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	informers "github.com/metal3-community/baremetal-apiserver/pkg/generated/informers/externalversions"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	fakeprov "github.com/metal3-community/baremetal-apiserver/pkg/provisioner/fake"
)

const ns = "metal"

type harness struct {
	t       *testing.T
	client  *fake.Clientset
	prov    *fakeprov.Provisioner
	ctrl    *Controller
	secrets string
}

// newHarness runs the real controller (queue, workers, informer) against a fake clientset and
// the fake backend; only the API server is replaced. setup, if given, tunes the fake backend
// before anything runs.
func newHarness(t *testing.T, opts Options, setup func(*fakeprov.Provisioner), objs ...*v1alpha1.BareMetalHost) *harness {
	t.Helper()
	client := fake.NewSimpleClientset()
	enforceResourceVersions(client)
	for _, o := range objs {
		if _, err := client.BaremetalV1alpha1().BareMetalHosts(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{t: t, client: client, prov: fakeprov.New(), secrets: t.TempDir()}
	h.prov.PollInterval = time.Millisecond
	if setup != nil {
		setup(h.prov)
	}
	if opts.Workers == 0 {
		opts = testOptions(opts.MaxConcurrentProvisioning)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	ctrl, err := New(client, factory.Baremetal().V1alpha1(), h.prov, DirSecrets{Dir: h.secrets}, opts)
	if err != nil {
		t.Fatal(err)
	}
	h.ctrl = ctrl
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	factory.Start(ctx.Done())
	wg.Add(1)
	go func() { defer wg.Done(); _ = ctrl.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait(); factory.Shutdown() })
	return h
}

// asTheStrategy does to an update of the main resource what the server's strategy does
// (pkg/registry/baremetal/baremetalhost, whose own test pins it): a new generation for a new
// spec or action annotations, and good credentials forgotten when the BMC changes.
func asTheStrategy(obj, current *v1alpha1.BareMetalHost) {
	obj.Generation = current.Generation
	if !apiequality.Semantic.DeepEqual(obj.Spec, current.Spec) || !v1alpha1.ActionAnnotationsEqual(obj.Annotations, current.Annotations) {
		obj.Generation++
	}
	if obj.Spec.BMC.Address != current.Spec.BMC.Address || obj.Spec.BMC.DisableCertificateVerification != current.Spec.BMC.DisableCertificateVerification {
		obj.Status.GoodCredentials = v1alpha1.CredentialsStatus{}
	}
}

// enforceResourceVersions makes the fake API behave like a real one for writes: an update
// carrying a stale resourceVersion is a 409, and every write bumps the version. The reconciler
// relies on this to never act twice on a stale cache.
func enforceResourceVersions(client *fake.Clientset) {
	enforceHardwareDataVersions(client)
	var mu sync.Mutex
	client.PrependReactor("*", "baremetalhosts", func(action k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		tracker := client.Tracker()
		gvr := action.GetResource()
		switch action.GetVerb() {
		case "create":
			a := action.(k8stesting.CreateAction)
			obj := a.GetObject().(*v1alpha1.BareMetalHost).DeepCopy()
			obj.ResourceVersion = "1"
			obj.Generation = 1
			if err := tracker.Create(gvr, obj, a.GetNamespace()); err != nil {
				return true, nil, err
			}
			return true, obj, nil
		case "update":
			a := action.(k8stesting.UpdateAction)
			obj := a.GetObject().(*v1alpha1.BareMetalHost).DeepCopy()
			cur, err := tracker.Get(gvr, a.GetNamespace(), obj.Name)
			if err != nil {
				return true, nil, err
			}
			current := cur.(*v1alpha1.BareMetalHost)
			if obj.ResourceVersion != "" && obj.ResourceVersion != current.ResourceVersion {
				return true, nil, apierrors.NewConflict(v1alpha1.Resource("baremetalhosts"), obj.Name, errors.New("stale resourceVersion"))
			}
			if a.GetSubresource() == "status" {
				status := obj.Status
				obj = current.DeepCopy()
				obj.Status = status
			} else {
				obj.Status = current.Status
				asTheStrategy(obj, current)
			}
			rv, _ := strconv.Atoi(current.ResourceVersion)
			obj.ResourceVersion = strconv.Itoa(rv + 1)
			if err := tracker.Update(gvr, obj, a.GetNamespace()); err != nil {
				return true, nil, err
			}
			return true, obj, nil
		case "patch":
			a := action.(k8stesting.PatchAction)
			cur, err := tracker.Get(gvr, a.GetNamespace(), a.GetName())
			if err != nil {
				return true, nil, err
			}
			current := cur.(*v1alpha1.BareMetalHost)
			orig, _ := json.Marshal(current)
			patched, err := jsonpatch.MergePatch(orig, a.GetPatch())
			if err != nil {
				return true, nil, err
			}
			obj := &v1alpha1.BareMetalHost{}
			if err := json.Unmarshal(patched, obj); err != nil {
				return true, nil, err
			}
			asTheStrategy(obj, current)
			rv, _ := strconv.Atoi(current.ResourceVersion)
			obj.ResourceVersion = strconv.Itoa(rv + 1)
			if err := tracker.Update(gvr, obj, a.GetNamespace()); err != nil {
				return true, nil, err
			}
			return true, obj, nil
		}
		return false, nil, nil
	})
}

func testOptions(maxProv int) Options {
	o := DefaultOptions()
	o.Workers = 4
	if maxProv > 0 {
		o.MaxConcurrentProvisioning = maxProv
	}
	o.BackoffBase = 5 * time.Millisecond
	o.BackoffCap = 50 * time.Millisecond
	o.PowerPollInterval = 20 * time.Millisecond
	o.AllowTestBMCSchemes = true
	return o
}

func (h *harness) writeSecret(name, user, pass string) {
	dir := filepath.Join(h.secrets, ns, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		h.t.Fatal(err)
	}
	for k, v := range map[string]string{"username": user, "password": pass} {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v+"\n"), 0o600); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) get(name string) *v1alpha1.BareMetalHost {
	got, err := h.client.BaremetalV1alpha1().BareMetalHosts(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func (h *harness) update(name string, mutate func(*v1alpha1.BareMetalHost)) {
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		host := h.get(name)
		mutate(host)
		_, err := h.client.BaremetalV1alpha1().BareMetalHosts(ns).Update(ctx, host, metav1.UpdateOptions{})
		return err == nil, nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// waitFor polls until cond holds for the host, failing with the last status seen.
func (h *harness) waitFor(name, what string, cond func(*v1alpha1.BareMetalHost) bool) *v1alpha1.BareMetalHost {
	h.t.Helper()
	var last *v1alpha1.BareMetalHost
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		last = h.get(name)
		return cond(last), nil
	})
	if err != nil {
		h.t.Fatalf("%s: never %s; last status %+v", name, what, last.Status)
	}
	return last
}

func inState(s v1alpha1.ProvisioningState) func(*v1alpha1.BareMetalHost) bool {
	return func(h *v1alpha1.BareMetalHost) bool { return h.Status.Provisioning.State == s }
}

func newHost(name string) *v1alpha1.BareMetalHost {
	return &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{
			Online: true,
			BMC:    v1alpha1.BMCDetails{Address: "fake://192.0.2.1", CredentialsName: name + "-bmc"},
		},
	}
}

func TestLifecycle(t *testing.T) {
	events := record.NewFakeRecorder(1000)
	opts := testOptions(0)
	opts.Recorder = events
	h := newHarness(t, opts, nil, newHost("h0"))
	h.writeSecret("h0-bmc", "admin", "s3cret")

	host := h.waitFor("h0", "available", inState(v1alpha1.StateAvailable))
	if host.Status.Hardware == nil || host.Status.Hardware.CPU.Count != 8 {
		t.Errorf("hardware not recorded: %+v", host.Status.Hardware)
	}
	if host.Status.Provisioning.ID == "" || host.Status.GoodCredentials.CredentialsVersion == "" {
		t.Errorf("registration not recorded: %+v", host.Status)
	}
	if !hasFinalizer(host) {
		t.Error("finalizer not added")
	}
	for _, op := range []v1alpha1.OperationMetric{host.Status.OperationHistory.Register, host.Status.OperationHistory.Inspect} {
		if op.Start.IsZero() || op.End.IsZero() {
			t.Errorf("operation history incomplete: %+v", host.Status.OperationHistory)
		}
	}
	host = h.waitFor("h0", "powered on", func(x *v1alpha1.BareMetalHost) bool { return x.Status.PoweredOn })
	if host.Status.OperationalStatus != v1alpha1.OperationalStatusOK || !conditionTrue(host, v1alpha1.ConditionAvailableForProvisioning) || conditionTrue(host, v1alpha1.ConditionReady) {
		t.Errorf("available host not OK, AvailableForProvisioning and not Ready (Metal3's meaning): %+v", host.Status)
	}

	h.update("h0", func(x *v1alpha1.BareMetalHost) {
		x.Spec.Image = &v1alpha1.Image{URL: "http://images.example/os.qcow2", Checksum: "abc"}
	})
	host = h.waitFor("h0", "provisioned", inState(v1alpha1.StateProvisioned))
	if host.Status.Provisioning.Image.URL != "http://images.example/os.qcow2" || !conditionTrue(host, v1alpha1.ConditionProvisioned) {
		t.Errorf("provisioned status: %+v", host.Status.Provisioning)
	}
	if rec, _ := h.prov.Lookup(ns, "h0"); rec.Image != "http://images.example/os.qcow2" {
		t.Errorf("backend image %q", rec.Image)
	}

	h.update("h0", func(x *v1alpha1.BareMetalHost) { x.Spec.Image = nil })
	host = h.waitFor("h0", "available again", inState(v1alpha1.StateAvailable))
	if host.Status.Provisioning.Image.URL != "" {
		t.Errorf("image still recorded after deprovisioning")
	}
	// Deprovisioning leaves the host off; online: true brings it back on. (Turning it off
	// before that would make the power-off below a no-op, with no event.)
	h.waitFor("h0", "on again", func(x *v1alpha1.BareMetalHost) bool { return x.Status.PoweredOn })

	// Power follows spec.online.
	h.update("h0", func(x *v1alpha1.BareMetalHost) { x.Spec.Online = false })
	h.waitFor("h0", "powered off", func(x *v1alpha1.BareMetalHost) bool { return !x.Status.PoweredOn })
	if rec, _ := h.prov.Lookup(ns, "h0"); rec.PoweredOn {
		t.Error("backend still powered on")
	}

	seen := map[string]bool{}
	for len(events.Events) > 0 {
		seen[strings.Fields(<-events.Events)[1]] = true
	}
	for _, reason := range []string{"Registering", "InspectionStarted", "Available", "ProvisioningStarted", "ProvisioningComplete", "DeprovisioningStarted", "PoweredOff"} {
		if !seen[reason] {
			t.Errorf("no %s event; saw %v", reason, seen)
		}
	}

	// Deletion: powered off, removed from the backend, finalizer gone.
	h.update("h0", func(x *v1alpha1.BareMetalHost) { now := metav1.Now(); x.DeletionTimestamp = &now })
	h.waitFor("h0", "finalized", func(x *v1alpha1.BareMetalHost) bool { return !hasFinalizer(x) })
	if _, ok := h.prov.Lookup(ns, "h0"); ok {
		t.Error("backend still knows the deleted host")
	}
}

// TestDeleteDeprovisionsFirst: deleting a provisioned host deprovisions it (the backend cleans
// its disks) before it is powered off and forgotten, as in Metal3; the states say so in order.
func TestDeleteDeprovisionsFirst(t *testing.T) {
	host := newHost("busy")
	host.Spec.Image = &v1alpha1.Image{URL: "http://192.0.2.1/os.qcow2", Checksum: "abc"}
	h := newHarness(t, Options{}, nil, host)
	h.writeSecret("busy-bmc", "u", "p")
	h.waitFor("busy", "provisioned", inState(v1alpha1.StateProvisioned))
	var states []v1alpha1.ProvisioningState
	h.update("busy", func(x *v1alpha1.BareMetalHost) { now := metav1.Now(); x.DeletionTimestamp = &now })
	h.waitFor("busy", "finalized", func(x *v1alpha1.BareMetalHost) bool {
		if s := x.Status.Provisioning.State; len(states) == 0 || states[len(states)-1] != s {
			states = append(states, s)
		}
		return !hasFinalizer(x)
	})
	calls := h.prov.Calls(ns, "busy")
	deprovision, powerOff, del := -1, -1, -1
	for i, c := range calls {
		switch c {
		case "Deprovision":
			if deprovision < 0 {
				deprovision = i
			}
		case "PowerOff":
			powerOff = i
		case "Delete":
			del = i
		}
	}
	if deprovision < 0 || del < deprovision || (powerOff >= 0 && powerOff < deprovision) {
		t.Errorf("backend calls %v: want Deprovision before the power off and Delete", calls)
	}
	t.Logf("states seen while deleting: %v", states)
}

func TestUnmanagedWithoutBMC(t *testing.T) {
	host := newHost("nobmc")
	host.Spec.BMC = v1alpha1.BMCDetails{}
	h := newHarness(t, Options{}, nil, host)
	got := h.waitFor("nobmc", "unmanaged", inState(v1alpha1.StateUnmanaged))
	if got.Status.OperationalStatus != v1alpha1.OperationalStatusDiscovered {
		t.Errorf("operationalStatus %q", got.Status.OperationalStatus)
	}
}

func TestInspectionDisabledAndExternallyProvisioned(t *testing.T) {
	noInspect := newHost("noinspect")
	noInspect.Spec.InspectionMode = v1alpha1.InspectionModeDisabled
	external := newHost("external")
	external.Spec.ExternallyProvisioned = true
	h := newHarness(t, Options{}, nil, noInspect, external)
	h.writeSecret("noinspect-bmc", "u", "p")
	h.writeSecret("external-bmc", "u", "p")
	h.waitFor("noinspect", "available", inState(v1alpha1.StateAvailable))
	for _, c := range h.prov.Calls(ns, "noinspect") {
		if c == "Inspect" {
			t.Error("inspection ran although disabled")
		}
	}
	h.waitFor("external", "externally provisioned and adopted", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned && conditionTrue(x, v1alpha1.ConditionProvisioned)
	})
}

// TestExternallyProvisionedTurnedOff leads where Metal3 leads: with an image the host stays
// provisioned (nothing deployed, nothing cleaned), without one it is deprovisioned (cleaned) and
// becomes available; never preparing an adopted host as it is.
func TestExternallyProvisionedTurnedOff(t *testing.T) {
	withImage := newHost("keep")
	withImage.Spec.ExternallyProvisioned = true
	without := newHost("release")
	without.Spec.ExternallyProvisioned = true
	h := newHarness(t, Options{}, nil, withImage, without)
	for _, name := range []string{"keep", "release"} {
		h.writeSecret(name+"-bmc", "u", "p")
		h.waitFor(name, "externally provisioned and adopted", func(x *v1alpha1.BareMetalHost) bool {
			return x.Status.Provisioning.State == v1alpha1.StateExternallyProvisioned && conditionTrue(x, v1alpha1.ConditionProvisioned)
		})
	}
	h.update("keep", func(x *v1alpha1.BareMetalHost) {
		x.Spec.ExternallyProvisioned = false
		x.Spec.Image = &v1alpha1.Image{URL: "http://192.0.2.1/os.qcow2", Checksum: "abc"}
	})
	got := h.waitFor("keep", "provisioned", inState(v1alpha1.StateProvisioned))
	if got.Status.Provisioning.Image.URL != "http://192.0.2.1/os.qcow2" {
		t.Errorf("provisioned image %q, want the spec's", got.Status.Provisioning.Image.URL)
	}
	h.update("release", func(x *v1alpha1.BareMetalHost) { x.Spec.ExternallyProvisioned = false })
	h.waitFor("release", "available", inState(v1alpha1.StateAvailable))
	for name, forbidden := range map[string][]string{"keep": {"Provision", "Deprovision", "Prepare", "Inspect"}, "release": {"Provision", "Inspect"}} {
		for _, c := range h.prov.Calls(ns, name) {
			if slices.Contains(forbidden, c) {
				t.Errorf("%s: backend call %s (calls %v)", name, c, h.prov.Calls(ns, name))
			}
		}
	}
	if !slices.Contains(h.prov.Calls(ns, "release"), "Deprovision") {
		t.Errorf("release: not deprovisioned (calls %v)", h.prov.Calls(ns, "release"))
	}
}

func TestMissingCredentialsThenFixed(t *testing.T) {
	h := newHarness(t, Options{}, nil, newHost("h1"))
	got := h.waitFor("h1", "registration error", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.ErrorType == v1alpha1.RegistrationError && x.Status.ErrorCount >= 2
	})
	if !strings.Contains(got.Status.ErrorMessage, "h1-bmc") || got.Status.OperationalStatus != v1alpha1.OperationalStatusError {
		t.Errorf("error does not name the Secret: %q", got.Status.ErrorMessage)
	}
	h.writeSecret("h1-bmc", "admin", "pw")
	got = h.waitFor("h1", "available", inState(v1alpha1.StateAvailable))
	if got.Status.ErrorType != "" || got.Status.ErrorCount != 0 {
		t.Errorf("error not cleared: %+v", got.Status)
	}
}

func TestBackendErrorsBackOffAndNeverLeakPasswords(t *testing.T) {
	h := newHarness(t, Options{}, nil, newHost("h2"))
	h.writeSecret("h2-bmc", "admin", "hunter2")
	h.prov.SetError(ns, "h2", "Register", errors.New("dial tcp 192.0.2.1:443: connect: connection refused"))
	got := h.waitFor("h2", "errors counted", func(x *v1alpha1.BareMetalHost) bool { return x.Status.ErrorCount >= 3 })
	if got.Status.ErrorType != v1alpha1.RegistrationError || strings.Contains(got.Status.ErrorMessage, "hunter2") {
		t.Errorf("status %+v", got.Status)
	}
	h.prov.SetError(ns, "h2", "Register", nil)
	h.waitFor("h2", "available after the backend recovered", inState(v1alpha1.StateAvailable))

	// A failed provisioning is counted and retried; fixing it provisions.
	h.prov.SetFailure(ns, "h2", "Provision", "deploy failed: image checksum mismatch")
	h.update("h2", func(x *v1alpha1.BareMetalHost) { x.Spec.Image = &v1alpha1.Image{URL: "http://i/os.raw", Checksum: "x"} })
	got = h.waitFor("h2", "provisioning error", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.ErrorType == v1alpha1.ProvisioningError && x.Status.ProvisioningFailCount > 0
	})
	if got.Status.LastAttemptedImage == nil || got.Status.LastAttemptedImage.URL != "http://i/os.raw" {
		t.Errorf("lastAttemptedImage %+v", got.Status.LastAttemptedImage)
	}
	h.prov.SetFailure(ns, "h2", "Provision", "")
	h.waitFor("h2", "provisioned", inState(v1alpha1.StateProvisioned))
}

func TestReregistersWhenBackendForgets(t *testing.T) {
	h := newHarness(t, Options{}, nil, newHost("h3"))
	h.writeSecret("h3-bmc", "u", "p")
	first := h.waitFor("h3", "powered on and available", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.Provisioning.State == v1alpha1.StateAvailable && x.Status.PoweredOn
	}).Status.Provisioning.ID
	h.prov.Forget(ns, "h3")
	h.waitFor("h3", "registered again", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.Provisioning.ID != "" && x.Status.Provisioning.ID != first
	})
	if _, ok := h.prov.Lookup(ns, "h3"); !ok {
		t.Error("backend does not know the host again")
	}
}

func TestCredentialsChangeReregisters(t *testing.T) {
	h := newHarness(t, Options{}, nil, newHost("h4"))
	h.writeSecret("h4-bmc", "u", "old")
	v1 := h.waitFor("h4", "available", inState(v1alpha1.StateAvailable)).Status.GoodCredentials.CredentialsVersion
	h.writeSecret("h4-bmc", "u", "new")
	h.ctrl.SecretChanged(ns, "h4-bmc")
	h.waitFor("h4", "new credentials recorded", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.GoodCredentials.CredentialsVersion != v1
	})
}

// availableAndOn starts a harness with one host and waits until it is available and on.
func availableAndOn(t *testing.T, name string) *harness {
	h := newHarness(t, Options{}, nil, newHost(name))
	h.writeSecret(name+"-bmc", "u", "p")
	h.waitFor(name, "available and on", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.Provisioning.State == v1alpha1.StateAvailable && x.Status.PoweredOn
	})
	return h
}

// TestRebootAnnotations carries out reboot annotations as Metal3 does, and the subresource's
// one-shot reboot, on an available host (which honours Metal3's annotations only with force).
func TestRebootAnnotations(t *testing.T) {
	hasAnnotation := func(key string) func(*v1alpha1.BareMetalHost) bool {
		return func(x *v1alpha1.BareMetalHost) bool { _, ok := x.Annotations[key]; return ok }
	}
	calls := func(h *harness, name string) []string {
		var out []string
		for _, c := range h.prov.Calls(ns, name) {
			if c == "Reboot" || c == "PowerOff" || c == "PowerOn" {
				out = append(out, c)
			}
		}
		return out
	}
	t.Run("the subresource's annotation: one reset, then removed", func(t *testing.T) {
		h := availableAndOn(t, "once")
		before := len(calls(h, "once"))
		h.update("once", func(x *v1alpha1.BareMetalHost) {
			x.Annotations = map[string]string{v1alpha1.RebootSubresourceAnnotation: `{"mode":"hard"}`}
		})
		got := h.waitFor("once", "annotation consumed", func(x *v1alpha1.BareMetalHost) bool { return len(x.Annotations) == 0 })
		if c := calls(h, "once")[before:]; len(c) == 0 || c[0] != "Reboot" {
			t.Errorf("backend calls %v, want a Reboot", c)
		}
		if !got.Status.PoweredOn || !meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionRebooted) {
			t.Errorf("after the reboot: poweredOn %v, conditions %+v", got.Status.PoweredOn, got.Status.Conditions)
		}
	})
	t.Run("reboot.metal3.io: off, annotation removed, on again", func(t *testing.T) {
		h := availableAndOn(t, "plain")
		before := len(calls(h, "plain"))
		h.update("plain", func(x *v1alpha1.BareMetalHost) {
			x.Annotations = map[string]string{v1alpha1.RebootAnnotationPrefix: `{"force":true}`}
		})
		got := h.waitFor("plain", "annotation removed and on again", func(x *v1alpha1.BareMetalHost) bool {
			return !hasAnnotation(v1alpha1.RebootAnnotationPrefix)(x) && x.Status.PoweredOn &&
				meta.IsStatusConditionTrue(x.Status.Conditions, v1alpha1.ConditionRebooted)
		})
		if c := calls(h, "plain")[before:]; len(c) < 2 || c[0] != "PowerOff" || c[len(c)-1] != "PowerOn" {
			t.Errorf("backend calls %v, want PowerOff ... PowerOn", c)
		}
		if !got.Spec.Online {
			t.Error("spec.online changed")
		}
	})
	t.Run("reboot.metal3.io/<key>: kept off until removed", func(t *testing.T) {
		h := availableAndOn(t, "held")
		key := v1alpha1.RebootAnnotationPrefix + "/capm3-remediation"
		h.update("held", func(x *v1alpha1.BareMetalHost) {
			x.Annotations = map[string]string{key: `{"mode":"hard","force":true}`}
		})
		h.waitFor("held", "off and held", func(x *v1alpha1.BareMetalHost) bool {
			return !x.Status.PoweredOn && meta.IsStatusConditionFalse(x.Status.Conditions, v1alpha1.ConditionRebooted)
		})
		// Power polls come and go (every 20 ms here): the host stays off and the annotation
		// stays, because only its owner may remove it.
		polled := countCalls(h.prov.Calls(ns, "held"), "PowerState")
		err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			return countCalls(h.prov.Calls(ns, "held"), "PowerState") >= polled+3, nil
		})
		if err != nil {
			t.Fatal("the held host's power was not polled again")
		}
		if got := h.get("held"); !hasAnnotation(key)(got) || got.Status.PoweredOn {
			t.Fatalf("after three polls: annotation %v, powered on %v", hasAnnotation(key)(got), got.Status.PoweredOn)
		}
		h.update("held", func(x *v1alpha1.BareMetalHost) { delete(x.Annotations, key) })
		h.waitFor("held", "on again once released", func(x *v1alpha1.BareMetalHost) bool {
			return x.Status.PoweredOn && meta.IsStatusConditionTrue(x.Status.Conditions, v1alpha1.ConditionRebooted)
		})
	})
}

// TestReadRebootRequests reads annotations as Metal3 does: force needed unless provisioned,
// hard wins, the subresource's one apart.
func TestReadRebootRequests(t *testing.T) {
	const p = v1alpha1.RebootAnnotationPrefix
	cases := []struct {
		name        string
		state       v1alpha1.ProvisioningState
		annotations map[string]string
		want        rebootRequests
	}{
		{"none", v1alpha1.StateProvisioned, nil, rebootRequests{}},
		{"plain, provisioned", v1alpha1.StateProvisioned, map[string]string{p: ""},
			rebootRequests{hold: []string{p}, suffixless: true}},
		{"plain, available, no force: ignored but still removed when off", v1alpha1.StateAvailable, map[string]string{p: ""},
			rebootRequests{suffixless: true}},
		{"keyed, available, force", v1alpha1.StateAvailable, map[string]string{p + "/a": `{"force":true}`},
			rebootRequests{hold: []string{p + "/a"}}},
		{"hard wins", v1alpha1.StateExternallyProvisioned, map[string]string{p + "/a": `{"mode":"soft"}`, p + "/b": `{"mode":"hard"}`},
			rebootRequests{hold: []string{p + "/a", p + "/b"}, holdMode: provisioner.RebootModeHard}},
		{"unparsable value: soft", v1alpha1.StateProvisioned, map[string]string{p + "/a": `{`},
			rebootRequests{hold: []string{p + "/a"}}},
		{"subresource, any state", v1alpha1.StateAvailable, map[string]string{v1alpha1.RebootSubresourceAnnotation: `{"mode":"hard"}`},
			rebootRequests{once: true, onceMode: provisioner.RebootModeHard}},
		{"other annotations", v1alpha1.StateProvisioned, map[string]string{"reboot.metal3.iox": "", "x/reboot.metal3.io": ""}, rebootRequests{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost("h")
			h.Annotations = tc.annotations
			h.Status.Provisioning.State = tc.state
			want := tc.want
			if want.onceMode == "" {
				want.onceMode = provisioner.RebootModeSoft
			}
			if want.holdMode == "" {
				want.holdMode = provisioner.RebootModeSoft
			}
			if got := readRebootRequests(h); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestPausedHostIsLeftAlone(t *testing.T) {
	host := newHost("paused")
	host.Annotations = map[string]string{v1alpha1.PausedAnnotation: ""}
	h := newHarness(t, Options{}, nil, host)
	h.writeSecret("paused-bmc", "u", "p")
	time.Sleep(100 * time.Millisecond)
	if got := h.get("paused"); got.Status.Provisioning.State != "" || len(h.prov.Calls(ns, "paused")) != 0 {
		t.Errorf("paused host was reconciled: %+v", got.Status)
	}
}

func TestDetachAnnotation(t *testing.T) {
	h := newHarness(t, Options{}, nil, newHost("h6"))
	h.writeSecret("h6-bmc", "u", "p")
	h.waitFor("h6", "available", inState(v1alpha1.StateAvailable))
	h.update("h6", func(x *v1alpha1.BareMetalHost) { x.Annotations = map[string]string{v1alpha1.DetachedAnnotation: ""} })
	h.waitFor("h6", "detached", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.OperationalStatus == v1alpha1.OperationalStatusDetached
	})
	if _, ok := h.prov.Lookup(ns, "h6"); ok {
		t.Error("backend still knows the detached host")
	}
	h.update("h6", func(x *v1alpha1.BareMetalHost) { x.Annotations = nil })
	h.waitFor("h6", "reattached", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.OperationalStatus == v1alpha1.OperationalStatusOK && x.Status.Provisioning.ID != ""
	})
}

// TestProvisioningLimitIsHard: with a limit of 2, no more than 2 hosts are ever in a long
// state, as seen through the API, while 8 hosts walk through inspection and provisioning.
func TestProvisioningLimitIsHard(t *testing.T) {
	var hosts []*v1alpha1.BareMetalHost
	for i := 0; i < 8; i++ {
		host := newHost("lim-" + string(rune('a'+i)))
		host.Spec.Image = &v1alpha1.Image{URL: "http://i/os.raw", Checksum: "x"}
		hosts = append(hosts, host)
	}
	h := newHarness(t, testOptions(2), func(p *fakeprov.Provisioner) { p.StepPolls = 5 }, hosts...)
	for _, host := range hosts {
		h.writeSecret(host.Name+"-bmc", "u", "p")
	}
	sawDelayed := false
	err := wait.PollUntilContextTimeout(context.Background(), 2*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := h.client.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		long, done := 0, 0
		for _, x := range list.Items {
			if isLongState(x.Status.Provisioning.State) {
				long++
			}
			if x.Status.OperationalStatus == v1alpha1.OperationalStatusDelayed {
				sawDelayed = true
			}
			if x.Status.Provisioning.State == v1alpha1.StateProvisioned {
				done++
			}
		}
		if long > 2 {
			t.Fatalf("%d hosts in long states, limit 2", long)
		}
		return done == len(hosts), nil
	})
	if err != nil {
		t.Fatalf("hosts did not all provision: %v", err)
	}
	if !sawDelayed {
		t.Error("no host was ever shown as delayed")
	}
	if m := h.prov.MaxConcurrentLongSteps(); m > 2 {
		t.Errorf("backend saw %d long steps at once", m)
	}
	// Hosts waiting for an inspection slot are woken at every release; they registered
	// already and must not ask the backend again each time.
	for _, host := range hosts {
		registers := 0
		for _, call := range h.prov.Calls(ns, host.Name) {
			if call == "Register" {
				registers++
			}
		}
		if registers > 1 {
			t.Errorf("%s: Register called %d times; calls %v", host.Name, registers, h.prov.Calls(ns, host.Name))
		}
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c := &Controller{opts: Options{BackoffBase: time.Second, BackoffCap: time.Minute}}
	if d := c.backoff("uid", 1); d < 750*time.Millisecond || d > 1250*time.Millisecond {
		t.Errorf("backoff(1) = %v", d)
	}
	if d := c.backoff("uid", 4); d < 6*time.Second || d > 10*time.Second {
		t.Errorf("backoff(4) = %v", d)
	}
	if d := c.backoff("uid", 30); d > 75*time.Second {
		t.Errorf("backoff(30) = %v, want capped near 1m", d)
	}
	if c.backoff("uid", 5) != c.backoff("uid", 5) {
		t.Error("the same failure gives different delays")
	}
}

// TestBackoffIsHonoured: a host whose BMC keeps failing is retried at the backoff's pace, not
// at the pace of its own status writes' watch events.
func TestBackoffIsHonoured(t *testing.T) {
	opts := testOptions(0)
	opts.BackoffBase = 100 * time.Millisecond
	opts.BackoffCap = 400 * time.Millisecond
	h := newHarness(t, opts, nil, newHost("slow"))
	h.writeSecret("slow-bmc", "u", "p")
	h.prov.SetError(ns, "slow", "Register", errors.New("connection refused"))
	time.Sleep(2 * time.Second)
	calls := 0
	for _, c := range h.prov.Calls(ns, "slow") {
		if c == "Register" {
			calls++
		}
	}
	// 0.1+0.2+0.4+0.4+... within 2s is at most ~7 attempts even with -25% jitter.
	if calls < 3 || calls > 9 {
		t.Errorf("%d registration attempts in 2s with backoff 100ms..400ms", calls)
	}
	// New credentials retry at once, whatever the backoff (read from the Secret's version
	// against status.triedCredentials, not from a wake-up the process remembers).
	h.prov.SetError(ns, "slow", "Register", nil)
	h.writeSecret("slow-bmc", "u", "p2")
	h.ctrl.SecretChanged(ns, "slow-bmc")
	h.waitFor("slow", "registered after the wake-up", func(x *v1alpha1.BareMetalHost) bool { return x.Status.Provisioning.ID != "" })
}

// TestDelayedHostReregistersAfterAddressChange: a host registered and waiting for an
// inspection slot is not registered again at every slot release, but is when its BMC address
// changes meanwhile (validation allows that while registering).
func TestDelayedHostReregistersAfterAddressChange(t *testing.T) {
	busy, waiting := newHost("busy"), newHost("waiting")
	h := newHarness(t, testOptions(1), func(p *fakeprov.Provisioner) { p.StepPolls = 1 << 30 }, busy)
	h.writeSecret("busy-bmc", "u", "p")
	h.waitFor("busy", "inspecting", inState(v1alpha1.StateInspecting))

	h.writeSecret("waiting-bmc", "u", "p")
	if _, err := h.client.BaremetalV1alpha1().BareMetalHosts(ns).Create(context.Background(), waiting, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("waiting", "delayed", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.OperationalStatus == v1alpha1.OperationalStatusDelayed
	})
	// The API server forgets the good credentials with the old address (asTheStrategy).
	h.update("waiting", func(x *v1alpha1.BareMetalHost) { x.Spec.BMC.Address = "fake://192.0.2.99" })
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		rec, ok := h.prov.Lookup(ns, "waiting")
		return ok && rec.Address == "fake://192.0.2.99", nil
	})
	if err != nil {
		t.Fatalf("the new BMC address never reached the backend; calls %v", h.prov.Calls(ns, "waiting"))
	}
	if got := h.get("waiting").Status.Provisioning.State; got != v1alpha1.StateRegistering {
		t.Errorf("state %s, want still registering (the slot is held)", got)
	}
}

// TestRestoredHostIsAdoptedNotProvisioned: a provisioned host re-created with Metal3's status
// annotation (a pivot, or a host deleted as detached and created again) carries on from its
// status: registered again and adopted, never inspected, cleaned, deployed or powered off; the
// annotation is removed once the status is written. The hardware details annotation sets the
// inventory of a host that has none.
func TestRestoredHostIsAdoptedNotProvisioned(t *testing.T) {
	image := &v1alpha1.Image{URL: "http://192.0.2.1/os.qcow2", Checksum: "abc"}
	status := v1alpha1.BareMetalHostStatus{
		OperationalStatus: v1alpha1.OperationalStatusOK,
		PoweredOn:         true,
		Provisioning: v1alpha1.ProvisionStatus{State: v1alpha1.StateProvisioned, ID: "old-cluster-node",
			Image: *image.DeepCopy()},
		Hardware: &v1alpha1.HardwareDetails{RAMMebibytes: 4096, CPU: v1alpha1.CPU{Count: 2, Arch: "x86_64"}},
	}
	raw, err := json.Marshal(status)
	if err != nil {
		t.Fatal(err)
	}
	host := newHost("moved")
	host.Spec.Image = image
	host.Annotations = map[string]string{v1alpha1.StatusAnnotation: string(raw)}
	h := newHarness(t, Options{}, nil, host)
	h.writeSecret("moved-bmc", "u", "p")
	got := h.waitFor("moved", "provisioned, adopted, annotation removed", func(x *v1alpha1.BareMetalHost) bool {
		_, pending := x.Annotations[v1alpha1.StatusAnnotation]
		return !pending && x.Status.Provisioning.State == v1alpha1.StateProvisioned &&
			meta.IsStatusConditionTrue(x.Status.Conditions, v1alpha1.ConditionReady) && x.Status.GoodCredentials.Credentials != nil
	})
	if got.Status.Hardware == nil || got.Status.Hardware.RAMMebibytes != 4096 {
		t.Errorf("hardware not restored: %+v", got.Status.Hardware)
	}
	adopted := false
	for _, c := range h.prov.Calls(ns, "moved") {
		switch c {
		case "Inspect", "Prepare", "Provision", "Deprovision", "PowerOff", "Reboot":
			t.Errorf("backend call %s on a restored provisioned host (calls %v)", c, h.prov.Calls(ns, "moved"))
		case "Adopt":
			adopted = true
		}
	}
	if !adopted {
		t.Errorf("the restored host was not adopted: calls %v", h.prov.Calls(ns, "moved"))
	}

	t.Run("hardware details annotation", func(t *testing.T) {
		host := newHost("inventoried")
		host.Spec.InspectionMode = v1alpha1.InspectionModeDisabled
		host.Spec.BootMACAddress = "00:11:22:33:44:55"
		host.Annotations = map[string]string{v1alpha1.HardwareDetailsAnnotation: `{"ramMebibytes":2048,"cpu":{"count":4}}`}
		h := newHarness(t, Options{}, nil, host)
		h.writeSecret("inventoried-bmc", "u", "p")
		got := h.waitFor("inventoried", "available with the annotation's hardware", func(x *v1alpha1.BareMetalHost) bool {
			_, pending := x.Annotations[v1alpha1.HardwareDetailsAnnotation]
			return !pending && x.Status.Provisioning.State == v1alpha1.StateAvailable
		})
		if got.Status.Hardware == nil || got.Status.Hardware.RAMMebibytes != 2048 || got.Status.Hardware.CPU.Count != 4 {
			t.Errorf("hardware %+v, want the annotation's", got.Status.Hardware)
		}
		for _, c := range h.prov.Calls(ns, "inventoried") {
			if c == "Inspect" {
				t.Error("inspected although inspection is disabled and the details were given")
			}
		}
	})
}

// TestHardwareProfile: Metal3's root device default when no hints are given.
func TestHardwareProfile(t *testing.T) {
	access := func(address string) *bmc.Access {
		a, err := bmc.ParseWithOptions(address, bmc.Options{AllowTestSchemes: true})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	spec := &v1alpha1.RootDeviceHints{SerialNumber: "S123"}
	cases := []struct {
		name        string
		address     string
		hints       *v1alpha1.RootDeviceHints
		raid        *v1alpha1.RAIDConfig
		profile     string
		wantProfile string
		wantHints   *v1alpha1.RootDeviceHints
	}{
		{"hardware", "redfish://192.0.2.1/redfish/v1/Systems/1", nil, nil, "", "unknown", &v1alpha1.RootDeviceHints{DeviceName: "/dev/sda"}},
		{"libvirt", "libvirt://192.0.2.1:6233/uuid", nil, nil, "", "libvirt", &v1alpha1.RootDeviceHints{DeviceName: "/dev/vda"}},
		{"spec hints win", "libvirt://192.0.2.1:6233/uuid", spec, nil, "", "libvirt", spec},
		{"software RAID root: no hint", "redfish://192.0.2.1/x", nil,
			&v1alpha1.RAIDConfig{SoftwareRAIDVolumes: []v1alpha1.SoftwareRAIDVolume{{Level: "1"}}}, "", "unknown", nil},
		{"spec profile named", "ipmi://192.0.2.1", nil, nil, "dell", "dell", &v1alpha1.RootDeviceHints{DeviceName: "/dev/sda"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost("h")
			h.Spec.RootDeviceHints, h.Spec.RAID, h.Spec.HardwareProfile = tc.hints, tc.raid, tc.profile
			profile, hints := hardwareProfile(h, access(tc.address))
			if profile != tc.wantProfile || !reflect.DeepEqual(hints, tc.wantHints) {
				t.Errorf("got %q %+v, want %q %+v", profile, hints, tc.wantProfile, tc.wantHints)
			}
		})
	}
}

// TestProvisioningRetriesAreBounded: Metal3's --max-provisioning-retries. Each failed attempt
// is counted and deprovisioned (cleaned) before the next; at the limit the host stays
// available with an error naming it; a new image starts again from zero.
func TestProvisioningRetriesAreBounded(t *testing.T) {
	host := newHost("flaky")
	host.Spec.Image = &v1alpha1.Image{URL: "http://192.0.2.1/bad.qcow2", Checksum: "abc"}
	opts := testOptions(0)
	opts.MaxProvisioningRetries = 2
	h := newHarness(t, opts, func(p *fakeprov.Provisioner) {
		p.SetFailure(ns, "flaky", "Provision", "deploy failed: image checksum mismatch")
	}, host)
	h.writeSecret("flaky-bmc", "u", "p")
	got := h.waitFor("flaky", "available at the retry limit", func(x *v1alpha1.BareMetalHost) bool {
		return x.Status.Provisioning.State == v1alpha1.StateAvailable && strings.Contains(x.Status.ErrorMessage, "retry limit (2) reached")
	})
	if got.Status.ProvisioningFailCount != 2 || got.Status.ErrorType != v1alpha1.ProvisioningError ||
		got.Status.LastAttemptedImage == nil || got.Status.LastAttemptedImage.URL != "http://192.0.2.1/bad.qcow2" {
		t.Errorf("status at the limit: failCount %d, errorType %q, lastAttemptedImage %+v",
			got.Status.ProvisioningFailCount, got.Status.ErrorType, got.Status.LastAttemptedImage)
	}
	// Every attempt was followed by a deprovisioning before the next one.
	var attempts []string
	for _, c := range h.prov.Calls(ns, "flaky") {
		if c == "Provision" || c == "Deprovision" {
			if len(attempts) == 0 || attempts[len(attempts)-1] != c {
				attempts = append(attempts, c)
			}
		}
	}
	if want := "Provision Deprovision Provision Deprovision"; strings.Join(attempts, " ") != want {
		t.Errorf("backend calls %v, want %s", attempts, want)
	}

	// A new image is a new start.
	h.prov.SetFailure(ns, "flaky", "Provision", "")
	h.update("flaky", func(x *v1alpha1.BareMetalHost) { x.Spec.Image.URL = "http://192.0.2.1/good.qcow2" })
	got = h.waitFor("flaky", "provisioned with the new image", inState(v1alpha1.StateProvisioned))
	if got.Status.ProvisioningFailCount != 0 || got.Status.ErrorType != "" {
		t.Errorf("after the new image: failCount %d, error %q", got.Status.ProvisioningFailCount, got.Status.ErrorMessage)
	}
}

// provisionedHost is a host of the harness walked to provisioned.
func provisionedHost(t *testing.T, name string, setup func(*fakeprov.Provisioner)) *harness {
	host := newHost(name)
	host.Spec.Image = &v1alpha1.Image{URL: "http://192.0.2.1/os.qcow2", Checksum: "abc"}
	h := newHarness(t, Options{}, setup, host)
	h.writeSecret(name+"-bmc", "u", "p")
	h.waitFor(name, "provisioned", inState(v1alpha1.StateProvisioned))
	return h
}

func countCalls(calls []string, method string) int {
	n := 0
	for _, c := range calls {
		if c == method {
			n++
		}
	}
	return n
}

// TestDeleteDetachedHost: Metal3's detached annotation arguments on deletion. By default a
// detached host is only forgotten, never deprovisioned or powered off; with deleteAction
// "delay" its deletion waits for the annotation to go, and then the host is attached again
// and deleted like any other (deprovisioned first).
func TestDeleteDetachedHost(t *testing.T) {
	t.Run("delete", func(t *testing.T) {
		h := provisionedHost(t, "gone", nil)
		h.update("gone", func(x *v1alpha1.BareMetalHost) { x.Annotations = map[string]string{v1alpha1.DetachedAnnotation: ""} })
		h.waitFor("gone", "detached", func(x *v1alpha1.BareMetalHost) bool {
			return x.Status.OperationalStatus == v1alpha1.OperationalStatusDetached
		})
		h.update("gone", func(x *v1alpha1.BareMetalHost) { now := metav1.Now(); x.DeletionTimestamp = &now })
		h.waitFor("gone", "finalized", func(x *v1alpha1.BareMetalHost) bool { return !hasFinalizer(x) })
		calls := h.prov.Calls(ns, "gone")
		if countCalls(calls, "Deprovision") != 0 || countCalls(calls, "PowerOff") != 0 {
			t.Errorf("a detached host was touched while deleted: %v", calls)
		}
	})
	t.Run("delay", func(t *testing.T) {
		h := provisionedHost(t, "kept", nil)
		h.update("kept", func(x *v1alpha1.BareMetalHost) {
			x.Annotations = map[string]string{v1alpha1.DetachedAnnotation: `{"deleteAction":"delay"}`}
		})
		h.waitFor("kept", "detached", func(x *v1alpha1.BareMetalHost) bool {
			return x.Status.OperationalStatus == v1alpha1.OperationalStatusDetached
		})
		before, _ := testutil.GetCounterMetricValue(metal3DeleteDetached)
		h.update("kept", func(x *v1alpha1.BareMetalHost) { now := metav1.Now(); x.DeletionTimestamp = &now })
		// The reconciler saw the deletion and delayed it (the counter), and the host is kept.
		err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			v, _ := testutil.GetCounterMetricValue(metal3DeleteDetached)
			return v > before, nil
		})
		if err != nil {
			t.Fatal("the deletion of the detached host was never delayed")
		}
		if x := h.get("kept"); !hasFinalizer(x) || x.Status.Provisioning.State != v1alpha1.StateProvisioned {
			t.Fatalf("delayed host: finalizer %v, state %s", hasFinalizer(x), x.Status.Provisioning.State)
		}
		// Attached again: registered, deprovisioned (cleaned), then let go.
		h.update("kept", func(x *v1alpha1.BareMetalHost) { x.Annotations = nil })
		h.waitFor("kept", "finalized", func(x *v1alpha1.BareMetalHost) bool { return !hasFinalizer(x) })
		if calls := h.prov.Calls(ns, "kept"); countCalls(calls, "Register") < 2 || countCalls(calls, "Deprovision") == 0 {
			t.Errorf("backend calls %v: want the host registered again and deprovisioned", calls)
		}
	})
}

// TestDetachWaitsForTheOperation: Metal3's rule of which states may detach. A host asked to
// detach while provisioning is detached once provisioned; {"force":true} detaches at once.
func TestDetachWaitsForTheOperation(t *testing.T) {
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("force=%t", force), func(t *testing.T) {
			host := newHost("busy")
			host.Spec.Image = &v1alpha1.Image{URL: "http://192.0.2.1/os.qcow2", Checksum: "abc"}
			h := newHarness(t, Options{}, func(p *fakeprov.Provisioner) {
				p.SetError(ns, "busy", "Provision", errors.New("backend unreachable"))
			}, host)
			h.writeSecret("busy-bmc", "u", "p")
			h.waitFor("busy", "failing in provisioning", func(x *v1alpha1.BareMetalHost) bool {
				return x.Status.Provisioning.State == v1alpha1.StateProvisioning && x.Status.ErrorCount > 0
			})
			value := ""
			if force {
				value = `{"force":true}`
			}
			h.update("busy", func(x *v1alpha1.BareMetalHost) { x.Annotations = map[string]string{v1alpha1.DetachedAnnotation: value} })
			if force {
				h.waitFor("busy", "detached while provisioning", func(x *v1alpha1.BareMetalHost) bool {
					return x.Status.OperationalStatus == v1alpha1.OperationalStatusDetached && x.Status.Provisioning.State == v1alpha1.StateProvisioning
				})
				return
			}
			h.prov.SetError(ns, "busy", "Provision", nil)
			h.waitFor("busy", "provisioned, then detached", func(x *v1alpha1.BareMetalHost) bool {
				return x.Status.OperationalStatus == v1alpha1.OperationalStatusDetached && x.Status.Provisioning.State == v1alpha1.StateProvisioned
			})
		})
	}
}

// TestHasPendingFirmware: what a new HostFirmwareSettings or HostFirmwareComponents must ask for
// to wake its host; the empty ones the firmware reader creates ask for nothing.
func TestHasPendingFirmware(t *testing.T) {
	read := metav1.Now()
	update := v1alpha1.FirmwareUpdate{Component: "bios", URL: "http://192.0.2.1/bios.bin"}
	for _, tc := range []struct {
		name string
		obj  interface{}
		want bool
	}{
		{"settings created by the reader", &v1alpha1.HostFirmwareSettings{}, false},
		{"settings wanted, not read yet", &v1alpha1.HostFirmwareSettings{Spec: v1alpha1.HostFirmwareSettingsSpec{
			Settings: v1alpha1.DesiredSettingsMap{"SecureBoot": intstr.FromString("Enabled")}}}, false},
		{"settings wanted, read otherwise", &v1alpha1.HostFirmwareSettings{
			Spec:   v1alpha1.HostFirmwareSettingsSpec{Settings: v1alpha1.DesiredSettingsMap{"SecureBoot": intstr.FromString("Enabled")}},
			Status: v1alpha1.HostFirmwareSettingsStatus{Settings: map[string]string{"SecureBoot": "Disabled"}, LastUpdated: &read}}, true},
		{"components created by the reader", &v1alpha1.HostFirmwareComponents{}, false},
		{"an update asked for", &v1alpha1.HostFirmwareComponents{Spec: v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{update}}}, true},
		{"an update applied", &v1alpha1.HostFirmwareComponents{Spec: v1alpha1.HostFirmwareComponentsSpec{Updates: []v1alpha1.FirmwareUpdate{update}},
			Status: v1alpha1.HostFirmwareComponentsStatus{Updates: []v1alpha1.FirmwareUpdate{update}}}, false},
	} {
		if got := hasPendingFirmware(tc.obj); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
