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

// Command bmc-simulator serves simulated Redfish BMCs on loopback for tests,
// demos and benchmarks (Debian packages no Redfish emulator). It prints one
// BareMetalHost BMC address per system on stdout, logs to stderr, and runs
// until SIGINT or SIGTERM:
//
//	$ bmc-simulator --systems 3 --seed 42 --power-delay 2s
//	redfish+http://127.0.0.1:8000/redfish/v1/Systems/1
//	redfish+http://127.0.0.1:8000/redfish/v1/Systems/2
//	redfish+http://127.0.0.1:8000/redfish/v1/Systems/3
//
// --mockup serves a capture of a real BMC (DMTF mockup layout) with power, boot override,
// virtual media and sessions simulated on top, e.g.
//
//	$ bmc-simulator --mockup ../shared/redfish-mockups/hpe-csm/XL675d_A100
//	redfish+http://127.0.0.1:8000/redfish/v1/Systems/1
//
// --config takes a YAML or JSON file with the fields of
// pkg/simulator/redfish.Config; flags given explicitly override it:
//
//	count: 20
//	seed: 42
//	powerDelay: 2s
//	sessionLimit: 4
//	systems:
//	  - id: "3"
//	    powerState: "On"
//	    faults: {latency: 200ms, errorRate: 0.2, dropPowerOnWindow: 10s}
//
// --credentials-file keeps passwords off the command line:
//
//	username: admin
//	password: s3cret
//	systems:
//	  "3": {username: ops, password: other}
//
// Faults change at run time through the admin endpoint, e.g.
//
//	curl -X PATCH -d '{"outage":"Reset"}' http://127.0.0.1:8000/simulator/systems/3/faults
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bmc-simulator:", err)
		os.Exit(1)
	}
}
