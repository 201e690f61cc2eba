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
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestMakeRunSmoke runs hack/run.sh (what make run runs, on binaries make test has built) on
// free ports: the simulator and the server start, the example hosts reach available with
// hardware details, and Ctrl-C (SIGINT to the process group, as a terminal sends it) stops
// everything cleanly.
func TestMakeRunSmoke(t *testing.T) {
	for _, bin := range []string{"baremetal-apiserver", "bmc-simulator", "kubectl"} {
		if _, err := os.Stat(filepath.Join(framework.RepoRoot(), "_output", "bin", bin)); err != nil {
			t.Fatalf("_output/bin/%s is missing (make build kubectl builds it): %v", bin, err)
		}
	}
	port, err := framework.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	bmcPort, err := framework.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(framework.RepoRoot(), "hack", "run.sh"))
	cmd.Env = append(os.Environ(), "DATA_DIR="+dataDir, "PORT="+strconv.Itoa(port), "BMC_PORT="+strconv.Itoa(bmcPort),
		"BMC_POWER_DELAY=200ms", "HOME="+dataDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &framework.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("make run output:\n%s", out.String())
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(context.Context) (bool, error) {
		return strings.Contains(out.String(), "Press Ctrl-C"), nil
	}); err != nil {
		t.Fatal("make run never printed its instructions")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dataDir, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	cs := clientset.NewForConfigOrDie(cfg)
	list, err := cs.BaremetalV1alpha1().BareMetalHosts("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) < 4 {
		t.Fatalf("example hosts: %v, %d listed", err, len(list.Items))
	}
	for _, h := range list.Items {
		if h.Status.Provisioning.State != v1alpha1.StateAvailable || h.Status.Hardware == nil || h.Status.Hardware.CPU.Count == 0 {
			t.Errorf("%s is %q with hardware %v when make run says it is ready", h.Name, h.Status.Provisioning.State, h.Status.Hardware)
		}
	}

	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("make run did not exit cleanly on Ctrl-C: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("make run did not stop within 60s of Ctrl-C")
	}
	// Nothing of it is left listening.
	for _, p := range []int{port, bmcPort} {
		if c, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			c.Close()
			t.Errorf("port %d still answers after make run stopped", p)
		}
	}
}
