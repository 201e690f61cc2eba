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

// Package redfish is a Redfish BMC simulator (a DSP0266 subset) serving many
// simulated servers from one HTTP(S) listener, for tests, demos and benchmarks.
// It imports nothing from the rest of this repository so that any test can
// start it in-process.
//
// One Simulator is one Redfish service: one service root, one session service
// and many ComputerSystems. Every system has its own manager (BMC), chassis,
// credentials, session limit and faults, so one simulator stands in for a rack
// of BMCs behind one address. Start several simulators with one system each
// when a test needs one port per BMC.
//
// URL layout (every path below /redfish/v1):
//
//	/                                          ServiceRoot (no auth)
//	/odata                                     OData service document (no auth)
//	/SessionService                            SessionService
//	/SessionService/Sessions[/{sid}]           POST (no auth) to log in, DELETE to log out
//	/Systems[/{id}]                            ComputerSystem, PATCH for Boot and asset data
//	/Systems/{id}/Actions/ComputerSystem.Reset
//	/Systems/{id}/Bios[/Settings]              PATCH Settings, applied on the next boot
//	/Systems/{id}/Bios/Actions/Bios.ResetBios
//	/Systems/{id}/Processors[/{pid}]
//	/Systems/{id}/Memory[/{mid}]
//	/Systems/{id}/Storage[/1[/Drives/{did}|/Volumes]]
//	/Systems/{id}/SimpleStorage[/1]
//	/Systems/{id}/EthernetInterfaces[/{nid}]
//	/Systems/{id}/VirtualMedia[/{vid}[/Actions/VirtualMedia.InsertMedia|EjectMedia]]
//	/Managers[/{id}]                           one BMC per system, same id
//	/Managers/{id}/Actions/Manager.Reset       drops the sessions of that BMC
//	/Managers/{id}/VirtualMedia/...            the same devices as under Systems/{id}
//	/Chassis[/{id}]
//	/UpdateService[/FirmwareInventory[/{fid}]|/SoftwareInventory]
//	/UpdateService/Actions/UpdateService.SimpleUpdate   always asynchronous (see below)
//	/TaskService[/Tasks[/{tid}]]
//	/Registries[/{rid}[/{rid}.json]]           the BIOS attribute registry file and registry
//	/TaskService/TaskMonitors/{tid}            202 while running, then 200 with the Task
//	/EventService                              EventService
//	/EventService/Subscriptions[/{sid}]        POST (201, Location) to subscribe, DELETE to unsubscribe
//	/EventService/Actions/EventService.SubmitTestEvent
//
// Event subscriptions (events.go) are EventDestinations with Protocol Redfish:
// a POST takes Destination, Context, HttpHeaders and the EventTypes or
// RegistryPrefixes filters, and answers 201 with the new subscription and its
// URI in Location. HttpHeaders are write-only: a GET shows an empty array.
// SubmitTestEvent answers 204 and then posts an Event document to every
// subscription the caller may see, with the subscription's Context and
// headers, trying a failed delivery three more times. Tests list the
// subscriptions (headers included) and send test events, waiting for their
// delivery, through the Go API: Subscriptions and SubmitTestEvent.
//
// Asynchronous actions (SimpleUpdate always; Reset and the virtual media
// actions with Config.AsyncActions) answer 202 with the monitor in Location
// and the Task in the body. While the task runs, its Task URI answers 202 as
// well, because sushy polls the task's @odata.id as if it were the monitor.
// Retry-After is an HTTP date, and only for tasks with a second or more to
// go: sushy 4.x cannot sleep on a numeric Retry-After.
//
// A firmware update behaves like a real BMC's: SimpleUpdate refuses at once
// (400) what can never work (no ImageURI, a scheme other than http or https,
// a target that is not updateable), then its task downloads the image, an
// HTTP GET from the simulator's own process bounded by UpdateDownloadTimeout
// and UpdateMaxImageSize, and stages it. The new version (the old one with
// its last number bumped) takes effect at the next boot of the system, like
// staged BIOS settings; the BMC's own firmware also at Manager.Reset. An
// image that cannot be had (unreachable server, a non-2xx answer, an empty
// or oversized image, a timeout) ends the task with TaskState Exception,
// TaskStatus Critical and an Update.1.0.TransferFailed message saying why,
// and stages nothing. The task runs for at least TaskDuration. Task
// payloads show the request body without passwords.
//
// Outside /redfish the admin endpoint (no Redfish auth, optional bearer token)
// changes a system at run time:
//
//	GET                 /simulator/systems[/{id}]       state snapshots
//	GET|PUT|PATCH|DELETE /simulator/systems/{id}/faults
//	POST                /simulator/systems/{id}/power   {"powerState":"On"|"Off"}
//
// Credentials decide which systems a client may see: a session or a basic-auth
// request is granted every system whose username and password match. A session
// counts against the session limit of every system it was granted, so tests
// that need per-BMC session accounting on a shared port give each system its
// own credentials.
//
// Time-dependent behaviour (power transitions, tasks, BIOS settings and
// firmware applied on boot) is evaluated lazily from timestamps whenever a
// request or a Go API call looks at a system, so the simulator runs no timers.
// The goroutines it starts besides serving are firmware image downloads and
// event deliveries, which Close cancels and waits for: nothing is left behind
// once Close returns.
package redfish
