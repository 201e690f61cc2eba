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

package metal3compat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ns is the namespace of the hosts and of the (imagined) Metal3Machines.
const ns = "capm3-system-test"

// hostSpec describes one host of the test fleet.
type hostSpec struct {
	name   string
	labels map[string]string
	// managed hosts have a fake-hardware BMC; the others stay unmanaged.
	managed bool
	// noSecret leaves the BMC credentials out, so the host fails registration.
	noSecret bool
	// hardwareDetails skips inspection and gives the inventory in Metal3's annotation.
	hardwareDetails *bmov1alpha1.HardwareDetails
}

// worker1Hardware is worker-1's inventory, given in inspect.metal3.io/hardwaredetails as
// installers do for hosts inspected elsewhere; its NICs' IPs become the machine's addresses.
var worker1Hardware = &bmov1alpha1.HardwareDetails{
	SystemVendor: bmov1alpha1.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R650", SerialNumber: "CN0001"},
	RAMMebibytes: 131072,
	NIC: []bmov1alpha1.NIC{
		{Name: "eno1", MAC: "52:54:00:6d:00:01", IP: "192.0.2.21", SpeedGbps: 25, PXE: true},
		{Name: "eno2", MAC: "52:54:00:6d:00:02", IP: "2001:db8::21", SpeedGbps: 25},
	},
	CPU:      bmov1alpha1.CPU{Arch: "x86_64", Model: "Intel Xeon Gold 6338", ClockMegahertz: 2000, Count: 64},
	Hostname: "worker-1.example.com",
}

// fleet: the machine selector below matches worker-0, worker-1 and worker-4; worker-4 fails
// registration (no credentials), so CAPM3 must pass it over for its error message.
var fleet = []hostSpec{
	{name: "worker-0", labels: map[string]string{"role": "worker", "zone": "a"}, managed: true},
	{name: "worker-1", labels: map[string]string{"role": "worker", "zone": "b"}, managed: true, hardwareDetails: worker1Hardware},
	{name: "worker-2", labels: map[string]string{"role": "worker", "zone": "c"}},
	{name: "worker-3", labels: map[string]string{"role": "worker", "zone": "a", "maintenance": "true"}},
	{name: "worker-4", labels: map[string]string{"role": "worker", "zone": "b"}, managed: true, noSecret: true},
	{name: "storage-0", labels: map[string]string{"role": "storage", "zone": "a"}},
}

// newMachine is a Metal3Machine of cluster "cluster-a" whose host selector is
// role=worker, zone in (a, b), maintenance notin (true), as a CAPM3 user writes it.
func newMachine(name, uid string) *machine {
	return &machine{
		Name: name, Namespace: ns, UID: uid, ClusterName: "cluster-a",
		MatchLabels: map[string]string{"role": "worker"},
		MatchExpressions: []hostSelectorRequirement{
			{Key: "zone", Operator: "In", Values: []string{"a", "b"}},
			{Key: "maintenance", Operator: "NotIn", Values: []string{"true"}},
		},
		ImageURL: "http://192.0.2.1/images/node.qcow2", ImageChecksum: "http://192.0.2.1/images/node.qcow2.sha256sum",
		ImageChecksumType: "sha256", ImageDiskFormat: "qcow2",
		UserData:              &corev1.SecretReference{Name: name + "-user-data"},
		AutomatedCleaningMode: "metadata",
	}
}

func (h hostSpec) object(i int) *bmov1alpha1.BareMetalHost {
	host := &bmov1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: h.name, Namespace: ns, Labels: h.labels},
		Spec: bmov1alpha1.BareMetalHostSpec{
			Online:         false,
			BootMACAddress: fmt.Sprintf("52:54:00:6c:00:%02x", i+1),
			Description:    "test fleet host " + h.name,
		},
	}
	if h.managed {
		host.Spec.BMC = bmov1alpha1.BMCDetails{Address: fmt.Sprintf("fake://192.0.2.%d", 100+i), CredentialsName: h.name + "-bmc-secret"}
	}
	if h.hardwareDetails != nil {
		raw, _ := json.Marshal(h.hardwareDetails)
		host.Annotations = map[string]string{
			bmov1alpha1.InspectAnnotationPrefix:   bmov1alpha1.InspectAnnotationValueDisabled,
			bmov1alpha1.HardwareDetailsAnnotation: string(raw),
		}
	}
	return host
}

