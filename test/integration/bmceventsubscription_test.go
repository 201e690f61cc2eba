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

package integration

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	simredfish "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// eventSink is a webhook on loopback that records the Redfish events posted to it.
type eventSink struct {
	*httptest.Server
	mu     sync.Mutex
	events []sinkEvent
}

type sinkEvent struct {
	path   string
	header http.Header
	doc    map[string]any
}

func newEventSink(t *testing.T) *eventSink {
	t.Helper()
	s := &eventSink{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var doc map[string]any
		_ = json.Unmarshal(b, &doc)
		s.mu.Lock()
		s.events = append(s.events, sinkEvent{path: r.URL.Path, header: r.Header.Clone(), doc: doc})
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})}}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *eventSink) received() []sinkEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// writeSecret writes a Secret where a standalone server reads Secrets.
func writeSecret(t *testing.T, dataDir, name string, data map[string]string) {
	t.Helper()
	dir := filepath.Join(dataDir, "secrets", ns, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// waitSubscription polls a BMCEventSubscription until cond holds; a nil object is one that
// is gone.
func waitSubscription(t *testing.T, cs clientset.Interface, name, what string, cond func(*v1alpha1.BMCEventSubscription) bool) *v1alpha1.BMCEventSubscription {
	t.Helper()
	var last *v1alpha1.BMCEventSubscription
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		s, err := cs.BaremetalV1alpha1().BMCEventSubscriptions(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return cond(nil), nil
		}
		if err != nil {
			return false, nil
		}
		last = s
		return cond(s), nil
	})
	if err != nil {
		t.Fatalf("BMCEventSubscription %s: not %s within a minute (last: %+v)", name, what, last)
	}
	return last
}

// TestBMCEventSubscriptionsThroughTheServer: a BMCEventSubscription becomes a subscription on
// the host's BMC (the simulator) with the headers of its Secret, the BMC's test event reaches
// the webhook with those headers, and deleting the object deletes the subscription first; on
// each backend (Ironic's own redfish driver on the simulator for the Ironic one).
func TestBMCEventSubscriptionsThroughTheServer(t *testing.T) {
	t.Run("redfish", func(t *testing.T) { testSubscriptionsThroughTheServer(t, "--provisioner=redfish") })
	t.Run("ironic", func(t *testing.T) {
		ir := framework.StartIronic(t)
		testSubscriptionsThroughTheServer(t, "--provisioner=ironic", "--ironic-endpoint="+ir.Endpoint, "--ironic-poll-interval=200ms")
	})
}

