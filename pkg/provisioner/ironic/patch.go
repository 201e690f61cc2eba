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
	"encoding/json"
	"reflect"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
)

// patch accumulates JSON-patch operations for the fields of a node that differ from what
// is wanted, so that an up-to-date node costs no PATCH at all (Ironic writes the database
// and bumps updated_at on every PATCH, even a no-op one).
type patch struct {
	ops nodes.UpdateOpts
}

// field sets a top-level field; want nil (or a typed nil, or "") removes it.
func (b *patch) field(name string, want, have any) {
	if jsonEqual(want, have) {
		return
	}
	if normalize(want) == nil {
		b.ops = append(b.ops, nodes.UpdateOperation{Op: nodes.RemoveOp, Path: "/" + name})
		return
	}
	b.ops = append(b.ops, nodes.UpdateOperation{Op: nodes.ReplaceOp, Path: "/" + name, Value: want})
}

// key sets one key of a map field (driver_info, instance_info, properties, extra); want
// nil (or a typed nil, or "") removes the key if it is there.
func (b *patch) key(field, key string, want any, have map[string]any) {
	cur, present := have[key]
	if normalize(want) == nil {
		if present {
			b.ops = append(b.ops, nodes.UpdateOperation{Op: nodes.RemoveOp, Path: "/" + field + "/" + key})
		}
		return
	}
	if present && jsonEqual(want, cur) {
		return
	}
	// "add" replaces an existing member, and unlike "replace" works when it is absent.
	b.ops = append(b.ops, nodes.UpdateOperation{Op: nodes.AddOp, Path: "/" + field + "/" + key, Value: want})
}

func (b *patch) empty() bool { return len(b.ops) == 0 }

// jsonEqual compares values as JSON, so that what we build (int, map[string]string) equals
// what Ironic returned (float64, map[string]any). nil equals a missing or null value;
// empty strings equal nil because Ironic returns null for unset strings.
func jsonEqual(a, b any) bool {
	na, nb := normalize(a), normalize(b)
	return reflect.DeepEqual(na, nb)
}

func normalize(v any) any {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return v
	}
	if s, ok := out.(string); ok && s == "" {
		return nil
	}
	return out
}