// hostEvent is one watch event of a host, decoded into Metal3's type.
type hostEvent struct {
	Type string
	Host bmov1alpha1.BareMetalHost
}

// hostWatch keeps every event of the namespace's hosts, as the server sent them.
type hostWatch struct {
	mu     sync.Mutex
	events []hostEvent
}

func (w *hostWatch) of(name string) []hostEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []hostEvent
	for _, e := range w.events {
		if e.Host.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// states is the sequence of distinct provisioning states the watch showed for a host.
func (w *hostWatch) states(name string) []string {
	var out []string
	for _, e := range w.of(name) {
		s := string(e.Host.Status.Provisioning.State)
		if s == "" {
			s = "(none)"
		}
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// TestMetal3Client starts kube-apiserver, Ironic and the server behind the APIService
// v1alpha1.metal3.io once, and runs Metal3's client against it: the round trip of every field
// of Metal3's types, then CAPM3's host lifecycle.
func TestMetal3Client(t *testing.T) {
	requireKubeAPIServer(t)
	// Power polls every 300 ms: the remediation step counts them.
	c := startCluster(t, "--power-poll-interval=300ms")
	t.Run("every field of Metal3's types round-trips", func(t *testing.T) { testRoundTrip(t, c) })
	t.Run("a minimal host gets only documented defaults", func(t *testing.T) { testDefaults(t, c) })
	t.Run("CAPM3's host lifecycle on Ironic", func(t *testing.T) { testCAPM3HostLifecycle(t, c) })
}

// testCAPM3HostLifecycle runs Cluster API Provider Metal3's host code (capm3_test.go) with
// Metal3's v0.12.0 Go types and a controller-runtime v0.25 client and cache, as CAPM3's
// identity with CAPM3's RBAC, through kube-apiserver and the APIService v1alpha1.metal3.io, on
// a real Ironic (fake-hardware): hosts found by label selectors (set-based too), two chosen
// and provisioned by JSON merge patches without resourceVersion, followed through an informer
// fed by a WatchList stream, paused and annotated with their status as clusterctl move needs,
// one remediated with a power-off annotation that holds it off until removed, and both
// deprovisioned and released as CAPM3 does when a machine is deleted. Every host the server
// returns (GET, LIST, every watch event) is decoded into Metal3's types strictly.
func testCAPM3HostLifecycle(t *testing.T, c *cluster) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	strict := newStrictDecoder()
	admin := c.adminClient

	// What a user applies before CAPM3 runs: the namespace, BMC Secrets, the hosts, and the
	// bootstrap data Secrets CAPI writes (key "value", as Cluster API's bootstrap providers do).
	mustCreate(t, ctx, admin, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	for _, h := range fleet {
		if h.managed && !h.noSecret {
			mustCreate(t, ctx, admin, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: h.name + "-bmc-secret", Namespace: ns},
				StringData: map[string]string{"username": "admin", "password": "metal3compat-never-logged"}})
		}
	}
	machines := []*machine{newMachine("cluster-a-workers-0", "5d5b2b3e-7f0e-4e59-9d7c-0a0000000001"), newMachine("cluster-a-workers-1", "5d5b2b3e-7f0e-4e59-9d7c-0a0000000002")}
	for _, m := range machines {
		mustCreate(t, ctx, admin, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: m.UserData.Name, Namespace: ns},
			StringData: map[string]string{"value": "#cloud-config\nhostname: " + m.Name + "\n", "format": "cloud-config"}})
	}

	// Every event of the namespace's hosts, decoded strictly as it arrives.
	hostsPath := apiPrefix + "/namespaces/" + ns + "/baremetalhosts"
	watched := &hostWatch{}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchDone, err := rawWatch(watchCtx, c.capm3Cfg, hostsPath+"?watch=true", func(typ string, obj []byte) {
		var h bmov1alpha1.BareMetalHost
		strict.decode(t, "watch event "+typ, obj, &h, "")
		// One watch cache serves both groups: each event must still be in the group asked for.
		if typ != "BOOKMARK" && typ != "ERROR" && (h.APIVersion != apiGroup+"/v1alpha1" || h.Kind != "BareMetalHost") {
			t.Errorf("watch event %s of %s is a %s %s, want %s/v1alpha1 BareMetalHost", typ, h.Name, h.APIVersion, h.Kind, apiGroup)
		}
		watched.mu.Lock()
		watched.events = append(watched.events, hostEvent{Type: typ, Host: h})
		watched.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopWatch()
		if err := <-watchDone; err != nil {
			t.Errorf("host watch ended with %v", err)
		}
	})

	// CAPM3's manager: an informer cache and a client that reads through it, both recorded.
	capm3Log := &requestLog{}
	capm3Cfg := capm3Log.wrap(c.capm3Cfg)
	informers, err := cache.New(capm3Cfg, cache.Options{Scheme: c.scheme})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if err := informers.Start(ctx); err != nil {
			t.Errorf("informer cache: %v", err)
		}
	}()
	if _, err := informers.GetInformer(ctx, &bmov1alpha1.BareMetalHost{}); err != nil {
		t.Fatalf("informer for Metal3's BareMetalHost: %v", err)
	}
	capm3, err := client.New(capm3Cfg, client.Options{Scheme: c.scheme, Cache: &client.CacheOptions{Reader: informers}})
	if err != nil {
		t.Fatal(err)
	}
	// CAPM3's direct reader (the manager's APIReader): lists filtered by the server.
	direct, err := client.New(capm3Cfg, client.Options{Scheme: c.scheme})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("hosts created with Metal3's types", func(t *testing.T) {
		for i, h := range fleet {
			mustCreate(t, ctx, admin, h.object(i))
		}
		var list bmov1alpha1.BareMetalHostList
		raw, err := rawGet(ctx, c.capm3Cfg, hostsPath)
		if err != nil {
			t.Fatal(err)
		}
		strict.decode(t, "LIST "+hostsPath, raw, &list, "items[].")
		if len(list.Items) != len(fleet) {
			t.Fatalf("listed %d hosts, want %d", len(list.Items), len(fleet))
		}
		if list.APIVersion != apiGroup+"/v1alpha1" || list.Kind != "BareMetalHostList" {
			t.Errorf("list is %s %s, want metal3.io/v1alpha1 BareMetalHostList", list.APIVersion, list.Kind)
		}
	})

	t.Run("informer fed by a WatchList stream", func(t *testing.T) {
		waitCached(t, ctx, capm3, "storage-0", "in the informer cache", 30*time.Second, func(*bmov1alpha1.BareMetalHost) bool { return true })
		collection := apiPrefix + "/baremetalhosts"
		reqs := capm3Log.matching(func(r request) bool { return r.Path == collection })
		if len(reqs) == 0 {
			t.Fatalf("the informer sent no request for %s", collection)
		}
		first := reqs[0]
		if q := first.Query; first.Method != http.MethodGet || q.Get("watch") == "" || q.Get("sendInitialEvents") != "true" ||
			q.Get("resourceVersionMatch") != "NotOlderThan" || q.Get("allowWatchBookmarks") != "true" {
			t.Errorf("the informer's first request is %s, want a watch with sendInitialEvents=true, resourceVersionMatch=NotOlderThan and bookmarks", first)
		}
		for _, r := range reqs {
			if r.Query.Get("watch") == "" {
				t.Errorf("the informer fell back to a LIST (%s): the server's WatchList stream did not work through kube-apiserver", r)
			}
		}
		if t.Failed() {
			for _, r := range reqs {
				t.Logf("%s: %d\n%.2000s", r, r.Status, capm3Log.answer(r))
			}
		}
	})

	t.Run("list by label selector, set-based too", func(t *testing.T) {
		for _, tc := range []struct {
			selector string
			want     []string
		}{
			{"role=worker,zone in (a,b),maintenance notin (true)", []string{"worker-0", "worker-1", "worker-4"}},
			{"zone notin (a)", []string{"worker-1", "worker-2", "worker-4"}},
			{"maintenance", []string{"worker-3"}},
			{"!maintenance,role=worker", []string{"worker-0", "worker-1", "worker-2", "worker-4"}},
			{"role in (storage)", []string{"storage-0"}},
			{"role=worker,zone!=b", []string{"worker-0", "worker-2", "worker-3"}},
			{"zone=d", nil},
		} {
			sel, err := labels.Parse(tc.selector)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []struct {
				name string
				c    client.Client
			}{{"server", direct}, {"informer cache", capm3}} {
				var hosts bmov1alpha1.BareMetalHostList
				if err := r.c.List(ctx, &hosts, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
					t.Fatalf("%s: list -l %q: %v", r.name, tc.selector, err)
				}
				if got := names(hosts.Items); !slices.Equal(got, tc.want) {
					t.Errorf("%s: list -l %q = %v, want %v", r.name, tc.selector, got, tc.want)
				}
			}
			// The selector reached the server as a query parameter, and its answer is strict.
			raw, err := rawGet(ctx, c.capm3Cfg, hostsPath+"?labelSelector="+url.QueryEscape(tc.selector))
			if err != nil {
				t.Fatal(err)
			}
			var list bmov1alpha1.BareMetalHostList
			strict.decode(t, "LIST -l "+tc.selector, raw, &list, "items[].")
			if got := names(list.Items); !slices.Equal(got, tc.want) {
				t.Errorf("raw list -l %q = %v, want %v", tc.selector, got, tc.want)
			}
		}
		// CAPM3's getHost tells a missing host by apierrors.IsNotFound; the error names Metal3's group.
		missing := direct.Get(ctx, client.ObjectKey{Namespace: ns, Name: "no-such-host"}, &bmov1alpha1.BareMetalHost{})
		if d := statusDetails(missing); !apierrors.IsNotFound(missing) || d == nil || d.Group != apiGroup || d.Kind != "baremetalhosts" {
			t.Errorf("GET of a missing host: %v (details %+v), want NotFound for baremetalhosts.%s", missing, d, apiGroup)
		}
		t.Logf("a missing host: %v", missing)
		// CAPM3's own selector for the machine, as hostLabelSelectorForMachine builds it.
		sel, err := hostLabelSelectorForMachine(machines[0])
		if err != nil {
			t.Fatal(err)
		}
		var hosts bmov1alpha1.BareMetalHostList
		if err := direct.List(ctx, &hosts, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			t.Fatal(err)
		}
		if got, want := names(hosts.Items), []string{"worker-0", "worker-1", "worker-4"}; !slices.Equal(got, want) {
			t.Errorf("CAPM3's selector %q lists %v, want %v", sel, got, want)
		}
	})

	t.Run("status read through the informer: available, and an error message", func(t *testing.T) {
		for _, n := range []string{"worker-0", "worker-1"} {
			waitCached(t, ctx, capm3, n, "available", 90*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
				return h.Status.Provisioning.State == bmov1alpha1.StateAvailable
			})
		}
		h := waitCached(t, ctx, capm3, "worker-4", "in error", 60*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
			return h.Status.ErrorMessage != ""
		})
		if h.Status.ErrorType != bmov1alpha1.RegistrationError || h.Status.OperationalStatus != bmov1alpha1.OperationalStatusError {
			t.Errorf("worker-4 without credentials: errorType %q operationalStatus %q, want %q %q (message %q)",
				h.Status.ErrorType, h.Status.OperationalStatus, bmov1alpha1.RegistrationError, bmov1alpha1.OperationalStatusError, h.Status.ErrorMessage)
		}
		w1 := waitCached(t, ctx, capm3, "worker-1", "with its hardware details", 30*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
			return h.Status.HardwareDetails != nil
		})
		// The inventory is in the host's HardwareData too, as Metal3 keeps it.
		w0 := waitCached(t, ctx, capm3, "worker-0", "inspected", 30*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
			return h.Status.HardwareDetails != nil
		})
		raw, err := rawGet(ctx, c.adminCfg, apiPrefix+"/namespaces/"+ns+"/hardwaredata/worker-0")
		if err != nil {
			t.Fatal(err)
		}
		var hd bmov1alpha1.HardwareData
		strict.decode(t, "GET hardwaredata/worker-0", raw, &hd, "")
		compareJSON(t, "worker-0's HardwareData spec.hardware and status.hardware", w0.Status.HardwareDetails, hd.Spec.HardwareDetails)
		// Owned by the host, whose group in the reference is the one the server stores
		// (baremetal.metal3.io): Kubernetes keeps an owner reference as written, whatever group
		// it is read through (a ReplicaSet read through extensions named its apps/v1 owner), and
		// garbage collection goes by UID.
		if owner := metav1.GetControllerOf(&hd); owner == nil || owner.Kind != "BareMetalHost" || owner.Name != "worker-0" || owner.UID != w0.UID ||
			(owner.APIVersion != apiGroup+"/v1alpha1" && owner.APIVersion != "baremetal.metal3.io/v1alpha1") {
			t.Errorf("worker-0's HardwareData is controlled by %+v, want its host", owner)
		}
		if got := nodeAddresses(w1); !slices.Equal(got, []string{"InternalIP:192.0.2.21", "InternalIP:2001:db8::21",
			"Hostname:worker-1.example.com", "InternalDNS:worker-1.example.com"}) {
			t.Errorf("CAPM3's addresses of worker-1 from status.hardware.nics[].ip: %v", got)
		}
	})

	t.Run("chooseHost and associate two machines with merge patches", func(t *testing.T) {
		before := len(capm3Log.matching(isPatch))
		for _, m := range machines {
			host, err := associate(ctx, capm3, m)
			if err != nil {
				t.Fatalf("associate %s: %v", m.Name, err)
			}
			if host == nil {
				t.Fatalf("associate %s: no host available", m.Name)
			}
			t.Logf("%s took %s", m.Name, host.Name)
			// CAPM3 serialises associations and reads through its cache: the next choice must
			// see this host taken, so wait until the informer shows the patch.
			waitCached(t, ctx, capm3, host.Name, "consumed by "+m.Name, 30*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
				return consumerRefMatches(h.Spec.ConsumerRef, m)
			})
		}
		if got := []string{machines[0].host, machines[1].host}; !slices.Equal(got, []string{ns + "/worker-0", ns + "/worker-1"}) {
			t.Fatalf("machines took %v, want worker-0 and worker-1 (worker-4 has an error message)", got)
		}
		// A third machine finds nothing: worker-4 is in error, the others do not match.
		if host, err := associate(ctx, capm3, newMachine("cluster-a-workers-2", "5d5b2b3e-7f0e-4e59-9d7c-0a0000000003")); err != nil || host != nil {
			t.Errorf("a third machine got %v, %v; want no host", hostName(host), err)
		}
		patches := capm3Log.matching(isPatch)[before:]
		if len(patches) != 2 {
			t.Fatalf("%d patches sent, want 2", len(patches))
		}
		for _, p := range patches {
			checkMergePatch(t, p, "consumerRef", "image", "userData", "online", "labels")
		}
		for i, m := range machines {
			raw, err := rawGet(ctx, c.capm3Cfg, hostsPath+"/"+strings.TrimPrefix(m.host, ns+"/"))
			if err != nil {
				t.Fatal(err)
			}
			var h bmov1alpha1.BareMetalHost
			strict.decode(t, "GET "+m.host, raw, &h, "")
			want := newMachine(m.Name, m.UID)
			if h.Spec.ConsumerRef == nil || *h.Spec.ConsumerRef != (corev1.ObjectReference{Kind: metal3MachineKind, Name: m.Name, Namespace: ns, APIVersion: metal3MachineAPI}) ||
				h.Spec.Image == nil || h.Spec.Image.URL != want.ImageURL || h.Spec.Image.Checksum != want.ImageChecksum ||
				string(h.Spec.Image.ChecksumType) != want.ImageChecksumType || h.Spec.Image.DiskFormat == nil || *h.Spec.Image.DiskFormat != want.ImageDiskFormat ||
				h.Spec.UserData == nil || *h.Spec.UserData != (corev1.SecretReference{Name: want.UserData.Name, Namespace: ns}) ||
				!h.Spec.Online || h.Labels[clusterNameLabel] != "cluster-a" || h.Spec.AutomatedCleaningMode != bmov1alpha1.CleaningModeMetadata {
				t.Errorf("host %d after CAPM3's patch: labels %v spec %+v", i, h.Labels, h.Spec)
			}
		}
	})

	t.Run("provisioned: state, power, image and addresses as CAPM3 reads them", func(t *testing.T) {
		for _, m := range machines {
			host, _, err := getHost(ctx, capm3, m)
			if err != nil {
				t.Fatal(err)
			}
			h := waitCached(t, ctx, capm3, host.Name, "provisioned and powered on", 2*time.Minute, func(h *bmov1alpha1.BareMetalHost) bool {
				return h.Status.Provisioning.State == bmov1alpha1.StateProvisioned && h.Status.PoweredOn
			})
			if h.Status.Provisioning.Image.URL != m.ImageURL || h.Status.ErrorMessage != "" || h.Status.OperationalStatus != bmov1alpha1.OperationalStatusOK {
				t.Errorf("%s provisioned: status.provisioning.image %+v, errorMessage %q, operationalStatus %q",
					h.Name, h.Status.Provisioning.Image, h.Status.ErrorMessage, h.Status.OperationalStatus)
			}
			if h.Status.Provisioning.ID == "" {
				t.Errorf("%s provisioned without an Ironic node ID in status.provisioning.ID", h.Name)
			} else if node := ironicNode(t, ctx, c, h.Status.Provisioning.ID); node.ProvisionState != "active" || node.PowerState != "power on" {
				t.Errorf("%s: Ironic node %s is %q / %q, want active / power on", h.Name, h.Status.Provisioning.ID, node.ProvisionState, node.PowerState)
			}
			t.Logf("%s: %s", h.Name, strings.Join(watched.states(h.Name), " → "))
		}
	})

	t.Run("clusterctl move: pause and status annotations as CAPM3 sets them", func(t *testing.T) {
		m := machines[1]
		before := len(capm3Log.matching(isPatch))
		if err := setPauseAnnotation(ctx, capm3, m); err != nil {
			t.Fatal(err)
		}
		patches := capm3Log.matching(isPatch)[before:]
		if len(patches) != 3 {
			t.Fatalf("%d patches, want 3 (block-move, pause and status, unblock)", len(patches))
		}
		for _, p := range patches {
			checkMergePatch(t, p, "annotations")
		}
		host := getStrict(t, ctx, c, strict, "worker-1")
		if host.Annotations[bmov1alpha1.PausedAnnotation] != pausedAnnotationKey {
			t.Errorf("paused annotation = %q, want %q", host.Annotations[bmov1alpha1.PausedAnnotation], pausedAnnotationKey)
		}
		if _, ok := host.Annotations[blockMoveAnnotation]; ok {
			t.Errorf("block-move annotation left behind")
		}
		var saved bmov1alpha1.BareMetalHostStatus
		strict.decode(t, "status annotation", []byte(host.Annotations[bmov1alpha1.StatusAnnotation]), &saved, "")
		if saved.Provisioning.State != bmov1alpha1.StateProvisioned || saved.Provisioning.ID != host.Status.Provisioning.ID || saved.HardwareDetails != nil {
			t.Errorf("status annotation: state %q ID %q hardware %v; want provisioned, %q, none", saved.Provisioning.State, saved.Provisioning.ID, saved.HardwareDetails, host.Status.Provisioning.ID)
		}
		// After the move CAPM3 unpauses the host; the server then drops the status annotation
		// (Metal3 does: the host has a status of its own) and the host stays provisioned.
		if err := removePauseAnnotation(ctx, capm3, m); err != nil {
			t.Fatal(err)
		}
		h := waitCached(t, ctx, capm3, "worker-1", "unpaused, status annotation consumed", 30*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
			_, paused := h.Annotations[bmov1alpha1.PausedAnnotation]
			_, status := h.Annotations[bmov1alpha1.StatusAnnotation]
			return !paused && !status
		})
		if h.Status.Provisioning.State != bmov1alpha1.StateProvisioned || !h.Status.PoweredOn {
			t.Errorf("after the pause: %s, poweredOn %v", h.Status.Provisioning.State, h.Status.PoweredOn)
		}
	})

	t.Run("remediation: the power-off annotation holds the host off until removed", func(t *testing.T) {
		r := remediation{m: machines[0], uid: "0b9c1f7e-43a4-4a47-9c3c-7d5a00000001"}
		if err := r.setUnhealthyAnnotation(ctx, capm3); err != nil {
			t.Fatal(err)
		}
		if err := r.setPowerOffAnnotation(ctx, capm3); err != nil {
			t.Fatal(err)
		}
		h := waitCached(t, ctx, capm3, "worker-0", "powered off", 60*time.Second, func(h *bmov1alpha1.BareMetalHost) bool { return !h.Status.PoweredOn })
		// The server goes on reconciling the host (Metal3's per-host metal3_reconcile_total
		// grows with its power polls) and sends no power-on while the annotation is there.
		reconciles, powerOns := metal3Metrics(t, ctx, c, "worker-0")
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			n, _ := metal3Metrics(t, ctx, c, "worker-0")
			return n >= reconciles+3, nil
		}); err != nil {
			t.Fatalf("worker-0 was not reconciled 3 more times within 30s (metal3_reconcile_total %v)", reconciles)
		}
		if _, on := metal3Metrics(t, ctx, c, "worker-0"); on != powerOns {
			t.Errorf("the server powered worker-0 on %v times while it was held off", on-powerOns)
		}
		held := getStrict(t, ctx, c, strict, "worker-0")
		if held.Status.PoweredOn || held.Status.Provisioning.State != bmov1alpha1.StateProvisioned {
			t.Errorf("held host: poweredOn %v state %s", held.Status.PoweredOn, held.Status.Provisioning.State)
		}
		if node := ironicNode(t, ctx, c, h.Status.Provisioning.ID); node.PowerState != "power off" {
			t.Errorf("held host: Ironic node power %q", node.PowerState)
		}
		if _, ok := held.Annotations[r.powerOffAnnotationKey()]; !ok {
			t.Errorf("the server removed the power-off annotation %s: it is CAPM3's to remove", r.powerOffAnnotationKey())
		}
		if err := r.removePowerOffAnnotation(ctx, capm3); err != nil {
			t.Fatal(err)
		}
		waitCached(t, ctx, capm3, "worker-0", "powered on again, still provisioned", 60*time.Second, func(h *bmov1alpha1.BareMetalHost) bool {
			return h.Status.PoweredOn && h.Status.Provisioning.State == bmov1alpha1.StateProvisioned
		})
		// From the watch: once off, never on again before the annotation went.
		offSeen, removed := false, false
		for _, e := range watched.of("worker-0") {
			_, annotated := e.Host.Annotations[r.powerOffAnnotationKey()]
			if offSeen && annotated && !removed && e.Host.Status.PoweredOn {
				t.Errorf("worker-0 reported on (rv %s) while the power-off annotation was still there", e.Host.ResourceVersion)
			}
			if annotated && !e.Host.Status.PoweredOn {
				offSeen = true
			}
			if offSeen && !annotated {
				removed = true
			}
		}
	})

	t.Run("deprovision and release as CAPM3's Delete", func(t *testing.T) {
		for _, m := range machines {
			hostName := strings.TrimPrefix(m.host, ns+"/")
			err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
				switch err := deleteMachine(ctx, capm3, m); {
				case err == nil:
					return true, nil
				case errors.Is(err, errRequeue):
					return false, nil
				default:
					return false, err
				}
			})
			if err != nil {
				h := getStrict(t, ctx, c, strict, hostName)
				t.Fatalf("deleting %s: %v; host %s is %s", m.Name, err, hostName, h.Status.Provisioning.State)
			}
			waitCached(t, ctx, capm3, hostName, "released", 30*time.Second, func(h *bmov1alpha1.BareMetalHost) bool { return h.Spec.ConsumerRef == nil })
			// Released hosts are powered off (spec.online false), as CAPM3 leaves them.
			h := waitCached(t, ctx, capm3, hostName, "powered off", 30*time.Second, func(h *bmov1alpha1.BareMetalHost) bool { return !h.Status.PoweredOn })
			if h.Status.Provisioning.State != bmov1alpha1.StateAvailable || h.Spec.Image != nil || h.Spec.UserData != nil || h.Spec.Online ||
				h.Labels[clusterNameLabel] != "" {
				t.Errorf("%s released: state %s image %v userData %v online %v poweredOn %v labels %v", hostName, h.Status.Provisioning.State,
					h.Spec.Image, h.Spec.UserData, h.Spec.Online, h.Status.PoweredOn, h.Labels)
			}
			if node := ironicNode(t, ctx, c, h.Status.Provisioning.ID); node.ProvisionState != "available" {
				t.Errorf("%s: Ironic node is %q after deprovisioning, want available", hostName, node.ProvisionState)
			}
			t.Logf("%s: %s", hostName, strings.Join(watched.states(hostName), " → "))
		}
		// Free again: a new machine of the cluster takes one of them.
		m := newMachine("cluster-a-workers-3", "5d5b2b3e-7f0e-4e59-9d7c-0a0000000004")
		host, err := chooseHostOnly(ctx, capm3, m)
		if err != nil || host == nil {
			t.Errorf("no host free after the machines went: %v", err)
		}
	})

	t.Run("every response decoded strictly into Metal3's types", func(t *testing.T) {
		if n := len(watched.of("worker-0")); n < 5 {
			t.Errorf("the watch carried only %d events of worker-0", n)
		}
		t.Logf("documented extensions met: %s", strict.report())
	})
	t.Logf("lifecycle: %s", time.Since(began).Round(time.Millisecond))
}

