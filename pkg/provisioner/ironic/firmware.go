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
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Reading firmware through Ironic: the BIOS settings Ironic caches from the BMC (its bios
// interface reads them when the node is verified and around every clean step that changes
// them) and, from API 1.86, the firmware versions its firmware interface records.

var _ provisioner.FirmwareReader = (*Provisioner)(nil)

// ReadBIOS reads the BIOS settings Ironic holds for the host's node: GET
// /v1/nodes/{node}/bios (API 1.40), with the attribute registry's rules (?detail=true) when
// the negotiated version has them (1.74). Ironic names no registry and reports no staged
// values: RegistryID and Pending stay empty.
func (p *Provisioner) ReadBIOS(ctx context.Context, host provisioner.Host) (provisioner.BIOS, error) {
	bios, err := p.readBIOS(ctx, host)
	return bios, p.scrubError(host.Credentials.Password, err)
}

func (p *Provisioner) readBIOS(ctx context.Context, host provisioner.Host) (provisioner.BIOS, error) {
	c, node, err := p.nodeFor(ctx, host)
	if err != nil {
		return provisioner.BIOS{}, err
	}
	if !hasBIOS(node) {
		return provisioner.BIOS{}, fmt.Errorf("Ironic node %s (driver %s) has bios interface %q, which reads no BIOS settings",
			node.UUID, node.Driver, node.BIOSInterface)
	}
	list, err := p.biosSettings(ctx, c, node)
	if err != nil {
		return provisioner.BIOS{}, err
	}
	return biosFromIronic(list), nil
}

// biosSettings lists the node's cached BIOS settings, with the registry's rules when the
// negotiated version has them.
func (p *Provisioner) biosSettings(ctx context.Context, c *apiClient, node *nodes.Node) ([]nodes.BIOSSetting, error) {
	var opts nodes.ListBIOSSettingsOptsBuilder
	if c.hasBIOSDetail() {
		opts = nodes.ListBIOSSettingsOpts{Detail: true}
	}
	list, err := nodes.ListBIOSSettings(ctx, c.sc, node.UUID, opts).Extract()
	switch {
	case err == nil:
		return list, nil
	case statusIs(err, http.StatusNotFound):
		return nil, provisioner.ErrNeedsRegistration
	default:
		p.forgetVersion(err)
		return nil, fmt.Errorf("reading the BIOS settings of Ironic node %s: %w", node.UUID, describe(err))
	}
}

// hasBIOS reports whether the node's bios interface applies and reads BIOS settings.
func hasBIOS(node *nodes.Node) bool {
	return node.BIOSInterface != "" && node.BIOSInterface != "no-bios"
}

// biosFromIronic maps Ironic's BIOS settings to provisioner.BIOS. Ironic stores every value
// as text; Booleans are written "true"/"false" as the Redfish backend and Metal3's
// HostFirmwareSettings have them (see biosValue). The schema holds the
// settings the registry describes, nil when it describes none (no registry, or an API
// version without ?detail).
func biosFromIronic(list []nodes.BIOSSetting) provisioner.BIOS {
	out := provisioner.BIOS{Settings: make(map[string]string, len(list))}
	for _, s := range list {
		out.Settings[s.Name] = biosValue(s)
		if s.AttributeType == "" {
			continue
		}
		if out.Schema == nil {
			out.Schema = map[string]provisioner.SettingSchema{}
		}
		out.Schema[s.Name] = provisioner.SettingSchema{
			AttributeType:   s.AttributeType,
			AllowableValues: s.AllowableValues,
			LowerBound:      int64Ptr(s.LowerBound),
			UpperBound:      int64Ptr(s.UpperBound),
			MinLength:       int64Ptr(s.MinLength),
			MaxLength:       int64Ptr(s.MaxLength),
			ReadOnly:        s.ReadOnly != nil && *s.ReadOnly,
			ResetRequired:   s.ResetRequired != nil && *s.ResetRequired,
			Unique:          s.Unique != nil && *s.Unique,
		}
	}
	return out
}

// biosValue is a setting's value as a string, Booleans as "true" and "false". Ironic's
// database holds what the bios interface read as text: a Boolean read from the BMC comes
// back "1" or "0" on sqlite, "True" or "False" elsewhere. "1" and "0" are Booleans only when
// the registry says so.
func biosValue(s nodes.BIOSSetting) string {
	switch {
	case s.AttributeType == "Boolean" && (s.Value == "1" || s.Value == "True"):
		return "true"
	case s.AttributeType == "Boolean" && (s.Value == "0" || s.Value == "False"):
		return "false"
	case s.AttributeType == "" && s.Value == "True":
		return "true"
	case s.AttributeType == "" && s.Value == "False":
		return "false"
	}
	return s.Value
}

func int64Ptr(v *int) *int64 {
	if v == nil {
		return nil
	}
	n := int64(*v)
	return &n
}

// FirmwareComponents reads the firmware versions Ironic's firmware interface records for the
// node (GET /v1/nodes/{node}/firmware, API 1.86): bios, bmc and nic:<id>, as Metal3 reports
// them. An older Ironic has no firmware interface; the error says which version is needed.
func (p *Provisioner) FirmwareComponents(ctx context.Context, host provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	comps, err := p.firmwareComponents(ctx, host)
	return comps, p.scrubError(host.Credentials.Password, err)
}

// What reading firmware versions needs, for the message of an Ironic without it.
const firmwareVersionsWhat, firmwareVersionsWhy = "reading firmware versions", "the firmware interface"

func (p *Provisioner) firmwareComponents(ctx context.Context, host provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	c, err := p.client(ctx)
	if err != nil {
		return nil, err
	}
	if !c.hasFirmwareInterface() {
		return nil, errors.New(c.needs(firmwareVersionsWhat, firmwareInterfaceMinor, firmwareVersionsWhy))
	}
	node, err := p.lookupNode(ctx, c, host)
	if err != nil {
		return nil, err
	}
	if node == nil {
		return nil, provisioner.ErrNeedsRegistration
	}
	if !hasFirmwareInterface(node) {
		return nil, fmt.Errorf("Ironic node %s (driver %s) has firmware interface %q, which reads no firmware versions",
			node.UUID, node.Driver, node.FirmwareInterface)
	}
	list, err := nodes.ListFirmware(ctx, c.sc, node.UUID).Extract()
	switch {
	case err == nil:
	case statusIs(err, http.StatusNotFound):
		return nil, provisioner.ErrNeedsRegistration
	default:
		p.forgetVersion(err)
		return nil, fmt.Errorf("reading the firmware components of Ironic node %s: %w", node.UUID, describe(err))
	}
	return componentsFromIronic(list), nil
}

// hasFirmwareInterface reports whether the node has a firmware interface (API 1.86) that
// reads versions and updates firmware.
func hasFirmwareInterface(node *nodes.Node) bool {
	return node.FirmwareInterface != "" && node.FirmwareInterface != "no-firmware"
}

// componentsFromIronic keeps the components Metal3 knows (bios, bmc, nic:<id>), BIOS and BMC
// first, then the NICs by name, each at its current version.
func componentsFromIronic(list []nodes.FirmwareComponent) []provisioner.FirmwareComponent {
	var out, nics []provisioner.FirmwareComponent
	for _, fc := range list {
		c := provisioner.FirmwareComponent{Component: fc.Component, Version: fc.CurrentVersion}
		switch {
		case fc.Component == provisioner.FirmwareComponentBIOS || fc.Component == provisioner.FirmwareComponentBMC:
			out = append(out, c)
		case strings.HasPrefix(fc.Component, provisioner.FirmwareComponentNICPrefix):
			nics = append(nics, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Component < out[j].Component })
	sort.Slice(nics, func(i, j int) bool { return nics[i].Component < nics[j].Component })
	return append(out, nics...)
}
