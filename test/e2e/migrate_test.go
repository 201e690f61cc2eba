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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"

	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestMigrateFromMetal3 moves hosts from a running Metal3 to this server behind the same
// kube-apiserver, with `kubectl baremetal migrate`, on a real Ironic.
//
// "Metal3" is its CRDs, generated from Metal3's published Go types (hack/metal3-crds.sh), and
// what Metal3's operator leaves behind, written here the way the operator writes it: Ironic
// nodes named <namespace>~<name>, enrolled, inspected, cleaned-and-provided and deployed through
// Ironic's own API (the verbs BMO uses), powered as spec.online says; BareMetalHosts with BMO's
// finalizer and a status as BMO records it (ID, state, image, hardware, operation history,
// credentials); HardwareData owned by its host. The operator itself does not run (its module
// needs an Ironic API newer than Debian's): a paused host is one it would not touch anyway,
// which is the premise of the migration.
//
// After the migration: every host is here in the state Metal3 had, bound to the same Ironic
// node, with Metal3's inventory (no inspection); Ironic's own log shows no provision-state
// transition and no power action on any node since Metal3 left them, and the nodes'
// provision_updated_at did not move; Metal3's objects are still there, paused, their status
// untouched. A second run changes nothing. Then Metal3 is retired as the README says (finalizers
// removed, CRDs deleted) and the server restarted with --serve-metal3-io: the same hosts answer
// under metal3.io, and Ironic still saw nothing.
func TestMigrateFromMetal3(t *testing.T) {
	requireKubeAPIServer(t)
	start := time.Now()
	pluginBin, err := framework.PluginBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Metal3's CRDs are generated while the cluster starts.
	crdDir := filepath.Join(t.TempDir(), "metal3-crds")
	crds := make(chan error, 1)
	go func() { crds <- generateMetal3CRDs(crdDir) }()
	ironic := framework.StartIronic(t)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Ironic checks the image URL with a HEAD request even for fake-hardware.
		w.Header().Set("Content-Length", "1048576")
	}))
	t.Cleanup(images.Close)
	c := startCluster(t, "--provisioner=ironic", "--ironic-endpoint="+ironic.Endpoint, "--ironic-poll-interval=200ms",
		"--allow-test-bmc-schemes", "--error-backoff-base=200ms", "--error-backoff-cap=2s", "--power-poll-interval=2s")
	if err := <-crds; err != nil {
		t.Fatal(err)
	}
	c.admin.Run(t, "create", "-f", crdDir)
	c.admin.Run(t, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
	// Metal3's operator watches each of its kinds, so in a cluster that ran it every CRD's
	// storage in kube-apiserver exists long before Metal3 is retired. kube-apiserver makes that
	// storage on a kind's first request, and its CRD finalizer fails on a CRD whose storage is
	// still initializing ("storage is (re)initializing"), retrying with a doubling backoff: the
	// deletion below once took over a minute for the kinds this test never touched. One list of
	// every kind does what the operator's informers do.
	var kinds []string
	for _, name := range strings.Fields(c.admin.Run(t, "get", "crd", "-o", "jsonpath={.items[*].metadata.name}")) {
		if strings.HasSuffix(name, ".metal3.io") {
			kinds = append(kinds, name)
		}
	}
	c.admin.Run(t, "get", strings.Join(kinds, ","), "-A")
	t.Logf("cluster with Metal3's CRDs (%d kinds) after %s", len(kinds), time.Since(start).Round(time.Millisecond))

	// Metal3's hosts, as its operator leaves them: one provisioned and on, one available and
	// off (online: false), both inspected.
	ir := ironicAPI{t: t, endpoint: ironic.Endpoint}
	hosts := []metal3Host{
		{name: "m3-prov", mac: "52:54:00:00:30:01", online: true, image: images.URL + "/os.qcow2", state: "provisioned"},
		{name: "m3-avail", mac: "52:54:00:00:30:02", online: false, state: "available"},
	}
	for i := range hosts {
		h := &hosts[i]
		c.admin.Run(t, "create", "secret", "generic", h.name+"-bmc", "-n", testNamespace,
			"--from-literal=username=admin", "--from-literal=password=metal3-secret-never-copied")
		h.uuid = ir.deployAsMetal3(testNamespace+"~"+h.name, h.mac, h.image, h.online)
		c.admin.RunStdin(t, h.manifest(), "create", "-f", "-")
		c.admin.Run(t, "patch", "baremetalhosts.v1alpha1.metal3.io", h.name, "-n", testNamespace, "--subresource=status",
			"--type=merge", "-p", h.status())
		uid := c.admin.Run(t, "get", "baremetalhosts.v1alpha1.metal3.io", h.name, "-n", testNamespace, "-o", "jsonpath={.metadata.uid}")
		c.admin.RunStdin(t, h.hardwareData(uid), "create", "-f", "-")
		c.admin.RunStdin(t, h.firmwareSettings(uid), "create", "-f", "-")
		h.firmwareUID = c.admin.Run(t, "get", "hostfirmwaresettings.v1alpha1.metal3.io", h.name, "-n", testNamespace, "-o", "jsonpath={.metadata.uid}")
	}
	t.Logf("Metal3's hosts provisioned on Ironic after %s", time.Since(start).Round(time.Millisecond))
	before := map[string]ironicNodeState{}
	for _, h := range hosts {
		before[h.uuid] = ir.node(h.uuid)
	}
	metal3Status := c.admin.Run(t, "get", "baremetalhosts.v1alpha1.metal3.io", "-n", testNamespace, "-o", "jsonpath={.items[*].status}")
	logMark := len(ironicLog(t, ironic))

	plugin := framework.Kubectl{Binary: pluginBin, Kubeconfig: c.admin.Kubeconfig, Home: filepath.Join(c.Dir, "home-plugin"), Timeout: 3 * time.Minute}
	// The plan changes nothing.
	plan := plugin.Run(t, "migrate", "--all", "-n", testNamespace)
	for _, h := range hosts {
		want := fmt.Sprintf("%s: %s: would pause in Metal3, would create HardwareData, would create HostFirmwareSettings, would create BareMetalHost with its status", h.name, h.state)
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if out, _, _ := c.admin.Exec("", "get", "baremetalhosts.v1alpha1.baremetal.metal3.io", "-n", testNamespace, "-o", "name"); out != "" {
		t.Fatalf("the plan created hosts: %s", out)
	}

	migrateStart := time.Now()
	out := plugin.Run(t, "migrate", "--all", "-n", testNamespace, "--apply", "--timeout=90s")
	t.Logf("migrated in %s:\n%s", time.Since(migrateStart).Round(time.Millisecond), out)
	for _, h := range hosts {
		for _, want := range []string{
			fmt.Sprintf("%s: %s: paused in Metal3, created HardwareData, created HostFirmwareSettings, created BareMetalHost with its status", h.name, h.state),
			fmt.Sprintf("%s: restored here: %s", h.name, h.state),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q", want)
			}
		}
	}

	// Here: the state Metal3 had, the same node, Metal3's inventory.
	get := func(resource, name, path string) string {
		return c.admin.Run(t, "get", resource, name, "-n", testNamespace, "-o", "jsonpath="+path)
	}
	for _, h := range hosts {
		bmh := "baremetalhosts.v1alpha1.baremetal.metal3.io"
		if got := get(bmh, h.name, "{.status.provisioning.state}/{.status.provisioning.ID}/{.status.poweredOn}"); got != fmt.Sprintf("%s/%s/%v", h.state, h.uuid, h.online) {
			t.Errorf("%s here: state/ID/poweredOn %s, want %s/%s/%v", h.name, got, h.state, h.uuid, h.online)
		}
		if got := get(bmh, h.name, "{.status.hardware.hostname}/{.status.hardware.ramMebibytes}"); got != h.name+"/16384" {
			t.Errorf("%s here: inventory %s, want Metal3's (%s/16384)", h.name, got, h.name)
		}
		if got := get("hardwaredata.v1alpha1.baremetal.metal3.io", h.name, `{.spec.hardware.hostname}/{.metadata.ownerReferences[0].kind}`); got != h.name+"/BareMetalHost" {
			t.Errorf("%s's HardwareData here: %s", h.name, got)
		}
		if got := get("hostfirmwaresettings.v1alpha1.baremetal.metal3.io", h.name, `{.metadata.annotations.baremetal\.metal3\.io/migrated-from}/{.metadata.ownerReferences[?(@.controller==true)].name}`); got != h.firmwareUID+"/"+h.name {
			t.Errorf("%s's HostFirmwareSettings here: %s, want Metal3's (%s), owned by the host", h.name, got, h.firmwareUID)
		}
		if got := get("baremetalhosts.v1alpha1.metal3.io", h.name, `{.metadata.annotations.baremetalhost\.metal3\.io/paused}`); got != "baremetal.metal3.io/migrate" {
			t.Errorf("%s in Metal3: paused annotation %q", h.name, got)
		}
	}
	// Metal3's side: still there, paused, its status as Metal3 wrote it.
	if got := c.admin.Run(t, "get", "baremetalhosts.v1alpha1.metal3.io", "-n", testNamespace, "-o", "jsonpath={.items[*].status}"); got != metal3Status {
		t.Errorf("Metal3's host status changed:\n%s\n->\n%s", metal3Status, got)
	}

	// Ironic: nothing happened to any node since Metal3 left it.
	for _, h := range hosts {
		after := ir.node(h.uuid)
		if after.ProvisionState != before[h.uuid].ProvisionState || deref(after.ProvisionUpdatedAt) != deref(before[h.uuid].ProvisionUpdatedAt) ||
			deref(after.PowerState) != deref(before[h.uuid].PowerState) {
			t.Errorf("%s's node changed: %+v -> %+v", h.name, before[h.uuid], after)
		}
		t.Logf("%s: node %s %s, %s, provision_updated_at %s", h.name, h.uuid, after.ProvisionState, deref(after.PowerState), deref(after.ProvisionUpdatedAt))
	}
	newLog := ironicLog(t, ironic)[logMark:]
	if m := ironicActionLine.FindAllString(newLog, -1); len(m) != 0 {
		t.Errorf("Ironic acted on nodes after the migration started:\n%s", strings.Join(m, "\n"))
	}
	// Ironic's access log: no request for a provision or power change reached it either.
	if m := ironicStateRequest.FindAllString(newLog, -1); len(m) != 0 {
		t.Errorf("provision or power requests reached Ironic after the migration started:\n%s", strings.Join(m, "\n"))
	}
	if n := len(ironicActionLine.FindAllString(ironicLog(t, ironic)[:logMark], -1)); n < 10 {
		t.Errorf("Ironic's log shows %d actions while Metal3's hosts were deployed: the count after proves nothing", n)
	}

	// A second run: nothing to do, nothing written.
	again := plugin.Run(t, "migrate", "--all", "-n", testNamespace, "--apply", "--wait=false")
	for _, h := range hosts {
		want := fmt.Sprintf("%s: %s: already paused in Metal3, BareMetalHost already migrated\n", h.name, h.state)
		if !strings.Contains(again, want) {
			t.Errorf("second run: lacks %q:\n%s", want, again)
		}
	}

	// Metal3 retired as the README says: finalizers off (nothing deprovisions: its hosts are
	// paused), its CRDs deleted; then this server serves metal3.io too, and Metal3's consumers
	// find the same hosts, in the same state, under their old group.
	for _, resource := range []string{"baremetalhosts", "hardwaredata"} {
		for _, h := range hosts {
			c.admin.Run(t, "patch", resource+".v1alpha1.metal3.io", h.name, "-n", testNamespace, "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
		}
	}
	// kube-apiserver's CRD finalizer deletes the instances first.
	deleting := time.Now()
	c.admin.Run(t, "delete", "-f", crdDir, "--wait=true", "--timeout=180s")
	t.Logf("Metal3's CRDs deleted in %s", time.Since(deleting).Round(time.Millisecond))
	c.serveMetal3IO(t)
	for _, h := range hosts {
		want := fmt.Sprintf("%s/%s/%s", h.state, h.uuid, get("baremetalhosts.v1alpha1.baremetal.metal3.io", h.name, "{.metadata.uid}"))
		if got := get("baremetalhosts.v1alpha1.metal3.io", h.name, "{.status.provisioning.state}/{.status.provisioning.ID}/{.metadata.uid}"); got != want {
			t.Errorf("%s through metal3.io after the switch: %s, want %s (the migrated host)", h.name, got, want)
		}
	}
	// Nothing happened to the machines through all of it, the server's restart included.
	if m := ironicActionLine.FindAllString(ironicLog(t, ironic)[logMark:], -1); len(m) != 0 {
		t.Errorf("Ironic acted on nodes after the migration started:\n%s", strings.Join(m, "\n"))
	}
	if c := strings.Count(c.Server.Output(), "metal3-secret-never-copied"); c != 0 {
		t.Errorf("the BMC password appears in the server log %d times", c)
	}
	t.Logf("test done after %s", time.Since(start).Round(time.Millisecond))
}

// metal3APIService is the APIService of artifacts/deploy/overlays/metal3-io for Metal3's group.
const metal3APIService = "v1alpha1.metal3.io"

// serveMetal3IO switches the running cluster to serving metal3.io from the server, as the
// overlay artifacts/deploy/overlays/metal3-io does: its RBAC and its APIService for
// v1alpha1.metal3.io (with the test's caBundle and port), and the server restarted with
// --serve-metal3-io.
func (c *cluster) serveMetal3IO(t *testing.T) {
	t.Helper()
	rbac, apiServices := framework.SplitDeploy(c.admin.Kustomize(t, "artifacts/deploy/overlays/metal3-io"))
	apiServices = slices.DeleteFunc(apiServices, func(o map[string]any) bool { return framework.NameOf(o) != metal3APIService })
	c.admin.RunStdin(t, framework.AsList(t, rbac), "apply", "-f", "-")
	c.RegisterAPIServices(t, apiServices)
	if err := c.Server.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.Server.ExtraArgs = append(c.Server.ExtraArgs, "--serve-metal3-io")
	if err := c.Server.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Server.WaitReady(90 * time.Second); err != nil {
		t.Fatalf("server with --serve-metal3-io: %v\n%s", err, tail(c.Server.Output(), 4000))
	}
	c.WaitAvailable(t, metal3APIService)
}

// generateMetal3CRDs writes Metal3's CRDs, generated from its published Go types, into dir.
func generateMetal3CRDs(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(framework.RepoRoot(), "hack", "metal3-crds.sh"), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("hack/metal3-crds.sh: %v\n%s", err, out)
	}
	return nil
}

