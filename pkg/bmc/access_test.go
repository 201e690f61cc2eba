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
	"errors"
	"slices"
	"strings"
	"testing"
)

// redfishFamily are the scheme bases that take +http/+https variants.
var redfishFamily = []string{
	"redfish",
	"redfish-virtualmedia",
	"redfish-uefihttp",
	"idrac-redfish",
	"idrac-virtualmedia",
	"ilo5-redfish",
	"ilo5-virtualmedia",
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name      string
		address   string
		typ       string
		transport string
		host      string
		port      string
		path      string
		rawQuery  string
	}{
		// No scheme means IPMI, as in Metal3.
		{name: "bare IPv4", address: "192.168.122.1", typ: "ipmi", host: "192.168.122.1"},
		{name: "bare IPv4 and port", address: "192.168.122.1:6233", typ: "ipmi", host: "192.168.122.1", port: "6233"},
		{name: "bare DNS name", address: "my.favoritebmc.com", typ: "ipmi", host: "my.favoritebmc.com"},
		{name: "bare DNS name and port", address: "bmc.example.com:623", typ: "ipmi", host: "bmc.example.com", port: "623"},
		{name: "bare single-label name and port", address: "localhost:6230", typ: "ipmi", host: "localhost", port: "6230"},
		{name: "bare upper-case DNS name", address: "BMC-1.Example.COM", typ: "ipmi", host: "BMC-1.Example.COM"},
		{name: "bare bracketed IPv6", address: "[fe80::fc33:62ff:fe83:8a76]", typ: "ipmi", host: "fe80::fc33:62ff:fe83:8a76"},
		{name: "bare bracketed IPv6 and port", address: "[fe80::fc33:62ff:fe83:8a76]:6233", typ: "ipmi", host: "fe80::fc33:62ff:fe83:8a76", port: "6233"},
		{name: "bare IPv4-mapped IPv6", address: "[::ffff:192.0.2.1]:623", typ: "ipmi", host: "::ffff:192.0.2.1", port: "623"},

		// IPMI and libvirt.
		{name: "ipmi url", address: "ipmi://192.168.122.1:6233", typ: "ipmi", host: "192.168.122.1", port: "6233"},
		{name: "ipmi url trailing slash", address: "ipmi://example.test/", typ: "ipmi", host: "example.test", path: "/"},
		{name: "ipmi shorthand", address: "ipmi:192.168.122.1", typ: "ipmi", host: "192.168.122.1"},
		{name: "ipmi shorthand with port", address: "ipmi:192.168.122.1:6233", typ: "ipmi", host: "192.168.122.1", port: "6233"},
		{name: "ipmi shorthand IPv6", address: "ipmi:[fd00::1]:6233", typ: "ipmi", host: "fd00::1", port: "6233"},
		{name: "ipmi privilege level", address: "ipmi://192.168.122.1?privilegelevel=OPERATOR", typ: "ipmi", host: "192.168.122.1", rawQuery: "privilegelevel=OPERATOR"},
		{name: "ipmi upper-case scheme", address: "IPMI://10.0.0.1", typ: "ipmi", host: "10.0.0.1"},
		{name: "ipmi port leading zero", address: "ipmi://10.0.0.1:0623", typ: "ipmi", host: "10.0.0.1", port: "623"},
		{name: "ipmi max port", address: "ipmi://10.0.0.1:65535", typ: "ipmi", host: "10.0.0.1", port: "65535"},
		{name: "libvirt url", address: "libvirt://192.168.122.1:6233/?abc=def", typ: "libvirt", host: "192.168.122.1", port: "6233", path: "/", rawQuery: "abc=def"},
		{name: "libvirt IPv6", address: "libvirt://[fd2e:6f44:5dd8:c956::1]", typ: "libvirt", host: "fd2e:6f44:5dd8:c956::1"},

		// Redfish family: system path kept verbatim.
		{name: "redfish", address: "redfish://192.168.122.1", typ: "redfish", host: "192.168.122.1"},
		{name: "redfish path and port", address: "redfish://192.168.122.1:6233/redfish/v1/Systems/1", typ: "redfish", host: "192.168.122.1", port: "6233", path: "/redfish/v1/Systems/1"},
		{name: "redfish IPv6", address: "redfish://[fe80::fc33:62ff:fe83:8a76]", typ: "redfish", host: "fe80::fc33:62ff:fe83:8a76"},
		{name: "redfish IPv6 port path", address: "redfish://[fe80::fc33:62ff:fe83:8a76]:6233/foo", typ: "redfish", host: "fe80::fc33:62ff:fe83:8a76", port: "6233", path: "/foo"},
		{name: "redfish shorthand", address: "redfish:192.168.122.1", typ: "redfish", host: "192.168.122.1"},
		{name: "redfish shorthand with path", address: "redfish:bmc.example.com/redfish/v1/Systems/System.Embedded.1", typ: "redfish", host: "bmc.example.com", path: "/redfish/v1/Systems/System.Embedded.1"},
		{name: "redfish+http", address: "redfish+http://10.0.0.1:8000/redfish/v1/Systems/1", typ: "redfish", transport: "http", host: "10.0.0.1", port: "8000", path: "/redfish/v1/Systems/1"},
		{name: "redfish+https", address: "redfish+https://bmc.example.com/redfish/v1/Systems/1", typ: "redfish", transport: "https", host: "bmc.example.com", path: "/redfish/v1/Systems/1"},
		{name: "redfish upper-case scheme", address: "Redfish+HTTPS://10.0.0.1", typ: "redfish", transport: "https", host: "10.0.0.1"},
		{name: "redfish escaped path", address: "redfish://10.0.0.1/redfish/v1/Systems/a%20b", typ: "redfish", host: "10.0.0.1", path: "/redfish/v1/Systems/a b"},
		{name: "redfish query only", address: "redfish://10.0.0.1?x=y", typ: "redfish", host: "10.0.0.1", rawQuery: "x=y"},
		{name: "redfish-virtualmedia", address: "redfish-virtualmedia://10.0.0.1/redfish/v1/Systems/1", typ: "redfish-virtualmedia", host: "10.0.0.1", path: "/redfish/v1/Systems/1"},
		{name: "redfish-virtualmedia+http", address: "redfish-virtualmedia+http://10.0.0.1", typ: "redfish-virtualmedia", transport: "http", host: "10.0.0.1"},
		{name: "redfish-uefihttp+https", address: "redfish-uefihttp+https://[2001:db8::5]:8443/redfish/v1/Systems/1", typ: "redfish-uefihttp", transport: "https", host: "2001:db8::5", port: "8443", path: "/redfish/v1/Systems/1"},
		{name: "idrac-redfish", address: "idrac-redfish://idrac.example.com/redfish/v1/Systems/System.Embedded.1", typ: "idrac-redfish", host: "idrac.example.com", path: "/redfish/v1/Systems/System.Embedded.1"},
		{name: "idrac-virtualmedia+https", address: "idrac-virtualmedia+https://10.0.0.1:443/redfish/v1/Systems/System.Embedded.1", typ: "idrac-virtualmedia", transport: "https", host: "10.0.0.1", port: "443", path: "/redfish/v1/Systems/System.Embedded.1"},
		{name: "ilo5-redfish+http", address: "ilo5-redfish+http://ilo.example.com/redfish/v1/Systems/1", typ: "ilo5-redfish", transport: "http", host: "ilo.example.com", path: "/redfish/v1/Systems/1"},
		{name: "ilo5-virtualmedia", address: "ilo5-virtualmedia://10.0.0.1/redfish/v1/Systems/1", typ: "ilo5-virtualmedia", host: "10.0.0.1", path: "/redfish/v1/Systems/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse(tc.address)
			if err != nil {
				t.Fatalf("Parse(%q): unexpected error: %v", tc.address, err)
			}
			got := []string{a.Address, a.Type, a.Transport, a.Host, a.Port, a.Path, a.RawQuery}
			want := []string{tc.address, tc.typ, tc.transport, tc.host, tc.port, tc.path, tc.rawQuery}
			names := []string{"Address", "Type", "Transport", "Host", "Port", "Path", "RawQuery"}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("Parse(%q).%s = %q, want %q", tc.address, names[i], got[i], want[i])
				}
			}
			if a.Capabilities != schemeIndex[a.Type].typ.caps {
				t.Errorf("Parse(%q) capabilities do not come from the %q row", tc.address, a.Type)
			}
		})
	}
}

