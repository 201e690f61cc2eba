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
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

const testPassword = "bmc-Pa55word-7f3a"

func testHost(t *testing.T) provisioner.Host {
	return provisioner.Host{
		Namespace: "ns", Name: "host-0", UID: "5d9b5c7e-0000-4000-8000-000000000000",
		BMC:            mustParse(t, "redfish+https://192.0.2.1/redfish/v1/Systems/1"),
		Credentials:    provisioner.Credentials{Username: "root", Password: testPassword},
		BootMACAddress: "52:54:00:00:00:01",
		InspectionMode: v1alpha1.InspectionModeFast,
	}
}

// scriptedNode is a fake Ironic holding one node whose answers a test scripts; it records
// the state-changing requests it received.
type scriptedNode struct {
	mu       sync.Mutex
	node     map[string]any
	requests []string
	refuse   map[string]int // e.g. "PUT states/power soft power off" -> HTTP status
}

func newScriptedNode(t *testing.T, node map[string]any) (*scriptedNode, *Provisioner) {
	s := &scriptedNode{node: node, refuse: map[string]int{}}
	f := newFakeIronic(t, "1.82")
	f.handle = s.serve
	p, err := New(context.Background(), Config{Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func (s *scriptedNode) serve(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	uuid, _ := s.node["uuid"].(string)
	name, _ := s.node["name"].(string)
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	parts := strings.Split(path, "/")
	if len(parts) < 2 || parts[0] != "nodes" || (parts[1] != uuid && parts[1] != name) || s.node == nil {
		if r.Method == http.MethodGet && parts[0] == "ports" {
			_, _ = w.Write([]byte(`{"ports": []}`))
			return true
		}
		return false
	}
	var req map[string]any
	_ = json.Unmarshal(body, &req)
	label := r.Method + " " + strings.Join(parts[2:], "/")
	if target, ok := req["target"].(string); ok {
		label += " " + target
	}
	if r.Method != http.MethodGet {
		s.requests = append(s.requests, label)
	}
	if code, ok := s.refuse[label]; ok {
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"error_message": "{\"faultstring\": \"%s refused\"}"}`, label)
		return true
	}
	switch {
	case r.Method == http.MethodGet && len(parts) == 3 && parts[2] == "validate":
		_, _ = w.Write([]byte(`{"boot": {"result": false, "reason": "no boot"}, "deploy": {"result": false, "reason": "no image"}, "power": {"result": true}}`))
	case r.Method == http.MethodGet && len(parts) == 2:
		_ = json.NewEncoder(w).Encode(s.node)
	case r.Method == http.MethodPatch:
		_ = json.NewEncoder(w).Encode(s.node)
	case r.Method == http.MethodPut && len(parts) == 4 && parts[3] == "power":
		s.node["target_power_state"] = req["target"]
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPut && parts[2] == "maintenance":
		s.node["maintenance"] = true
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPut:
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodDelete && len(parts) == 2:
		s.node = nil
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
	return true
}

func (s *scriptedNode) set(kv ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < len(kv); i += 2 {
		s.node[kv[i].(string)] = kv[i+1]
	}
}

func (s *scriptedNode) took() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.requests
	s.requests = nil
	return out
}

func node(state string, kv ...any) map[string]any {
	n := map[string]any{
		"uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "name": "ns~host-0", "driver": "redfish",
		"provision_state": state, "power_state": "power on", "driver_info": map[string]any{},
		"properties": map[string]any{}, "instance_info": map[string]any{}, "extra": map[string]any{},
	}
	for i := 0; i < len(kv); i += 2 {
		n[kv[i].(string)] = kv[i+1]
	}
	return n
}

func TestDeleteActiveGoesThroughMaintenance(t *testing.T) {
	s, p := newScriptedNode(t, node("active"))
	ctx, host := context.Background(), testHost(t)
	res, err := p.Delete(ctx, host)
	if err != nil || res.Done || !equal(s.took(), "PUT maintenance") {
		t.Fatalf("first Delete = %+v, %v", res, err)
	}
	res, err = p.Delete(ctx, host)
	if err != nil || !res.Done || !equal(s.took(), "DELETE ") {
		t.Fatalf("second Delete = %+v, %v", res, err)
	}
	res, err = p.Delete(ctx, host)
	if err != nil || !res.Done || len(s.took()) != 0 {
		t.Fatalf("Delete of a gone node = %+v, %v", res, err)
	}
}

func TestDeleteStates(t *testing.T) {
	for _, tc := range []struct {
		state  string
		detach bool
		want   string
		done   bool
	}{
		{state: "manageable", want: "DELETE ", done: true},
		{state: "available", want: "DELETE ", done: true},
		{state: "enroll", want: "DELETE ", done: true},
		{state: "inspect wait", want: "PUT states/provision abort"},
		{state: "clean wait", want: "PUT states/provision abort"},
		{state: "clean failed", want: "PUT states/provision manage"},
		{state: "deploying"},
		{state: "deploy failed", want: "PUT maintenance"},
		{state: "inspect wait", detach: true, want: "PUT maintenance"},
		{state: "clean failed", detach: true, want: "PUT maintenance"},
		{state: "cleaning", detach: true},
	} {
		s, p := newScriptedNode(t, node(tc.state))
		f := p.Delete
		if tc.detach {
			f = p.Detach
		}
		res, err := f(context.Background(), testHost(t))
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		if got := s.took(); err != nil || res.Done != tc.done || !equal(got, want...) {
			t.Errorf("%s (detach %t): %+v, %v, requests %q; want %q done=%t", tc.state, tc.detach, res, err, got, want, tc.done)
		}
	}
}

func TestSoftPowerFallsBackToHard(t *testing.T) {
	s, p := newScriptedNode(t, node("active"))
	s.refuse["PUT states/power soft power off"] = http.StatusBadRequest
	s.refuse["PUT states/power soft rebooting"] = http.StatusBadRequest
	ctx, host := context.Background(), testHost(t)

	res, err := p.Reboot(ctx, host, provisioner.RebootModeSoft)
	if err != nil || !res.Done || !equal(s.took(), "PUT states/power soft rebooting", "PUT states/power rebooting") {
		t.Errorf("soft Reboot = %+v, %v", res, err)
	}
	s.set("target_power_state", nil)
	res, err = p.PowerOff(ctx, host, provisioner.RebootModeSoft)
	if err != nil || res.Done || res.RequeueAfter == 0 || !equal(s.took(), "PUT states/power soft power off", "PUT states/power power off") {
		t.Errorf("soft PowerOff = %+v, %v", res, err)
	}
	// While Ironic works on it, nothing more is sent.
	res, err = p.PowerOff(ctx, host, provisioner.RebootModeSoft)
	if err != nil || res.RequeueAfter == 0 || len(s.took()) != 0 {
		t.Errorf("PowerOff while powering off = %+v, %v", res, err)
	}
	s.set("target_power_state", nil, "power_state", "power off")
	if res, err := p.PowerOff(ctx, host, provisioner.RebootModeSoft); err != nil || !res.Done {
		t.Errorf("PowerOff when off = %+v, %v", res, err)
	}
	host.DisablePowerOff = true
	if res, err := p.PowerOff(ctx, host, provisioner.RebootModeHard); err != nil || res.ErrorMessage == "" {
		t.Errorf("PowerOff with disablePowerOff = %+v, %v; want Failed", res, err)
	}
}

// TestFailureReportedThenRetriedOnRestart: a failed node is reported as a failure until the
// caller says its status records it (RestartOnFailure); then the step is retried. Whatever
// the number of calls: the decision is the caller's input, not the backend's memory.
func TestFailureReportedThenRetriedOnRestart(t *testing.T) {
	s, p := newScriptedNode(t, node("deploy failed", "last_error", "Image checksum mismatch"))
	ctx, host := context.Background(), testHost(t)
	format := "qcow2"
	data := provisioner.ProvisionData{Image: &v1alpha1.Image{URL: "http://images/a.qcow2", Checksum: "abc", Format: &format}}
	for i := 0; i < 2; i++ {
		res, err := p.Provision(ctx, host, data)
		if err != nil || !strings.Contains(res.ErrorMessage, "Image checksum mismatch") || len(s.took()) != 0 {
			t.Fatalf("Provision %d in deploy failed = %+v, %v", i, res, err)
		}
	}
	// The reconciler retries after its backoff, with the failure in status: this call deploys
	// again. (The scripted Ironic fails validation: the retry reports that, after writing
	// instance_info.)
	host.RestartOnFailure = true
	res, err := p.Provision(ctx, host, data)
	if err != nil || !equal(s.took(), "PATCH ") || !strings.Contains(res.ErrorMessage, "cannot deploy") {
		t.Fatalf("retried Provision = %+v, %v", res, err)
	}
}

// TestPasswordNeverLeaks drives Register against an Ironic that quotes request bodies in
// its errors (Ironic does not, but a proxy or a future version might): the BMC password
// must not reach the Result, the error, or the log.
func TestPasswordNeverLeaks(t *testing.T) {
	logger := ktesting.NewLogger(ktesting.NopTL{}, ktesting.NewConfig(ktesting.Verbosity(10), ktesting.BufferLogs(true)))
	ctx := klog.NewContext(context.Background(), logger)
	host := testHost(t)

	// 1. Creating the node: the 400 quotes the driver_info.
	f := newFakeIronic(t, "1.82")
	f.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(body), testPassword) {
				t.Errorf("the create request does not carry the password: %s", body)
			}
			quoted, _ := json.Marshal(string(body))
			inner, _ := json.Marshal(map[string]string{"faultstring": "Invalid: " + string(quoted)})
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error_message": string(inner)})
			return true
		}
		return false
	}
	p, err := New(ctx, Config{Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := p.Register(ctx, host)
	if err != nil || res.ErrorMessage == "" {
		t.Fatalf("Register = %+v, %v; want Failed", res, err)
	}
	if !strings.Contains(res.ErrorMessage, provisioner.Redacted) {
		t.Errorf("the fake did not quote the password, the test proves nothing: %s", res.ErrorMessage)
	}
	var messages []string
	messages = append(messages, res.ErrorMessage)

	// 2. Updating an existing node: an unexpected 500 quoting the patch becomes an error.
	s := &scriptedNode{node: node("manageable"), refuse: map[string]int{}}
	f2 := newFakeIronic(t, "1.82")
	f2.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(body)
			return true
		}
		return s.serve(w, r)
	}
	p2, err := New(ctx, Config{Endpoint: f2.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, res, err = p2.Register(ctx, host)
	if err == nil {
		t.Fatalf("Register with a failing PATCH = %+v, nil error", res)
	}
	if !strings.Contains(err.Error(), provisioner.Redacted) {
		t.Errorf("the fake did not quote the password, the test proves nothing: %v", err)
	}
	messages = append(messages, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))

	// 3. Formatting the Host itself.
	messages = append(messages, fmt.Sprintf("%v %+v %#v", host, host, host))

	all := strings.Join(messages, "\n") + logger.GetSink().(ktesting.Underlier).GetBuffer().String()
	if strings.Contains(all, testPassword) {
		t.Errorf("the BMC password leaked:\n%s", all)
	}
}

// TestFinishKeepsSentinels: what finish scrubs still answers errors.Is, so that the
// reconciler sees ErrNeedsRegistration and context errors; an error without a secret that
// wraps nothing passes unchanged.
func TestFinishKeepsSentinels(t *testing.T) {
	p := &Provisioner{cfg: Config{Password: "ironic-Pa55word"}}
	host := provisioner.Host{Credentials: provisioner.Credentials{Username: "admin", Password: testPassword}}
	for _, secret := range []string{testPassword, "ironic-Pa55word"} {
		_, err := p.finish(host, provisioner.Result{}, fmt.Errorf("node with %s: %w", secret, provisioner.ErrNeedsRegistration))
		if strings.Contains(err.Error(), secret) || !errors.Is(err, provisioner.ErrNeedsRegistration) {
			t.Errorf("finish = %v (is %v)", err, errors.Is(err, provisioner.ErrNeedsRegistration))
		}
	}
	if _, got := p.finish(host, provisioner.Result{}, context.Canceled); got != context.Canceled {
		t.Errorf("an error without the secret must pass unchanged, got %v", got)
	}
	if got := p.scrubError(host.Credentials.Password, context.DeadlineExceeded); got != context.DeadlineExceeded {
		t.Errorf("an error without the secret must pass unchanged, got %v", got)
	}
}

func TestHasCapacity(t *testing.T) {
	f := newFakeIronic(t, "1.82")
	busy := `{"nodes": [
		{"uuid": "a", "provision_state": "cleaning", "boot_interface": "ipxe"},
		{"uuid": "b", "provision_state": "wait call-back", "boot_interface": "ipxe"},
		{"uuid": "c", "provision_state": "deploying", "boot_interface": "redfish-virtual-media"},
		{"uuid": "d", "provision_state": "active", "boot_interface": "ipxe"}]}`
	f.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/nodes" {
			_, _ = w.Write([]byte(busy))
			return true
		}
		return false
	}
	for max, want := range map[int]bool{0: true, 2: false, 3: true} {
		p, err := New(context.Background(), Config{Endpoint: f.URL, MaxBusyHosts: max})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := p.HasCapacity(context.Background()); err != nil || got != want {
			t.Errorf("MaxBusyHosts %d: HasCapacity = %v, %v; want %v (2 busy, virtual media not counted)", max, got, err, want)
		}
	}
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestRebootTakenOver: a reboot recorded in the host's status is sent by the process that
// recorded it, again after a refusal (409: the node was locked), and never by another process
// (or this one after a restart) that finds the node at rest: Ironic cannot say whether the
// first one went out, and at most one reboot is sent per request.
func TestRebootTakenOver(t *testing.T) {
	started := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		recordedBy string // "this pass", "this process" (a pass before, refused), "another"
		busy       bool   // a power action under way at the takeover
		want       []string
		done       bool
		warned     bool
	}{
		{name: "recorded by this pass: sent", recordedBy: "this pass", want: []string{"PUT states/power rebooting"}, done: true},
		{name: "refused before, by this process: sent again", recordedBy: "this process", want: []string{"PUT states/power rebooting"}, done: true},
		{name: "taken over, node at rest: not sent, ended with a warning", recordedBy: "another", done: true, warned: true},
		{name: "taken over, reboot under way: followed, nothing sent", recordedBy: "another", busy: true},
		{name: "no record (an older caller): sent", want: []string{"PUT states/power rebooting"}, done: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, p := newScriptedNode(t, node("active"))
			ctx, host := context.Background(), testHost(t)
			if tc.busy {
				s.set("target_power_state", "power on")
			}
			switch tc.recordedBy {
			case "this pass":
				host.OperationStarted, host.OperationRecordedNow = started, true
			case "this process":
				s.refuse["PUT states/power rebooting"] = http.StatusConflict
				host.OperationStarted, host.OperationRecordedNow = started, true
				if res, err := p.Reboot(ctx, host, provisioner.RebootModeHard); err != nil || res.Done {
					t.Fatalf("refused Reboot = %+v, %v", res, err)
				}
				s.took()
				delete(s.refuse, "PUT states/power rebooting")
				host.OperationRecordedNow = false
			case "another":
				host.OperationStarted = started
			}
			res, err := p.Reboot(ctx, host, provisioner.RebootModeHard)
			if got := s.took(); err != nil || res.Done != tc.done || !equal(got, tc.want...) || (len(res.Warnings) > 0) != tc.warned {
				t.Errorf("Reboot = %+v, %v, requests %q; want %q, done=%t, warned=%t", res, err, got, tc.want, tc.done, tc.warned)
			}
		})
	}
}