// TestMetal3SchemasDecodeStrictly: an object of each of Metal3's kinds with every field its CRD
// schema has (generated from Metal3's published types) decodes strictly into this server's
// type of the kind. So `kubectl baremetal migrate` reports no unknown field for objects of the
// pinned Metal3 release, and a newer release's new fields show up here first.
func TestMetal3SchemasDecodeStrictly(t *testing.T) {
	dir := t.TempDir()
	if err := generateMetal3CRDs(dir); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) < 9 {
		t.Fatalf("generated CRDs: %v (%v)", files, err)
	}
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		kind := crd.Spec.Names.Kind
		if crd.Spec.Group != "metal3.io" || len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1alpha1" {
			t.Errorf("%s: group %s, versions %d: the migration reads metal3.io/v1alpha1 only", kind, crd.Spec.Group, len(crd.Spec.Versions))
			continue
		}
		full := everyField(crd.Spec.Versions[0].Schema.OpenAPIV3Schema).(map[string]any)
		delete(full, "metadata")
		full["apiVersion"], full["kind"] = "metal3.io/v1alpha1", kind
		raw, err := json.Marshal(full)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := scheme.New(v1alpha1.SchemeGroupVersion.WithKind(kind))
		if err != nil {
			t.Errorf("Metal3's %s is not served here: %v", kind, err)
			continue
		}
		strict, err := kjson.UnmarshalStrict(raw, obj)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		for _, e := range strict {
			t.Errorf("%s: %v", kind, e)
		}
	}
}