// TestParseEverySchemeAndTransport makes sure each advertised scheme parses
// with every host form, so a new table row is covered without a new test.
func TestParseEverySchemeAndTransport(t *testing.T) {
	hosts := []struct{ authority, host, port string }{
		{"192.0.2.10", "192.0.2.10", ""},
		{"192.0.2.10:8443", "192.0.2.10", "8443"},
		{"[2001:db8::10]", "2001:db8::10", ""},
		{"[2001:db8::10]:8443", "2001:db8::10", "8443"},
		{"bmc-01.example.com", "bmc-01.example.com", ""},
		{"bmc-01.example.com:8443", "bmc-01.example.com", "8443"},
	}
	for _, scheme := range Schemes() {
		base, transport, _ := strings.Cut(scheme, "+")
		for _, h := range hosts {
			for _, path := range []string{"", "/redfish/v1/Systems/1"} {
				address := scheme + "://" + h.authority + path
				a, err := Parse(address)
				if err != nil {
					t.Errorf("Parse(%q): %v", address, err)
					continue
				}
				if a.Type != base || a.Transport != transport || a.Host != h.host || a.Port != h.port || a.Path != path {
					t.Errorf("Parse(%q) = type %q transport %q host %q port %q path %q", address, a.Type, a.Transport, a.Host, a.Port, a.Path)
				}
				if a.Scheme() != scheme {
					t.Errorf("Parse(%q).Scheme() = %q, want %q", address, a.Scheme(), scheme)
				}
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		address string
		// contains must all appear in the message, so users are told what
		// is wrong rather than just that something is.
		contains []string
		unknown  bool // expect *UnknownSchemeError
	}{
		{name: "unknown scheme", address: "foo://192.168.122.1", unknown: true,
			contains: []string{`unknown BMC type "foo"`, "ipmi", "redfish-virtualmedia+https", "ilo5-virtualmedia"}},
		{name: "unknown scheme shorthand", address: "foo:192.168.122.1", unknown: true, contains: []string{`"foo"`}},
		{name: "unknown transport", address: "redfish+ftp://10.0.0.1", unknown: true, contains: []string{`"redfish+ftp"`}},
		{name: "ipmi has no transports", address: "ipmi+https://10.0.0.1", unknown: true, contains: []string{`"ipmi+https"`}},
		{name: "libvirt has no transports", address: "libvirt+http://10.0.0.1", unknown: true, contains: []string{`"libvirt+http"`}},
		{name: "schemes not listed here", address: "idrac://10.0.0.1", unknown: true, contains: []string{`"idrac"`}},
		{name: "ilo4 not supported", address: "ilo4://10.0.0.1", unknown: true, contains: []string{`"ilo4"`}},
		{name: "fake gated", address: "fake://10.0.0.1", unknown: true, contains: []string{`"fake"`}},
		{name: "fake gated shorthand", address: "fake:10.0.0.1", unknown: true, contains: []string{`"fake"`}},
		{name: "fake gated port shorthand", address: "fake:623", unknown: true, contains: []string{`"fake"`}},

		{name: "empty scheme", address: "://10.0.0.1", contains: []string{"missing scheme"}},
		{name: "empty host", address: "redfish://", contains: []string{"missing host"}},
		{name: "empty host with path", address: "redfish:///redfish/v1/Systems/1", contains: []string{"missing host"}},
		{name: "empty host shorthand", address: "ipmi:", contains: []string{"missing host"}},
		{name: "empty host with port", address: "ipmi://:623", contains: []string{"missing host"}},
		{name: "empty IPv6 brackets", address: "redfish://[]:8000", contains: []string{"not an IPv6 address"}},

		{name: "invalid DNS name", address: "my-.examplehost.com", contains: []string{`"my-.examplehost.com"`, "not a valid IP address or DNS name"}},
		{name: "invalid DNS name in URL", address: "redfish://bmc_1.example.com", contains: []string{"not a valid IP address or DNS name"}},
		{name: "empty label", address: "ipmi://bmc..example.com", contains: []string{"not a valid"}},
		{name: "trailing dot", address: "ipmi://bmc.example.com.", contains: []string{"not a valid"}},
		{name: "label too long", address: "ipmi://" + strings.Repeat("a", 64) + ".example.com", contains: []string{"not a valid"}},
		{name: "IPv4 octet out of range", address: "ipmi://10.0.0.256", contains: []string{`"10.0.0.256"`}},
		{name: "IPv4 leading zero", address: "010.0.0.1", contains: []string{"not a valid"}},
		{name: "all-numeric host", address: "ipmi://1234", contains: []string{"not a valid"}},
		{name: "invalid IPv6", address: "[fe80::fc33:62ff:fe33:8xff]:6223", contains: []string{"not an IPv6 address"}},
		{name: "IPv4 in brackets", address: "redfish://[10.0.0.1]", contains: []string{"not an IPv6 address"}},
		{name: "IPv6 zone", address: "redfish://[fe80::1%25eth0]", contains: []string{"not an IPv6 address"}},
		{name: "DNS name in brackets", address: "redfish://[bmc.example.com]", contains: []string{"not an IPv6 address"}},
		{name: "unclosed bracket", address: "redfish://[fd00::1", contains: []string{"missing ']'"}},
		{name: "junk after bracket", address: "redfish://[fd00::1]x", contains: []string{`unexpected "x"`}},
		{name: "bare IPv6 without brackets", address: "fe80::fc33:62ff:fe83:8a76", contains: []string{"brackets"}},
		{name: "IPv6 without brackets in URL", address: "redfish://fd00::1/redfish/v1", contains: []string{"brackets"}},
		{name: "IPv6 without brackets shorthand", address: "ipmi:fd00::1", contains: []string{"brackets"}},

		{name: "port zero", address: "ipmi://10.0.0.1:0", contains: []string{"out of range"}},
		{name: "port too large", address: "redfish://10.0.0.1:65536", contains: []string{"out of range"}},
		{name: "port huge", address: "redfish://10.0.0.1:99999999999999999999", contains: []string{"out of range"}},
		{name: "port not numeric", address: "redfish://10.0.0.1:https", contains: []string{`port "https" is not a number`}},
		{name: "port negative", address: "10.0.0.1:-1", contains: []string{"not a number"}},
		{name: "port empty", address: "redfish://10.0.0.1:/redfish/v1", contains: []string{"missing port"}},
		{name: "bare host port not numeric", address: "bmc.example.com:abc", contains: []string{`port "abc"`}},
		{name: "IPv6 port empty", address: "[fd00::1]:", contains: []string{"missing port"}},
		{name: "IPv6 port too large", address: "redfish://[fd00::1]:70000", contains: []string{"out of range"}},

		{name: "credentials in address", address: "redfish://admin:secret@10.0.0.1", contains: []string{"credentials"}},
		{name: "user in address", address: "ipmi://root@10.0.0.1", contains: []string{"credentials"}},
		{name: "bad escape in path", address: "redfish://10.0.0.1/redfish/v1/Systems/%zz", contains: []string{"malformed path"}},
		{name: "space in host", address: "redfish://10.0.0.1 /x", contains: []string{"not a valid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse(tc.address)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tc.address, a)
			}
			if a != nil {
				t.Errorf("Parse(%q) returned an Access with its error", tc.address)
			}
			var unknownErr *UnknownSchemeError
			var invalidErr *InvalidAddressError
			if tc.unknown {
				if !errors.As(err, &unknownErr) {
					t.Errorf("Parse(%q) error %T %v, want *UnknownSchemeError", tc.address, err, err)
				} else if !slices.Equal(unknownErr.Known, Schemes()) {
					t.Errorf("UnknownSchemeError.Known = %v, want Schemes()", unknownErr.Known)
				}
			} else if !errors.As(err, &invalidErr) {
				t.Errorf("Parse(%q) error %T %v, want *InvalidAddressError", tc.address, err, err)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Parse(%q) error %q does not contain %q", tc.address, err, s)
				}
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	if _, err := Parse(""); !errors.Is(err, ErrMissingAddress) {
		t.Fatalf("Parse(\"\") error = %v, want ErrMissingAddress", err)
	}
}

func TestFakeSchemeGating(t *testing.T) {
	if slices.Contains(Schemes(), "fake") {
		t.Errorf("Schemes() advertises the test-only fake scheme: %v", Schemes())
	}
	if _, err := Parse("fake://10.0.0.1"); err == nil {
		t.Fatal("Parse accepted fake:// without AllowTestSchemes")
	}
	if _, err := ParseWithOptions("fake://10.0.0.1", Options{}); err == nil {
		t.Fatal("ParseWithOptions with zero Options accepted fake://")
	}

	opts := Options{AllowTestSchemes: true}
	for _, address := range []string{"fake://10.0.0.1", "fake:10.0.0.1", "FAKE://host-1.example.com:1234/x"} {
		a, err := ParseWithOptions(address, opts)
		if err != nil {
			t.Fatalf("ParseWithOptions(%q, AllowTestSchemes): %v", address, err)
		}
		if a.Type != "fake" || a.Driver != "fake-hardware" || a.NeedsMAC || a.Redfish {
			t.Errorf("ParseWithOptions(%q) = %+v", address, a)
		}
		for name, iface := range map[string]string{
			"boot": a.BootInterface, "management": a.ManagementInterface, "power": a.PowerInterface,
			"raid": a.RAIDInterface, "inspect": a.InspectInterface, "vendor": a.VendorInterface,
			"firmware": a.FirmwareInterface, "bios": a.BIOSInterface,
		} {
			if iface != "fake" {
				t.Errorf("fake %s interface = %q, want fake", name, iface)
			}
		}
	}
	if _, err := ParseWithOptions("fake+https://10.0.0.1", opts); err == nil {
		t.Error("fake has no transport variants but fake+https parsed")
	}

	// The list in the error reflects what the caller may use.
	_, err := ParseWithOptions("nope://10.0.0.1", opts)
	var unknownErr *UnknownSchemeError
	if !errors.As(err, &unknownErr) || !slices.Contains(unknownErr.Known, "fake") {
		t.Errorf("with AllowTestSchemes the unknown-scheme error should list fake: %v", err)
	}
	_, err = Parse("nope://10.0.0.1")
	if !errors.As(err, &unknownErr) || slices.Contains(unknownErr.Known, "fake") || strings.Contains(err.Error(), "fake") {
		t.Errorf("without AllowTestSchemes the error must not mention fake: %v", err)
	}

	// Real schemes are unaffected by the option.
	if a, err := ParseWithOptions("10.0.0.1", opts); err != nil || a.Type != "ipmi" {
		t.Errorf("ParseWithOptions(bare host, AllowTestSchemes) = %+v, %v", a, err)
	}
}

func TestSchemes(t *testing.T) {
	want := []string{
		"idrac-redfish", "idrac-redfish+http", "idrac-redfish+https",
		"idrac-virtualmedia", "idrac-virtualmedia+http", "idrac-virtualmedia+https",
		"ilo5-redfish", "ilo5-redfish+http", "ilo5-redfish+https",
		"ilo5-virtualmedia", "ilo5-virtualmedia+http", "ilo5-virtualmedia+https",
		"ipmi",
		"libvirt",
		"redfish", "redfish+http", "redfish+https",
		"redfish-uefihttp", "redfish-uefihttp+http", "redfish-uefihttp+https",
		"redfish-virtualmedia", "redfish-virtualmedia+http", "redfish-virtualmedia+https",
	}
	got := Schemes()
	if !slices.Equal(got, want) {
		t.Errorf("Schemes() = %v\nwant %v", got, want)
	}
	// Callers may keep or modify the slice; it must not alias table state.
	got[0] = "mutated"
	if Schemes()[0] != want[0] {
		t.Error("Schemes() returned shared state")
	}
}

// TestCapabilities pins every type against Metal3's
// pkg/hardwareutils/bmc, including its transport variants, which must not
// change what Ironic is asked to do.
func TestCapabilities(t *testing.T) {
	for _, tc := range []struct {
		base string
		want Capabilities
	}{
		{"ipmi", Capabilities{
			Driver: "ipmi", BootInterface: "ipxe", RAIDInterface: "no-raid",
			RequiresProvisioningNetwork: true,
		}},
		{"libvirt", Capabilities{
			Driver: "ipmi", BootInterface: "ipxe", RAIDInterface: "no-raid",
			NeedsMAC: true, RequiresProvisioningNetwork: true,
		}},
		{"redfish", Capabilities{
			Driver: "redfish", BootInterface: "ipxe", RAIDInterface: "redfish",
			InspectInterface: "redfish", FirmwareInterface: "redfish",
			SupportsSecureBoot: true, RequiresProvisioningNetwork: true, Redfish: true,
		}},
		{"redfish-virtualmedia", Capabilities{
			Driver: "redfish", BootInterface: "redfish-virtual-media", RAIDInterface: "redfish",
			InspectInterface: "redfish", FirmwareInterface: "redfish",
			SupportsSecureBoot: true, SupportsVirtualMedia: true, SupportsISO: true, Redfish: true,
		}},
		{"redfish-uefihttp", Capabilities{
			Driver: "redfish", BootInterface: "redfish-https", RAIDInterface: "redfish",
			InspectInterface: "redfish", FirmwareInterface: "redfish",
			SupportsSecureBoot: true, SupportsISO: true, Redfish: true,
		}},
		{"idrac-redfish", Capabilities{
			Driver: "idrac", BootInterface: "ipxe",
			ManagementInterface: "idrac-redfish", PowerInterface: "idrac-redfish",
			RAIDInterface: "idrac-redfish", InspectInterface: "redfish",
			VendorInterface: "idrac-redfish", FirmwareInterface: "redfish", BIOSInterface: "idrac-redfish",
			SupportsSecureBoot: true, RequiresProvisioningNetwork: true, Redfish: true,
		}},
		{"idrac-virtualmedia", Capabilities{
			Driver: "idrac", BootInterface: "idrac-redfish-virtual-media",
			ManagementInterface: "idrac-redfish", PowerInterface: "idrac-redfish",
			RAIDInterface: "idrac-redfish", InspectInterface: "redfish",
			VendorInterface: "idrac-redfish", FirmwareInterface: "redfish", BIOSInterface: "idrac-redfish",
			SupportsSecureBoot: true, SupportsVirtualMedia: true, SupportsISO: true, Redfish: true,
		}},
		// Metal3 drives iLO 5 through the generic redfish hardware type.
		{"ilo5-redfish", Capabilities{
			Driver: "redfish", BootInterface: "ipxe", RAIDInterface: "redfish",
			InspectInterface: "redfish", FirmwareInterface: "redfish",
			SupportsSecureBoot: true, RequiresProvisioningNetwork: true, Redfish: true,
		}},
		{"ilo5-virtualmedia", Capabilities{
			Driver: "redfish", BootInterface: "redfish-virtual-media", RAIDInterface: "redfish",
			InspectInterface: "redfish", FirmwareInterface: "redfish",
			SupportsSecureBoot: true, SupportsVirtualMedia: true, SupportsISO: true, Redfish: true,
		}},
	} {
		schemes := []string{tc.base}
		if tc.want.Redfish {
			schemes = append(schemes, tc.base+"+http", tc.base+"+https")
		}
		for _, scheme := range schemes {
			t.Run(scheme, func(t *testing.T) {
				a, err := Parse(scheme + "://192.168.122.1")
				if err != nil {
					t.Fatal(err)
				}
				if a.Capabilities != tc.want {
					t.Errorf("capabilities of %s:\n got %+v\nwant %+v", scheme, a.Capabilities, tc.want)
				}
			})
		}
	}
}

// TestCapabilityInvariants checks relations that validation and the
// provisioner rely on, for every row including future ones.
func TestCapabilityInvariants(t *testing.T) {
	for _, typ := range types {
		c := typ.caps
		if c.Driver == "" || c.BootInterface == "" || c.RAIDInterface == "" {
			t.Errorf("%s: driver, boot and raid interfaces must be set: %+v", typ.name, c)
		}
		if c.SupportsVirtualMedia && !c.SupportsISO {
			t.Errorf("%s: virtual media implies ISO support", typ.name)
		}
		if c.SupportsISO && c.RequiresProvisioningNetwork {
			t.Errorf("%s: ISO-booting types do not need a provisioning network", typ.name)
		}
		if c.Redfish != (len(typ.transports) > 0) {
			t.Errorf("%s: Redfish types, and only they, take +http/+https", typ.name)
		}
		if c.Redfish && c.InspectInterface == "" {
			t.Errorf("%s: Redfish types support out-of-band inspection", typ.name)
		}
	}
	for _, base := range redfishFamily {
		if _, ok := schemeIndex[base]; !ok {
			t.Errorf("%s missing from table", base)
		}
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		address string
		want    string
	}{
		{"192.168.122.1", "192.168.122.1:623"},
		{"192.168.122.1:6233", "192.168.122.1:6233"},
		{"ipmi://bmc.example.com", "bmc.example.com:623"},
		{"ipmi://bmc.example.com:1623/", "bmc.example.com:1623"},
		{"[fd00::1]", "[fd00::1]:623"},
		{"ipmi://[fd00::1]:6230", "[fd00::1]:6230"},
		{"libvirt://192.168.122.1", "192.168.122.1:623"},
		{"libvirt://192.168.122.1:6233/?abc=def", "192.168.122.1:6233"},

		{"redfish://10.0.0.1", "https://10.0.0.1"},
		{"redfish://10.0.0.1:8000/redfish/v1/Systems/1", "https://10.0.0.1:8000"},
		{"redfish+http://10.0.0.1:8000/redfish/v1/Systems/1", "http://10.0.0.1:8000"},
		{"redfish+https://bmc.example.com/redfish/v1/Systems/1", "https://bmc.example.com"},
		{"redfish://[fe80::fc33:62ff:fe83:8a76]/foo/bar", "https://[fe80::fc33:62ff:fe83:8a76]"},
		{"redfish://[fe80::fc33:62ff:fe83:8a76]:8080/foo", "https://[fe80::fc33:62ff:fe83:8a76]:8080"},
		{"redfish-virtualmedia+http://10.0.0.1", "http://10.0.0.1"},
		{"redfish-uefihttp://10.0.0.1:8443", "https://10.0.0.1:8443"},
		{"idrac-virtualmedia://10.0.0.1/redfish/v1/Systems/System.Embedded.1", "https://10.0.0.1"},
		{"ilo5-virtualmedia+http://[2001:db8::1]", "http://[2001:db8::1]"},
		{"REDFISH+HTTP://10.0.0.1", "http://10.0.0.1"},
	} {
		t.Run(tc.address, func(t *testing.T) {
			a, err := Parse(tc.address)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Endpoint(); got != tc.want {
				t.Errorf("Endpoint() = %q, want %q", got, tc.want)
			}
		})
	}

	fake, err := ParseWithOptions("fake://10.0.0.1", Options{AllowTestSchemes: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.Endpoint(); got != "10.0.0.1" {
		t.Errorf("fake Endpoint() = %q, want host only (no default port)", got)
	}
}

func TestSystemID(t *testing.T) {
	for _, tc := range []struct {
		address string
		want    string
	}{
		{"redfish://10.0.0.1/redfish/v1/Systems/1", "/redfish/v1/Systems/1"},
		{"redfish+http://10.0.0.1/foo/bar", "/foo/bar"},
		{"idrac-virtualmedia://10.0.0.1/redfish/v1/Systems/System.Embedded.1", "/redfish/v1/Systems/System.Embedded.1"},
		{"ilo5-virtualmedia://10.0.0.1/foo/bar", "/foo/bar"},
		{"redfish-uefihttp://10.0.0.1/redfish/v1/Systems/1", "/redfish/v1/Systems/1"},
		// Ironic finds the system itself when none, or only the service
		// root, is given.
		{"redfish://10.0.0.1", ""},
		{"redfish+https://10.0.0.1/", ""},
		{"redfish+https://10.0.0.1/redfish/v1/", ""},
		{"redfish-virtualmedia://10.0.0.1/redfish/v1", ""},
		{"idrac-virtualmedia://10.0.0.1/redfish/v1/", ""},
		// Not a Redfish BMC: the path means nothing.
		{"libvirt://10.0.0.1/redfish/v1/Systems/1", ""},
	} {
		a, err := Parse(tc.address)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.address, err)
		}
		if got := a.SystemID(); got != tc.want {
			t.Errorf("Parse(%q).SystemID() = %q, want %q", tc.address, got, tc.want)
		}
	}
}

func TestPrivilegeLevel(t *testing.T) {
	for address, want := range map[string]string{
		"ipmi://192.168.122.1":                         "ADMINISTRATOR",
		"ipmi://192.168.122.1?privilegelevel=OPERATOR": "OPERATOR",
		"192.168.122.1:623?privilegelevel=USER":        "USER",
		"ipmi://192.168.122.1?other=1":                 "ADMINISTRATOR",
	} {
		a, err := Parse(address)
		if err != nil {
			t.Fatalf("Parse(%q): %v", address, err)
		}
		if got := a.PrivilegeLevel(); got != want {
			t.Errorf("Parse(%q).PrivilegeLevel() = %q, want %q", address, got, want)
		}
	}
}

func TestIsValidHost(t *testing.T) {
	for h, want := range map[string]bool{
		"192.168.122.1":                 true,
		"0.0.0.0":                       true,
		"fe80::fc33:62ff:fe83:8a76":     true,
		"::1":                           true,
		"::ffff:192.0.2.1":              true,
		"bmc":                           true,
		"bmc-1.example.com":             true,
		"BMC-1.Example.COM":             true,
		"1bmc.example.com":              true,
		"a.b.c.d.e.f.g":                 true,
		"xn--bcher-kva.example":         true,
		strings.Repeat("a", 63):         true,
		strings.Repeat("a", 64):         false,
		"":                              false,
		"-bmc.example.com":              false,
		"bmc-.example.com":              false,
		"bmc..example.com":              false,
		".example.com":                  false,
		"example.com.":                  false,
		"bmc_1.example.com":             false,
		"bmc example.com":               false,
		"[fe80::1]":                     false,
		"fe80::1%eth0":                  false,
		"192.168.122.1:623":             false,
		"10.0.0.256":                    false,
		"010.0.0.1":                     false,
		"1234":                          false,
		"bücher.example":                false,
		"fe80::fc33:62ff:fe33:8xff":     false,
		strings.Repeat("a.", 127) + "a": false, // 255 characters
		strings.Repeat("a.", 126) + "a": true,  // 253 characters
	} {
		if got := IsValidHost(h); got != want {
			t.Errorf("IsValidHost(%q) = %v, want %v", h, got, want)
		}
	}
}

// TestEndpointOfHandBuiltAccess covers Access values built without Parse
// (e.g. by other packages' tests), which must not panic.
func TestEndpointOfHandBuiltAccess(t *testing.T) {
	for _, tc := range []struct {
		a    Access
		want string
	}{
		{Access{Type: "redfish", Transport: "http", Host: "10.0.0.1", Port: "80"}, "http://10.0.0.1:80"},
		{Access{Type: "ipmi", Host: "fd00::1"}, "[fd00::1]:623"},
		{Access{Type: "unknown", Host: "10.0.0.1"}, "10.0.0.1"},
		{Access{Host: "10.0.0.1", Port: "1"}, "10.0.0.1:1"},
	} {
		if got := tc.a.Endpoint(); got != tc.want {
			t.Errorf("%+v.Endpoint() = %q, want %q", tc.a, got, tc.want)
		}
	}
}