func statusDetails(err error) *metav1.StatusDetails {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Details
	}
	return nil
}

func chooseHostOnly(ctx context.Context, c client.Client, m *machine) (*bmov1alpha1.BareMetalHost, error) {
	host, _, err := chooseHost(ctx, c, m)
	return host, err
}

func isPatch(r request) bool { return r.Method == http.MethodPatch }

// checkMergePatch verifies a patch CAPM3's helper sent: a JSON merge patch with no
// resourceVersion (so it applies to whatever the host is now, even after the reconciler wrote
// it), touching the named fields.
func checkMergePatch(t *testing.T, p request, fields ...string) {
	t.Helper()
	if p.ContentType != "application/merge-patch+json" {
		t.Errorf("patch %s has Content-Type %q, want application/merge-patch+json", p.Path, p.ContentType)
	}
	var body map[string]any
	if err := json.Unmarshal(p.Body, &body); err != nil {
		t.Fatalf("patch body %s: %v", p.Body, err)
	}
	if md, _ := body["metadata"].(map[string]any); md != nil {
		if _, ok := md["resourceVersion"]; ok {
			t.Errorf("patch %s carries a resourceVersion: %s", p.Path, p.Body)
		}
	}
	for _, f := range fields {
		if !bytes.Contains(p.Body, []byte(`"`+f+`"`)) {
			t.Errorf("patch %s does not touch %s: %s", p.Path, f, p.Body)
		}
	}
}

