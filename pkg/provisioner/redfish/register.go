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
	"context"
	"net/http"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// systemsPath is the Systems collection, a fixed URI in the Redfish specification.
const systemsPath = "/redfish/v1/Systems"

// Register checks that the BMC answers with the credentials and finds the host's system. The
// ID is the system's @odata.id, which every later call reads; the address's path names it,
// or, when the address has none, the BMC must manage exactly one system.
func (p *Provisioner) Register(ctx context.Context, host provisioner.Host) (string, provisioner.Result, error) {
	if host.BMC == nil {
		return "", provisioner.Failed("the host has no BMC address"), nil
	}
	var id string
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		var err error
		id, err = findSystem(c, host)
		return err
	})
	if err != nil {
		res, err := outcome(host, err)
		return "", res, err
	}
	klog.FromContext(ctx).V(1).Info("Registered host", "bmc", host.BMC.Endpoint(), "system", id)
	return id, provisioner.Done(), nil
}

func findSystem(c *gofish.APIClient, host provisioner.Host) (string, error) {
	if path := host.BMC.SystemID(); path != "" {
		_, err := schemas.GetComputerSystem(c, path)
		if isStatus(err, http.StatusNotFound) {
			return "", refusedf("the BMC at %s has no system %s; check the path in spec.bmc.address", host.BMC.Endpoint(), path)
		}
		if err != nil {
			return "", err
		}
		// The address's path is the id, not the system's @odata.id: the two differ by a
		// trailing slash on iLO ("/redfish/v1/Systems/1/"), and the id must stay the
		// address's system for later calls to know the address still names it.
		return path, nil
	}
	systems, err := schemas.GetCollection(c, systemsPath)
	if err != nil {
		return "", err
	}
	switch n := len(systems.ItemLinks); n {
	case 0:
		return "", refusedf("the BMC at %s lists no systems", host.BMC.Endpoint())
	case 1:
		return systems.ItemLinks[0], nil
	default:
		return "", refusedf("the BMC at %s manages %d systems; name the host's in spec.bmc.address, e.g. %s",
			host.BMC.Endpoint(), n, host.BMC.Scheme()+"://"+hostPort(host)+systems.ItemLinks[0])
	}
}

// hostPort is the address's authority, to show a corrected address.
func hostPort(host provisioner.Host) string {
	_, hp, _ := strings.Cut(host.BMC.Endpoint(), "://")
	return hp
}

// PowerState reads the system's power state. A system in transition reports where it
// comes from: PoweringOn is not on yet, PoweringOff is not off yet.
func (p *Provisioner) PowerState(ctx context.Context, host provisioner.Host) (provisioner.PowerState, error) {
	var state schemas.PowerState
	var health provisioner.Health
	var lastReset string
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err == nil {
			state, lastReset = sys.PowerState, sys.LastResetTime
			health = systemHealth(sys.Status)
		}
		return err
	})
	if err != nil {
		return provisioner.PowerState{}, readErr(host, err)
	}
	p.ops.settle(host, state)
	switch state {
	case schemas.OnPowerState, schemas.PoweringOffPowerState:
		return provisioner.PowerState{Known: true, PoweredOn: true, Health: health, LastReset: lastReset}, nil
	case schemas.OffPowerState, schemas.PoweringOnPowerState:
		return provisioner.PowerState{Known: true, PoweredOn: false, Health: health, LastReset: lastReset}, nil
	}
	return provisioner.PowerState{Health: health, LastReset: lastReset}, nil
}

// systemHealth is the system's health: its HealthRollup, which includes its components (a
// failed DIMM or fan makes the host unhealthy even when the system resource itself is OK),
// or its own Health on BMCs that report no rollup.
func systemHealth(st schemas.Status) provisioner.Health {
	h := st.HealthRollup
	if h == "" {
		h = st.Health
	}
	switch h {
	case schemas.OKHealth:
		return provisioner.HealthOK
	case schemas.WarningHealth:
		return provisioner.HealthWarning
	case schemas.CriticalHealth:
		return provisioner.HealthCritical
	}
	return provisioner.HealthUnknown
}
