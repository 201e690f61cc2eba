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
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/registry/scheme"
)

// requestChecks answers client mistakes that the generic API server (k8s.io/apiserver) either
// discovers only deep inside its handlers or storage, where they surface as plain Go errors and
// so as 500s (kube-apiserver answers them the same way), or does not see at all. It runs last
// in the handler chain, after authentication, authorization and request-info parsing, so it
// only spends work on requests that would reach the API handlers anyway.
//
// What it checks, and what the generic server would do otherwise:
//   - a namespace in the URL that cannot be a path segment ("..", "."): the storage builds an
//     etcd key from it and fails with "invalid key" (500);
//   - a resourceVersion query parameter that is not a number, on get and watch: the storage's
//     parse error is not a status error (500; list already answers 400, and so does this);
//   - a create or update whose body is empty or null: it decodes as a zero object, which for
//     an action subresource is a valid request (POST baremetalhosts/NAME/reboot with no body
//     rebooted the host);
//   - a server-side apply patch whose fields do not fit the type's schema (wrong type, unknown
//     field, duplicate list keys): the field manager's "failed to create typed patch object" is
//     a plain error (500). The patch is checked with the same schema and the same decoding as
//     the field manager's, so exactly those patches are refused, with 422 and the field paths.
//
// The errors that only the storage can see (etcd's size limit, a resourceVersion set on
// create, a non-numeric resourceVersion in a body) are translated by the storage wrappers in
// storageerrors.go instead.
type requestChecks struct {
	codecs runtime.NegotiatedSerializer
	// schemas is set once the API group is installed (its OpenAPI models exist only then), before
	// the server serves. Until then the checks that need types are skipped.
	schemas atomic.Pointer[resourceSchemas]
}

// resourceSchemas describes the served resources for the checks that need their types.
type resourceSchemas struct {
	// kinds maps "group/resource" and "group/resource/subresource" to the kind its requests carry.
	kinds map[string]schema.GroupVersionKind
	// applyKinds is the subset of kinds that take patches, so server-side apply.
	applyKinds map[string]schema.GroupVersionKind
	// converter is built from the same OpenAPI models as the field manager's.
	converter managedfields.TypeConverter
}

// newResourceSchemas describes the storages served in every version of gvs, with the OpenAPI
// models the groups were installed with: InstallAPIGroups builds the field manager's type
// converter from the same models, and leaves them in APIGroupInfo.StaticOpenAPISpec.
func newResourceSchemas(gvs []schema.GroupVersion, storages map[string]rest.Storage, models map[string]*spec.Schema) (*resourceSchemas, error) {
	converter, err := managedfields.NewTypeConverter(models, false)
	if err != nil {
		return nil, fmt.Errorf("building the schema of server-side apply: %w", err)
	}
	s := &resourceSchemas{
		kinds:      map[string]schema.GroupVersionKind{},
		applyKinds: map[string]schema.GroupVersionKind{},
		converter:  converter,
	}
	for path, st := range storages {
		kinds, _, err := scheme.Scheme.ObjectKinds(st.New())
		if err != nil {
			return nil, fmt.Errorf("kind of %s: %w", path, err)
		}
		for _, gv := range gvs {
			gvk := gv.WithKind(kinds[0].Kind)
			key := gv.Group + "/" + path
			s.kinds[key] = gvk
			if _, ok := st.(rest.Patcher); ok {
				s.applyKinds[key] = gvk
			}
		}
	}
	return s, nil
}

func newRequestChecks(codecs runtime.NegotiatedSerializer) *requestChecks {
	return &requestChecks{codecs: codecs}
}

// setSchemas makes the type-dependent checks active.
func (rc *requestChecks) setSchemas(s *resourceSchemas) { rc.schemas.Store(s) }