// everyField is a value for an OpenAPI v3 schema with every property it declares set.
func everyField(schema map[string]any) any {
	if props, ok := schema["properties"].(map[string]any); ok {
		out := map[string]any{}
		for name, p := range props {
			out[name] = everyField(p.(map[string]any))
		}
		return out
	}
	if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch schema["type"] {
	case "array":
		items, _ := schema["items"].(map[string]any)
		return []any{everyField(items)}
	case "object":
		if ap, ok := schema["additionalProperties"].(map[string]any); ok {
			return map[string]any{"key": everyField(ap)}
		}
		return map[string]any{}
	case "integer":
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	}
	if schema["x-kubernetes-int-or-string"] == true {
		return 1
	}
	if schema["format"] == "date-time" {
		return "2026-01-01T00:00:00Z"
	}
	return "x"
}

// ironicActionLine is what Ironic logs when it changes a node's provision state or power.
var ironicActionLine = regexp.MustCompile(`Node [0-9a-f-]{36} moved to provision state "[a-z ]+"|Successfully set node [0-9a-f-]{36} power state to [a-z ]+`)

// ironicStateRequest is a request for a provision or power change in Ironic's access log.
var ironicStateRequest = regexp.MustCompile(`"PUT /v1/nodes/[^ ]+/states/[a-z/]+ HTTP`)

