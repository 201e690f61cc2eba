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
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Access is a parsed BMC address.
type Access struct {
	Address   string // as given
	Type      string // base scheme without transport, e.g. "redfish-virtualmedia"
	Transport string // "http", "https" or "" (default for the type)
	Host      string // host name or IP without brackets or port
	Port      string // "" when not given
	Path      string // URL path, e.g. "/redfish/v1/Systems/1"
	// RawQuery is kept because IPMI addresses carry the privilege level in
	// it (?privilegelevel=OPERATOR).
	RawQuery string
	Capabilities
}

// Options changes what ParseWithOptions accepts.
type Options struct {
	// AllowTestSchemes enables schemes such as "fake" that drive Ironic's
	// fake-hardware. A user-facing path must never set it: a fake host
	// "provisions" successfully without touching any machine.
	AllowTestSchemes bool
}

// ErrMissingAddress is returned for an empty address; it is a sentinel so that
// validation can report a required field rather than a malformed one.
var ErrMissingAddress = errors.New("missing BMC address")

// UnknownSchemeError is returned when the address names a scheme this package
// does not support. Known carries the accepted schemes so validation can
// report them as the supported values.
type UnknownSchemeError struct {
	Address string
	Scheme  string
	Known   []string
}

func (e *UnknownSchemeError) Error() string {
	return fmt.Sprintf("unknown BMC type %q in address %q; supported types: %s",
		e.Scheme, e.Address, strings.Join(e.Known, ", "))
}

// InvalidAddressError is returned when the scheme is known but the rest of
// the address is not usable. Reason is kept separate from Address so that
// field validation can show it without repeating the value.
type InvalidAddressError struct {
	Address string
	Reason  string
}

func (e *InvalidAddressError) Error() string {
	return fmt.Sprintf("invalid BMC address %q: %s", e.Address, e.Reason)
}

func invalid(address, format string, args ...any) error {
	return &InvalidAddressError{Address: address, Reason: fmt.Sprintf(format, args...)}
}

// Parse parses a BMC address. The error message says what is wrong and lists
// the known schemes when the scheme is unknown.
//
// Accepted forms are "scheme://host[:port][/path][?query]", Metal3's
// "scheme:host[:port]..." shorthand, and a scheme-less "host[:port]", which
// means IPMI. IPv6 literals must be bracketed wherever they appear, because
// otherwise the last group of an address is indistinguishable from a port.
func Parse(address string) (*Access, error) {
	return ParseWithOptions(address, Options{})
}

// ParseWithOptions is Parse with switches that tests need and users must not
// get.
func ParseWithOptions(address string, opts Options) (*Access, error) {
	if address == "" {
		return nil, ErrMissingAddress
	}

	scheme, rest := splitScheme(address)
	if scheme == "" && strings.HasPrefix(address, "://") {
		return nil, invalid(address, "missing scheme before \"://\"")
	}
	if scheme == "" {
		scheme = "ipmi"
	}
	entry, ok := lookupScheme(scheme, opts)
	if !ok {
		return nil, &UnknownSchemeError{Address: address, Scheme: scheme, Known: schemes(opts)}
	}

	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if authority == "" {
		return nil, invalid(address, "missing host")
	}
	// Metal3 silently drops user info. It is refused here because the
	// address is readable by anyone who can read the host, unlike the
	// credentials secret, and dropping it would hide the mistake.
	if strings.Contains(authority, "@") {
		return nil, invalid(address, "credentials must not be embedded in the address; put them in the credentials secret")
	}
	host, port, err := splitHostPort(authority)
	if err != nil {
		return nil, invalid(address, "%s", err)
	}

	var path, rawQuery string
	if tail != "" {
		u, err := url.Parse(tail)
		if err != nil {
			return nil, invalid(address, "malformed path or query %q", tail)
		}
		path, rawQuery = u.Path, u.RawQuery
	}

	return &Access{
		Address:      address,
		Type:         entry.typ.name,
		Transport:    entry.transport,
		Host:         host,
		Port:         port,
		Path:         path,
		RawQuery:     rawQuery,
		Capabilities: entry.typ.caps,
	}, nil
}

// splitScheme separates a lower-cased scheme from the rest of the address;
// the scheme is "" when the address has none. It is hand-rolled rather than
// left to url.Parse because "host:port" is syntactically also
// "scheme:opaque": Metal3, relying on url.Parse, rejects "bmc.example.com:623"
// as an unknown BMC type "bmc.example.com".
func splitScheme(address string) (scheme, rest string) {
	if i := strings.Index(address, "://"); i >= 0 {
		return strings.ToLower(address[:i]), address[i+3:]
	}
	i := strings.IndexByte(address, ':')
	if i <= 0 {
		return "", address
	}
	candidate, after := strings.ToLower(address[:i]), address[i+1:]
	// Any scheme in the table wins, test-only ones included, so that a gated
	// scheme is reported as unknown rather than misread as a host name.
	if _, known := schemeIndex[candidate]; known {
		return candidate, after
	}
	// More colons mean an unbracketed IPv6 literal, not a scheme; leave it
	// to host parsing, which explains the bracket requirement.
	if strings.Contains(after, ":") {
		return "", address
	}
	// No scheme contains a dot, and a bare number after the colon is a
	// port, so those are host:port.
	if !isSchemeSyntax(candidate) || strings.Contains(candidate, ".") || isDigits(after) {
		return "", address
	}
	return candidate, after
}

