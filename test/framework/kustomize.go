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

package framework

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Kustomize runs kubectl kustomize on a directory of the repository (artifacts/deploy and its
// overlays), as a user would, and decodes the objects it renders.
func (k Kubectl) Kustomize(t testing.TB, dir string) []map[string]any {
	t.Helper()
	out := k.Run(t, "kustomize", filepath.Join(RepoRoot(), dir))
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(out), 4096)
	var objs []map[string]any
	for {
		var o map[string]any
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding kubectl kustomize %s: %v", dir, err)
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	return objs
}

// AsList wraps objects in a v1 List, which kubectl apply -f - reads as JSON.
func AsList(t testing.TB, objs []map[string]any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": objs}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// KindOf is the kind of a decoded object.
func KindOf(o map[string]any) string {
	k, _ := o["kind"].(string)
	return k
}

// NameOf is the name of a decoded object.
func NameOf(o map[string]any) string {
	m, _ := o["metadata"].(map[string]any)
	n, _ := m["name"].(string)
	return n
}