func ironicLog(t *testing.T, ir *framework.Ironic) string {
	t.Helper()
	log, err := ir.Log()
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// metal3Host is a host as Metal3's operator leaves it.
type metal3Host struct {
	name, mac, image, state string
	online                  bool
	uuid, firmwareUID       string
}

func (h metal3Host) manifest() string {
	image := ""
	if h.image != "" {
		image = fmt.Sprintf(`
  image:
    url: %s
    checksum: 0123456789abcdef0123456789abcdef
    checksumType: md5`, h.image)
	}
	return fmt.Sprintf(`apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: %s
  namespace: %s
  labels: {rack: r7}
  finalizers: [baremetalhost.metal3.io]
spec:
  online: %v
  bootMACAddress: "%s"
  bootMode: UEFI
  bmc:
    address: fake://192.0.2.7%s
    credentialsName: %s-bmc%s
`, h.name, testNamespace, h.online, h.mac, h.mac[len(h.mac)-1:], h.name, image)
}

func (h metal3Host) inventory() map[string]any {
	return map[string]any{
		"hostname":     h.name,
		"ramMebibytes": 16384,
		"systemVendor": map[string]any{"manufacturer": "QEMU", "productName": "Standard PC (Q35 + ICH9, 2009)"},
		"firmware":     map[string]any{"bios": map[string]any{"vendor": "EFI Development Kit II", "version": "0.0.0", "date": "02/06/2015"}},
		"cpu":          map[string]any{"arch": "x86_64", "model": "QEMU Virtual CPU", "clockMegahertz": 2600, "count": 4, "flags": []string{"avx", "sse4_2"}},
		"nics":         []any{map[string]any{"name": "enp1s0", "mac": h.mac, "ip": "192.0.2.100", "speedGbps": 1, "pxe": true}},
		"storage":      []any{map[string]any{"name": "/dev/sda", "sizeBytes": 53687091200, "rotational": false, "type": "SSD"}},
	}
}

// status is the status BMO writes for the host, as a merge patch of the status subresource.
func (h metal3Host) status() string {
	const t0, t1, t2, t3 = "2026-11-29T10:00:00Z", "2026-11-29T10:00:05Z", "2026-11-29T10:01:00Z", "2026-11-29T10:05:00Z"
	creds := map[string]any{"credentials": map[string]any{"name": h.name + "-bmc", "namespace": testNamespace}, "credentialsVersion": "1"}
	prov := map[string]any{"state": h.state, "ID": h.uuid, "bootMode": "UEFI", "image": map[string]any{"url": ""},
		"rootDeviceHints": map[string]any{"deviceName": "/dev/sda"}}
	history := map[string]any{
		"register": map[string]any{"start": t0, "end": t1}, "inspect": map[string]any{"start": t1, "end": t2},
		"provision": map[string]any{}, "deprovision": map[string]any{},
	}
	if h.image != "" {
		prov["image"] = map[string]any{"url": h.image, "checksum": "0123456789abcdef0123456789abcdef", "checksumType": "md5"}
		history["provision"] = map[string]any{"start": t2, "end": t3}
	}
	status := map[string]any{
		"operationalStatus": "OK", "errorMessage": "", "errorCount": 0, "hardwareProfile": "unknown",
		"poweredOn": h.online, "lastUpdated": t3, "provisioning": prov, "hardware": h.inventory(),
		"goodCredentials": creds, "triedCredentials": creds, "operationHistory": history,
	}
	raw, _ := json.Marshal(map[string]any{"status": status})
	return string(raw)
}

// hardwareData is the HardwareData BMO creates after inspection: the host's controller owner
// reference and its finalizer.
func (h metal3Host) hardwareData(hostUID string) string {
	raw, _ := json.Marshal(map[string]any{
		"apiVersion": "metal3.io/v1alpha1", "kind": "HardwareData",
		"metadata": map[string]any{
			"name": h.name, "namespace": testNamespace, "finalizers": []string{"baremetalhost.metal3.io/hardwareData"},
			"ownerReferences": []any{map[string]any{"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
				"name": h.name, "uid": hostUID, "controller": true}},
		},
		"spec": map[string]any{"hardware": h.inventory()},
	})
	return string(raw)
}

// firmwareSettings is the HostFirmwareSettings Metal3's firmware controller keeps for the
// host, owned by the host, with no change asked for: Metal3 would have applied one before the
// host became available (fake-hardware's BIOS has no settings to ask for).
func (h metal3Host) firmwareSettings(hostUID string) string {
	raw, _ := json.Marshal(map[string]any{
		"apiVersion": "metal3.io/v1alpha1", "kind": "HostFirmwareSettings",
		"metadata": map[string]any{
			"name": h.name, "namespace": testNamespace,
			"ownerReferences": []any{map[string]any{"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
				"name": h.name, "uid": hostUID, "controller": true}},
		},
		"spec": map[string]any{"settings": map[string]any{}},
	})
	return string(raw)
}

// ironicAPI drives Ironic as BMO's Ironic provisioner does, with the fake-hardware driver.
type ironicAPI struct {
	t        *testing.T
	endpoint string
}

type ironicNodeState struct {
	UUID               string  `json:"uuid"`
	ProvisionState     string  `json:"provision_state"`
	PowerState         *string `json:"power_state"`
	ProvisionUpdatedAt *string `json:"provision_updated_at"`
	LastError          *string `json:"last_error"`
}

func (a ironicAPI) call(method, path string, body any, out any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, strings.TrimSuffix(a.endpoint, "/")+path, r)
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		a.t.Fatalf("Ironic %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		a.t.Fatalf("Ironic %s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatal(err)
		}
	}
}

