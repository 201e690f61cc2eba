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

package apiserver

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/kube-openapi/pkg/builder3"
	openapiutil "k8s.io/kube-openapi/pkg/util"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	generatedopenapi "github.com/metal3-community/baremetal-apiserver/pkg/generated/openapi"
	hoststorage "github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/baremetalhost/storage"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/baremetal/specstatus"
	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// testStorages are the wrapped storages as New installs them, empty: the checks only ask them
// for their kind and their verbs.
func testStorages() map[string]rest.Storage {
	store := &genericregistry.Store{NewFunc: func() runtime.Object { return &baremetal.BareMetalHost{} }}
	return map[string]rest.Storage{
		"baremetalhosts":         &hostREST{&hoststorage.REST{Store: store}},
		"baremetalhosts/status":  &kindStatusREST{specstatus.NewStatusREST(store)},
		"baremetalhosts/power":   &powerREST{&hoststorage.PowerREST{}},
		"baremetalhosts/reboot":  &rebootREST{&hoststorage.RebootREST{}},
		"baremetalhosts/inspect": &inspectREST{&hoststorage.InspectREST{}},
	}
}

// testSchemas builds the schemas from the OpenAPI models the server installs its group with
// (the same definitions and config as pkg/cmd/server, the same builder as InstallAPIGroup).
func testSchemas(t *testing.T) *resourceSchemas {
	t.Helper()
	scheme.AddMetal3Group()
	cfg := genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, openapi.NewDefinitionNamer(scheme.Scheme))
	models, err := builder3.BuildOpenAPIDefinitionsForResources(cfg,
		openapiutil.GetCanonicalTypeName(&v1alpha1.BareMetalHost{}),
		openapiutil.GetCanonicalTypeName(&v1alpha1.Power{}),
		openapiutil.GetCanonicalTypeName(&v1alpha1.RebootRequest{}),
		openapiutil.GetCanonicalTypeName(&v1alpha1.InspectRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newResourceSchemas([]schema.GroupVersion{v1alpha1.SchemeGroupVersion, v1alpha1.Metal3GroupVersion}, testStorages(), models)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestResourceSchemas(t *testing.T) {
	s := testSchemas(t)
	// Both groups, each with its own kinds (a body of the other group is not this one's).
	for _, gv := range []schema.GroupVersion{v1alpha1.SchemeGroupVersion, v1alpha1.Metal3GroupVersion} {
		for path, kind := range map[string]string{
			"baremetalhosts": "BareMetalHost", "baremetalhosts/status": "BareMetalHost", "baremetalhosts/power": "Power",
			"baremetalhosts/reboot": "RebootRequest", "baremetalhosts/inspect": "InspectRequest",
		} {
			if got := s.kinds[gv.Group+"/"+path]; got != gv.WithKind(kind) {
				t.Errorf("kind of %s in %s = %v, want %s", path, gv, got, kind)
			}
		}
		// Apply is a patch: only the storages that take patches are checked for it.
		for _, path := range []string{"baremetalhosts", "baremetalhosts/status", "baremetalhosts/power"} {
			if _, ok := s.applyKinds[gv.Group+"/"+path]; !ok {
				t.Errorf("%s in %s takes patches but has no apply kind", path, gv)
			}
		}
		for _, path := range []string{"baremetalhosts/reboot", "baremetalhosts/inspect"} {
			if _, ok := s.applyKinds[gv.Group+"/"+path]; ok {
				t.Errorf("%s in %s takes no patches but has an apply kind", path, gv)
			}
		}
	}
}

const (
	hosts     = "/apis/baremetal.metal3.io/v1alpha1/namespaces/default/baremetalhosts"
	applyYAML = "application/apply-patch+yaml"
	jsonType  = "application/json"
	yamlType  = "application/yaml"
	hostApply = `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"h1"},"spec":%s}`
)

func apply(spec string) string { return strings.Replace(hostApply, "%s", spec, 1) }

func TestRequestChecks(t *testing.T) {
	const passed = http.StatusTeapot // what the handler behind the checks answers
	rc := newRequestChecks(scheme.Codecs)
	rc.setSchemas(testSchemas(t))

	cases := []struct {
		name, method, path, contentType, body string
		want                                  int
		wantMessage                           string
	}{
		// Namespaces that cannot be a path segment would make an invalid etcd key.
		{name: "namespace ..", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/../baremetalhosts", want: 400, wantMessage: `Namespace parameter invalid`},
		{name: "namespace . get", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/./baremetalhosts/h1", want: 400},
		{name: "namespace .. create", method: "POST", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/../baremetalhosts", contentType: jsonType, body: `{}`, want: 400},
		{name: "namespace not a DNS label but a path segment", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/namespaces/Foo/baremetalhosts", want: passed},
		{name: "cluster-wide list", method: "GET", path: "/apis/baremetal.metal3.io/v1alpha1/baremetalhosts", want: passed},

		// resourceVersion query parameters must parse as the storage parses them.
		{name: "get rv abc", method: "GET", path: hosts + "/h1?resourceVersion=abc", want: 400, wantMessage: "invalid resource version"},
		{name: "watch rv abc", method: "GET", path: hosts + "?watch=true&resourceVersion=abc", want: 400},
		{name: "list rv -1", method: "GET", path: hosts + "?resourceVersion=-1", want: 400},
		{name: "subresource get rv abc", method: "GET", path: hosts + "/h1/power?resourceVersion=abc", want: 400},
		{name: "deletecollection rv abc", method: "DELETE", path: hosts + "?resourceVersion=abc", want: 400},
		{name: "get rv 0", method: "GET", path: hosts + "/h1?resourceVersion=0", want: passed},
		{name: "list rv 12", method: "GET", path: hosts + "?resourceVersion=12", want: passed},
		{name: "get rv empty", method: "GET", path: hosts + "/h1?resourceVersion=", want: passed},

		// A create or update needs an object; null and empty YAML decode as a zero one.
		{name: "reboot empty yaml", method: "POST", path: hosts + "/h1/reboot", contentType: yamlType, body: "", want: 400, wantMessage: "send a RebootRequest"},
		{name: "reboot yaml comment only", method: "POST", path: hosts + "/h1/reboot", contentType: yamlType, body: "# just a comment\n---\n", want: 400},
		{name: "reboot yaml tilde", method: "POST", path: hosts + "/h1/reboot", contentType: yamlType, body: "~\n", want: 400},
		{name: "reboot json null", method: "POST", path: hosts + "/h1/reboot", contentType: jsonType, body: " null\n", want: 400},
		{name: "reboot json null with charset", method: "POST", path: hosts + "/h1/reboot", contentType: jsonType + "; charset=utf-8", body: "null", want: 400},
		{name: "inspect json null", method: "POST", path: hosts + "/h1/inspect", contentType: jsonType, body: "null", want: 400, wantMessage: "InspectRequest"},
		{name: "update json null", method: "PUT", path: hosts + "/h1", contentType: jsonType, body: "null", want: 400},
		{name: "reboot {}", method: "POST", path: hosts + "/h1/reboot", contentType: jsonType, body: "{}", want: passed},
		{name: "reboot typed", method: "POST", path: hosts + "/h1/reboot", contentType: jsonType,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest","spec":{"mode":"hard"}}`, want: passed},
		{name: "reboot yaml", method: "POST", path: hosts + "/h1/reboot", contentType: yamlType, body: "kind: RebootRequest\n", want: passed},
		{name: "reboot protobuf left to its decoder", method: "POST", path: hosts + "/h1/reboot", contentType: "application/vnd.kubernetes.protobuf", body: "", want: passed},

		// Server-side apply patches must fit the schema the field manager types them with.
		{name: "apply wrong type", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML, body: apply(`{"online":"yes"}`), want: 422, wantMessage: "spec.online"},
		{name: "apply unknown field", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML, body: apply(`{"bogus":1}`), want: 422, wantMessage: "spec.bogus"},
		{name: "apply wrong label type", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"h1","labels":{"a":1}}}`, want: 422, wantMessage: "metadata.labels.a"},
		{name: "apply status wrong type", method: "PATCH", path: hosts + "/h1/status?fieldManager=t", contentType: applyYAML,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"BareMetalHost","metadata":{"name":"h1"},"status":{"poweredOn":"x"}}`, want: 422},
		{name: "apply power wrong type", method: "PATCH", path: hosts + "/h1/power?fieldManager=t", contentType: applyYAML,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"Power","metadata":{"name":"h1"},"spec":{"state":5}}`, want: 422, wantMessage: "Power"},
		{name: "apply yaml wrong type", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML,
			body: "apiVersion: baremetal.metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata:\n  name: h1\nspec:\n  online: 3\n", want: 422},
		{name: "apply valid", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML, body: apply(`{"online":true,"description":"x"}`), want: passed},
		{name: "apply valid yaml", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML,
			body: "apiVersion: baremetal.metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata:\n  name: h1\nspec:\n  online: true\n", want: passed},
		// The handler answers these itself, with 400.
		{name: "apply other kind", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"Power","spec":{"state":5}}`, want: passed},
		{name: "apply no kind", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML, body: `{"spec":{"online":"yes"}}`, want: passed},
		{name: "apply bad yaml", method: "PATCH", path: hosts + "/h1?fieldManager=t", contentType: applyYAML, body: "spec: [", want: passed},
		{name: "apply to an action", method: "PATCH", path: hosts + "/h1/reboot?fieldManager=t", contentType: applyYAML,
			body: `{"apiVersion":"baremetal.metal3.io/v1alpha1","kind":"RebootRequest","spec":{"mode":5}}`, want: passed},
		// Other patch types are decoded into the typed object by the handler, which answers 4xx.
		{name: "merge patch", method: "PATCH", path: hosts + "/h1", contentType: "application/merge-patch+json", body: `{"spec":{"online":"yes"}}`, want: passed},

		{name: "non-resource path", method: "GET", path: "/healthz?resourceVersion=abc", want: passed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seen string
			next := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				b, _ := io.ReadAll(req.Body)
				seen = string(b)
				w.WriteHeader(passed)
			})
			rec := serve(t, rc.wrap(next, 3<<20), tc.method, tc.path, tc.contentType, tc.body)
			if rec.Code != tc.want {
				t.Fatalf("%s %s: got %d %s, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
			if tc.want == passed && seen != tc.body {
				t.Errorf("the handler read body %q, want %q", seen, tc.body)
			}
			if tc.want != passed && !strings.Contains(rec.Body.String(), tc.wantMessage) {
				t.Errorf("answer %s does not say %q", rec.Body, tc.wantMessage)
			}
		})
	}
}

// TestRequestChecksBodies checks that the handler behind always gets the body the client sent:
// over the limit (for it to answer 413), after a read error, or before the schemas are known.
func TestRequestChecksBodies(t *testing.T) {
	read := func(req *http.Request) (string, error) {
		b, err := io.ReadAll(req.Body)
		return string(b), err
	}
	t.Run("over the limit", func(t *testing.T) {
		rc := newRequestChecks(scheme.Codecs)
		rc.setSchemas(testSchemas(t))
		body := apply(`{"online":"yes","description":"` + strings.Repeat("x", 100) + `"}`)
		var got string
		next := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { got, _ = read(req); w.WriteHeader(299) })
		rec := serve(t, rc.wrap(next, 64), "PATCH", hosts+"/h1?fieldManager=t", applyYAML, body)
		if rec.Code != 299 || got != body {
			t.Errorf("got %d and body %q, want the whole body passed on", rec.Code, got)
		}
	})
	t.Run("read error", func(t *testing.T) {
		rc := newRequestChecks(scheme.Codecs)
		boom := errors.New("connection reset")
		var got error
		next := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { _, got = read(req); w.WriteHeader(299) })
		req := newRequest(t, "POST", hosts+"/h1/reboot", jsonType, "")
		req.Body = io.NopCloser(io.MultiReader(strings.NewReader("nu"), errorReader{boom}))
		rec := httptest.NewRecorder()
		rc.wrap(next, 1<<20).ServeHTTP(rec, req)
		if rec.Code != 299 || !errors.Is(got, boom) {
			t.Errorf("got %d, handler read error %v; want the read error passed on", rec.Code, got)
		}
	})
	t.Run("bodies longer than the prefix read", func(t *testing.T) {
		rc := newRequestChecks(scheme.Codecs)
		for name, tc := range map[string]struct {
			body string
			want int
		}{
			"an object, decided by its first byte": {`{"spec":{"mode":"hard"},"pad":"` + strings.Repeat("x", 2*bodyPrefixBytes) + `"}`, 299},
			"null after much white space":          {strings.Repeat(" ", 2*bodyPrefixBytes) + "null", 400},
		} {
			var got string
			next := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { got, _ = read(req); w.WriteHeader(299) })
			rec := serve(t, rc.wrap(next, 1<<20), "POST", hosts+"/h1/reboot", jsonType, tc.body)
			if rec.Code != tc.want || (tc.want == 299 && got != tc.body) {
				t.Errorf("%s: got %d (handler read %d of %d bytes), want %d", name, rec.Code, len(got), len(tc.body), tc.want)
			}
		}
	})
	t.Run("no schemas yet", func(t *testing.T) {
		rc := newRequestChecks(scheme.Codecs)
		next := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { w.WriteHeader(299) })
		if rec := serve(t, rc.wrap(next, 1<<20), "PATCH", hosts+"/h1?fieldManager=t", applyYAML, apply(`{"online":"yes"}`)); rec.Code != 299 {
			t.Errorf("got %d, want the apply check skipped", rec.Code)
		}
		// The checks that need no types still run.
		if rec := serve(t, rc.wrap(next, 1<<20), "POST", hosts+"/h1/reboot", jsonType, "null"); rec.Code != 400 {
			t.Errorf("null reboot got %d, want 400", rec.Code)
		}
	})
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

func newRequest(t *testing.T, method, path, contentType, body string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, "https://127.0.0.1"+path, strings.NewReader(body))
	if body == "" {
		req.Body = http.NoBody
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// As the handler chain's WithRequestInfo does, before the checks run.
	resolver := &request.RequestInfoFactory{APIPrefixes: sets.NewString("api", "apis"), GrouplessAPIPrefixes: sets.NewString("api")}
	info, err := resolver.NewRequestInfo(req)
	if err != nil {
		t.Fatal(err)
	}
	return req.WithContext(request.WithRequestInfo(req.Context(), info))
}

func serve(t *testing.T, h http.Handler, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRequest(t, method, path, contentType, body))
	return rec
}