// isSchemeSyntax reports whether s is an RFC 3986 scheme.
func isSchemeSyntax(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// splitHostPort splits the authority part of an address and validates both
// halves. Errors are reasons, without the address, for InvalidAddressError.
func splitHostPort(authority string) (host, port string, err error) {
	hasPort := false
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "", "", errors.New("missing ']' after IPv6 address")
		}
		host = authority[1:end]
		switch after := authority[end+1:]; {
		case after == "":
		case after[0] == ':':
			port, hasPort = after[1:], true
		default:
			return "", "", fmt.Errorf("unexpected %q after IPv6 address", after)
		}
		if ip := net.ParseIP(host); ip == nil || !strings.Contains(host, ":") {
			return "", "", fmt.Errorf("%q in brackets is not an IPv6 address", host)
		}
	} else {
		switch strings.Count(authority, ":") {
		case 0:
			host = authority
		case 1:
			i := strings.IndexByte(authority, ':')
			host, port, hasPort = authority[:i], authority[i+1:], true
		default:
			return "", "", fmt.Errorf("host %q has too many colons; IPv6 addresses must be enclosed in brackets, e.g. [fd00::1]:623", authority)
		}
		if host == "" {
			return "", "", errors.New("missing host")
		}
		if !IsValidHost(host) {
			return "", "", fmt.Errorf("host %q is not a valid IP address or DNS name", host)
		}
	}
	if hasPort {
		if port, err = normalizePort(port); err != nil {
			return "", "", err
		}
	}
	return host, port, nil
}

// normalizePort enforces 1-65535, which url.Parse (and so Metal3) does not,
// and drops leading zeros so "0623" reaches tools as 623.
func normalizePort(port string) (string, error) {
	if port == "" {
		return "", errors.New("missing port number after ':'")
	}
	if !isDigits(port) {
		return "", fmt.Errorf("port %q is not a number", port)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %s is out of range 1-65535", port)
	}
	return strconv.Itoa(n), nil
}

// IsValidHost reports whether h is an IP address or a DNS name (RFC 1123
// subdomain); used by validation. h carries no brackets, port or IPv6 zone.
//
// DNS names are compared case-insensitively, as DNS does and as Metal3 does,
// so unlike Kubernetes' IsDNS1123Subdomain upper case is allowed. A name whose
// last label is numeric is rejected (RFC 1123 section 2.1 rules it out):
// "10.0.0.256" or "010.0.0.1" is a mistyped IPv4 address that resolvers would
// otherwise interpret in surprising ways.
func IsValidHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !isDNSLabel(l) {
			return false
		}
	}
	return !isDigits(labels[len(labels)-1])
}

func isDNSLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Scheme returns the canonical scheme of the address, e.g. "redfish+http",
// so that addresses differing only in case or shorthand compare equal.
func (a *Access) Scheme() string {
	if a.Transport == "" {
		return a.Type
	}
	return a.Type + "+" + a.Transport
}

// Endpoint returns the URL the BMC is reached at (e.g.
// "https://10.0.0.1:8000" for redfish, without the system path, which Ironic
// takes separately) or host:port for IPMI, with the default port 623 filled
// in because ipmitool and Ironic both need an explicit one.
func (a *Access) Endpoint() string {
	t := lookupType(a.Type)
	if t != nil && len(t.transports) > 0 {
		transport := a.Transport
		if transport == "" {
			transport = defaultTransport
		}
		return transport + "://" + joinHostPort(a.Host, a.Port)
	}
	port := a.Port
	if port == "" && t != nil {
		port = t.defaultPort
	}
	return joinHostPort(a.Host, port)
}

// joinHostPort is net.JoinHostPort that also brackets IPv6 without a port,
// which URLs require.
func joinHostPort(host, port string) string {
	if port != "" {
		return net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// SystemID returns the Redfish system path to hand to Ironic
// (redfish_system_id), or "" to let Ironic find the system itself. Metal3
// neither requires nor derives the path: Ironic picks the only system when
// none is given, and "/redfish/v1" is the service root rather than a system,
// so both are treated as absent.
func (a *Access) SystemID() string {
	if !a.Redfish {
		return ""
	}
	switch strings.Trim(a.Path, "/") {
	case "", "redfish/v1":
		return ""
	}
	return a.Path
}

// PrivilegeLevel returns the IPMI privilege level from the address query,
// defaulting like Metal3 to ADMINISTRATOR, which power and boot device
// changes need on most BMCs.
func (a *Access) PrivilegeLevel() string {
	q, err := url.ParseQuery(a.RawQuery)
	if err == nil {
		if v, ok := q["privilegelevel"]; ok && len(v) > 0 {
			return v[0]
		}
	}
	return "ADMINISTRATOR"
}
