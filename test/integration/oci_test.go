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
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
)

// TestOCIImagePullSecretOnIronic: spec.image.ociAuthSecretName names a Docker-config Secret;
// the registry's credentials reach Ironic as instance_info image_pull_secret (as Metal3 sends
// them), and the password appears nowhere else: not in the host, not in the server's log
// (Ironic's own log is Ironic's business).
func TestOCIImagePullSecretOnIronic(t *testing.T) {
	const pullPassword = "Pull-Pa55-never-logged"
	srv, cs, ironic := lifecycleServer(t)
	auth := base64.StdEncoding.EncodeToString([]byte("robot:" + pullPassword))
	dir := filepath.Join(srv.DataDir, "secrets", ns, "registry-pull")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `{"auths":{"registry.example.com":{"auth":"` + auth + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, ".dockerconfigjson"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h := fakeHost(46)
	secret := "registry-pull"
	h.Spec.Image = &v1alpha1.Image{URL: "oci://registry.example.com/os/fedora:42", OCIAuthSecretName: &secret}
	writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "password")
	if _, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Create(ctxFor(t), h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Debian's Ironic (21.x) predates OCI images: its validation refuses oci:// after the
	// server wrote instance_info, and says so in the host's status. A newer Ironic deploys.
	got := waitAll(t, cs, "provisioned, or refused by an Ironic without OCI support", 2*time.Minute, func(h *v1alpha1.BareMetalHost) bool {
		return h.Status.Provisioning.State == v1alpha1.StateProvisioned || strings.Contains(h.Status.ErrorMessage, "oci")
	})[0]
	t.Logf("state %s, error %q", got.Status.Provisioning.State, got.Status.ErrorMessage)
	if got.Status.Provisioning.ID == "" {
		t.Fatal("the host has no Ironic node")
	}

	view := ironicView{endpoint: strings.TrimSuffix(ironic.Endpoint, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	info, _ := view.node(t, got.Status.Provisioning.ID)["instance_info"].(map[string]any)
	if info["image_source"] != h.Spec.Image.URL {
		t.Errorf("instance_info.image_source = %v, want %s", info["image_source"], h.Spec.Image.URL)
	}
	// Ironic may mask the secret in its answers; unmasked it must be Metal3's user:password.
	if ps, _ := info["image_pull_secret"].(string); ps != "robot:"+pullPassword && !strings.Contains(ps, "***") {
		t.Errorf("instance_info.image_pull_secret = %q, want the registry credentials", ps)
	}
	raw, _ := json.Marshal(got)
	for what, text := range map[string]string{"the host": string(raw), "the server log": srv.Output()} {
		if strings.Contains(text, pullPassword) || strings.Contains(text, auth) {
			t.Errorf("the registry password appears in %s", what)
		}
	}
}
