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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/embeddedetcd"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// etcdChildEnv makes the test binary run an embedded etcd (pkg/embeddedetcd, the one the
// server embeds) in the directory it names instead of the tests: each system under test gets
// its own etcd in its own process, so that neither the server's memory nor the load
// generator's CPU and garbage collector share a process with it.
const etcdChildEnv = "BENCH_ETCD_CHILD_DIR"

const etcdEndpointLine = "BENCH_ETCD_ENDPOINT="

func TestMain(m *testing.M) {
	if dir := os.Getenv(etcdChildEnv); dir != "" {
		os.Exit(runEtcdChild(dir))
	}
	os.Exit(m.Run())
}

func runEtcdChild(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	e, err := embeddedetcd.Start(ctx, dir, time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%s%s\n", etcdEndpointLine, e.Endpoints[0])
	<-ctx.Done()
	e.Close()
	return 0
}

// etcdProcess is an embedded etcd in a child process.
type etcdProcess struct {
	*framework.Process
	Endpoint string
}

// startEtcd starts an etcd child with its data in dir; the benchmark's cleanup stops it.
func startEtcd(b testing.TB, name, dir string) *etcdProcess {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	if err := os.Setenv(etcdChildEnv, dir); err != nil {
		b.Fatal(err)
	}
	p, err := framework.StartProcess(name, self)
	_ = os.Unsetenv(etcdChildEnv)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := p.Stop(30 * time.Second); err != nil {
			b.Errorf("stopping %s: %v", name, err)
		}
	})
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		out := p.Output()
		if i := strings.Index(out, etcdEndpointLine); i >= 0 {
			if line, _, ok := strings.Cut(out[i+len(etcdEndpointLine):], "\n"); ok {
				return &etcdProcess{Process: p, Endpoint: strings.TrimSpace(line)}
			}
		}
		if p.Exited() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("%s did not start:\n%s", name, p.Output())
	return nil
}