// waitCached polls CAPM3's cached client (fed by the informer's watch) until cond holds.
func waitCached(t *testing.T, ctx context.Context, c client.Client, name, what string, timeout time.Duration, cond func(*bmov1alpha1.BareMetalHost) bool) *bmov1alpha1.BareMetalHost {
	t.Helper()
	var last *bmov1alpha1.BareMetalHost
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		h := &bmov1alpha1.BareMetalHost{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, h); err != nil {
			return false, nil
		}
		last = h
		return cond(h), nil
	})
	if err != nil {
		var status []byte
		if last != nil {
			status, _ = json.Marshal(last.Status)
		}
		t.Fatalf("%s not %s within %s; last status: %s", name, what, timeout, status)
	}
	return last
}

// getStrict reads a host as CAPM3 and decodes it strictly.
func getStrict(t *testing.T, ctx context.Context, c *cluster, strict *strictDecoder, name string) *bmov1alpha1.BareMetalHost {
	t.Helper()
	raw, err := rawGet(ctx, c.capm3Cfg, apiPrefix+"/namespaces/"+ns+"/baremetalhosts/"+name)
	if err != nil {
		t.Fatal(err)
	}
	h := &bmov1alpha1.BareMetalHost{}
	strict.decode(t, "GET "+name, raw, h, "")
	if h.APIVersion != apiGroup+"/v1alpha1" || h.Kind != "BareMetalHost" {
		t.Errorf("GET %s returned a %s %s", name, h.APIVersion, h.Kind)
	}
	return h
}

