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

package bmc

import (
	"slices"
	"strings"
)

// Capabilities of one BMC type, as Ironic sees it.
//
// Empty interface names mean "let Ironic pick the hardware type's default";
// they are left empty rather than spelled out so that the provisioner does not
// pin interfaces Metal3 never pinned, which would change behaviour when
// Ironic's defaults move.
type Capabilities struct {
	Driver              string // Ironic hardware type, e.g. "ipmi", "redfish", "idrac"
	BootInterface       string
	ManagementInterface string
	PowerInterface      string
	RAIDInterface       string // "no-raid" when RAID cannot be configured
	InspectInterface    string // "" when out-of-band (fast) inspection is not supported
	VendorInterface     string
	FirmwareInterface   string
	BIOSInterface       string

	// NeedsMAC is true when a bootMACAddress is required even with
	// inspection enabled, because inspection cannot discover it (VirtualBMC
	// addresses are not unique per VM). Callers still require a MAC when
	// inspection is disabled, whatever this says.
	NeedsMAC bool

	// SupportsSecureBoot is true when the management interface can change
	// the UEFI secure boot state, so bootMode UEFISecureBoot is honoured.
	SupportsSecureBoot bool

	// SupportsVirtualMedia is true when the BMC boots the host from an image
	// it attaches as a virtual CD/DVD.
	SupportsVirtualMedia bool

	// SupportsISO is true when a pre-provisioning image in ISO format can be
	// booted (Metal3's SupportsISOPreprovisioningImage). It is wider than
	// SupportsVirtualMedia: UEFI HTTP boot fetches an ISO over HTTP without
	// virtual media.
	SupportsISO bool

	// RequiresProvisioningNetwork is true when booting depends on PXE/iPXE
	// over a provisioning network, so such hosts must be rejected when the
	// deployment runs without one.
	RequiresProvisioningNetwork bool

	Redfish bool // speaks Redfish (a direct Redfish backend can drive it)
}

// Ironic interface names shared by several types; named so that a typo in one
// row cannot silently diverge from the others.
const (
	ifaceIPXE         = "ipxe"
	ifaceNoRAID       = "no-raid"
	ifaceRedfish      = "redfish"
	ifaceIDRACRedfish = "idrac-redfish"
	ifaceFake         = "fake"

	transportHTTP  = "http"
	transportHTTPS = "https"

	// defaultTransport is what Metal3 uses for Redfish when the address does
	// not say "+http" or "+https".
	defaultTransport = transportHTTPS

	// ipmiDefaultPort is the RMCP port; Metal3 passes it to Ironic when the
	// address has none, so Endpoint reports it too.
	ipmiDefaultPort = "623"
)

var (
	ipmiCaps = Capabilities{
		Driver:                      "ipmi",
		BootInterface:               ifaceIPXE,
		RAIDInterface:               ifaceNoRAID,
		RequiresProvisioningNetwork: true,
	}

	// libvirtCaps is IPMI spoken by VirtualBMC in front of libvirt VMs; only
	// the MAC requirement differs (see Capabilities.NeedsMAC).
	libvirtCaps = Capabilities{
		Driver:                      "ipmi",
		BootInterface:               ifaceIPXE,
		RAIDInterface:               ifaceNoRAID,
		NeedsMAC:                    true,
		RequiresProvisioningNetwork: true,
	}

	redfishCaps = Capabilities{
		Driver:                      "redfish",
		BootInterface:               ifaceIPXE,
		RAIDInterface:               ifaceRedfish,
		InspectInterface:            ifaceRedfish,
		FirmwareInterface:           ifaceRedfish,
		SupportsSecureBoot:          true,
		RequiresProvisioningNetwork: true,
		Redfish:                     true,
	}

	redfishVirtualMediaCaps = Capabilities{
		Driver:               "redfish",
		BootInterface:        "redfish-virtual-media",
		RAIDInterface:        ifaceRedfish,
		InspectInterface:     ifaceRedfish,
		FirmwareInterface:    ifaceRedfish,
		SupportsSecureBoot:   true,
		SupportsVirtualMedia: true,
		SupportsISO:          true,
		Redfish:              true,
	}

	redfishUEFIHTTPCaps = Capabilities{
		Driver:             "redfish",
		BootInterface:      "redfish-https",
		RAIDInterface:      ifaceRedfish,
		InspectInterface:   ifaceRedfish,
		FirmwareInterface:  ifaceRedfish,
		SupportsSecureBoot: true,
		SupportsISO:        true,
		Redfish:            true,
	}

	// The idrac hardware type defaults several interfaces to WS-Man, which
	// Metal3 no longer supports, so every interface that has a Redfish
	// flavour is pinned to it. Inspection stays on generic "redfish" because
	// idrac-redfish inspection is not enabled in Metal3's ironic-image.
	idracRedfishCaps = Capabilities{
		Driver:                      "idrac",
		BootInterface:               ifaceIPXE,
		ManagementInterface:         ifaceIDRACRedfish,
		PowerInterface:              ifaceIDRACRedfish,
		RAIDInterface:               ifaceIDRACRedfish,
		InspectInterface:            ifaceRedfish,
		VendorInterface:             ifaceIDRACRedfish,
		FirmwareInterface:           ifaceRedfish,
		BIOSInterface:               ifaceIDRACRedfish,
		SupportsSecureBoot:          true,
		RequiresProvisioningNetwork: true,
		Redfish:                     true,
	}

	idracVirtualMediaCaps = Capabilities{
		Driver:               "idrac",
		BootInterface:        "idrac-redfish-virtual-media",
		ManagementInterface:  ifaceIDRACRedfish,
		PowerInterface:       ifaceIDRACRedfish,
		RAIDInterface:        ifaceIDRACRedfish,
		InspectInterface:     ifaceRedfish,
		VendorInterface:      ifaceIDRACRedfish,
		FirmwareInterface:    ifaceRedfish,
		BIOSInterface:        ifaceIDRACRedfish,
		SupportsSecureBoot:   true,
		SupportsVirtualMedia: true,
		SupportsISO:          true,
		Redfish:              true,
	}

	// fakeCaps drives Ironic's fake-hardware type, which pretends every
	// operation succeeds. It exists for end-to-end tests of the server
	// without hardware, hence gated behind Options.AllowTestSchemes.
	fakeCaps = Capabilities{
		Driver:              "fake-hardware",
		BootInterface:       ifaceFake,
		ManagementInterface: ifaceFake,
		PowerInterface:      ifaceFake,
		RAIDInterface:       ifaceFake,
		InspectInterface:    ifaceFake,
		VendorInterface:     ifaceFake,
		FirmwareInterface:   ifaceFake,
		BIOSInterface:       ifaceFake,
	}
)

