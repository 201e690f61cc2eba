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

package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestCrashDuringCreatesLosesNoAcknowledgedWrite kills the server (SIGKILL, as a crash or the
// OOM killer would) while clients create hosts in parallel, restarts it on the same data dir,
// and checks that every create the server acknowledged (201) is there, with the UID it was
// given. Three rounds on one data dir, so recovery from a recovered store is covered too.
func TestCrashDuringCreatesLosesNoAcknowledgedWrite(t *testing.T) {
	srv := framework.StartStandalone(t, serverBin, t.TempDir())
	const clients, rounds = 8, 3
	acked := map[string]string{} // name -> UID of every acknowledged create
	for round := range rounds {
		cs := srv.Clientset(t)
		hosts := cs.BaremetalV1alpha1().BareMetalHosts("default")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var mu sync.Mutex
		var wg sync.WaitGroup
		started := make(chan struct{}, clients)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					name := fmt.Sprintf("r%d-c%d-%d", round, c, i)
					h, err := hosts.Create(ctx, &v1alpha1.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
					if err != nil {
						// The server is gone: this client is done for the round.
						return
					}
					mu.Lock()
					acked[name] = string(h.UID)
					mu.Unlock()
					if i == 5 {
						started <- struct{}{}
					}
				}
			}()
		}
		// Kill once every client has had creates acknowledged, so writes are in flight.
		for range clients {
			select {
			case <-started:
			case <-ctx.Done():
				t.Fatalf("round %d: clients did not get creates through", round)
			}
		}
		srv.Kill()
		wg.Wait()
		cancel()

		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitReady(90 * time.Second); err != nil {
			t.Fatalf("round %d: restart after SIGKILL: %v\n%s", round, err, srv.Output())
		}
		lctx, lcancel := context.WithTimeout(context.Background(), 30*time.Second)
		list, err := srv.Clientset(t).BaremetalV1alpha1().BareMetalHosts("default").List(lctx, metav1.ListOptions{})
		lcancel()
		if err != nil {
			t.Fatalf("round %d: list after restart: %v", round, err)
		}
		stored := map[string]string{}
		for _, h := range list.Items {
			stored[h.Name] = string(h.UID)
		}
		lost := 0
		for name, uid := range acked {
			if stored[name] != uid {
				lost++
				t.Errorf("round %d: acknowledged create of %s (uid %s) not found after the crash (stored uid %q)", round, name, uid, stored[name])
			}
		}
		t.Logf("round %d: %d creates acknowledged so far, %d hosts stored, %d lost", round, len(acked), len(stored), lost)
		if lost > 0 {
			t.FailNow()
		}
	}
}
