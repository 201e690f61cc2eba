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
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestArtifacts checks what TestDelegated cannot run without a kubelet: both kustomizations
// build, the Deployment passes only flags the server has, and the cert-manager overlay hands
// the caBundle to cainjector for the certificate of the Service's name.
func TestArtifacts(t *testing.T) {
	k := framework.Kubectl{Binary: kubectlBin, Home: t.TempDir()}

	base := byKind(k.Kustomize(t, "artifacts/deploy"))
	for _, want := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "RoleBinding",
		"PersistentVolumeClaim", "Deployment", "Service", "APIService"} {
		if len(base[want]) == 0 {
			t.Errorf("artifacts/deploy renders no %s", want)
		}
	}
	var roles []string
	for _, r := range base["ClusterRole"] {
		roles = append(roles, framework.NameOf(r))
	}
	for _, want := range []string{"baremetal-apiserver", "baremetal-view", "baremetal-edit", "baremetal-admin"} {
		if !slices.Contains(roles, want) {
			t.Errorf("no ClusterRole %s in %v", want, roles)
		}
	}
	for _, rb := range base["RoleBinding"] {
		if ns := rb["metadata"].(map[string]any)["namespace"]; ns != "kube-system" {
			t.Errorf("RoleBinding %s is in %v: the authentication reader must be bound in kube-system", framework.NameOf(rb), ns)
		}
	}

	help, err := exec.Command(serverBin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --help: %v\n%s", serverBin, err, help)
	}
	for _, d := range base["Deployment"] {
		containers := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
		for _, ctr := range containers {
			for _, a := range ctr.(map[string]any)["args"].([]any) {
				flag, _, _ := strings.Cut(a.(string), "=")
				if !strings.Contains(string(help), "      "+flag+" ") {
					t.Errorf("the Deployment passes %s, which baremetal-apiserver does not have", flag)
				}
			}
		}
	}

	overlay := byKind(k.Kustomize(t, filepath.Join("artifacts", "deploy", "overlays", "cert-manager")))
	if len(overlay["APIService"]) != 1 {
		t.Fatalf("overlay renders %d APIServices", len(overlay["APIService"]))
	}
	as := overlay["APIService"][0]
	inject, _ := as["metadata"].(map[string]any)["annotations"].(map[string]any)["cert-manager.io/inject-ca-from"].(string)
	spec := as["spec"].(map[string]any)
	if _, ok := spec["caBundle"]; ok {
		t.Errorf("overlay keeps spec.caBundle, which re-applying would use to blank the injected CA")
	}
	if _, ok := spec["insecureSkipTLSVerify"]; ok {
		t.Errorf("overlay sets insecureSkipTLSVerify")
	}
	var serving map[string]any
	for _, cert := range overlay["Certificate"] {
		m := cert["metadata"].(map[string]any)
		if m["namespace"].(string)+"/"+framework.NameOf(cert) == inject {
			serving = cert
		}
	}
	if serving == nil {
		t.Fatalf("cert-manager.io/inject-ca-from=%q names no Certificate of the overlay", inject)
	}
	certSpec := serving["spec"].(map[string]any)
	if certSpec["secretName"] != "baremetal-apiserver-tls" {
		t.Errorf("serving Certificate writes Secret %v, the Deployment mounts baremetal-apiserver-tls", certSpec["secretName"])
	}
	dnsNames := certSpec["dnsNames"].([]any)
	if !slices.Contains(dnsNames, any(framework.ServiceName+"."+framework.SystemNamespace+".svc")) {
		t.Errorf("serving Certificate dnsNames %v lack the name the aggregator verifies", dnsNames)
	}
}

// TestMetal3IOArtifacts: the metal3-io overlay adds Metal3's APIService, the flag, and roles
// that are the base's, rule for rule, in Metal3's group; nothing else of the base changes.
func TestMetal3IOArtifacts(t *testing.T) {
	k := framework.Kubectl{Binary: kubectlBin, Home: t.TempDir()}
	base := byKind(k.Kustomize(t, "artifacts/deploy"))
	m3 := byKind(k.Kustomize(t, "artifacts/deploy/overlays/metal3-io"))
	if len(m3["ConfigMap"]) != 0 {
		t.Errorf("the overlay renders ConfigMaps %v (the roles' group source must be deleted)", m3["ConfigMap"])
	}
	var services []string
	for _, as := range m3["APIService"] {
		services = append(services, framework.NameOf(as))
	}
	slices.Sort(services)
	if !slices.Equal(services, []string{"v1alpha1.baremetal.metal3.io", "v1alpha1.metal3.io"}) {
		t.Errorf("APIServices %v", services)
	}
	args := m3["Deployment"][0]["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["args"].([]any)
	if !slices.Contains(args, any("--serve-metal3-io")) {
		t.Errorf("the overlay's Deployment args %v lack --serve-metal3-io", args)
	}
	roles := map[string]map[string]any{}
	for _, r := range m3["ClusterRole"] {
		roles[framework.NameOf(r)] = r
	}
	for _, r := range base["ClusterRole"] {
		if framework.NameOf(r) == "baremetal-apiserver" {
			continue
		}
		mirror, ok := roles[framework.NameOf(r)+"-metal3-io"]
		if !ok {
			t.Errorf("no %s-metal3-io in the overlay", framework.NameOf(r))
			continue
		}
		want, _ := json.Marshal(r["rules"])
		want = []byte(strings.ReplaceAll(string(want), `"baremetal.metal3.io"`, `"metal3.io"`))
		got, _ := json.Marshal(mirror["rules"])
		if string(got) != string(want) {
			t.Errorf("%s-metal3-io rules differ from %s's in Metal3's group:\n got %s\nwant %s", framework.NameOf(r), framework.NameOf(r), got, want)
		}
		if !reflect.DeepEqual(mirror["metadata"].(map[string]any)["labels"], r["metadata"].(map[string]any)["labels"]) {
			t.Errorf("%s-metal3-io labels (aggregation) differ from %s's", framework.NameOf(r), framework.NameOf(r))
		}
	}
}

func byKind(objs []map[string]any) map[string][]map[string]any {
	m := map[string][]map[string]any{}
	for _, o := range objs {
		m[framework.KindOf(o)] = append(m[framework.KindOf(o)], o)
	}
	return m
}
