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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/install"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/fake"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost"
)

// The generated fake clientset stores objects but knows nothing of the subresources' meaning:
// a GET of baremetalhosts/power would hand back the host itself. The reactors below give it a
// small model of the server's power, reboot and inspect storage, enough for the plugin's logic;
// test/integration/plugin_test.go checks the plugin against the real server.

const testNS = "default"

var (
	testNow  = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	hostsGVR = v1alpha1.SchemeGroupVersion.WithResource("baremetalhosts")
)

func newTestHost(name string, mutate ...func(*v1alpha1.BareMetalHost)) *v1alpha1.BareMetalHost {
	h := &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: testNS, ResourceVersion: "1", Generation: 1,
			CreationTimestamp: metav1.NewTime(testNow.Add(-2 * time.Hour)),
		},
		Spec: v1alpha1.BareMetalHostSpec{
			Online: true,
			BMC:    v1alpha1.BMCDetails{Address: "redfish://192.0.2.1/redfish/v1/Systems/" + name, CredentialsName: name + "-bmc"},
		},
	}
	for _, m := range mutate {
		m(h)
	}
	return h
}

// available makes a host registered, available and powered on: the state actions are allowed in.
func available(h *v1alpha1.BareMetalHost) {
	h.Status.Provisioning.State = v1alpha1.StateAvailable
	h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
	h.Status.PoweredOn = true
}

type harness struct {
	t           *testing.T
	o           *Options
	cs          *fake.Clientset
	dyn         *dynamicfake.FakeDynamicClient // HostUpdatePolicies, which the typed client lacks
	out, errOut *syncBuffer
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	// NewClientset: its field-managed tracker types hosts through the generated apply
	// configurations' schema, as the server does.
	// The fake guesses a kind's resource from its name, "hostfirmwaresettingses": the firmware
	// kinds go in under their real resource names.
	var typed []runtime.Object
	firmware := map[runtime.Object]schema.GroupVersionResource{}
	for _, obj := range objs {
		switch obj.(type) {
		case *v1alpha1.HostFirmwareSettings:
			firmware[obj] = v1alpha1.SchemeGroupVersion.WithResource("hostfirmwaresettings")
		case *v1alpha1.HostFirmwareComponents:
			firmware[obj] = v1alpha1.SchemeGroupVersion.WithResource("hostfirmwarecomponents")
		default:
			typed = append(typed, obj)
		}
	}
	cs := fake.NewClientset(typed...)
	for obj, gvr := range firmware {
		if err := cs.Tracker().Create(gvr, obj, testNS); err != nil {
			t.Fatal(err)
		}
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{hostUpdatePoliciesGVR: "HostUpdatePolicyList"})
	h := &harness{t: t, cs: cs, dyn: dyn, out: &syncBuffer{}, errOut: &syncBuffer{}}
	h.o = NewOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: h.out, ErrOut: h.errOut})
	h.o.newClient = func() (versioned.Interface, error) { return cs, nil }
	h.o.newDynamic = func() (dynamic.Interface, error) { return dyn, nil }
	h.o.namespace = func() (string, error) { return testNS, nil }
	h.o.now = func() time.Time { return testNow }
	h.o.tablePage = func(ctx context.Context, ns string, opts metav1.ListOptions) (*metav1.Table, error) {
		return serverTable(ctx, cs, ns, opts)
	}
	h.installSubresources()
	return h
}

// run runs the plugin with args and returns its exit status.
func (h *harness) run(args ...string) int {
	cmd := newCommand(h.o)
	cmd.SetArgs(args)
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ran, err := cmd.ExecuteContextC(ctx)
	return report(h.o.IOStreams, ran, err)
}

// runAsync runs the plugin in the background; the returned function waits for its exit status.
func (h *harness) runAsync(args ...string) func() int {
	done := make(chan int, 1)
	go func() { done <- h.run(args...) }()
	return func() int {
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			h.t.Fatalf("kubectl baremetal %s did not return\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), h.out, h.errOut)
			return -1
		}
	}
}

