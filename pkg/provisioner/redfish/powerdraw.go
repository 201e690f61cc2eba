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
	"encoding/json"
	"strings"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

var _ provisioner.PowerMeter = &Provisioner{}

// PowerDraw reads the power the system's chassis draws, from whichever of Redfish's three
// places the BMC fills: the chassis' EnvironmentMetrics (PowerWatts, Redfish 2020.4 and later),
// the older Power resource (PowerControl[].PowerConsumedWatts, still the only one on many
// BMCs), or the power supplies' input power under PowerSubsystem.
func (p *Provisioner) PowerDraw(ctx context.Context, host provisioner.Host) (float64, bool, error) {
	var watts float64
	var ok bool
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		sys, err := p.system(c, host)
		if err != nil {
			return err
		}
		watts, ok = systemPowerDraw(c, sys)
		return nil
	})
	if err != nil {
		return 0, false, readErr(host, err)
	}
	return watts, ok, nil
}

// systemPowerDraw reads the power draw of the chassis the system links, else of the chassis
// below them: some trees (Intel's) hang the reading on a sub-chassis, the baseboard, that the
// system does not link. A chassis that does not decode is passed over.
func systemPowerDraw(c schemas.Client, sys *schemas.ComputerSystem) (float64, bool) {
	var links struct {
		Links struct {
			Chassis []struct {
				ID string `json:"@odata.id"`
			}
		}
	}
	_ = json.Unmarshal(sys.RawData, &links)
	chassis, _ := sys.Chassis() // the ones that decode
	for _, ch := range chassis {
		if w, ok := chassisPowerDraw(c, ch); ok {
			return w, true
		}
	}
	coll, err := schemas.GetCollection(c, "/redfish/v1/Chassis")
	if err != nil {
		return 0, false
	}
	for _, member := range coll.ItemLinks {
		for _, l := range links.Links.Chassis {
			if !strings.HasPrefix(member, strings.TrimSuffix(l.ID, "/")+"/") {
				continue
			}
			if ch, err := schemas.GetObject[schemas.Chassis](c, member); err == nil {
				if w, ok := chassisPowerDraw(c, ch); ok {
					return w, true
				}
			}
		}
	}
	return 0, false
}

// chassisPowerDraw reads one chassis' power draw; a resource that does not decode is passed
// over for the next place.
func chassisPowerDraw(c schemas.Client, ch *schemas.Chassis) (float64, bool) {
	if em, err := ch.EnvironmentMetrics(); err == nil && em != nil && em.PowerWatts.Reading != nil {
		return *em.PowerWatts.Reading, true
	}
	if pw, err := ch.Power(); err == nil && pw != nil {
		for _, pc := range pw.PowerControl {
			if pc.PowerConsumedWatts != nil {
				return float64(*pc.PowerConsumedWatts), true
			}
		}
	}
	ps, err := ch.PowerSubsystem()
	if err != nil || ps == nil {
		return 0, false
	}
	supplies, err := ps.PowerSupplies()
	if err != nil {
		return 0, false
	}
	var sum float64
	var found bool
	for _, s := range supplies {
		// gofish lists them in the older PowerSupply shape; the newer one links its metrics.
		unit, err := schemas.GetObject[schemas.PowerSupplyUnit](c, s.ODataID)
		if err != nil {
			continue
		}
		if m, err := unit.Metrics(); err == nil && m != nil && m.InputPowerWatts.Reading != nil {
			sum += *m.InputPowerWatts.Reading
			found = true
		}
	}
	return sum, found
}
