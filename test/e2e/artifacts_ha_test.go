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

package e2e

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestArtifactsHA checks the overlay for replicas on an etcd cluster (overlays/ha), which
// test/cluster runs the equivalent of on loopback: three replicas never on one node, a
// PodDisruptionBudget that lets one go at a time, no embedded etcd volume, every etcd TLS file
// inside the mounted client Secret, leader election on, and only flags the server has.
func TestArtifactsHA(t *testing.T) {
	k := framework.Kubectl{Binary: kubectlBin, Home: t.TempDir()}
	ha := byKind(k.Kustomize(t, filepath.Join("artifacts", "deploy", "overlays", "ha")))
	if n := len(ha["PersistentVolumeClaim"]); n != 0 {
		t.Errorf("the HA overlay keeps %d PersistentVolumeClaims: the embedded etcd's volume has no use with --etcd-servers", n)
	}
	if len(ha["Deployment"]) != 1 || len(ha["PodDisruptionBudget"]) != 1 || len(ha["APIService"]) != 1 {
		t.Fatalf("the HA overlay renders %d Deployments, %d PodDisruptionBudgets, %d APIServices; want 1 each",
			len(ha["Deployment"]), len(ha["PodDisruptionBudget"]), len(ha["APIService"]))
	}
	d := ha["Deployment"][0]
	spec := d["spec"].(map[string]any)
	if r, _ := spec["replicas"].(float64); r < 3 {
		t.Errorf("replicas %v, want 3", spec["replicas"])
	}
	if st := spec["strategy"].(map[string]any); st["type"] != "RollingUpdate" {
		t.Errorf("strategy %v: replicas roll one at a time", st)
	}
	pod := spec["template"].(map[string]any)["spec"].(map[string]any)
	anti, _ := pod["affinity"].(map[string]any)["podAntiAffinity"].(map[string]any)
	required, _ := anti["requiredDuringSchedulingIgnoredDuringExecution"].([]any)
	if len(required) == 0 || required[0].(map[string]any)["topologyKey"] != "kubernetes.io/hostname" {
		t.Errorf("no required pod anti-affinity on kubernetes.io/hostname: %v", anti)
	}
	pdb := ha["PodDisruptionBudget"][0]["spec"].(map[string]any)
	if pdb["minAvailable"] != float64(2) {
		t.Errorf("PodDisruptionBudget %v, want minAvailable 2 of 3", pdb)
	}
	podLabels := spec["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)
	for k, v := range pdb["selector"].(map[string]any)["matchLabels"].(map[string]any) {
		if podLabels[k] != v {
			t.Errorf("the PodDisruptionBudget selects %s=%v, which the pods do not carry", k, v)
		}
	}

	volumes := map[string]bool{}
	for _, v := range pod["volumes"].([]any) {
		volumes[v.(map[string]any)["name"].(string)] = true
	}
	ctr := pod["containers"].([]any)[0].(map[string]any)
	mounts := map[string]string{}
	for _, m := range ctr["volumeMounts"].([]any) {
		mm := m.(map[string]any)
		if !volumes[mm["name"].(string)] {
			t.Errorf("volumeMount %v names no volume", mm)
		}
		mounts[mm["mountPath"].(string)] = mm["name"].(string)
	}
	help, err := exec.Command(serverBin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --help: %v\n%s", serverBin, err, help)
	}
	args := map[string]string{}
	for _, a := range ctr["args"].([]any) {
		flag, value, _ := strings.Cut(a.(string), "=")
		if !strings.Contains(string(help), "      "+flag+" ") {
			t.Errorf("the HA Deployment passes %s, which baremetal-apiserver does not have", flag)
		}
		args[flag] = value
	}
	if servers := strings.Split(args["--etcd-servers"], ","); len(servers) < 3 || !strings.HasPrefix(servers[0], "https://") {
		t.Errorf("--etcd-servers=%q: want the members of an etcd cluster, over TLS", args["--etcd-servers"])
	}
	for _, f := range []string{"--etcd-cafile", "--etcd-certfile", "--etcd-keyfile"} {
		dir := filepath.Dir(args[f])
		if args[f] == "" || mounts[dir] != "etcd-client" {
			t.Errorf("%s=%q is not in the mounted etcd client Secret (mounts %v)", f, args[f], mounts)
		}
	}
	if args["--leader-elect"] != "true" || args["--leader-elect-lease-duration"] == "" {
		t.Errorf("leader election: --leader-elect=%q --leader-elect-lease-duration=%q", args["--leader-elect"], args["--leader-elect-lease-duration"])
	}
	if dir := args["--data-dir"]; !slices.ContainsFunc(slices.Collect(maps.Keys(mounts)), func(p string) bool { return strings.HasPrefix(dir, p) }) {
		t.Errorf("--data-dir=%s is on no writable volume (mounts %v); the root filesystem is read-only", dir, mounts)
	}
}
