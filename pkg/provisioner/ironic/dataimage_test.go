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
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDataImageNeedsAPI193: Ironic 21.4 (1.82) has no virtual media API; attach and detach
// say which version is needed, and nothing is read or written but the version.
func TestDataImageNeedsAPI193(t *testing.T) {
	s, p := newScriptedNode(t, node("active"))
	want := "a DataImage needs Ironic API 1.93 (virtual media: attached and detached from 1.89, read back from 1.93, which Metal3 needs both of); this Ironic offers up to 1.82"
	ctx := context.Background()
	if res, err := p.AttachDataImage(ctx, testHost(t), "http://192.0.2.1/config.iso"); err != nil || res.ErrorMessage != want {
		t.Fatalf("AttachDataImage = %+v, %v\nwant Failed(%q)", res, err, want)
	}
	if res, err := p.DetachDataImage(ctx, testHost(t), "http://192.0.2.1/config.iso"); err != nil || res.ErrorMessage != want {
		t.Fatalf("DetachDataImage = %+v, %v\nwant Failed(%q)", res, err, want)
	}
	if got := s.took(); len(got) != 0 {
		t.Errorf("requests on 1.82: %q", got)
	}
}

// vmediaIronic is a scripted node whose Ironic (1.95) serves the virtual media API: an attach
// or a detach takes effect one GET later, as Ironic's conductor does it in the background.
type vmediaIronic struct {
	*scriptedNode
	inserted, pending bool
	image             string
	versions          []string
}

func (v *vmediaIronic) serve(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasSuffix(r.URL.Path, "/vmedia") {
		return v.scriptedNode.serve(w, r)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.versions = append(v.versions, r.Header.Get("X-OpenStack-Ironic-API-Version"))
	switch r.Method {
	case http.MethodGet:
		if v.pending {
			v.inserted, v.pending = !v.inserted, false
		}
		_ = json.NewEncoder(w).Encode([]map[string]any{{"media_types": []string{"CD", "DVD"}, "inserted": v.inserted, "image": v.image}})
		return true
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		var req struct {
			DeviceType string `json:"device_type"`
			ImageURL   string `json:"image_url"`
		}
		_ = json.Unmarshal(body, &req)
		v.requests = append(v.requests, "POST vmedia "+req.DeviceType+" "+req.ImageURL)
		v.pending, v.image = true, "http://ironic/redfish/boot-node.iso"
	case http.MethodDelete:
		v.requests = append(v.requests, "DELETE vmedia "+r.URL.RawQuery)
		v.pending = true
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// TestDataImage: on an Ironic with the virtual media API the image is attached as a cdrom,
// Done once Ironic shows it inserted, left alone when asked again, and detached alike; every
// virtual media request at 1.93.
func TestDataImage(t *testing.T) {
	v := &vmediaIronic{scriptedNode: &scriptedNode{node: node("active"), refuse: map[string]int{}}}
	f := newFakeIronic(t, "1.95")
	f.handle = v.serve
	p, err := New(context.Background(), Config{Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, h := context.Background(), testHost(t)
	const url = "http://192.0.2.1/config.iso"
	step := func(what string, call func() (bool, error)) {
		t.Helper()
		done, err := call()
		if err != nil || done {
			t.Fatalf("%s: done %v, %v; want in progress", what, done, err)
		}
		if done, err = call(); err != nil || !done {
			t.Fatalf("%s again: done %v, %v; want Done", what, done, err)
		}
		if done, err = call(); err != nil || !done {
			t.Fatalf("%s a third time: done %v, %v; want Done", what, done, err)
		}
	}
	step("attach", func() (bool, error) { res, err := p.AttachDataImage(ctx, h, url); return res.Done, err })
	step("detach", func() (bool, error) { res, err := p.DetachDataImage(ctx, h, url); return res.Done, err })
	if got, want := strings.Join(v.took(), ", "), "POST vmedia cdrom "+url+", DELETE vmedia device_types=cdrom"; got != want {
		t.Errorf("requests %q, want %q", got, want)
	}
	for _, ver := range v.versions {
		if ver != "1.93" {
			t.Errorf("virtual media request at API %s, want 1.93", ver)
		}
	}
}
