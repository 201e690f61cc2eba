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
	"sync/atomic"

	"k8s.io/component-base/metrics"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

// The fleet's gauges are read from the stored hosts (the reconciler's cache) when Prometheus
// scrapes, not kept beside them: they cannot drift from what the API says, need no forgetting
// when a host goes, and a new leader exports the same.
var (
	hostPowerWattsDesc = metrics.NewDesc("baremetal_host_power_watts",
		"Power the host draws, as its BMC last reported it (status.powerDraw)", []string{"namespace", "name"}, nil, metrics.ALPHA, "")
	fleetPowerWattsDesc = metrics.NewDesc("baremetal_fleet_power_watts",
		"Power all hosts with a reading draw together", nil, nil, metrics.ALPHA, "")
	hostsDesc = metrics.NewDesc("baremetal_hosts",
		"Hosts by provisioning state and operational status", []string{"state", "operational_status"}, nil, metrics.ALPHA, "")
)

// fleetSource is the host cache of the running reconciler (nil: none runs here, no series).
var fleetSource atomic.Pointer[listers.BareMetalHostLister]

type fleetCollector struct {
	metrics.BaseStableCollector
}

var _ metrics.StableCollector = &fleetCollector{}

func (fleetCollector) DescribeWithStability(ch chan<- *metrics.Desc) {
	ch <- hostPowerWattsDesc
	ch <- fleetPowerWattsDesc
	ch <- hostsDesc
}

func (fleetCollector) CollectWithStability(ch chan<- metrics.Metric) {
	src := fleetSource.Load()
	if src == nil {
		return
	}
	hosts, err := (*src).List(labelsEverything())
	if err != nil {
		return
	}
	type key struct{ state, op string }
	counts := map[key]int{}
	var total float64
	var metered bool
	for _, h := range hosts {
		counts[key{string(h.Status.Provisioning.State), string(h.Status.OperationalStatus)}]++
		if d := h.Status.PowerDraw; d != nil {
			ch <- metrics.NewLazyConstMetric(hostPowerWattsDesc, metrics.GaugeValue, float64(d.Watts), h.Namespace, h.Name)
			total += float64(d.Watts)
			metered = true
		}
	}
	if metered {
		ch <- metrics.NewLazyConstMetric(fleetPowerWattsDesc, metrics.GaugeValue, total)
	}
	for k, n := range counts {
		state := k.state
		if state == "" {
			state = string(v1alpha1.StateNone)
		}
		ch <- metrics.NewLazyConstMetric(hostsDesc, metrics.GaugeValue, float64(n), state, k.op)
	}
}
