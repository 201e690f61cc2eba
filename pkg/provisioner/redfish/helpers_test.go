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
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	sim "github.com/metal3-community/baremetal-apiserver/pkg/simulator/redfish"
)

// testConfig shrinks every interval so that transitions of a simulator with a power delay
// of a few hundred milliseconds are followed closely.
func testConfig() Config {
	return Config{
		RequestTimeout:     2 * time.Second,
		PollInterval:       20 * time.Millisecond,
		PowerRetryInterval: 400 * time.Millisecond,
		PowerTimeout:       10 * time.Second,
		SoftTimeout:        time.Second,
		BootTimeout:        10 * time.Second,
	}
}

// startSim starts a simulator on a free loopback port, closed when the test ends.
func startSim(t testing.TB, cfg sim.Config) *sim.Simulator {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newBackend builds a backend that logs out when the test ends.
func newBackend(t testing.TB, cfg Config) *Provisioner {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// logCtx returns a context whose logger keeps everything logged at any verbosity, to check
// that no secret is ever logged.
func logCtx(t testing.TB) (context.Context, func() string) {
	logger := ktesting.NewLogger(ktesting.NopTL{}, ktesting.NewConfig(ktesting.Verbosity(10), ktesting.BufferLogs(true)))
	ctx, cancel := context.WithTimeout(klog.NewContext(context.Background(), logger), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx, func() string { return logger.GetSink().(ktesting.Underlier).GetBuffer().String() }
}

// simHost is the Host of system id of s, with the simulator's default credentials.
func simHost(t testing.TB, address, name string) provisioner.Host {
	t.Helper()
	access, err := bmc.Parse(address)
	if err != nil {
		t.Fatal(err)
	}
	return provisioner.Host{
		Namespace: "test", Name: name, UID: types.UID("uid-" + name),
		BMC:         access,
		Credentials: provisioner.Credentials{Username: "admin", Password: "password"},
		BootMode:    v1alpha1.BootModeUEFI,
	}
}

// registered registers the host and returns it with its ID.
func registered(t testing.TB, ctx context.Context, p *Provisioner, h provisioner.Host) provisioner.Host {
	t.Helper()
	id, res, err := p.Register(ctx, h)
	if err != nil || !res.Done {
		t.Fatalf("Register(%s) = %q, %+v, %v", h.Name, id, res, err)
	}
	h.ID = id
	return h
}

// drive calls step until Done, waiting what RequeueAfter asks in between; a Failed result
// or an error ends it. It returns the calls made.
func drive(ctx context.Context, timeout time.Duration, step func(context.Context) (provisioner.Result, error)) (int, error) {
	calls := 0
	var next time.Time
	var stepErr error
	err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if time.Now().Before(next) {
			return false, nil
		}
		calls++
		res, err := step(ctx)
		switch {
		case err != nil:
			stepErr = err
		case res.ErrorMessage != "":
			stepErr = errors.New("failed: " + res.ErrorMessage)
		case res.Done:
			return true, nil
		default:
			next = time.Now().Add(res.RequeueAfter)
			return false, nil
		}
		return false, stepErr
	})
	if stepErr != nil {
		return calls, stepErr
	}
	return calls, err
}

// mustDrive is drive that fails the test.
func mustDrive(t testing.TB, ctx context.Context, what string, step func(context.Context) (provisioner.Result, error)) int {
	t.Helper()
	calls, err := drive(ctx, 20*time.Second, step)
	if err != nil {
		t.Fatalf("%s: %v (after %d calls)", what, err, calls)
	}
	return calls
}

// retrying drives a step that may fail with errors while faults are injected, as the
// reconciler's backoff would: errors and failures are retried, not fatal.
func retrying(ctx context.Context, timeout time.Duration, step func(context.Context) (provisioner.Result, error)) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		res, err := step(ctx)
		switch {
		case err != nil:
			last = err.Error()
		case res.ErrorMessage != "":
			last = res.ErrorMessage
		default:
			return res.Done, nil
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("%w (last: %s)", err, last)
	}
	return nil
}

// noSecret fails when s contains the password.
func noSecret(t testing.TB, what, s, password string) {
	t.Helper()
	if strings.Contains(s, password) {
		t.Errorf("%s contains the BMC password: %s", what, s)
	}
}

// messages collects the errors and failure messages of steps.
type messages struct {
	mu  sync.Mutex
	all []string
}

func (m *messages) record(res provisioner.Result, err error) (provisioner.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.all = append(m.all, err.Error())
	}
	if res.ErrorMessage != "" {
		m.all = append(m.all, res.ErrorMessage)
	}
	return res, err
}

func (m *messages) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.all, "\n")
}
