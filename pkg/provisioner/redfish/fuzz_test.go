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

package redfish

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stmcginnis/gofish/schemas"
)

// mockupDir is a capture of a real BMC in the shared test data (see its README); the fuzz
// target serves it with one resource replaced by the fuzzer's bytes.
const mockupDir = "../../../../shared/redfish-mockups/dmtf/public-rackmount1"

// mockupTree reads a DMTF mockup: URI -> body (every <uri>/index.json, the root folder being /redfish/v1).
func mockupTree(tb testing.TB, dir string) map[string][]byte {
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "index.json" {
			return err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// The mockup's root folder is /redfish/v1.
		tree[strings.TrimSuffix("/redfish/v1/"+filepath.ToSlash(rel), "/.")] = b
		return nil
	})
	if err != nil {
		// CI has them at the same place (../shared beside the project): there a missing
		// capture is a failure, not a skip.
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Redfish mockups not readable at %s (they live in ../shared beside the project): %v", dir, err)
		}
		tb.Skipf("Redfish mockups not readable at %s (they live in ../shared beside the project): %v", dir, err)
	}
	return tree
}

// treeClient is a gofish client answering from a mockup tree in memory, with one resource
// replaced: no network, so the fuzzer runs thousands of inputs a second and a fuzzed link can
// reach nothing. Only reads are implemented (the embedded nil interface covers the rest).
type treeClient struct {
	schemas.Client
	tree        map[string][]byte
	override    string
	replacement []byte
	// gets counts reads; gofish reads collection members concurrently.
	gets atomic.Int64
}

func (c *treeClient) GetSettings() schemas.ClientSettings { return schemas.ClientSettings{} }

func (c *treeClient) Get(url string) (*http.Response, error) { return c.GetWithHeaders(url, nil) }

func (c *treeClient) GetWithHeaders(url string, _ map[string]string) (*http.Response, error) {
	// A collection whose next page is itself would be followed for ever: the backend bounds
	// every call by its timeout; here the BMC gives up after a few hundred reads.
	if c.gets.Add(1) > 300 {
		return nil, fmt.Errorf("more than 300 reads for one inspection")
	}
	uri := strings.TrimSuffix(url, "/")
	body, ok := c.tree[uri]
	if uri == c.override {
		body, ok = c.replacement, true
	}
	if !ok {
		return nil, fmt.Errorf("404 %s", uri)
	}
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/json")
	_, _ = rec.Write(body)
	return rec.Result(), nil
}

// FuzzInspect decodes whatever a BMC may answer, through gofish, into hardware details: the
// system of a real BMC's capture is served with one of its resources (the system itself, a
// processor, memory, NIC, storage or drive) replaced by arbitrary bytes. Inspection may fail,
// never panic, and a success describes sane hardware.
func FuzzInspect(f *testing.F) {
	tree := mockupTree(f, mockupDir)
	var uris []string
	for uri := range tree {
		if strings.HasPrefix(uri, "/redfish/v1/Systems/") {
			uris = append(uris, uri)
		}
	}
	if len(uris) == 0 {
		f.Skip("the mockup has no systems")
	}
	sort.Strings(uris)
	for i, uri := range uris {
		f.Add(uint16(i), tree[uri])
	}
	f.Add(uint16(0), []byte(`{"@odata.id":"/redfish/v1/Systems/437XR1138R2","ProcessorSummary":{"Count":-1},"MemorySummary":{"TotalSystemMemoryGiB":1e300}}`))
	f.Add(uint16(1), []byte(`{"Members":[{"@odata.id":"/redfish/v1/Systems/437XR1138R2/Processors/CPU1"},{"@odata.id":"loop"}],"Members@odata.count":2}`))

	client := &treeClient{tree: tree}
	system := ""
	for _, uri := range uris {
		if strings.Count(uri, "/") == 4 { // /redfish/v1/Systems/<id>
			system = uri
			break
		}
	}
	f.Fuzz(func(t *testing.T, which uint16, body []byte) {
		override := uris[int(which)%len(uris)]
		client.override, client.replacement = override, body
		client.gets.Store(0)
		sys, err := schemas.GetComputerSystem(client, system)
		if err != nil {
			return
		}
		d, _, err := inspect(client, sys)
		if err != nil {
			return
		}
		if d.CPU.Count < 0 || d.RAMMebibytes < 0 {
			t.Fatalf("negative hardware from %s = %q: cpus %d, RAM %d MiB", override, body, d.CPU.Count, d.RAMMebibytes)
		}
		for _, s := range d.Storage {
			if s.SizeBytes < 0 {
				t.Fatalf("negative disk size from %s = %q: %+v", override, body, s)
			}
		}
	})
}
