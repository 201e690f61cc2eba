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
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestStorageMediaTypeRestart guards the storage change the benchmark led to (protobuf in etcd
// instead of JSON): data written by a server storing JSON (earlier releases, or
// --storage-media-type=application/json) is served after a restart with the protobuf default
// and rewritten as protobuf on its next update; and a server going back to JSON still reads
// the protobuf objects. Same etcd, same data directory, real server binary.
func TestStorageMediaTypeRestart(t *testing.T) {
	bin, err := framework.ServerBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	etcd := startEtcd(t, "etcd", filepath.Join(dir, "etcd"))
	dataDir := filepath.Join(dir, "server")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.Endpoint}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	stored := func(name string) []byte {
		t.Helper()
		resp, err := cli.Get(ctx, "/registry/", clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range resp.Kvs {
			if bytes.HasSuffix(kv.Key, []byte("/"+hostNamespace(0)+"/"+name)) {
				return kv.Value
			}
		}
		t.Fatalf("%s not found in etcd", name)
		return nil
	}
	isProto := func(b []byte) bool { return bytes.HasPrefix(b, []byte("k8s\x00")) }
	start := func(args ...string) *framework.Server {
		return framework.StartStandalone(t, bin, dataDir, append([]string{"--etcd-servers=" + etcd.Endpoint}, args...)...)
	}

	// 1. A server storing JSON, as releases before protobuf storage did.
	srv := start("--storage-media-type=application/json")
	hosts := srv.Clientset(t).BaremetalV1alpha1().BareMetalHosts(hostNamespace(0))
	old, err := hosts.Create(ctx, newHost(0), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b := stored(old.Name); isProto(b) || b[0] != '{' {
		t.Fatalf("with --storage-media-type=application/json the host is stored as %q...", b[:8])
	}
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}

	// 2. Restart with the default: the JSON object is served, and rewritten as protobuf when
	// it is next written; new objects are protobuf.
	srv = start()
	hosts = srv.Clientset(t).BaremetalV1alpha1().BareMetalHosts(hostNamespace(0))
	got, err := hosts.Get(ctx, old.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading a JSON-stored host after the switch to protobuf: %v", err)
	}
	if got.UID != old.UID || got.Spec.BMC.Address != old.Spec.BMC.Address || got.Labels["infra.example.com/rack"] == "" {
		t.Fatalf("JSON-stored host read back as %+v", got)
	}
	if isProto(stored(old.Name)) {
		t.Fatal("reading a host must not rewrite it")
	}
	st := withStatus(got, 0)
	st.ResourceVersion = got.ResourceVersion
	if _, err := hosts.UpdateStatus(ctx, st, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("updating a JSON-stored host: %v", err)
	}
	if !isProto(stored(old.Name)) {
		t.Fatal("an updated host is not stored as protobuf")
	}
	fresh, err := hosts.Create(ctx, newHost(benchNamespaces), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !isProto(stored(fresh.Name)) {
		t.Fatal("a new host is not stored as protobuf by default")
	}
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}

	// 3. Back to JSON (a rollback): the protobuf objects are still read.
	srv = start("--storage-media-type=application/json")
	hosts = srv.Clientset(t).BaremetalV1alpha1().BareMetalHosts(hostNamespace(0))
	list, err := hosts.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing protobuf-stored hosts with JSON storage: %v", err)
	}
	if len(list.Items) != 2 {
		t.Fatalf("listed %d hosts, want 2", len(list.Items))
	}
	for _, h := range list.Items {
		if h.Name == old.Name && (h.Status.Hardware == nil || h.Status.Provisioning.State != stateOf(0)) {
			t.Errorf("status lost across the storage changes: %+v", h.Status)
		}
	}
}
