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

// Package ironic is the Provisioner backend that drives OpenStack Ironic's bare metal API
// (v1) through gophercloud.
//
// One *Provisioner serves every host. It keeps no per-host state that matters for
// correctness: each call reads the Ironic node, decides from its provision and power state
// what the step needs next, issues at most one state-changing request, and returns. Long
// transitions are started and reported as in progress with a short, jittered RequeueAfter,
// so no call waits for Ironic to finish anything.
//
// Hosts are Ironic nodes named "<namespace>~<name>"; the node UUID is the backend ID the
// reconciler stores in status.provisioning.ID.
//
// The API microversion is negotiated with Ironic on first use: the highest version this
// package knows of that the server offers, at least baseline (1.69, Wallaby). Features of
// newer versions (the BIOS registry's rules 1.74, node inventory 1.81, firmware interface
// 1.86, service steps 1.87, disable_power_off 1.95) are used only when negotiated; what
// needs one the server lacks fails with a message naming the version (firmware.go,
// service.go).
//
// BMC passwords travel only in request bodies to Ironic. They are never logged, errors
// carry what Ironic said rather than gophercloud's whole answer, and every error and Result
// message leaving this package goes through provisioner.Scrub (see finish), in case Ironic
// or a proxy ever echoes a request back or Ironic's last_error quotes driver_info.
package ironic
