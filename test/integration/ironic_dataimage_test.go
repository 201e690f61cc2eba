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
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// dataImageNeeds is what Debian 12's Ironic 21.4 (API 1.82) answers for a DataImage.
const dataImageNeeds = "a DataImage needs Ironic API 1.93 (virtual media: attached and detached from 1.89, read back from 1.93, which Metal3 needs both of); this Ironic offers up to 1.82"

// TestIronicDataImageOnDebian: Debian 12's Ironic 21.4 has no virtual media API (Ironic
// itself refuses /v1/nodes/{node}/vmedia); the backend refuses a DataImage on a deployed node
// naming the version needed, and the node is untouched.
func TestIronicDataImageOnDebian(t *testing.T) {
	ir := framework.StartIronic(t)
	p, ctx, _ := newIronicBackend(t, ir.Endpoint)
	view := ironicView{endpoint: ir.Endpoint, client: &http.Client{Timeout: 10 * time.Second}}
	host := ironicHost(t, "dataimage", 42)
	host.InspectionMode = v1alpha1.InspectionModeDisabled
	host.AutomatedCleaningMode = v1alpha1.CleaningModeDisabled
	name := ironic.NodeName(host.Namespace, host.Name)
	step := func(what string, f func(context.Context) (provisioner.Result, error)) {
		t.Helper()
		if calls, err := drive(ctx, time.Minute, f); err != nil {
			t.Fatalf("%s: %v (after %d calls)\nIronic log (tail):\n%s", what, err, calls, ir.LogTail(40))
		}
	}
	step("register", func(ctx context.Context) (provisioner.Result, error) {
		id, res, err := p.Register(ctx, host)
		host.ID = id
		return res, err
	})
	step("prepare", func(ctx context.Context) (provisioner.Result, error) {
		return p.Prepare(ctx, host, provisioner.PrepareData{})
	})
	format := v1alpha1.ImageFormatQCOW2
	step("provision", func(ctx context.Context) (provisioner.Result, error) {
		return p.Provision(ctx, host, provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://192.0.2.1/a.qcow2",
			Checksum: strings.Repeat("ab", 32), ChecksumType: v1alpha1.ChecksumSHA256, Format: &format}})
	})
	node := view.node(t, name)
	if node["provision_state"] != "active" {
		t.Fatalf("provision state %v, want active", node["provision_state"])
	}

	// What the backend would ask for is not there: Ironic refuses the version.
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/nodes/%s/vmedia", ir.Endpoint, node["uuid"]), nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.93")
	resp, err := view.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("GET vmedia at 1.93 answered %d; has this Ironic the virtual media API? then test attaching", resp.StatusCode)
	}

	if res, err := p.AttachDataImage(ctx, host, "http://192.0.2.1/config.iso"); err != nil || res.Done || res.ErrorMessage != dataImageNeeds {
		t.Errorf("AttachDataImage = %+v, %v\nwant Failed(%q)", res, err, dataImageNeeds)
	}
	if res, err := p.DetachDataImage(ctx, host, "http://192.0.2.1/config.iso"); err != nil || res.Done || res.ErrorMessage != dataImageNeeds {
		t.Errorf("DetachDataImage = %+v, %v\nwant Failed(%q)", res, err, dataImageNeeds)
	}
	after := view.node(t, name)
	for _, k := range []string{"provision_state", "provision_updated_at", "updated_at", "power_state", "last_error"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(node[k]) {
			t.Errorf("the refused DataImage changed the node's %s: %v -> %v", k, node[k], after[k])
		}
	}
}