// awaitFollowing waits until a waiting command follows its host: its watch is open and its
// first line, read from the watch's first event, printed. A change made afterwards is seen as a
// change, not as the initial state (the fake's watch, unlike the server's, does not start from
// the resourceVersion listed).
func (h *harness) awaitFollowing() {
	h.t.Helper()
	h.awaitWatches(1)
	h.out.await(h.t, "(waiting")
}

// awaitWatches waits until the plugin has opened n watches.
func (h *harness) awaitWatches(n int) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(h.actions("watch", "")) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("no watch opened; stdout:\n%s\nstderr:\n%s", h.out, h.errOut)
}

// actions are the recorded client actions with verb and subresource.
func (h *harness) actions(verb, subresource string) []k8stesting.Action {
	var as []k8stesting.Action
	for _, a := range h.cs.Actions() {
		if a.GetVerb() == verb && a.GetSubresource() == subresource {
			as = append(as, a)
		}
	}
	return as
}

func (h *harness) host(name string) *v1alpha1.BareMetalHost {
	h.t.Helper()
	return h.hostIn(testNS, name)
}

func (h *harness) hostIn(ns, name string) *v1alpha1.BareMetalHost {
	h.t.Helper()
	obj, err := h.cs.Tracker().Get(hostsGVR, ns, name)
	if err != nil {
		h.t.Fatal(err)
	}
	return obj.(*v1alpha1.BareMetalHost).DeepCopy()
}

// change updates a stored host, bumping its resourceVersion as the server would.
func (h *harness) change(name string, mutate func(*v1alpha1.BareMetalHost)) {
	h.t.Helper()
	host := h.host(name)
	mutate(host)
	bump(host)
	if err := h.cs.Tracker().Update(hostsGVR, host, testNS); err != nil {
		h.t.Fatal(err)
	}
}

func bump(host *v1alpha1.BareMetalHost) {
	rv, _ := strconv.Atoi(host.ResourceVersion)
	host.ResourceVersion = strconv.Itoa(rv + 1)
}

func (h *harness) installSubresources() {
	tracker := h.cs.Tracker()
	get := func(ns, name string) (*v1alpha1.BareMetalHost, error) {
		obj, err := tracker.Get(hostsGVR, ns, name)
		if err != nil {
			return nil, err
		}
		return obj.(*v1alpha1.BareMetalHost).DeepCopy(), nil
	}
	h.cs.PrependReactor("get", "baremetalhosts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ga := a.(k8stesting.GetAction)
		if ga.GetSubresource() == "" {
			return false, nil, nil
		}
		host, err := get(ga.GetNamespace(), ga.GetName())
		if err != nil {
			return true, nil, err
		}
		switch ga.GetSubresource() {
		case "power":
			return true, powerOf(host), nil
		case "inspect":
			return true, inspectionOf(host), nil
		}
		return true, nil, apierrors.NewMethodNotSupported(hostsGVR.GroupResource(), "get")
	})
	h.cs.PrependReactor("update", "baremetalhosts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ua := a.(k8stesting.UpdateActionImpl)
		if ua.GetSubresource() != "power" {
			return false, nil, nil
		}
		p := ua.GetObject().(*v1alpha1.Power)
		host, err := get(ua.GetNamespace(), p.Name)
		if err != nil {
			return true, nil, err
		}
		if p.ResourceVersion != host.ResourceVersion {
			return true, nil, apierrors.NewConflict(hostsGVR.GroupResource(), p.Name,
				fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
		}
		host.Spec.Online = p.Spec.State == v1alpha1.PowerOn
		if len(ua.UpdateOptions.DryRun) > 0 {
			return true, powerOf(host), nil
		}
		bump(host)
		return true, powerOf(host), tracker.Update(hostsGVR, host, host.Namespace)
	})
	h.cs.PrependReactor("create", "baremetalhosts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca := a.(k8stesting.CreateActionImpl)
		sub := ca.GetSubresource()
		if sub != "reboot" && sub != "inspect" {
			return false, nil, nil
		}
		host, err := get(ca.GetNamespace(), ca.Name)
		if err != nil {
			return true, nil, err
		}
		// The server's rule, reduced to what the tests use.
		switch st := host.Status.Provisioning.State; {
		case st == v1alpha1.StateNone:
			return true, nil, apierrors.NewConflict(hostsGVR.GroupResource(), host.Name, fmt.Errorf("cannot %s: the host is not registered yet", sub))
		case st != v1alpha1.StateAvailable && st != v1alpha1.StateProvisioned:
			return true, nil, apierrors.NewConflict(hostsGVR.GroupResource(), host.Name, fmt.Errorf("cannot %s: the host is %s", sub, st))
		}
		if len(ca.CreateOptions.DryRun) == 0 {
			if host.Annotations == nil {
				host.Annotations = map[string]string{}
			}
			if sub == "inspect" {
				host.Annotations[v1alpha1.InspectAnnotationPrefix] = ""
			} else {
				mode := ca.GetObject().(*v1alpha1.RebootRequest).Spec.Mode
				host.Annotations[v1alpha1.RebootAnnotationPrefix+"/baremetal-api"] = `{"mode":"` + string(mode) + `"}`
			}
			bump(host)
			if err := tracker.Update(hostsGVR, host, host.Namespace); err != nil {
				return true, nil, err
			}
		}
		return true, &metav1.Status{Status: metav1.StatusSuccess, Code: 202, Reason: "Accepted", Message: sub + " accepted"}, nil
	})
}

