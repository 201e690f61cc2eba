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
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/scheme"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// protobufMagic starts every protobuf-encoded Kubernetes object (runtime.Unknown envelope).
var protobufMagic = []byte{0x6b, 0x38, 0x73, 0x00}

const pbNamespace = "default"

// TestProtobuf checks that the server serves the API in protobuf next to JSON, and that the
// generated clientset asks for protobuf and works end to end with it.
func TestProtobuf(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cfg, err := srv.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)

	t.Run("server", func(t *testing.T) { testProtobufServer(t, ctx, cfg) })
	t.Run("clientset", func(t *testing.T) { testProtobufClientset(t, ctx, cfg) })
}

func pbHost(name string) *v1alpha1.BareMetalHost {
	return &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pbNamespace, Labels: map[string]string{"wire": "protobuf"}},
		Spec: v1alpha1.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: "52:54:00:00:00:02",
			BMC: v1alpha1.BMCDetails{
				Address:         "redfish+https://192.0.2.20/redfish/v1/Systems/1",
				CredentialsName: name + "-bmc-secret",
			},
			RootDeviceHints: &v1alpha1.RootDeviceHints{DeviceName: "/dev/sda", MinSizeGigabytes: 20},
		},
	}
}

// testProtobufServer talks protobuf only (Content-Type and Accept) through a plain REST
// client: create, get, list and watch hosts, and checks what the server answered with.
func testProtobufServer(t *testing.T, ctx context.Context, cfg *rest.Config) {
	rc := rest.CopyConfig(cfg)
	rc.GroupVersion = &v1alpha1.SchemeGroupVersion
	rc.APIPath = "/apis"
	rc.ContentType = runtime.ContentTypeProtobuf
	rc.AcceptContentTypes = runtime.ContentTypeProtobuf
	rc.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rec := &exchangeRecorder{}
	rc.Wrap(rec.wrap)
	client, err := rest.RESTClientFor(rc)
	if err != nil {
		t.Fatal(err)
	}
	hosts := func() *rest.Request { return client.Get().Namespace(pbNamespace).Resource("baremetalhosts") }

	// Create: a protobuf request body.
	var ct string
	created := &v1alpha1.BareMetalHost{}
	err = client.Post().Namespace(pbNamespace).Resource("baremetalhosts").Body(pbHost("pb-raw")).
		Do(ctx).ContentType(&ct).Into(created)
	if err != nil {
		t.Fatalf("create in protobuf: %v", err)
	}
	if ct != runtime.ContentTypeProtobuf || created.UID == "" || created.Spec.RootDeviceHints == nil ||
		created.Spec.RootDeviceHints.MinSizeGigabytes != 20 {
		t.Errorf("create answered %q with %+v", ct, created)
	}

	// Get: the body is a protobuf envelope, and decodes to the host.
	res := hosts().Name("pb-raw").Do(ctx).ContentType(&ct)
	raw, err := res.Raw()
	if err != nil {
		t.Fatalf("get in protobuf: %v", err)
	}
	if ct != runtime.ContentTypeProtobuf || !bytes.HasPrefix(raw, protobufMagic) {
		t.Errorf("get answered %q, body starting %q; want %s", ct, raw[:min(len(raw), 8)], runtime.ContentTypeProtobuf)
	}
	got := &v1alpha1.BareMetalHost{}
	if err := res.Into(got); err != nil {
		t.Fatal(err)
	}
	if got.UID != created.UID || got.Spec.BMC.Address != created.Spec.BMC.Address || got.Labels["wire"] != "protobuf" {
		t.Errorf("get in protobuf returned %+v, want %+v", got, created)
	}

	// List.
	list := &v1alpha1.BareMetalHostList{}
	if err := hosts().Do(ctx).ContentType(&ct).Into(list); err != nil {
		t.Fatalf("list in protobuf: %v", err)
	}
	found := false
	for _, h := range list.Items {
		found = found || (h.Name == "pb-raw" && h.UID == created.UID)
	}
	if ct != runtime.ContentTypeProtobuf || !found || list.ResourceVersion == "" {
		t.Errorf("list answered %q with %d items (rv %q), pb-raw found: %v", ct, len(list.Items), list.ResourceVersion, found)
	}

	// Watch from the list's resourceVersion: a protobuf stream of events.
	w, err := hosts().VersionedParams(&metav1.ListOptions{
		Watch: true, ResourceVersion: list.ResourceVersion, FieldSelector: "metadata.name=pb-raw",
	}, scheme.ParameterCodec).Watch(ctx)
	if err != nil {
		t.Fatalf("watch in protobuf: %v", err)
	}
	defer w.Stop()
	patched := &v1alpha1.BareMetalHost{}
	if err := client.Patch(types.MergePatchType).Namespace(pbNamespace).Resource("baremetalhosts").Name("pb-raw").
		Body([]byte(`{"spec":{"description":"over protobuf"}}`)).Do(ctx).ContentType(&ct).Into(patched); err != nil {
		t.Fatalf("patch: %v", err)
	}
	if ct != runtime.ContentTypeProtobuf || patched.Spec.Description != "over protobuf" {
		t.Errorf("patch answered %q with description %q", ct, patched.Spec.Description)
	}
	ev := nextEvent(t, w)
	if h, ok := ev.Object.(*v1alpha1.BareMetalHost); ev.Type != watch.Modified || !ok || h.Spec.Description != "over protobuf" {
		t.Errorf("watch event %s %#v, want MODIFIED with the new description", ev.Type, ev.Object)
	}

	var sawWatch bool
	for _, x := range rec.take() {
		if x.watch {
			sawWatch = true
			if !strings.HasPrefix(x.respContentType, runtime.ContentTypeProtobuf) || !strings.Contains(x.respContentType, "stream=watch") {
				t.Errorf("watch answered with Content-Type %q, want %s;stream=watch", x.respContentType, runtime.ContentTypeProtobuf)
			}
		}
	}
	if !sawWatch {
		t.Error("the watch request was not seen")
	}

	// JSON is still served, for the same object, to clients that ask for it.
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		cfg.Host+"/apis/baremetal.metal3.io/v1alpha1/namespaces/"+pbNamespace+"/baremetalhosts/pb-raw", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", runtime.ContentTypeJSON)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var asJSON struct {
		Kind string `json:"kind"`
		Spec struct {
			Description string `json:"description"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(body, &asJSON); err != nil || resp.StatusCode != http.StatusOK ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), runtime.ContentTypeJSON) ||
		asJSON.Kind != "BareMetalHost" || asJSON.Spec.Description != "over protobuf" {
		t.Errorf("JSON get: %d %q %v: %s", resp.StatusCode, resp.Header.Get("Content-Type"), err, body)
	}
}

// testProtobufClientset uses the generated clientset as it comes (no content type configured):
// it must ask for protobuf, get protobuf, and work.
func testProtobufClientset(t *testing.T, ctx context.Context, cfg *rest.Config) {
	cc := rest.CopyConfig(cfg)
	rec := &exchangeRecorder{}
	cc.Wrap(rec.wrap)
	cs, err := clientset.NewForConfig(cc)
	if err != nil {
		t.Fatal(err)
	}
	hosts := cs.BaremetalV1alpha1().BareMetalHosts(pbNamespace)

	w, err := hosts.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=pb-cs"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	created, err := hosts.Create(ctx, pbHost("pb-cs"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := hosts.Get(ctx, "pb-cs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != created.UID || got.Spec.BootMode != v1alpha1.BootModeUEFI || got.Spec.RootDeviceHints == nil ||
		got.Spec.RootDeviceHints.DeviceName != "/dev/sda" {
		t.Errorf("get returned %+v", got.Spec)
	}
	list, err := hosts.List(ctx, metav1.ListOptions{LabelSelector: "wire=protobuf"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, h := range list.Items {
		names[h.Name] = true
	}
	if !names["pb-cs"] {
		t.Errorf("list by label: %v, want pb-cs among them", names)
	}
	got.Spec.Description = "updated over protobuf"
	updated, err := hosts.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Spec.Description != got.Spec.Description || updated.ResourceVersion == got.ResourceVersion {
		t.Errorf("update returned description %q, rv %s", updated.Spec.Description, updated.ResourceVersion)
	}
	// A subresource of the group, also in protobuf.
	power, err := hosts.GetPower(ctx, "pb-cs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if power.Spec.State != v1alpha1.PowerOn {
		t.Errorf("power spec %q, want On (the host is online)", power.Spec.State)
	}
	if err := hosts.Delete(ctx, "pb-cs", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	// The watch sees the host come, change and go (a reconciler may add MODIFIED events).
	if ev := nextEvent(t, w); ev.Type != watch.Added {
		t.Fatalf("first event %s, want ADDED", ev.Type)
	}
	sawUpdate := false
	for {
		ev := nextEvent(t, w)
		h, ok := ev.Object.(*v1alpha1.BareMetalHost)
		if !ok {
			t.Fatalf("%s event carries %T", ev.Type, ev.Object)
		}
		sawUpdate = sawUpdate || h.Spec.Description == "updated over protobuf"
		if ev.Type == watch.Deleted {
			break
		}
		if ev.Type != watch.Modified {
			t.Fatalf("event %s before DELETED", ev.Type)
		}
	}
	if !sawUpdate {
		t.Error("no watch event carried the update")
	}

	// Every exchange with the group was protobuf both ways.
	exchanges := rec.take()
	if len(exchanges) < 7 {
		t.Errorf("saw %d requests, want at least 7 (watch, create, get, list, update, power, delete)", len(exchanges))
	}
	for _, x := range exchanges {
		if !strings.HasPrefix(x.accept, runtime.ContentTypeProtobuf) {
			t.Errorf("%s %s asked for %q, want protobuf first", x.method, x.path, x.accept)
		}
		if x.hasBody && x.reqContentType != runtime.ContentTypeProtobuf {
			t.Errorf("%s %s sent %q, want %s", x.method, x.path, x.reqContentType, runtime.ContentTypeProtobuf)
		}
		if !strings.HasPrefix(x.respContentType, runtime.ContentTypeProtobuf) {
			t.Errorf("%s %s (status %d) answered with %q, want %s", x.method, x.path, x.status, x.respContentType, runtime.ContentTypeProtobuf)
		}
	}
}

func nextEvent(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		if ev.Type == watch.Error {
			t.Fatalf("watch error: %v", ev.Object)
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no watch event within 30s")
	}
	return watch.Event{}
}

// exchange is one HTTP request to the server and the content types both ways.
type exchange struct {
	method, path                            string
	watch, hasBody                          bool
	accept, reqContentType, respContentType string
	status                                  int
}

// exchangeRecorder is a client transport wrapper that records every exchange.
type exchangeRecorder struct {
	mu        sync.Mutex
	exchanges []exchange
}

func (r *exchangeRecorder) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.exchanges = append(r.exchanges, exchange{
			method:          req.Method,
			path:            req.URL.Path,
			watch:           req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1",
			hasBody:         req.Body != nil && req.Body != http.NoBody,
			accept:          req.Header.Get("Accept"),
			reqContentType:  req.Header.Get("Content-Type"),
			respContentType: resp.Header.Get("Content-Type"),
			status:          resp.StatusCode,
		})
		return resp, nil
	})
}

func (r *exchangeRecorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.exchanges
	r.exchanges = nil
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
