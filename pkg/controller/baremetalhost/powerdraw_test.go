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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/component-base/metrics/testutil"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	listers "github.com/metal3-community/baremetal-apiserver/pkg/generated/listers/baremetal/v1alpha1"
)

func TestRecordPowerDraw(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	reading := func(w int32, at time.Time) *v1alpha1.PowerDraw {
		return &v1alpha1.PowerDraw{Watts: w, ReadAt: metav1.NewTime(at)}
	}
	cases := []struct {
		name  string
		prev  *v1alpha1.PowerDraw
		watts int32
		at    time.Time
		want  *v1alpha1.PowerDraw
	}{
		{name: "first reading", watts: 300, at: t0, want: reading(300, t0)},
		{name: "moved by less than 5%: kept", prev: reading(300, t0), watts: 310, at: t0.Add(time.Minute), want: reading(300, t0)},
		{name: "moved by 5%: written", prev: reading(300, t0), watts: 315, at: t0.Add(time.Minute), want: reading(315, t0.Add(time.Minute))},
		{name: "small host, moved by under 5 W: kept", prev: reading(12, t0), watts: 15, at: t0.Add(time.Minute), want: reading(12, t0)},
		{name: "powered on: written", prev: reading(12, t0), watts: 250, at: t0.Add(time.Minute), want: reading(250, t0.Add(time.Minute))},
		{name: "same, 10 minutes old: refreshed", prev: reading(300, t0), watts: 300, at: t0.Add(10 * time.Minute), want: reading(300, t0.Add(10*time.Minute))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := &v1alpha1.BareMetalHostStatus{PowerDraw: tc.prev}
			recordPowerDraw(status, tc.watts, tc.at)
			if got := status.PowerDraw; got.Watts != tc.want.Watts || !got.ReadAt.Equal(&tc.want.ReadAt) {
				t.Errorf("powerDraw %d W at %v, want %d W at %v", got.Watts, got.ReadAt, tc.want.Watts, tc.want.ReadAt)
			}
		})
	}
}

// TestFleetMetrics: the gauges come from the stored hosts.
func TestFleetMetrics(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	host := func(name string, state v1alpha1.ProvisioningState, watts int32) *v1alpha1.BareMetalHost {
		h := &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "metal"}}
		h.Status.Provisioning.State = state
		h.Status.OperationalStatus = v1alpha1.OperationalStatusOK
		if watts > 0 {
			h.Status.PowerDraw = &v1alpha1.PowerDraw{Watts: watts}
		}
		return h
	}
	for _, h := range []*v1alpha1.BareMetalHost{host("a", v1alpha1.StateProvisioned, 300), host("b", v1alpha1.StateProvisioned, 250), host("c", v1alpha1.StateAvailable, 0)} {
		if err := idx.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	lister := listers.NewBareMetalHostLister(idx)
	fleetSource.Store(&lister)
	defer fleetSource.Store(nil)
	want := `
# HELP baremetal_fleet_power_watts [ALPHA] Power all hosts with a reading draw together
# TYPE baremetal_fleet_power_watts gauge
baremetal_fleet_power_watts 550
# HELP baremetal_host_power_watts [ALPHA] Power the host draws, as its BMC last reported it (status.powerDraw)
# TYPE baremetal_host_power_watts gauge
baremetal_host_power_watts{name="a",namespace="metal"} 300
baremetal_host_power_watts{name="b",namespace="metal"} 250
# HELP baremetal_hosts [ALPHA] Hosts by provisioning state and operational status
# TYPE baremetal_hosts gauge
baremetal_hosts{operational_status="OK",state="available"} 1
baremetal_hosts{operational_status="OK",state="provisioned"} 2
`
	if err := testutil.CustomCollectAndCompare(&fleetCollector{}, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
