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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// FakeAgent stands in for the Ironic Python Agent on hosts that cannot boot it (simulated
// BMCs). Ironic's manual cleaning boots the agent ramdisk and waits for it even when every
// step runs out of band through the BMC (the Redfish BIOS interface's apply_configuration,
// the Redfish management interface's update_firmware): after each reboot it continues only
// when the agent heartbeats. While one of its nodes is in clean wait, the fake agent looks
// the node up (which hands out the agent token) and heartbeats; it answers Ironic's calls to
// the agent with no in-band steps and no commands, as a freshly booted agent would. The
// out-of-band steps then run as they would with a real agent; in-band steps (disk erasure,
// software RAID) are not offered, so Ironic refuses them.
type FakeAgent struct {
	// URL is the agent's callback URL, which Ironic calls.
	URL string
	// Heartbeats counts the heartbeats Ironic accepted.
	Heartbeats int

	t        testing.TB
	ironic   string
	client   *http.Client
	interval time.Duration
	mu       sync.Mutex
	nodes    map[string]string // node UUID -> agent token ("" before the lookup)
	calls    []string
}

// StartFakeAgent starts a fake agent for the Ironic at endpoint, heartbeating every interval
// for the nodes given to Serve; it stops with the test.
func StartFakeAgent(t testing.TB, endpoint string, interval time.Duration) *FakeAgent {
	a := &FakeAgent{t: t, ironic: strings.TrimSuffix(endpoint, "/"), client: &http.Client{Timeout: 10 * time.Second},
		interval: interval, nodes: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(a.serveAgentAPI))
	a.URL = srv.URL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return a
}

// Serve makes the agent heartbeat for a node whenever it waits for the agent.
func (a *FakeAgent) Serve(nodeUUID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.nodes[nodeUUID]; !ok {
		a.nodes[nodeUUID] = ""
	}
}

// Calls lists the agent API calls Ironic made ("POST clean.get_clean_steps", "GET commands").
func (a *FakeAgent) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

// serveAgentAPI answers Ironic's calls to the agent (ironic/drivers/modules/agent_client.py).
func (a *FakeAgent) serveAgentAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/commands"):
		a.record("GET commands")
		// Freshly booted: nothing ran, so Ironic goes on with the next out-of-band step.
		_, _ = w.Write([]byte(`{"commands": []}`))
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/commands"):
		var cmd struct {
			Name string `json:"name"`
		}
		_ = json.NewDecoder(r.Body).Decode(&cmd)
		a.record("POST " + cmd.Name)
		_, method, _ := strings.Cut(cmd.Name, ".")
		result := map[string]any{}
		switch cmd.Name {
		case "clean.get_clean_steps":
			result = map[string]any{"clean_steps": map[string]any{"GenericHardwareManager": []any{}},
				"hardware_manager_version": map[string]any{"generic_hardware_manager": "1.1"}}
		case "deploy.get_deploy_steps":
			result = map[string]any{"deploy_steps": map[string]any{"GenericHardwareManager": []any{}},
				"hardware_manager_version": map[string]any{"generic_hardware_manager": "1.1"}}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "fake", "command_name": method, "command_status": "SUCCEEDED",
			"command_error": nil, "command_result": result})
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"faultstring": "not found"}`))
	}
}

func (a *FakeAgent) record(call string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, call)
}

func (a *FakeAgent) run(ctx context.Context) {
	tick := time.NewTicker(a.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		a.mu.Lock()
		uuids := make([]string, 0, len(a.nodes))
		for u := range a.nodes {
			uuids = append(uuids, u)
		}
		a.mu.Unlock()
		for _, u := range uuids {
			if err := a.heartbeat(ctx, u); err != nil && ctx.Err() == nil {
				a.t.Logf("fake agent, node %s: %v", u, err)
			}
		}
	}
}

// heartbeat heartbeats for a node waiting for its agent, looking it up first for the token.
func (a *FakeAgent) heartbeat(ctx context.Context, uuid string) error {
	var node struct {
		ProvisionState string `json:"provision_state"`
		Reservation    string `json:"reservation"`
	}
	if code, err := a.call(ctx, http.MethodGet, "/v1/nodes/"+uuid+"?fields=provision_state,reservation", nil, &node); err != nil || code != http.StatusOK {
		return fmt.Errorf("GET node: %d %v", code, err)
	}
	if node.ProvisionState != "clean wait" || node.Reservation != "" {
		return nil
	}
	for attempt := 0; ; attempt++ {
		refused, err := a.heartbeatOnce(ctx, uuid)
		if !refused || attempt > 0 {
			return err
		}
		// Every boot of the agent looks the node up again: Ironic drops the token when
		// it reboots the host into the agent, and refuses the old one.
	}
}

// heartbeatOnce heartbeats once, looking the node up first when the agent holds no token;
// refused says that Ironic refused the token.
func (a *FakeAgent) heartbeatOnce(ctx context.Context, uuid string) (refused bool, err error) {
	a.mu.Lock()
	token := a.nodes[uuid]
	a.mu.Unlock()
	if token == "" {
		var lookup struct {
			Config struct {
				AgentToken string `json:"agent_token"`
			} `json:"config"`
		}
		code, err := a.call(ctx, http.MethodGet, "/v1/lookup?node_uuid="+uuid, nil, &lookup)
		if err != nil || code != http.StatusOK {
			return false, fmt.Errorf("lookup: %d %v", code, err)
		}
		token = lookup.Config.AgentToken
		a.mu.Lock()
		a.nodes[uuid] = token
		a.mu.Unlock()
	}
	body := map[string]any{"callback_url": a.URL, "agent_token": token, "agent_version": "9.0.0"}
	code, err := a.call(ctx, http.MethodPost, "/v1/heartbeat/"+uuid, body, nil)
	switch {
	case err != nil:
		return false, err
	case code == http.StatusAccepted:
		a.mu.Lock()
		a.Heartbeats++
		a.mu.Unlock()
	case code == http.StatusConflict:
		// Locked by a step in progress: the next heartbeat.
	case code == http.StatusBadRequest:
		a.mu.Lock()
		a.nodes[uuid] = ""
		a.mu.Unlock()
		return true, fmt.Errorf("heartbeat refused (HTTP %d)", code)
	default:
		return false, fmt.Errorf("heartbeat: HTTP %d", code)
	}
	return false, nil
}

func (a *FakeAgent) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.ironic+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}
