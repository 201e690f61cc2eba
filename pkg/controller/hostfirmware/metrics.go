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

package hostfirmware

import (
	"sync"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// readingDuration times each BMC reading and its writes (its count is the number of readings):
// whether the reader keeps up with new hosts is its rate against theirs, and the workqueue's
// own metrics (workqueue_depth{name="hostfirmware"}) show the backlog.
var readingDuration = metrics.NewHistogram(&metrics.HistogramOpts{
	Namespace: "baremetal", Name: "firmware_reading_duration_seconds", StabilityLevel: metrics.ALPHA,
	Help:    "Time to read a host's BIOS and firmware versions from its BMC and write them (HostFirmwareSettings, HostFirmwareComponents).",
	Buckets: metrics.ExponentialBuckets(0.01, 2, 14),
})

var registerOnce sync.Once

func registerMetrics() {
	registerOnce.Do(func() { legacyregistry.MustRegister(readingDuration) })
}
