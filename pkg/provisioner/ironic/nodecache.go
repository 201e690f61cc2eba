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
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"
)

// RestingNodeTTL is how long a read of a node at rest may stand in for a new one.
//
// The reconciler runs a host's steps back to back: registration done, then inspection
// starts; inspection done, then preparing; provisioning done, then the power check. Each
// step begins by reading the node, which a moment ago was read by the step before, and on a
// busy Ironic (one conductor process, CPU-bound on a small machine) those reads were a
// third of all requests. A node at rest changes only when someone acts on it: our own
// writes drop the entry (see nodeCache.forget), and a change made by someone else within
// this window is no different from one made just after the read. A node deleted behind
// our back is noticed at the first write (404), or after this long.
const RestingNodeTTL = time.Second

// nodeCache holds recent reads of nodes at rest, by UUID, in apimachinery's expiring cache
// (which drops expired entries as it goes). Nodes in transition (a target provision or power
// state, or a state in which a conductor holds the lock) are never cached: polling them must
// see Ironic's progress. Writes name a node by UUID or by name, so each entry is reachable by
// both for forget.
type nodeCache struct {
	c *cache.Expiring
}

// nameKey is the key under which a node's name maps to its UUID.
func nameKey(name string) string { return "name:" + name }

func newNodeCache() *nodeCache { return newNodeCacheWithClock(clock.RealClock{}) }

func newNodeCacheWithClock(c clock.Clock) *nodeCache {
	return &nodeCache{c: cache.NewExpiringWithClock(c)}
}

// get returns a fresh read of the node with this UUID, or nil. Callers must not modify it.
func (c *nodeCache) get(uuid string) *nodes.Node {
	if v, ok := c.c.Get(uuid); ok {
		if node, ok := v.(*nodes.Node); ok {
			return node
		}
	}
	return nil
}

// put records a read taken just now, if the node is at rest.
func (c *nodeCache) put(node *nodes.Node) {
	if node == nil || !atRest(node) {
		return
	}
	c.c.Set(node.UUID, node, RestingNodeTTL)
	if node.Name != "" {
		c.c.Set(nameKey(node.Name), node.UUID, RestingNodeTTL)
	}
}

// forget drops what is cached about the node with this UUID or name.
func (c *nodeCache) forget(ident string) {
	if v, ok := c.c.Get(nameKey(ident)); ok {
		if uuid, ok := v.(string); ok {
			c.c.Delete(uuid)
		}
		c.c.Delete(nameKey(ident))
	}
	c.c.Delete(ident)
}

// atRest reports a node no task is changing.
func atRest(node *nodes.Node) bool {
	return node.TargetProvisionState == "" && node.TargetPowerState == "" && !locked(node) &&
		node.ProvisionState != string(nodes.InspectWait) && node.ProvisionState != string(nodes.CleanWait) &&
		node.ProvisionState != string(nodes.DeployWait)
}
