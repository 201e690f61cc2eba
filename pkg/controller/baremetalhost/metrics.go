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

package baremetalhost

import (
	"sync"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// Metrics in the spirit of Metal3's, on the server's /metrics.
var (
	reconcileTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "baremetal", Name: "reconcile_total", StabilityLevel: metrics.ALPHA,
		Help: "Host reconciliations by result (ok, error, requeue).",
	}, []string{"result"})
	hostErrorsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "baremetal", Name: "host_errors_total", StabilityLevel: metrics.ALPHA,
		Help: "Errors recorded in host status, by error type.",
	}, []string{"error_type"})
	stateChangesTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "baremetal", Name: "state_changes_total", StabilityLevel: metrics.ALPHA,
		Help: "Provisioning state transitions.",
	}, []string{"from", "to"})
	operationDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "baremetal", Name: "operation_duration_seconds", StabilityLevel: metrics.ALPHA,
		Help:    "Duration of lifecycle operations (register, inspect, provision, deprovision).",
		Buckets: metrics.ExponentialBuckets(0.25, 2, 14),
	}, []string{"operation"})
	powerChangesTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "baremetal", Name: "power_changes_total", StabilityLevel: metrics.ALPHA,
		Help: "Power actions carried out, by target state (on, off, reboot).",
	}, []string{"target"})
	slotsInUse = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace: "baremetal", Name: "provisioning_slots_in_use", StabilityLevel: metrics.ALPHA,
		Help: "Hosts holding one of the --max-concurrent-provisioning slots.",
	})
	hostsDelayed = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace: "baremetal", Name: "hosts_delayed", StabilityLevel: metrics.ALPHA,
		Help: "Hosts waiting for a provisioning slot.",
	})
)

var registerOnce sync.Once

func registerMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(reconcileTotal, hostErrorsTotal, stateChangesTotal, operationDuration,
			powerChangesTotal, slotsInUse, hostsDelayed)
	})
}
