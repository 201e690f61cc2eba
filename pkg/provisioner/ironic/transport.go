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

package ironic

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"
)

// Metrics of the requests this server sends to Ironic: the first thing to look at when
// Ironic, not this server, is the bottleneck.
var (
	requestsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "baremetal", Subsystem: "ironic", Name: "requests_total", StabilityLevel: metrics.ALPHA,
		Help: "Requests sent to Ironic, by Ironic endpoint, HTTP method and status code (\"error\" when no answer came).",
	}, []string{"endpoint", "method", "code"})
	requestDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "baremetal", Subsystem: "ironic", Name: "request_duration_seconds", StabilityLevel: metrics.ALPHA,
		Help:    "Time Ironic took to answer, by Ironic endpoint and HTTP method.",
		Buckets: metrics.ExponentialBuckets(0.005, 2, 12),
	}, []string{"endpoint", "method"})
)

var registerMetricsOnce sync.Once

func registerMetrics() {
	registerMetricsOnce.Do(func() { legacyregistry.MustRegister(requestsTotal, requestDuration) })
}

// instrumentedTransport counts and times every request to Ironic, logs it at V(5) (method,
// path and status only: bodies carry BMC passwords), and tells onWrite about each request
// that may change a node, so that cached reads of it are dropped whatever code path wrote.
type instrumentedTransport struct {
	next http.RoundTripper
	// endpoint labels the metrics: with several Ironic endpoints, each one's load is visible.
	endpoint string
	onWrite  func(nodeIdent string)
}

func (t *instrumentedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead && t.onWrite != nil {
		if ident := nodeInPath(req.URL.Path); ident != "" {
			t.onWrite(ident)
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	elapsed := time.Since(start)
	if req.Method != http.MethodGet && req.Method != http.MethodHead && t.onWrite != nil {
		// Again once written: a read that raced with the write must not stay cached.
		if ident := nodeInPath(req.URL.Path); ident != "" {
			t.onWrite(ident)
		}
	}
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	requestsTotal.WithLabelValues(t.endpoint, req.Method, code).Inc()
	requestDuration.WithLabelValues(t.endpoint, req.Method).Observe(elapsed.Seconds())
	klog.FromContext(req.Context()).V(5).Info("Ironic request", "method", req.Method, "path", req.URL.Path,
		"code", code, "duration", elapsed)
	return resp, err
}

// nodeInPath returns the node identifier of a /v1/nodes/{ident}[/...] path, or "".
func nodeInPath(path string) string {
	i := strings.Index(path, "/nodes/")
	if i < 0 {
		return ""
	}
	rest := path[i+len("/nodes/"):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