// wrap returns next behind the checks; maxBodyBytes is the server's request body limit, beyond
// which a body is left unread for the handler to refuse (413).
func (rc *requestChecks) wrap(next http.Handler, maxBodyBytes int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, ok := request.RequestInfoFrom(req.Context())
		if !ok || !info.IsResourceRequest {
			next.ServeHTTP(w, req)
			return
		}
		if err := rc.check(req, info, maxBodyBytes); err != nil {
			gv := schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}
			responsewriters.ErrorNegotiated(err, rc.codecs, gv, w, req)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// check returns the status error a request must be answered with, or nil to serve it.
func (rc *requestChecks) check(req *http.Request, info *request.RequestInfo, maxBodyBytes int64) error {
	if err := checkNamespace(info.Namespace); err != nil {
		return err
	}
	switch info.Verb {
	case "get", "list", "watch", "deletecollection":
		return checkResourceVersionParam(req)
	case "create", "update":
		return rc.checkBodyPresent(req, info, maxBodyBytes)
	case "patch":
		return rc.checkApplyPatch(req, info, maxBodyBytes)
	}
	return nil
}

// checkNamespace refuses a namespace that cannot be a path segment, with the message the
// generic server's own key function has for it (which it returns as a plain error).
func checkNamespace(ns string) error {
	if ns == "" {
		return nil
	}
	if msgs := content.IsPathSegmentName(ns); len(msgs) > 0 {
		return apierrors.NewBadRequest(fmt.Sprintf("Namespace parameter invalid: %q: %s", ns, strings.Join(msgs, "; ")))
	}
	return nil
}

// checkResourceVersionParam refuses a resourceVersion query parameter the storage cannot parse,
// with the parser the storage uses and the message list requests already get.
func checkResourceVersionParam(req *http.Request) error {
	rv := req.URL.Query().Get("resourceVersion")
	if _, err := (storage.APIObjectVersioner{}).ParseResourceVersion(rv); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	return nil
}

// checkBodyPresent refuses a create or update without an object. Both JSON null and an empty
// YAML document decode as the zero object of the endpoint's kind, which the storage cannot tell
// from a deliberate {}; for RebootRequest and InspectRequest that zero object is a valid action,
// so a client that lost its body would act on the hardware. An explicit object, even {}, is
// still a request (a RebootRequest with no spec is a soft reboot).
func (rc *requestChecks) checkBodyPresent(req *http.Request, info *request.RequestInfo, maxBodyBytes int64) error {
	mediaType := contentType(req)
	if mediaType != runtime.ContentTypeJSON && mediaType != runtime.ContentTypeYAML {
		// Protobuf and CBOR bodies have no null document; the decoders refuse an empty one.
		return nil
	}
	// The first bytes decide for nearly every request (an object starts with "{", a YAML
	// document with a field name), so a create's body is not buffered a second time here;
	// only a body that could still be null is read whole.
	prefix, whole := peekPrefix(req, bodyPrefixBytes)
	if c, ok := firstSignificant(prefix); ok && !maybeNull(c) {
		return nil
	}
	body := prefix
	if !whole {
		var ok bool
		if body, ok = peekBody(req, maxBodyBytes); !ok {
			return nil
		}
	}
	if !absentBody(body, mediaType) {
		return nil
	}
	what := "an object"
	if s := rc.schemas.Load(); s != nil {
		if gvk, ok := s.kinds[resourceKey(info)]; ok {
			what = fmt.Sprintf("a %s (apiVersion %s)", gvk.Kind, gvk.GroupVersion())
		}
	}
	return apierrors.NewBadRequest(fmt.Sprintf("the request body is empty or null: send %s", what))
}

// bodyPrefixBytes is how much of a body checkBodyPresent reads before deciding.
const bodyPrefixBytes = 512

// peekPrefix reads up to n bytes of the request body and puts them back in front of the rest
// for the handler; whole says the body ended within them. A read error is left for the handler
// to meet again.
func peekPrefix(req *http.Request, n int) (prefix []byte, whole bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, true
	}
	orig := req.Body
	buf := make([]byte, n)
	read, err := io.ReadFull(orig, buf)
	buf = buf[:read]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		req.Body = readCloser{bytes.NewReader(buf), orig}
		return buf, true
	case err != nil:
		req.Body = readCloser{io.MultiReader(bytes.NewReader(buf), errReader{err}), orig}
		return buf, false
	}
	req.Body = readCloser{io.MultiReader(bytes.NewReader(buf), orig), orig}
	return buf, false
}

