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

package baremetalhost

import (
	"strings"
	"testing"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// assigner is an EndpointAssigner as the sharded backend behaves: the recorded endpoint, the
// first one for hosts registered before endpoints were recorded, else a derived one.
type assigner struct{ first, derived string }

func (a assigner) HasEndpoint(e string) bool { return e == a.first || e == a.derived }

func (a assigner) Endpoints() []string { return []string{a.first, a.derived} }

func (a assigner) EndpointFor(h provisioner.Host) string {
	switch {
	case h.Endpoint != "":
		return h.Endpoint
	case h.ID != "":
		return a.first
	}
	return a.derived
}

// The endpoint a host's record lives on is recorded in its status before the first
// registration and kept; only a detach (the backend forgot the host) lets it go.
func TestEndpointAssignment(t *testing.T) {
	two := assigner{first: "http://ironic-a", derived: "http://ironic-b"}
	onEndpoint := func(e string) func(*v1alpha1.BareMetalHost) {
		return func(h *v1alpha1.BareMetalHost) { h.Status.Provisioning.Endpoint = e }
	}
	for _, tc := range []struct {
		name      string
		host      *hostBuilder
		endpoints provisioner.EndpointAssigner
		state     v1alpha1.ProvisioningState
		calls     string
		endpoint  string
		id        string
	}{{
		name: "new host: registering and its endpoint in one write, before any backend call",
		host: aHost(v1alpha1.StateNone), endpoints: two,
		state: v1alpha1.StateRegistering, calls: "", endpoint: "http://ironic-b",
	}, {
		name: "registering without an endpoint (older server): it is written before any backend call",
		host: aHost(v1alpha1.StateRegistering), endpoints: two,
		state: v1alpha1.StateRegistering, calls: "", endpoint: "http://ironic-b",
	}, {
		name: "assigned host registers and keeps its endpoint",
		host: aHost(v1alpha1.StateRegistering).with(onEndpoint("http://ironic-a")), endpoints: two,
		state: v1alpha1.StateInspecting, calls: "Register", endpoint: "http://ironic-a", id: "fake-1",
	}, {
		name: "registered before endpoints were recorded: the first endpoint is recorded",
		host: aHost(v1alpha1.StateProvisioned).provisionedWith("http://192.0.2.1/os.qcow2").image("http://192.0.2.1/os.qcow2"), endpoints: two,
		state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw", endpoint: "http://ironic-a", id: "fake-1",
	}, {
		name: "provisioned on its endpoint: nothing changes",
		host: aHost(v1alpha1.StateProvisioned).provisionedWith("http://192.0.2.1/os.qcow2").image("http://192.0.2.1/os.qcow2").
			with(onEndpoint("http://ironic-b")), endpoints: two,
		state: v1alpha1.StateProvisioned, calls: "Adopt PowerState PowerDraw", endpoint: "http://ironic-b", id: "fake-1",
	}, {
		name: "detached: the endpoint is let go with the record",
		host: aHost(v1alpha1.StateProvisioned).provisionedWith("http://192.0.2.1/os.qcow2").image("http://192.0.2.1/os.qcow2").
			with(onEndpoint("http://ironic-b")).annotate(v1alpha1.DetachedAnnotation, ""), endpoints: two,
		state: v1alpha1.StateProvisioned, calls: "Detach", endpoint: "",
	}, {
		name: "status restored from another server's annotation, on an endpoint of ours: kept",
		host: aHost(v1alpha1.StateNone).annotate(v1alpha1.StatusAnnotation,
			`{"provisioning":{"state":"available","ID":"node-9","endpoint":"http://ironic-b"},"operationalStatus":"OK"}`), endpoints: two,
		state: v1alpha1.StateAvailable, endpoint: "http://ironic-b", id: "node-9",
	}, {
		// Dropped: the next pass records the first endpoint, as for a host registered before
		// endpoints were recorded.
		name: "status restored from another server's annotation, on an Ironic not ours: dropped",
		host: aHost(v1alpha1.StateNone).annotate(v1alpha1.StatusAnnotation,
			`{"provisioning":{"state":"available","ID":"node-9","endpoint":"http://elsewhere"},"operationalStatus":"OK"}`), endpoints: two,
		state: v1alpha1.StateAvailable, endpoint: "", id: "node-9",
	}, {
		name:  "backend without endpoints: none recorded",
		host:  aHost(v1alpha1.StateRegistering),
		state: v1alpha1.StateInspecting, calls: "Register", endpoint: "", id: "fake-1",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.host.endpoints = tc.endpoints
			got := reconcileOnce(t, tc.host, Options{}, 0, nil)
			if got.err != nil {
				t.Fatalf("reconcile: %v", got.err)
			}
			st := got.host.Status
			if st.Provisioning.State != tc.state || st.Provisioning.Endpoint != tc.endpoint || st.Provisioning.ID != tc.id {
				t.Errorf("state %q, endpoint %q, ID %q; want %q, %q, %q (error %q)", st.Provisioning.State,
					st.Provisioning.Endpoint, st.Provisioning.ID, tc.state, tc.endpoint, tc.id, st.ErrorMessage)
			}
			if calls := strings.Join(got.calls, " "); calls != tc.calls {
				t.Errorf("backend calls %q, want %q", calls, tc.calls)
			}
		})
	}
}
