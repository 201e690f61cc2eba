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
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// The HTTP fuzzer sends malformed and hostile requests to a running server: every verb on the
// host collection, hosts and every subresource; JSON, merge, JSON patch, strategic merge,
// server-side apply and protobuf bodies, made from valid ones with wrong types, unknown fields,
// deep nesting, huge values and garbage; bad names, namespaces, resourceVersions, selectors and
// options. It fails on any 5xx (but the one documented in documentedServerError), any request not answered within 10 s, a server that is not
// ready afterwards, or a change to the objects of a namespace no request was sent to.
//
// HTTP_FUZZ_REQUESTS sets how many requests (make test: 1,500; make fuzz: 20,000) and
// HTTP_FUZZ_SEED the seed (fixed in make test; make fuzz picks one and prints it: a failure is
// reproduced with the same seed).

const (
	fuzzNamespace    = "fuzz"
	sentryNamespace  = "untouched"
	fuzzHangLimit    = 10 * time.Second
	defaultFuzzCount = 1500
)

func TestHTTPFuzz(t *testing.T) {
	count := defaultFuzzCount
	if n, err := strconv.Atoi(os.Getenv("HTTP_FUZZ_REQUESTS")); err == nil && n > 0 {
		count = n
	}
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("HTTP_FUZZ_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("HTTP fuzzing with %d requests, HTTP_FUZZ_SEED=%d", count, seed)

	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	cs := srv.Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	// Hosts nobody sends a request for: afterwards they must be exactly as they were.
	for i := range 3 {
		h := fuzzHost(fmt.Sprintf("sentry-%d", i))
		if _, err := cs.BaremetalV1alpha1().BareMetalHosts(sentryNamespace).Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	before, err := cs.BaremetalV1alpha1().BareMetalHosts(sentryNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Hosts the fuzzer works on, by name.
	for i := range 5 {
		if _, err := cs.BaremetalV1alpha1().BareMetalHosts(fuzzNamespace).Create(ctx, fuzzHost(fmt.Sprintf("h%d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	cfg, err := srv.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: transport, Timeout: fuzzHangLimit}
	g := &requestGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	codes := map[int]int{}
	failures := 0
	start := time.Now()
	for i := range count {
		req := g.next()
		status, body, took, err := send(ctx, client, cfg.Host, req)
		switch {
		case err != nil:
			failures++
			t.Errorf("request %d %s: no answer within %s (took %s): %v", i, req, fuzzHangLimit, took.Round(time.Millisecond), err)
		case status >= 500 && !documentedServerError(status, body):
			failures++
			t.Errorf("request %d %s: %d %s", i, req, status, truncateBody(body))
		}
		codes[status]++
		if failures >= 20 {
			t.Fatalf("stopping after %d failures", failures)
		}
	}
	elapsed := time.Since(start)

	// The server is healthy, and what was not addressed is unchanged.
	if err := srv.WaitReady(10 * time.Second); err != nil {
		t.Fatalf("after fuzzing the server is not ready: %v", err)
	}
	after, err := cs.BaremetalV1alpha1().BareMetalHosts(sentryNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != len(before.Items) {
		t.Fatalf("namespace %s had %d hosts, now %d", sentryNamespace, len(before.Items), len(after.Items))
	}
	for i := range before.Items {
		b, a := before.Items[i], after.Items[i]
		if b.Name != a.Name || b.UID != a.UID || b.ResourceVersion != a.ResourceVersion {
			t.Errorf("host %s/%s changed: uid %s -> %s, resourceVersion %s -> %s", sentryNamespace, b.Name, b.UID, a.UID, b.ResourceVersion, a.ResourceVersion)
		}
	}
	var summary []string
	for code, n := range codes {
		summary = append(summary, fmt.Sprintf("%d: %d", code, n))
	}
	sort.Strings(summary)
	t.Logf("%d requests in %s (%.0f/s); status codes %s", count, elapsed.Round(time.Millisecond),
		float64(count)/elapsed.Seconds(), strings.Join(summary, ", "))
}

// documentedServerError is a 5xx that is the API's contract, not a fault: a read at a
// resourceVersion newer than the server has seen waits up to 3 s for it, then answers 504
// Timeout with the cause ResourceVersionTooLarge and a Retry-After, exactly as kube-apiserver
// does; client-go's reflectors rely on that answer to retry.
func documentedServerError(status int, body []byte) bool {
	return status == http.StatusGatewayTimeout && bytes.Contains(body, []byte("Too large resource version"))
}

func fuzzHost(name string) *v1alpha1.BareMetalHost {
	return &v1alpha1.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"rack": "r1"}},
		Spec: v1alpha1.BareMetalHostSpec{Online: true, BootMACAddress: "00:11:22:33:44:55",
			BMC: v1alpha1.BMCDetails{Address: "redfish://192.0.2.10/redfish/v1/Systems/1", CredentialsName: "bmc"}},
	}
}

type fuzzRequest struct {
	method, path, contentType, accept string
	body                              []byte
}

func (r fuzzRequest) String() string {
	return fmt.Sprintf("%s %s (%s, %d bytes: %s)", r.method, truncateBody([]byte(r.path)), r.contentType, len(r.body), truncateBody(r.body))
}

func truncateBody(b []byte) string {
	const n = 160
	if len(b) > n {
		return fmt.Sprintf("%q...", b[:n])
	}
	return fmt.Sprintf("%q", b)
}

func send(ctx context.Context, client *http.Client, host string, r fuzzRequest) (int, []byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, r.method, host+r.path, bytes.NewReader(r.body))
	if err != nil {
		// A path Go will not even send (control characters): nothing reaches the server.
		return 400, nil, 0, nil
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, time.Since(start), err
}

// requestGen makes requests from a seeded generator, so a seed replays a run.
type requestGen struct{ r *rand.Rand }

func (g *requestGen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

func (g *requestGen) name() string {
	return g.pick("h0", "h1", "h2", "h3", "h4", "new-"+strconv.Itoa(g.r.IntN(50)), "missing", "..", ".", "A", "a_b",
		strings.Repeat("x", 254), "%2e%2e", "%00", "h0%2Fstatus", "ü", "-h", "h-", "123e4567-e89b-12d3-a456-426614174000")
}

func (g *requestGen) path() (string, string) {
	base := "/apis/baremetal.metal3.io/v1alpha1"
	ns := g.pick(fuzzNamespace, fuzzNamespace, fuzzNamespace, "..", "Fuzz", "nonexistent", strings.Repeat("n", 70))
	sub := g.pick("", "", "", "/status", "/power", "/reboot", "/inspect", "/scale", "/bogus")
	switch g.r.IntN(10) {
	case 0:
		return base + "/baremetalhosts", "" // every namespace
	case 1, 2:
		return base + "/namespaces/" + ns + "/baremetalhosts", ""
	case 3:
		return g.pick(base, base+"/", "/apis/baremetal.metal3.io", "/apis/baremetal.metal3.io/v2", base+"/namespaces/"+ns+"/other"), ""
	}
	return base + "/namespaces/" + ns + "/baremetalhosts/" + g.name() + sub, sub
}

func (g *requestGen) query(method string) string {
	var q []string
	add := func(k string, vals ...string) {
		if g.r.IntN(4) == 0 {
			q = append(q, k+"="+g.pick(vals...))
		}
	}
	rv := []string{"", "0", "1", "-1", "abc", "99999999999999999999", "1e3", "%20", "10000000"}
	add("resourceVersion", rv...)
	add("resourceVersionMatch", "NotOlderThan", "Exact", "bogus", "")
	add("dryRun", "All", "bogus", "")
	add("fieldManager", "fuzz", strings.Repeat("m", 200), "", "ü")
	add("fieldSelector", "metadata.name=h0", "spec.online=true", "bogus=1", "status.provisioning.state!=x", "((", "=")
	add("labelSelector", "rack=r1", "rack in (r1,r2)", "!rack", "(((", "a=b=c", strings.Repeat("k", 70)+"=v")
	add("limit", "1", "-1", "abc", "0", "100000")
	add("continue", "garbage", "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", "")
	add("force", "true", "bogus")
	add("propagationPolicy", "Foreground", "bogus")
	add("gracePeriodSeconds", "-1", "abc", "0")
	add("pretty", "true", "x")
	if method == http.MethodGet && g.r.IntN(8) == 0 {
		// A watch is held open by design: always with a short server-side timeout.
		q = append(q, "watch=true", "timeoutSeconds="+g.pick("1", "2"))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.Join(q, "&")
}

// validBody is a well-formed body for a path's subresource.
func (g *requestGen) validBody(sub string) map[string]any {
	switch sub {
	case "/power":
		return map[string]any{"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "Power",
			"metadata": map[string]any{"name": "h0"}, "spec": map[string]any{"state": g.pick("On", "Off")}}
	case "/reboot":
		return map[string]any{"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "RebootRequest",
			"spec": map[string]any{"mode": g.pick("soft", "hard")}}
	case "/inspect":
		return map[string]any{"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "InspectRequest"}
	}
	return map[string]any{"apiVersion": "baremetal.metal3.io/v1alpha1", "kind": "BareMetalHost",
		"metadata": map[string]any{"name": "new-" + strconv.Itoa(g.r.IntN(50)), "labels": map[string]any{"rack": "r1"},
			"annotations": map[string]any{"baremetalhost.metal3.io/status": `{"operationalStatus":"OK"}`}},
		"spec": map[string]any{"online": true, "bootMACAddress": "00:11:22:33:44:55",
			"bmc":   map[string]any{"address": "ipmi://192.0.2.11", "credentialsName": "bmc"},
			"image": map[string]any{"url": "http://192.0.2.1/os.qcow2", "checksum": "abc", "checksumType": "sha256"},
			"raid":  map[string]any{"softwareRAIDVolumes": []any{map[string]any{"level": "1"}}}},
		"status": map[string]any{"operationalStatus": "OK", "errorCount": 1, "poweredOn": true}}
}

// randomValue is a value of a random JSON type, sometimes large.
func (g *requestGen) randomValue(depth int) any {
	switch g.r.IntN(10) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return g.r.NormFloat64() * 1e12
	case 3:
		return -g.r.Int64()
	case 4:
		return strings.Repeat("ä", g.r.IntN(5000))
	case 5:
		if depth < 3 {
			return []any{g.randomValue(depth + 1), g.randomValue(depth + 1)}
		}
		return []any{}
	case 6:
		if depth < 3 {
			return map[string]any{g.pick("x", "online", "spec", "metadata", "$patch", "apiVersion"): g.randomValue(depth + 1)}
		}
		return map[string]any{}
	}
	return g.pick("", "On", "Off", "soft", "hard", "x", "ipmi://[::1", "00:11", "provisioned", "<script>", "\x00")
}

// mutate changes one random leaf of v (maps and slices in place) and returns v.
func (g *requestGen) mutate(v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 || g.r.IntN(6) == 0 {
			x[g.pick("bogus", "spec", "status", "kind", "apiVersion", "metadata", "online")] = g.randomValue(depth)
			return x
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		k := keys[g.r.IntN(len(keys))]
		if g.r.IntN(8) == 0 {
			delete(x, k)
			return x
		}
		x[k] = g.mutate(x[k], depth+1)
		return x
	case []any:
		if len(x) == 0 {
			return append(x, g.randomValue(depth))
		}
		i := g.r.IntN(len(x))
		x[i] = g.mutate(x[i], depth+1)
		return x
	}
	return g.randomValue(depth)
}

// deep is JSON nested n levels (arrays or objects).
func deep(n int, object bool) []byte {
	var b bytes.Buffer
	for range n {
		if object {
			b.WriteString(`{"a":`)
		} else {
			b.WriteString("[")
		}
	}
	b.WriteString("1")
	for range n {
		if object {
			b.WriteString("}")
		} else {
			b.WriteString("]")
		}
	}
	return b.Bytes()
}

func (g *requestGen) body(sub string, contentType string) []byte {
	valid := g.validBody(sub)
	switch g.r.IntN(16) {
	case 0:
		return nil
	case 1:
		return []byte(g.pick("null", "{}", "[]", "1", `""`, "{", `{"spec":`, "\x00\x01\x02", "k8s\x00garbage", "---\n- a: [", "spec: {online: maybe}"))
	case 2:
		return deep(1+g.r.IntN(20000), g.r.IntN(2) == 0)
	case 3:
		// Close to, at and over the request body limit and etcd's object limit.
		size := g.pick("1000000", "1600000", "2600000", "3200000")
		n, _ := strconv.Atoi(size)
		valid["metadata"] = map[string]any{"name": "h1", "annotations": map[string]any{"big": strings.Repeat("b", n)}}
	case 4:
		b := make([]byte, g.r.IntN(4096))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		if strings.Contains(contentType, "protobuf") && g.r.IntN(2) == 0 {
			return append([]byte("k8s\x00"), b...)
		}
		return b
	}
	if strings.Contains(contentType, "json-patch") {
		ops := []any{}
		for range 1 + g.r.IntN(3) {
			ops = append(ops, map[string]any{"op": g.pick("add", "remove", "replace", "test", "move", "copy", "bogus"),
				"path": g.pick("/spec/online", "/spec", "/metadata/name", "/status/poweredOn", "/metadata/resourceVersion",
					"/spec/bmc/address", "", "/", "/spec/~2", "/metadata/labels/a~1b", "/kind"),
				"from": g.pick("/spec/online", "/metadata"), "value": g.randomValue(0)})
		}
		b, _ := json.Marshal(ops)
		return b
	}
	var v any = valid
	for range g.r.IntN(4) {
		v = g.mutate(v, 0)
	}
	b, _ := json.Marshal(v)
	return b
}

func (g *requestGen) next() fuzzRequest {
	method := g.pick(http.MethodGet, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodPatch, http.MethodDelete, "OPTIONS", "HEAD")
	path, sub := g.path()
	r := fuzzRequest{method: method, path: path + g.query(method),
		accept: g.pick("", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
			"application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io", "text/html", "*/*")}
	switch method {
	case http.MethodPatch:
		r.contentType = g.pick("application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json",
			"application/apply-patch+yaml", "application/apply-patch+cbor", "application/json", "text/plain")
		if r.contentType == "application/apply-patch+yaml" && !strings.Contains(r.path, "fieldManager=") {
			sep := "?"
			if strings.Contains(r.path, "?") {
				sep = "&"
			}
			r.path += sep + "fieldManager=fuzz" + g.pick("", "&force=true")
		}
	case http.MethodPost, http.MethodPut:
		r.contentType = g.pick("application/json", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
			"application/cbor", "text/plain", "")
	case http.MethodDelete:
		r.contentType = "application/json"
	}
	if method != http.MethodGet && method != "HEAD" && method != "OPTIONS" {
		r.body = g.body(sub, r.contentType)
	}
	return r
}
