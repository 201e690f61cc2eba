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

package framework

import (
	"testing"
	"time"
)

// StartDelegated starts the server in delegated mode on a free port of 127.0.0.1, with its
// embedded etcd in dataDir, using kubeconfig to reach kube-apiserver for authentication
// (TokenReview, the extension-apiserver-authentication ConfigMap), authorization
// (SubjectAccessReview) and the core client (admission, priority and fairness). extraArgs
// typically carry --tls-cert-file/--tls-private-key-file. It waits for /readyz; the test's
// cleanup stops the server.
func StartDelegated(t testing.TB, binary, dataDir, kubeconfig string, extraArgs ...string) *Server {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"--authentication-kubeconfig", kubeconfig,
		"--authorization-kubeconfig", kubeconfig,
		"--kubeconfig", kubeconfig,
	}, extraArgs...)
	s := &Server{Binary: binary, DataDir: dataDir, Port: port, ExtraArgs: args, Delegated: true}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(30 * time.Second); err != nil {
			t.Errorf("stopping server: %v", err)
		}
		SaveLog(t, "baremetal-apiserver", s.Output())
		if t.Failed() {
			t.Logf("baremetal-apiserver output (last 16 KiB):\n%s", tail(s.Output(), 16<<10))
		}
	})
	if err := s.WaitReady(90 * time.Second); err != nil {
		t.Fatalf("%v\nserver output:\n%s", err, tail(s.Output(), 16<<10))
	}
	return s
}
