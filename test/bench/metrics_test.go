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

package bench

import (
	"bytes"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serverMetrics is the server's /metrics, parsed by Prometheus' own text parser: the one way
// the benchmarks read what the server counted.
type serverMetrics map[string]*dto.MetricFamily

func parseMetrics(body []byte) (serverMetrics, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(bytes.NewReader(body))
}

// sum adds the values (counter, gauge, untyped, or a histogram's count) of name's samples
// whose labels include every label of match (nil: all of them); 0 when there are none.
func (m serverMetrics) sum(name string, match map[string]string) float64 {
	var total float64
	for _, s := range m.samples(name, match) {
		total += sampleValue(s)
	}
	return total
}

// samples are name's samples whose labels include every label of match.
func (m serverMetrics) samples(name string, match map[string]string) []*dto.Metric {
	f, ok := m[name]
	if !ok {
		return nil
	}
	var out []*dto.Metric
	for _, s := range f.GetMetric() {
		if labelsMatch(s, match) {
			out = append(out, s)
		}
	}
	return out
}

// histogramSum is the sum of name's observations (a histogram's _sum).
func (m serverMetrics) histogramSum(name string) float64 {
	var total float64
	for _, s := range m.samples(name, nil) {
		total += s.GetHistogram().GetSampleSum()
	}
	return total
}

func labelsMatch(s *dto.Metric, match map[string]string) bool {
	for k, v := range match {
		if label(s, k) != v {
			return false
		}
	}
	return true
}

// label is the value of a sample's label, "" when it has none.
func label(s *dto.Metric, name string) string {
	for _, l := range s.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func sampleValue(s *dto.Metric) float64 {
	switch {
	case s.Counter != nil:
		return s.GetCounter().GetValue()
	case s.Gauge != nil:
		return s.GetGauge().GetValue()
	case s.Histogram != nil:
		return float64(s.GetHistogram().GetSampleCount())
	default:
		return s.GetUntyped().GetValue()
	}
}

func TestServerMetrics(t *testing.T) {
	m, err := parseMetrics([]byte(`# TYPE apiserver_request_total counter
apiserver_request_total{group="baremetal.metal3.io",resource="baremetalhosts",subresource="status",verb="PUT",code="200"} 7
apiserver_request_total{group="baremetal.metal3.io",resource="baremetalhosts",subresource="status",verb="PUT",code="409"} 1
apiserver_request_total{group="",resource="secrets",subresource="",verb="GET",code="200"} 3
# TYPE workqueue_depth gauge
workqueue_depth{name="hostfirmware"} 12
workqueue_depth{name="baremetalhost"} 2
# TYPE reading_seconds histogram
reading_seconds_bucket{le="+Inf"} 4
reading_seconds_sum 0.5
reading_seconds_count 4
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		match map[string]string
		want  float64
	}{
		{"apiserver_request_total", map[string]string{"group": "baremetal.metal3.io"}, 8},
		{"apiserver_request_total", nil, 11},
		{"workqueue_depth", map[string]string{"name": "hostfirmware"}, 12},
		{"reading_seconds", nil, 4},
		{"absent", nil, 0},
	} {
		if got := m.sum(tc.name, tc.match); got != tc.want {
			t.Errorf("sum(%s, %v) = %v, want %v", tc.name, tc.match, got, tc.want)
		}
	}
	if got := m.histogramSum("reading_seconds"); got != 0.5 {
		t.Errorf("histogramSum = %v, want 0.5", got)
	}
}
