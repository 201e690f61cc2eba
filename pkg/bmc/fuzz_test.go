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

// FuzzParse feeds arbitrary addresses to the parser every BareMetalHost create goes through.
// Beyond not panicking, it checks what callers rely on: an answer is deterministic, an
// accepted address names a known type with a driver and a valid host, and a refusal is one
// of the typed errors validation turns into a field error.
func FuzzParse(f *testing.F) {
	for _, scheme := range Schemes() {
		f.Add(scheme+"://192.168.1.10/redfish/v1/Systems/1", true)
		f.Add(scheme+"://[fd00::1]:8443/x?privilegelevel=OPERATOR", false)
		f.Add(scheme+":bmc.example.com:623", false)
		f.Add(scheme+"+http://bmc/", false)
	}
	for _, s := range []string{"", "10.0.0.1", "10.0.0.1:623", "[::1]", "::1", "redfish://", "redfish://user@host/",
		"redfish://h:99999/", "redfish://h/%zz", "redfish://h/\x00", "ipmi://h?x=%", "libvirt://h:6233/uuid",
		"redfish+https+http://h", "REDFISH://H", strings.Repeat("a", 300) + ".example.com"} {
		f.Add(s, false)
	}
	known := Schemes()
	f.Fuzz(func(t *testing.T, address string, allowTest bool) {
		opts := Options{AllowTestSchemes: allowTest}
		a, err := ParseWithOptions(address, opts)
		b, err2 := ParseWithOptions(address, opts)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("not deterministic for %q: %v / %v", address, err, err2)
		}
		if err != nil {
			var unknown *UnknownSchemeError
			var bad *InvalidAddressError
			if !errors.Is(err, ErrMissingAddress) && !errors.As(err, &unknown) && !errors.As(err, &bad) {
				t.Fatalf("%q: untyped error %T: %v", address, err, err)
			}
			return
		}
		if *a != *b {
			t.Fatalf("not deterministic for %q: %+v / %+v", address, a, b)
		}
		if a.Address != address {
			t.Fatalf("Address %q, want the input %q", a.Address, address)
		}
		if a.Driver == "" {
			t.Fatalf("%q: accepted without a driver: %+v", address, a)
		}
		if !slices.ContainsFunc(known, func(s string) bool { return s == a.Type || strings.HasPrefix(s, a.Type+"+") }) {
			t.Fatalf("%q: accepted as type %q, which is not among %v", address, a.Type, known)
		}
		if !IsValidHost(a.Host) {
			t.Fatalf("%q: accepted with invalid host %q", address, a.Host)
		}
		if strings.ContainsAny(a.Host+a.Port, "@/?# ") {
			t.Fatalf("%q: host %q port %q carry URL syntax", address, a.Host, a.Port)
		}
	})
}
