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
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestNodeCache(t *testing.T) {
	fake := clocktesting.NewFakeClock(time.Unix(1000, 0))
	c := newNodeCacheWithClock(fake)

	resting := &nodes.Node{UUID: "u1", Name: "ns~a", ProvisionState: "manageable"}
	c.put(resting)
	if got := c.get("u1"); got != resting {
		t.Fatalf("get after put = %v, want the node", got)
	}
	if got := c.get("ns~a"); got != nil {
		t.Errorf("get by name = %v; the cache is by UUID only", got)
	}

	fake.Step(RestingNodeTTL)
	if got := c.get("u1"); got != nil {
		t.Errorf("get after the TTL = %v, want nil", got)
	}

	c.put(resting)
	c.forget("ns~a")
	if got := c.get("u1"); got != nil {
		t.Errorf("get after forget by name = %v, want nil", got)
	}
	c.put(resting)
	c.forget("u1")
	if got := c.get("u1"); got != nil {
		t.Errorf("get after forget by UUID = %v, want nil", got)
	}

	for _, busy := range []*nodes.Node{
		{UUID: "u2", ProvisionState: "manageable", TargetProvisionState: "available"},
		{UUID: "u3", ProvisionState: "active", TargetPowerState: "power on"},
		{UUID: "u4", ProvisionState: "deploying"},
		{UUID: "u5", ProvisionState: "clean wait"},
	} {
		c.put(busy)
		if got := c.get(busy.UUID); got != nil {
			t.Errorf("a node in transition (%s/%s/%s) was cached", busy.ProvisionState, busy.TargetProvisionState, busy.TargetPowerState)
		}
	}
}

func TestNodeInPath(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/nodes/u1":                         "u1",
		"/v1/nodes/u1/states/provision":        "u1",
		"/baremetal/v1/nodes/ns~a/states/raid": "ns~a",
		"/v1/nodes":                            "",
		"/v1/ports":                            "",
	} {
		if got := nodeInPath(path); got != want {
			t.Errorf("nodeInPath(%q) = %q, want %q", path, got, want)
		}
	}
}