func testSubscriptionsThroughTheServer(t *testing.T, backendArgs ...string) {
	const headerValue = "Bearer evt-T0ken-51d2c7"
	sim := startRedfishSim(t, 1, 0, "")
	sink := newEventSink(t)
	dataDir := t.TempDir()
	srv := framework.StartStandalone(t, serverBin, dataDir, append(backendArgs, "-v=2",
		"--error-backoff-base=200ms", "--error-backoff-cap=2s")...)
	cs := srv.Clientset(t)
	ctx := ctxFor(t)
	subs := cs.BaremetalV1alpha1().BMCEventSubscriptions(ns)
	writeRedfishCredentials(t, dataDir, "evt-bmc")
	writeSecret(t, dataDir, "evt-headers", map[string]string{"Authorization": headerValue, "X-Cluster": "east"})

	subscription := func(name string) *v1alpha1.BMCEventSubscription {
		return &v1alpha1.BMCEventSubscription{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.BMCEventSubscriptionSpec{
				HostName: "evt-host", Destination: sink.URL + "/events/" + name, Context: "ctx-" + name,
				HTTPHeadersRef: &v1alpha1.SecretReference{Name: "evt-headers", Namespace: ns},
			},
		}
	}

	start := time.Now()
	// Before its host exists: the finalizer, and an error that says what is missing.
	if _, err := subs.Create(ctx, subscription("first"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSubscription(t, cs, "first", "waiting for its host", func(s *v1alpha1.BMCEventSubscription) bool {
		return s != nil && strings.Contains(s.Status.Error, `"evt-host" not found`) &&
			slices.Contains(s.Finalizers, v1alpha1.BMCEventSubscriptionFinalizer)
	})

	h := &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "evt-host", Namespace: ns},
		Spec: v1alpha1.BareMetalHostSpec{
			BootMACAddress: sim.System("1").Inventory().NICs[0].MAC,
			BMC:            v1alpha1.BMCDetails{Address: sim.BMCAddress("1"), CredentialsName: "evt-bmc"},
			// Nothing that needs Ironic's agent: the host only has to register.
			InspectionMode:        v1alpha1.InspectionModeDisabled,
			AutomatedCleaningMode: v1alpha1.CleaningModeDisabled,
		},
	}
	if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first := waitSubscription(t, cs, "first", "created on the BMC", func(s *v1alpha1.BMCEventSubscription) bool {
		return s != nil && s.Status.SubscriptionID != "" && s.Status.Error == ""
	})
	t.Logf("subscribed %s after the subscription's creation (the host registered in between)", time.Since(start).Round(time.Millisecond))

	onBMC := sim.Subscriptions()
	if len(onBMC) != 1 || onBMC[0].ID != first.Status.SubscriptionID || onBMC[0].Destination != sink.URL+"/events/first" ||
		onBMC[0].Context != "ctx-first" || onBMC[0].HTTPHeaders["Authorization"] != headerValue || onBMC[0].HTTPHeaders["X-Cluster"] != "east" {
		t.Fatalf("subscriptions on the BMC: %+v", onBMC)
	}

	// The BMC's test event reaches the webhook with the Secret's headers and the context.
	ds := sim.SubmitTestEvent(ctx, simredfish.TestEvent{Message: "fan failure", Severity: "Critical"})
	if len(ds) != 1 || ds[0].Err != nil {
		t.Fatalf("test event deliveries: %+v", ds)
	}
	got := sink.received()
	if len(got) != 1 || got[0].path != "/events/first" || got[0].header.Get("Authorization") != headerValue ||
		got[0].header.Get("X-Cluster") != "east" || got[0].doc["Context"] != "ctx-first" {
		t.Fatalf("the webhook received %+v", got)
	}

	// Created once: a restart of the reconciler (here: of the server) decides from status.
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitReady(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	cs = srv.Clientset(t)
	subs = cs.BaremetalV1alpha1().BMCEventSubscriptions(ns)

	// A second subscription the BMC loses (a reset to defaults): deleting it is fine.
	if _, err := subs.Create(ctx, subscription("second"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	second := waitSubscription(t, cs, "second", "created on the BMC", func(s *v1alpha1.BMCEventSubscription) bool {
		return s != nil && s.Status.SubscriptionID != ""
	})
	if n := len(sim.Subscriptions()); n != 2 {
		t.Fatalf("%d subscriptions on the BMC after the restart and a second one, want 2", n)
	}
	if !sim.RemoveSubscription(second.Status.SubscriptionID) {
		t.Fatal("the simulator did not have the second subscription")
	}

	for _, name := range []string{"first", "second"} {
		start := time.Now()
		if err := subs.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitSubscription(t, cs, name, "gone", func(s *v1alpha1.BMCEventSubscription) bool { return s == nil })
		t.Logf("%s deleted in %s", name, time.Since(start).Round(time.Millisecond))
	}
	if left := sim.Subscriptions(); len(left) != 0 {
		t.Errorf("subscriptions left on the BMC: %+v", left)
	}
	if out := srv.Output(); strings.Contains(out, "evt-T0ken") {
		t.Error("the server's log holds a header value")
	} else if !strings.Contains(out, "SubscriptionCreated") {
		t.Error("the server's log has no SubscriptionCreated event")
	}
}