// httpTransports are the "+http"/"+https" suffixes Metal3 accepts on every
// HTTP-based (Redfish) scheme.
var httpTransports = []string{transportHTTP, transportHTTPS}

// bmcType is one row of the scheme table.
type bmcType struct {
	name string
	// transports lists the accepted "+<transport>" suffixes. A type with
	// transports is reached over HTTP(S) and its Endpoint is a URL; one
	// without is reached at host:port.
	transports []string
	// defaultPort fills in Endpoint for host:port types; URL types leave the
	// port to the transport's default instead, as Metal3 does.
	defaultPort string
	// testOnly types are only parsed with Options.AllowTestSchemes.
	testOnly bool
	caps     Capabilities
}

// types is the single source of truth for supported schemes. Metal3 also knows
// idrac (WS-Man), ilo4, ilo5 and irmc (some since removed upstream); adding one
// here is one line.
//
// ilo5-redfish and ilo5-virtualmedia use the generic redfish hardware type,
// not ilo5: that is what Metal3 does, because the ilo5 type needs the
// proprietary proliantutils library while iLO 5 speaks standard Redfish.
var types = []bmcType{
	{name: "ipmi", defaultPort: ipmiDefaultPort, caps: ipmiCaps},
	{name: "libvirt", defaultPort: ipmiDefaultPort, caps: libvirtCaps},
	{name: "redfish", transports: httpTransports, caps: redfishCaps},
	{name: "redfish-virtualmedia", transports: httpTransports, caps: redfishVirtualMediaCaps},
	{name: "redfish-uefihttp", transports: httpTransports, caps: redfishUEFIHTTPCaps},
	{name: "idrac-redfish", transports: httpTransports, caps: idracRedfishCaps},
	{name: "idrac-virtualmedia", transports: httpTransports, caps: idracVirtualMediaCaps},
	{name: "ilo5-redfish", transports: httpTransports, caps: redfishCaps},
	{name: "ilo5-virtualmedia", transports: httpTransports, caps: redfishVirtualMediaCaps},
	{name: "fake", testOnly: true, caps: fakeCaps},
}

// schemeEntry is what a full scheme such as "redfish+http" resolves to.
type schemeEntry struct {
	typ       *bmcType
	transport string
}

// schemeIndex maps every accepted scheme, transport variants included, to its
// row; it is derived from types so the two cannot drift.
var schemeIndex = buildSchemeIndex()

func buildSchemeIndex() map[string]schemeEntry {
	index := make(map[string]schemeEntry)
	for i := range types {
		t := &types[i]
		register := func(scheme, transport string) {
			if _, dup := index[scheme]; dup {
				panic("bmc: duplicate scheme " + scheme)
			}
			index[scheme] = schemeEntry{typ: t, transport: transport}
		}
		register(t.name, "")
		for _, tr := range t.transports {
			register(t.name+"+"+tr, tr)
		}
	}
	return index
}

// lookupScheme resolves a lower-cased scheme. Test-only schemes are found
// only when allowed, so that callers report them exactly like unknown ones.
func lookupScheme(scheme string, opts Options) (schemeEntry, bool) {
	e, ok := schemeIndex[scheme]
	if !ok || (e.typ.testOnly && !opts.AllowTestSchemes) {
		return schemeEntry{}, false
	}
	return e, true
}

// lookupType finds a row by base type name, regardless of gating: it serves
// Access values that were already parsed (or built by hand in tests).
func lookupType(name string) *bmcType {
	if e, ok := schemeIndex[strings.ToLower(name)]; ok && e.transport == "" {
		return e.typ
	}
	return nil
}

// Schemes returns every scheme Parse accepts, sorted, including the
// +http/+https variants. Test-only schemes are excluded because Parse rejects
// them.
func Schemes() []string {
	return schemes(Options{})
}

func schemes(opts Options) []string {
	out := make([]string, 0, len(schemeIndex))
	for s := range schemeIndex {
		if _, ok := lookupScheme(s, opts); ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