func (a ironicAPI) node(uuid string) ironicNodeState {
	a.t.Helper()
	var n ironicNodeState
	a.call(http.MethodGet, "/v1/nodes/"+uuid+"?fields=uuid,provision_state,power_state,provision_updated_at,last_error", nil, &n)
	return n
}

func (a ironicAPI) waitFor(uuid string, cond func(ironicNodeState) bool, what string) {
	a.t.Helper()
	var n ironicNodeState
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		n = a.node(uuid)
		return cond(n), nil
	}); err != nil {
		a.t.Fatalf("node %s never %s: %+v", uuid, what, n)
	}
}

func (a ironicAPI) provision(uuid, target, want string) {
	a.t.Helper()
	a.call(http.MethodPut, "/v1/nodes/"+uuid+"/states/provision", map[string]any{"target": target}, nil)
	a.waitFor(uuid, func(n ironicNodeState) bool { return n.ProvisionState == want }, want)
}

// deployAsMetal3 enrols a node named as BMO names it, with a port of the boot MAC address, and
// takes it where BMO leaves a host: manageable, inspected, available (provided), deployed with
// image when there is one, and powered as online says. It returns the node's UUID.
func (a ironicAPI) deployAsMetal3(name, mac, image string, online bool) string {
	a.t.Helper()
	var n ironicNodeState
	a.call(http.MethodPost, "/v1/nodes", map[string]any{
		"name": name, "driver": "fake-hardware",
		"boot_interface": "fake", "deploy_interface": "fake", "inspect_interface": "fake", "management_interface": "fake",
		"power_interface": "fake", "raid_interface": "fake", "vendor_interface": "fake", "bios_interface": "fake",
		"automated_clean": true,
		"properties":      map[string]any{"capabilities": "boot_mode:uefi"},
	}, &n)
	a.call(http.MethodPost, "/v1/ports", map[string]any{"node_uuid": n.UUID, "address": mac, "pxe_enabled": true}, nil)
	a.provision(n.UUID, "manage", "manageable")
	a.provision(n.UUID, "inspect", "manageable")
	a.provision(n.UUID, "provide", "available")
	if image != "" {
		a.call(http.MethodPatch, "/v1/nodes/"+n.UUID, []map[string]any{
			{"op": "add", "path": "/instance_info/image_source", "value": image},
			{"op": "add", "path": "/instance_info/image_checksum", "value": "0123456789abcdef0123456789abcdef"},
		}, nil)
		a.provision(n.UUID, "active", "active")
	}
	power := "power off"
	if online {
		power = "power on"
	}
	a.call(http.MethodPut, "/v1/nodes/"+n.UUID+"/states/power", map[string]any{"target": power}, nil)
	a.waitFor(n.UUID, func(n ironicNodeState) bool { return n.PowerState != nil && *n.PowerState == power }, power)
	return n.UUID
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
