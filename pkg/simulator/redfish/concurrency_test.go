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

package redfish

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

// TestConcurrentClients hammers one simulator from many goroutines mixing
// every kind of request, runtime fault changes and Go API reads; run it with
// -race. It checks that sessions are all released and counters add up.
func TestConcurrentClients(t *testing.T) {
	sim := start(t, Config{Count: 4, PowerDelay: 5 * time.Millisecond, TaskDuration: 5 * time.Millisecond, SessionLimit: 50}, nil)
	const workers = 16
	const rounds = 25
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			id := fmt.Sprint(w%4 + 1)
			for r := 0; r < rounds && ctx.Err() == nil; r++ {
				if err := oneRound(sim, id, w, r); err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, r, err)
					return
				}
			}
		}(w)
	}
	// Meanwhile the Go API reads and rewrites state.
	stop := make(chan struct{})
	var side sync.WaitGroup
	side.Add(1)
	go func() {
		defer side.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s := sim.Systems()[i%4]
			_ = s.State()
			_ = s.SetFaults(Faults{Latency: time.Duration(i%3) * time.Millisecond})
			_ = sim.ActiveSessions()
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	side.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := sim.ActiveSessions(); n != 0 {
		t.Fatalf("%d sessions leaked", n)
	}
	// Shared credentials open every system, so each session counts on all.
	for _, s := range sim.Systems() {
		cn := s.Counters()
		if cn.SessionsCreated != workers*rounds || cn.SessionsDeleted != cn.SessionsCreated || cn.PeakSessions > 50 {
			t.Errorf("system %s: %+v", s.ID(), cn)
		}
	}
}

func oneRound(sim *Simulator, id string, w, r int) error {
	c, err := gofish.Connect(gofish.ClientConfig{Endpoint: sim.URL(), Username: "admin", Password: "password"})
	if err != nil {
		return err
	}
	defer c.Logout()
	sys, err := schemas.GetComputerSystem(c, "/redfish/v1/Systems/"+id)
	if err != nil {
		return err
	}
	switch (w + r) % 5 {
	case 0:
		_, err = sys.Reset([]schemas.ResetType{schemas.OnResetType, schemas.ForceOffResetType, schemas.ForceRestartResetType}[r%3])
	case 1:
		err = sys.SetBoot(&schemas.Boot{BootSourceOverrideTarget: schemas.PxeBootSource, BootSourceOverrideEnabled: schemas.OnceBootSourceOverrideEnabled})
	case 2:
		var media []*schemas.VirtualMedia
		if media, err = sys.VirtualMedia(); err == nil {
			_, err = media[0].InsertMedia(&schemas.VirtualMediaInsertMediaParameters{Image: "http://x/" + id + ".iso"})
			if err != nil && strings.Contains(err.Error(), "409") {
				err = nil // another worker got there first
			}
			if err == nil {
				_, err = media[0].EjectMedia()
			}
		}
	case 3:
		var bios *schemas.Bios
		if bios, err = sys.Bios(); err == nil {
			err = bios.UpdateBiosAttributes(schemas.SettingsAttributes{"BootDelaySeconds": r})
		}
	case 4:
		_, err = sys.Processors()
		if err == nil {
			_, err = sys.EthernetInterfaces()
		}
	}
	return err
}

// TestCloseStopsEverything checks that Close cuts off slow requests and
// leaves no goroutines behind.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	sim, err := New(Config{Count: 2, Systems: []SystemConfig{{ID: "1", Faults: Faults{Latency: time.Minute}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := sim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < 4; i++ {
		go func() {
			resp, err := client.Get(sim.URL() + "/redfish/v1/Systems/1")
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
	}
	time.Sleep(100 * time.Millisecond)
	began := time.Now()
	cancel() // cancelling Start's context closes the simulator...
	eventually(t, 10*time.Second, "Close through the context", func() bool {
		sim.mu.Lock()
		defer sim.mu.Unlock()
		return sim.closed
	})
	// ...and a Close racing with it waits for the shutdown to finish.
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sim.closeDone:
	default:
		t.Fatal("Close returned before the shutdown finished")
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("Close took %v with slow requests in flight", took)
	}
	client.CloseIdleConnections()
	eventually(t, 10*time.Second, "goroutines to wind down", func() bool { return runtime.NumGoroutine() <= before })
	if err := sim.Start(context.Background()); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}
