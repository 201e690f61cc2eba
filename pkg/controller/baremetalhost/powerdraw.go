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
	"context"
	"math"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// A host's power draw is read at each power poll of the host at rest, and written to
// status.powerDraw only when it moved by 5% (and at least 5 W) or the recorded reading is 10
// minutes old: a fleet at rest then costs a write per host per 10 minutes at most, not one per
// poll, and the gauges (read from status) stay within 5% of the BMC.
const (
	powerDrawMinWatts = 5
	powerDrawMinShare = 0.05
	powerDrawMaxAge   = 10 * time.Minute
)

// readPowerDraw reads the host's power draw when the backend can. A reading that fails is no
// host error: the power state, read just before, says whether the BMC answers.
func (r *hostReconcile) readPowerDraw(ctx context.Context, ph provisioner.Host) {
	meter := r.c.prov.PowerMeter()
	if meter == nil {
		return
	}
	watts, ok, err := meter.PowerDraw(ctx, ph)
	if err != nil {
		r.logger.V(2).Info("Power draw not read", "err", err)
		return
	}
	if ok {
		recordPowerDraw(&r.host.Status, int32(math.Round(watts)), r.c.clock.Now())
	}
}

// recordPowerDraw puts a reading in status when it is news (see above).
func recordPowerDraw(status *v1alpha1.BareMetalHostStatus, watts int32, now time.Time) {
	if prev := status.PowerDraw; prev != nil && now.Sub(prev.ReadAt.Time) < powerDrawMaxAge {
		diff := math.Abs(float64(watts - prev.Watts))
		if diff < powerDrawMinWatts || diff < powerDrawMinShare*float64(prev.Watts) {
			return
		}
	}
	status.PowerDraw = &v1alpha1.PowerDraw{Watts: watts, ReadAt: metav1.NewTime(now)}
}
