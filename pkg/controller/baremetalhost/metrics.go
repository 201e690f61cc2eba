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

	"github.com/prometheus/client_golang/prometheus"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
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
	// The slots are per Ironic endpoint (--max-concurrent-provisioning applies to each), so
	// their gauges are too; sum() over endpoint is what these gauges were before they had
	// the label. See endpointLabel for the label's values.
	slotsInUse = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: "baremetal", Name: "provisioning_slots_in_use", StabilityLevel: metrics.ALPHA,
		Help: "Hosts holding one of the --max-concurrent-provisioning slots, by Ironic endpoint.",
	}, []string{"endpoint"})
	hostsDelayed = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: "baremetal", Name: "hosts_delayed", StabilityLevel: metrics.ALPHA,
		Help: "Hosts waiting for a provisioning slot, by Ironic endpoint.",
	}, []string{"endpoint"})
	secretReads = metrics.NewCounter(&metrics.CounterOpts{
		Namespace: "baremetal", Name: "secret_reads_total", StabilityLevel: metrics.ALPHA,
		Help: "Secrets (BMC credentials, network data) the host reconciler read: files in standalone mode, an informer cache or the API otherwise.",
	})
)

var registerOnce sync.Once

func registerMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(reconcileTotal, hostErrorsTotal, stateChangesTotal, operationDuration,
			powerChangesTotal, slotsInUse, hostsDelayed, secretReads)
		legacyregistry.CustomMustRegister(&fleetCollector{})
		registerMetal3Metrics()
	})
}

// Metal3's metrics, with Metal3's names, labels and buckets (its
// internal/controller/metal3.io/metrics.go), so dashboards and alerts written for the Bare
// Metal Operator work unchanged. The per-host series of a host are dropped when it is deleted
// (Metal3 keeps them until the operator restarts).
const (
	labelNamespace = "namespace"
	labelHost      = "host"
)

var metal3SlowBuckets = []float64{30, 90, 180, 360, 720, 1440}

func metal3Counter(name, help string) *metrics.Counter {
	return metrics.NewCounter(&metrics.CounterOpts{Name: name, Help: help, StabilityLevel: metrics.ALPHA})
}

func metal3CounterVec(name, help string, labels ...string) *metrics.CounterVec {
	return metrics.NewCounterVec(&metrics.CounterOpts{Name: name, Help: help, StabilityLevel: metrics.ALPHA}, labels)
}

func metal3Duration(op string, buckets []float64) *metrics.HistogramVec {
	return metrics.NewHistogramVec(&metrics.HistogramOpts{
		Name: "metal3_operation_" + op + "_duration_seconds", Help: "Length of time per " + op + " operation per host",
		Buckets: buckets, StabilityLevel: metrics.ALPHA,
	}, []string{labelNamespace, labelHost})
}

var (
	metal3Reconciles       = metal3CounterVec("metal3_reconcile_total", "The number of times hosts have been reconciled", labelNamespace, labelHost)
	metal3ReconcileErrors  = metal3Counter("metal3_reconcile_error_total", "The number of times the operator has failed to reconcile a host")
	metal3HostErrors       = metal3CounterVec("metal3_host_error_total", "The number of times hosts have entered an error state", "error_type")
	metal3PowerChanges     = metal3CounterVec("metal3_operation_power_change_total", "Number of times a host has been powered on or off", labelNamespace, labelHost, "on_off")
	metal3CredsMissing     = metal3Counter("metal3_credentials_missing_total", "Number of times a host's credentials are found to be missing")
	metal3CredsInvalid     = metal3Counter("metal3_credentials_invalid_total", "Number of times a host's credentials are found to be invalid")
	metal3CredsUnhandled   = metal3Counter("metal3_credentials_unhandled_error_total", "Number of times getting a host's credentials fails in an unexpected way")
	metal3CredsUpdated     = metal3Counter("metal3_credentials_updated_total", "Number of times a host's credentials change")
	metal3NoBMCAccess      = metal3Counter("metal3_credentials_no_management_access_total", "Number of times a host management interface is unavailable")
	metal3ConfigDataError  = metal3CounterVec("metal3_host_config_data_error_total", "Number of times the operator has failed to retrieve host configuration data", "host_data_type")
	metal3DelayedProv      = metal3CounterVec("metal3_delayed__provisioning_total", "The number of times hosts have been delayed while provisioning due a busy provisioner", labelNamespace, labelHost)
	metal3DelayedDeprov    = metal3CounterVec("metal3_delayed__deprovisioning_total", "The number of times hosts have been delayed while deprovisioning due a busy provisioner", labelNamespace, labelHost)
	metal3StateChanges     = metal3CounterVec("metal3_provisioning_state_change_total", "Number of times a state transition has occurred", "prev_state", "new_state")
	metal3RegRequired      = metal3Counter("metal3_host_registration_required_total", "Number of times a host is found to be unregistered")
	metal3Unmanaged        = metal3Counter("metal3_host_unmanaged_total", "Number of times a host is found to be unmanaged")
	metal3DeleteNoDeprov   = metal3Counter("metal3_delete_without_deprovisioning_total", "Number of times a host is deleted despite deprovisioning failing")
	metal3DeleteNoPowerOff = metal3Counter("metal3_delete_without_powering_off_total", "Number of times a host is deleted despite powering off failing")
	metal3ProvNotReady     = metal3Counter("metal3_provisioner_not_ready_total", "Number of times a host is not provision ready")
	metal3DeleteDetached   = metal3Counter("metal3_delete_delayed_for_detached_total", "Number of times a host delete action was delayed due to the detached annotation")

	metal3WaitingForPreprovImage = metal3Counter("metal3_waiting_for_preprov_image_total", "Number of times the preprovisioning image is required but not available")

	metal3Durations = map[v1alpha1.ProvisioningState]*metrics.HistogramVec{
		v1alpha1.StateRegistering:    metal3Duration("register", metrics.DefBuckets),
		v1alpha1.StateInspecting:     metal3Duration("inspect", metal3SlowBuckets),
		v1alpha1.StateProvisioning:   metal3Duration("provision", metal3SlowBuckets),
		v1alpha1.StateDeprovisioning: metal3Duration("deprovision", metal3SlowBuckets),
	}
	// metal3PerHost are the vectors with per-host series, dropped when the host goes.
	metal3PerHost = []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{metal3Reconciles, metal3PowerChanges, metal3DelayedProv, metal3DelayedDeprov}
)

func registerMetal3Metrics() {
	legacyregistry.MustRegister(metal3Reconciles, metal3ReconcileErrors, metal3HostErrors, metal3PowerChanges,
		metal3CredsMissing, metal3CredsInvalid, metal3CredsUnhandled, metal3CredsUpdated, metal3NoBMCAccess,
		metal3ConfigDataError, metal3DelayedProv, metal3DelayedDeprov, metal3StateChanges, metal3RegRequired,
		metal3Unmanaged, metal3DeleteNoDeprov, metal3DeleteNoPowerOff, metal3ProvNotReady, metal3DeleteDetached,
		metal3WaitingForPreprovImage)
	for _, h := range metal3Durations {
		legacyregistry.MustRegister(h)
	}
}

// forgetHostMetrics drops a deleted host's per-host series.
func forgetHostMetrics(namespace, name string) {
	labels := prometheus.Labels{labelNamespace: namespace, labelHost: name}
	for _, v := range metal3PerHost {
		v.DeletePartialMatch(labels)
	}
	for _, h := range metal3Durations {
		h.DeletePartialMatch(labels)
	}
}