// metal3Metrics reads Metal3's per-host metrics from the server: reconciles of the host and its
// power-ons.
func metal3Metrics(t *testing.T, ctx context.Context, c *cluster, host string) (reconciles, powerOns float64) {
	t.Helper()
	cfg := &rest.Config{Host: fmt.Sprintf("https://127.0.0.1:%d", c.Server.Port), BearerToken: c.KAS.Tokens["admin"],
		TLSClientConfig: rest.TLSClientConfig{CAData: c.ServingCA.CertPEM}}
	raw, err := rawGet(ctx, cfg, "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	ref := fmt.Sprintf(`host=%q`, host)
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.Contains(line, ref) || !strings.Contains(line, fmt.Sprintf(`namespace=%q`, ns)) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "metal3_reconcile_total{"):
			reconciles = v
		case strings.HasPrefix(line, "metal3_operation_power_change_total{") && strings.Contains(line, `on_off="on"`):
			powerOns = v
		}
	}
	return reconciles, powerOns
}

// ironicNodeState is what the test reads of an Ironic node.
type ironicNodeState struct {
	ProvisionState string `json:"provision_state"`
	PowerState     string `json:"power_state"`
}

func ironicNode(t *testing.T, ctx context.Context, c *cluster, id string) ironicNodeState {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.ironic.Endpoint+"/v1/nodes/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var n ironicNodeState
	if err := json.NewDecoder(resp.Body).Decode(&n); err != nil {
		t.Fatalf("Ironic node %s: %v", id, err)
	}
	return n
}

func mustCreate(t *testing.T, ctx context.Context, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(ctx, obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func names(hosts []bmov1alpha1.BareMetalHost) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h.Name)
	}
	sort.Strings(out)
	return out
}

func hostName(h *bmov1alpha1.BareMetalHost) string {
	if h == nil {
		return "<none>"
	}
	return h.Name
}
