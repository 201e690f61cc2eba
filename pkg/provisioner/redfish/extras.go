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

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Reads beyond the Provisioner interface, for callers that hold a *Provisioner (tools,
// tests, a future firmware/settings API). They share the host's BMC session.

// InventoryEntry is one entry of a BMC's firmware inventory.
type InventoryEntry struct {
	ID         string
	Name       string
	Version    string
	Updateable bool
}

// FirmwareInventory lists the firmware the BMC's update service knows (BIOS, BMC, NICs,
// storage controllers...). On a BMC serving many systems it lists all of theirs.
func (p *Provisioner) FirmwareInventory(ctx context.Context, host provisioner.Host) ([]InventoryEntry, error) {
	var out []InventoryEntry
	err := p.with(ctx, host, func(ctx context.Context, c *gofish.APIClient) error {
		if _, err := p.system(c, host); err != nil {
			return err
		}
		us, err := c.Service.UpdateService()
		if err != nil {
			return err
		}
		if us == nil {
			return refusedf("the BMC at %s has no update service", host.BMC.Endpoint())
		}
		inv, err := us.FirmwareInventory()
		if err != nil {
			return err
		}
		for _, fw := range inv {
			out = append(out, firmwareComponent(fw))
		}
		return nil
	})
	return out, readErr(host, err)
}

func firmwareComponent(fw *schemas.SoftwareInventory) InventoryEntry {
	return InventoryEntry{ID: fw.ID, Name: fw.Name, Version: fw.Version, Updateable: fw.Updateable}
}

// readErr turns the error of a read, which has no Result to fail, into one error: a
// refusal becomes an error carrying the same (redacted) message.
func readErr(host provisioner.Host, err error) error {
	if err == nil {
		return nil
	}
	res, err := outcome(host, err)
	if err != nil {
		return err
	}
	return &refusedError{msg: res.ErrorMessage}
}
