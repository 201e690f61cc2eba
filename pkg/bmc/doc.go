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

// Package bmc parses BareMetalHost BMC addresses and describes what each kind
// of BMC can do, as Ironic sees it.
//
// The address grammar and the per-scheme capabilities live in one table here
// because two very different parts of the server depend on them and must never
// disagree: admission validation decides whether an address is acceptable and
// whether the rest of the spec fits it (a boot MAC address for libvirt, secure
// boot only where the management interface can toggle it), while the
// provisioner turns the same address into an Ironic node with a driver and a
// set of hardware interfaces. If they read different tables, a host could be
// admitted and then fail at registration for a reason the user could have been
// told about up front, or be registered with interfaces validation never
// checked.
//
// The table and the parsing rules follow Metal3's
// pkg/hardwareutils/bmc so that addresses written for Metal3 keep working.
// Where this package is stricter (ports out of range, credentials in the
// address, numeric-looking host names), the difference is called out at the
// place it is enforced.
package bmc
