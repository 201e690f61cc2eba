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

package ironic

import (
	"context"
	"reflect"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// deployKeysOf returns the agent image keys of the scripted node's driver_info.
func deployKeysOf(fi *firmwareIronic) map[string]any {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	out := map[string]any{}
	info, _ := fi.node["driver_info"].(map[string]any)
	for _, k := range deployKeys {
		if v, ok := info[k]; ok {
			out[k] = v
		}
	}
	return out
}

// TestPreprovisioningImageInDriverInfo: the host's preprovisioning image reaches the node's
// driver_info at registration, and a new image reaches it before the next step that may boot
// the agent, but never while a step runs.
func TestPreprovisioningImageInDriverInfo(t *testing.T) {
	fi, p := newFirmwareIronic(t, "1.82", node("manageable", "driver_info", map[string]any{
		"deploy_iso": "http://old/agent.iso", "kernel_append_params": "stale"}))
	p.cfg.PreprovisioningImageBuilder = true
	p.cfg.DeployKernelURL = "http://images/ipa.kernel"
	ctx, host := context.Background(), testHost(t)
	host.BootMACAddress = ""

	host.PreprovisioningImage = &provisioner.PreprovisioningImage{URL: "http://builder/h-1.initramfs", KernelURL: "http://builder/h-1.kernel",
		ExtraKernelParams: "ip=dhcp", Format: v1alpha1.ImageFormatInitRD}
	if _, res, err := p.Register(ctx, host); err != nil || !res.Done {
		t.Fatalf("Register = %+v, %v", res, err)
	}
	want := map[string]any{"deploy_kernel": "http://builder/h-1.kernel", "deploy_ramdisk": "http://builder/h-1.initramfs",
		"kernel_append_params": "%default% ip=dhcp"}
	if got := deployKeysOf(fi); !reflect.DeepEqual(got, want) {
		t.Fatalf("driver_info after registration %v, want %v", got, want)
	}

	// Built again, without a kernel of its own: the configured kernel, and no parameters.
	host.PreprovisioningImage = &provisioner.PreprovisioningImage{URL: "http://builder/h-2.initramfs", Format: v1alpha1.ImageFormatInitRD}
	fi.set("provision_state", "cleaning")
	fi.took()
	if res, err := p.Prepare(ctx, host, provisioner.PrepareData{}); err != nil || res.Done {
		t.Fatalf("Prepare while cleaning = %+v, %v", res, err)
	}
	if got := fi.took(); len(got) != 0 || !reflect.DeepEqual(deployKeysOf(fi), want) {
		t.Fatalf("a cleaning node was changed: requests %q, driver_info %v", got, deployKeysOf(fi))
	}
	fi.set("provision_state", "manageable")
	if _, err := p.Prepare(ctx, host, provisioner.PrepareData{}); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	want = map[string]any{"deploy_kernel": "http://images/ipa.kernel", "deploy_ramdisk": "http://builder/h-2.initramfs"}
	if got := deployKeysOf(fi); !reflect.DeepEqual(got, want) {
		t.Fatalf("driver_info before preparing %v, want %v", got, want)
	}

	// Unchanged: no write.
	fi.took()
	if _, _, err := p.Register(ctx, host); err != nil {
		t.Fatal(err)
	}
	for _, r := range fi.took() {
		if r == "PATCH " {
			t.Errorf("an up-to-date node was patched")
		}
	}
}