// firstSignificant is the first byte of b that is not white space, if any.
func firstSignificant(b []byte) (byte, bool) {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 {
		return t[0], true
	}
	return 0, false
}

// maybeNull says whether a body starting with c may still turn out to hold no object: JSON's
// null, and YAML's null, Null, NULL, ~, comments and document markers.
func maybeNull(c byte) bool {
	switch c {
	case 'n', 'N', '~', '#', '-', '.':
		return true
	}
	return false
}

// absentBody says whether a JSON or YAML body holds no object at all.
func absentBody(body []byte, mediaType string) bool {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return true
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		return false
	}
	if mediaType == runtime.ContentTypeJSON {
		return string(trimmed) == "null"
	}
	// The YAML serializer converts with this same function before decoding: a document of
	// comments, "---", "~" or "null" becomes null.
	converted, err := yaml.YAMLToJSON(body)
	return err == nil && string(bytes.TrimSpace(converted)) == "null"
}

// checkApplyPatch refuses a server-side apply patch that the field manager would fail to type
// against the schema. Anything else (a patch of another kind or version, undecodable YAML, a
// body over the limit) is left to the handler, which answers those with 4xx already.
func (rc *requestChecks) checkApplyPatch(req *http.Request, info *request.RequestInfo, maxBodyBytes int64) error {
	// The patch handler's own reading of the header: parameters cut, case kept.
	patchType, _, _ := strings.Cut(req.Header.Get("Content-Type"), ";")
	if types.PatchType(patchType) != types.ApplyYAMLPatchType {
		return nil
	}
	s := rc.schemas.Load()
	if s == nil {
		return nil
	}
	gvk, ok := s.applyKinds[resourceKey(info)]
	if !ok {
		return nil
	}
	body, ok := peekBody(req, maxBodyBytes)
	if !ok {
		return nil
	}
	// Decoded as the apply handler decodes it (endpoints/handlers/patch.go).
	patch := &unstructured.Unstructured{Object: map[string]interface{}{}}
	if err := utilyaml.Unmarshal(body, &patch.Object); err != nil || patch.GroupVersionKind() != gvk {
		return nil
	}
	_, err := s.converter.ObjectToTyped(patch)
	if err == nil {
		return nil
	}
	var verrs typed.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return apierrors.NewBadRequest(fmt.Sprintf("the apply patch does not fit the schema of %s: %v", gvk.Kind, err))
	}
	// One field error a path: ".spec.online: expected boolean" is spec.online's error.
	errs := make(field.ErrorList, 0, len(verrs))
	for _, e := range verrs {
		errs = append(errs, field.TypeInvalid(field.NewPath(strings.TrimPrefix(e.Path, ".")), field.OmitValueType{}, e.ErrorMessage))
	}
	return apierrors.NewInvalid(gvk.GroupKind(), info.Name, errs)
}

func resourceKey(info *request.RequestInfo) string {
	if info.Subresource == "" {
		return info.APIGroup + "/" + info.Resource
	}
	return info.APIGroup + "/" + info.Resource + "/" + info.Subresource
}

func contentType(req *http.Request) string {
	mediaType, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mediaType
}

// peekBody reads the request body and puts it back for the handler. ok is false when the body
// is over limit or could not be read: the handler then reads it as it would have, and refuses
// it with its own error.
func peekBody(req *http.Request, limit int64) (body []byte, ok bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, true
	}
	orig := req.Body
	r := io.Reader(orig)
	if limit > 0 {
		r = io.LimitReader(orig, limit+1)
	}
	body, err := io.ReadAll(r)
	switch {
	case err != nil:
		req.Body = readCloser{io.MultiReader(bytes.NewReader(body), errReader{err}), orig}
		return nil, false
	case limit > 0 && int64(len(body)) > limit:
		req.Body = readCloser{io.MultiReader(bytes.NewReader(body), orig), orig}
		return nil, false
	}
	req.Body = readCloser{bytes.NewReader(body), orig}
	return body, true
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
