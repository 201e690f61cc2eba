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

package bmceventsubscription

import (
	"sync"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

const (
	opCreate = "create"
	opDelete = "delete"
)

// Metrics on the server's /metrics, beside the host reconciler's.
var (
	operationsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "baremetal", Name: "bmc_event_subscription_operations_total", StabilityLevel: metrics.ALPHA,
		Help: "BMC event subscriptions created and deleted on BMCs, by operation (create, delete) and result (ok, error).",
	}, []string{"operation", "result"})
	operationDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "baremetal", Name: "bmc_event_subscription_operation_duration_seconds", StabilityLevel: metrics.ALPHA,
		Help:    "Duration of creating and deleting BMC event subscriptions on BMCs, by operation.",
		Buckets: metrics.ExponentialBuckets(0.05, 2, 10),
	}, []string{"operation"})
)

var registerOnce sync.Once

func registerMetrics() {
	registerOnce.Do(func() { legacyregistry.MustRegister(operationsTotal, operationDuration) })
}

// observe counts one backend call.
func observe(op string, start time.Time, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	operationsTotal.WithLabelValues(op, result).Inc()
	operationDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
}
