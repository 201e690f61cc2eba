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

// Package redfish is a provisioner.Provisioner that drives Redfish BMCs directly through
// gofish, without Ironic: for small and edge sites that want to manage servers without
// running Ironic's services.
//
// What it can do without an agent ramdisk on the host: register (reach the BMC and check the
// credentials), power on, off and reboot with confirmation that the BMC reached the state,
// out-of-band inspection (what the BMC knows of CPUs, memory, NICs, drives and firmware),
// reading and applying BIOS settings and firmware updates while preparing and servicing
// (service.go), and provisioning of live-ISO images, which are booted from virtual media
// rather than written to disk. Disk images, cleaning, RAID and custom deploy steps need Ironic's agent:
// those hosts belong to --provisioner=ironic.
//
// Every method does one short step and returns; transitions that take time (power, a boot
// from virtual media) are confirmed on later calls, which the reconciler makes when the
// Result asks. What the backend remembers between calls (sessions, commands in flight) is a
// cache: after a restart it starts over from what the BMC reports.
//
// One session is kept per BMC and user (see sessions.go), because BMCs allow only a handful
// of sessions and every host of a rack may share one BMC service.
package redfish