// powerOf is the server's Power view of a host (registry storage powerFromHost), from the same
// host views the server uses.
func powerOf(h *v1alpha1.BareMetalHost) *v1alpha1.Power {
	p := &v1alpha1.Power{
		ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, ResourceVersion: h.ResourceVersion},
		Spec:       v1alpha1.PowerSpec{State: h.DesiredPower()},
	}
	p.Status.State, p.Status.Pending = h.ObservedPower(), h.PowerPending()
	if !h.PowerObserved() {
		return p
	}
	if c := meta.FindStatusCondition(h.Status.Conditions, "PoweredOn"); c != nil {
		t := c.LastTransitionTime
		p.Status.LastTransitionTime = &t
	}
	if h.Status.ErrorType == v1alpha1.PowerManagementError {
		p.Status.Message = h.Status.ErrorMessage
	}
	return p
}

// apiScheme converts hosts to the internal type, which the server's table convertor prints.
var apiScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	install.Install(s)
	return s
}()

// serverTable is what the server answers a list asked for as a Table: its own TableConvertor's
// rows, in etcd's order (namespace, name), each with the host's metadata as raw JSON.
func serverTable(ctx context.Context, cs versioned.Interface, ns string, opts metav1.ListOptions) (*metav1.Table, error) {
	list, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool {
		a, b := list.Items[i], list.Items[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	internal := &baremetal.BareMetalHostList{}
	if err := apiScheme.Convert(list, internal, nil); err != nil {
		return nil, err
	}
	table, err := baremetalhost.TableConvertor.ConvertToTable(ctx, internal, &metav1.TableOptions{})
	if err != nil {
		return nil, err
	}
	table.Kind, table.APIVersion = "Table", "meta.k8s.io/v1"
	for i := range table.Rows {
		meta := &metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"},
			ObjectMeta: list.Items[i].ObjectMeta,
		}
		raw, err := json.Marshal(meta)
		if err != nil {
			return nil, err
		}
		table.Rows[i].Object = runtime.RawExtension{Raw: raw}
	}
	return table, nil
}

// inspectionOf is the server's Inspection view of a host (registry storage inspectionFromHost),
// from the same host view the server uses.
func inspectionOf(h *v1alpha1.BareMetalHost) *v1alpha1.Inspection {
	in := &v1alpha1.Inspection{ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, ResourceVersion: h.ResourceVersion}}
	if op := h.Status.OperationHistory.Inspect; !op.End.IsZero() {
		t := op.End
		in.Status.CompletionTime = &t
	}
	if op := h.Status.OperationHistory.Inspect; !op.Start.IsZero() {
		t := op.Start
		in.Status.StartTime = &t
	}
	in.Status.Hardware = h.Status.Hardware.DeepCopy()
	in.Status.State, in.Status.Message = h.InspectionState()
	return in
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// await polls until the output contains s, for steps that depend on what the plugin printed.
func (b *syncBuffer) await(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(b.String(), s) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("output never contained %q:\n%s", s, b.String())
}
