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
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	clientv1alpha1 "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned/typed/baremetal/v1alpha1"
)

// serverWork is what the server's /metrics say its reconciler and firmware reader did: the
// costs of a run at scale besides CPU and memory.
type serverWork struct {
	// passes are host reconcile passes; secretReads the Secrets they read.
	passes, secretReads float64
	// firmwareReadings are BMC firmware readings and their total time; firmwareQueue is the
	// firmware reader's queue depth when read (not a delta).
	firmwareReadings, firmwareSeconds float64
	firmwareQueue                     float64
	// firmwareRead counts the hosts with a firmware reading at the end (filled in by the caller).
	firmwareRead int
}

func (w serverWork) since(before serverWork) serverWork {
	return serverWork{
		passes: w.passes - before.passes, secretReads: w.secretReads - before.secretReads,
		firmwareReadings: w.firmwareReadings - before.firmwareReadings, firmwareSeconds: w.firmwareSeconds - before.firmwareSeconds,
		firmwareQueue: w.firmwareQueue,
	}
}

func (w serverWork) summary(d time.Duration) string {
	mean := 0.0
	if w.firmwareReadings > 0 {
		mean = w.firmwareSeconds / w.firmwareReadings * 1000
	}
	return fmt.Sprintf("%.0f reconcile passes (%.0f/s), %.0f Secret reads (%.0f/s); %.0f firmware readings (%.0f ms each on average), "+
		"%d hosts with one at the end, firmware queue %.0f",
		w.passes, w.passes/d.Seconds(), w.secretReads, w.secretReads/d.Seconds(), w.firmwareReadings, mean, w.firmwareRead, w.firmwareQueue)
}

// readServerWork reads the counters of serverWork from the server's /metrics.
func readServerWork(ctx context.Context, b *testing.B, rc rest.Interface) serverWork {
	b.Helper()
	body, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		b.Fatalf("server metrics: %v", err)
	}
	m, err := parseMetrics(body)
	if err != nil {
		b.Fatalf("server metrics: %v", err)
	}
	return serverWork{
		passes:           m.sum("baremetal_reconcile_total", nil),
		secretReads:      m.sum("baremetal_secret_reads_total", nil),
		firmwareReadings: m.sum("baremetal_firmware_reading_duration_seconds", nil),
		firmwareSeconds:  m.histogramSum("baremetal_firmware_reading_duration_seconds"),
		firmwareQueue:    m.sum("workqueue_depth", map[string]string{"name": "hostfirmware"}),
	}
}

// countFirmwareReadings counts the HostFirmwareSettings with a reading.
func countFirmwareReadings(ctx context.Context, b *testing.B, hfs clientv1alpha1.HostFirmwareSettingsInterface) int {
	b.Helper()
	list, err := hfs.List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatalf("listing HostFirmwareSettings: %v", err)
	}
	n := 0
	for _, s := range list.Items {
		if s.Status.LastUpdated != nil {
			n++
		}
	}
	return n
}

// waitFirmwareReadings waits until n hosts have a firmware reading and returns how long that took.
func waitFirmwareReadings(ctx context.Context, b *testing.B, hfs clientv1alpha1.HostFirmwareSettingsInterface, n int) time.Duration {
	b.Helper()
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for countFirmwareReadings(ctx, b, hfs) < n {
		select {
		case <-ctx.Done():
			b.Fatalf("%d hosts without a firmware reading at the deadline", n-countFirmwareReadings(context.Background(), b, hfs))
		case <-tick.C:
		}
	}
	return time.Since(start)
}
