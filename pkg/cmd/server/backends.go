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

package server

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/redfish"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/sharded"
)

// IronicOptions are the flags of the Ironic backend.
type IronicOptions struct {
	// Endpoints are the Ironic API URLs, hosts spread over them (pkg/provisioner/sharded).
	Endpoints          []string
	Username           string
	PasswordFile       string
	CACertFile         string
	InsecureSkipVerify bool
	PollInterval       time.Duration
	DeployKernelURL    string
	DeployRamdiskURL   string
	DeployISOURL       string
}

func (o *IronicOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.Endpoints, "ironic-endpoint", o.Endpoints,
		"Ironic API endpoint, e.g. http://127.0.0.1:6385. Repeat it (or separate URLs with commas) to spread hosts over several Ironic instances, each with its own database: "+
			"a new host is assigned one by a hash of its UID, recorded in status.provisioning.endpoint, and stays on it; adding an endpoint moves no host, and the hosts of an endpoint "+
			"removed while they are on it report an error until it is back (or they are detached). "+
			"Hosts registered before endpoints were recorded are on the first. --max-concurrent-provisioning applies per endpoint. Username, password and TLS options apply to all; the URL may not carry credentials (it is recorded in hosts' status).")
	fs.StringVar(&o.Username, "ironic-username", o.Username, "HTTP basic auth user for Ironic; empty means noauth.")
	fs.StringVar(&o.PasswordFile, "ironic-password-file", o.PasswordFile,
		"File holding the HTTP basic auth password for Ironic (a file, never a flag, so it stays out of process listings).")
	fs.StringVar(&o.CACertFile, "ironic-cacert", o.CACertFile, "CA bundle to verify Ironic's TLS certificate.")
	fs.BoolVar(&o.InsecureSkipVerify, "ironic-insecure", o.InsecureSkipVerify, "Do not verify Ironic's TLS certificate.")
	fs.DurationVar(&o.PollInterval, "ironic-poll-interval", o.PollInterval,
		"How soon to look again at a node transition Ironic completes by itself (jittered); 0 means 1s.")
	fs.StringVar(&o.DeployKernelURL, "ironic-deploy-kernel", o.DeployKernelURL,
		"URL of the agent ramdisk kernel written into every node's driver_info (Metal3's DEPLOY_KERNEL_URL). With --build-preprov-image: the kernel of initrd PreprovisioningImages that name none, and of the default image provider's.")
	fs.StringVar(&o.DeployRamdiskURL, "ironic-deploy-ramdisk", o.DeployRamdiskURL,
		"URL of the agent ramdisk written into every node's driver_info (Metal3's DEPLOY_RAMDISK_URL). With --build-preprov-image: only the default image provider's initrd image.")
	fs.StringVar(&o.DeployISOURL, "ironic-deploy-iso", o.DeployISOURL,
		"URL of the agent as an ISO, written into the driver_info of nodes whose BMC boots ISOs (virtual media, UEFI HTTP) instead of the kernel and ramdisk (Metal3's DEPLOY_ISO_URL). With --build-preprov-image: only the default image provider's ISO image.")
}

func (o *IronicOptions) Validate() []error {
	if len(o.Endpoints) == 0 {
		return []error{fmt.Errorf("--provisioner=ironic needs --ironic-endpoint")}
	}
	seen := map[string]bool{}
	var errs []error
	for _, e := range o.Endpoints {
		key := endpointKey(e)
		if key == "" {
			errs = append(errs, fmt.Errorf("--ironic-endpoint: empty URL"))
			continue
		}
		// The endpoint is recorded in hosts' status, labels metrics and appears in logs:
		// credentials have their own flags (the password in a file, out of process listings).
		if u, err := url.Parse(key); err == nil && u.User != nil {
			u.User = nil
			errs = append(errs, fmt.Errorf("--ironic-endpoint %s carries credentials in the URL: give them with --ironic-username and --ironic-password-file", u))
			continue
		}
		if seen[key] {
			errs = append(errs, fmt.Errorf("--ironic-endpoint %s is given twice", e))
		}
		seen[key] = true
	}
	return errs
}

// endpointKey is how an endpoint is recorded in hosts' status: the URL as given, without the
// trailing slash or /v1 (both forms name the same Ironic), so that writing it either way in
// the flags does not strand the hosts recorded under the other.
func endpointKey(e string) string {
	e = strings.TrimRight(strings.TrimSpace(e), "/")
	return strings.TrimRight(strings.TrimSuffix(e, "/v1"), "/")
}

func (o *IronicOptions) password() (string, error) {
	if o.PasswordFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(o.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("reading --ironic-password-file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// New builds the Ironic backend, one per endpoint behind a sharded one (also for a single
// endpoint, so that every host's endpoint is recorded and adding one later is safe);
// preprovImages says hosts boot the images built for them (--build-preprov-image).
func (o *IronicOptions) New(ctx context.Context, preprovImages bool) (provisioner.Provisioner, error) {
	password, err := o.password()
	if err != nil {
		return nil, err
	}
	shards := make([]sharded.Shard, 0, len(o.Endpoints))
	for _, e := range o.Endpoints {
		key := endpointKey(e)
		p, err := ironic.New(ctx, ironic.Config{
			Endpoint: key, Username: o.Username, Password: password,
			CACertFile: o.CACertFile, InsecureSkipVerify: o.InsecureSkipVerify,
			PollInterval:    o.PollInterval,
			DeployKernelURL: o.DeployKernelURL, DeployRamdiskURL: o.DeployRamdiskURL, DeployISOURL: o.DeployISOURL,
			PreprovisioningImageBuilder: preprovImages,
		})
		if err != nil {
			return nil, err
		}
		shards = append(shards, sharded.Shard{Endpoint: key, Backend: p})
	}
	return sharded.New(shards)
}

// RedfishOptions are the flags of the Redfish backend (--provisioner=redfish), which talks to
// the BMCs itself. Credentials come from each host's credentials Secret, as with Ironic.
type RedfishOptions struct {
	redfish.Config
}

func (o *RedfishOptions) AddFlags(fs *pflag.FlagSet) {
	if o.Config == (redfish.Config{}) {
		// Show the real defaults in --help rather than zeros.
		o.Config = redfish.DefaultConfig()
	}
	fs.StringVar(&o.CABundleFile, "bmc-ca-bundle", o.CABundleFile,
		"Redfish backend: a PEM file of the CAs that sign the BMCs' certificates, trusted instead of the system's (hosts with spec.bmc.disableCertificateVerification verify nothing).")
	fs.DurationVar(&o.RequestTimeout, "redfish-request-timeout", o.RequestTimeout,
		"Redfish backend: longest wait for one answer from a BMC; a slower BMC counts as unreachable.")
	fs.DurationVar(&o.PollInterval, "redfish-poll-interval", o.PollInterval,
		"Redfish backend: how soon to look again at a power change or a boot in progress.")
	fs.DurationVar(&o.PowerTimeout, "redfish-power-timeout", o.PowerTimeout,
		"Redfish backend: how long a BMC may take to reach a requested power state before it is reported as a power management error.")
	fs.DurationVar(&o.SoftTimeout, "redfish-soft-power-timeout", o.SoftTimeout,
		"Redfish backend: how long a soft power off or reboot (ACPI) may take before it is forced.")
	fs.DurationVar(&o.BootTimeout, "redfish-boot-timeout", o.BootTimeout,
		"Redfish backend: how long a host may take to boot a live ISO from virtual media before provisioning fails.")
	fs.DurationVar(&o.UpdateTimeout, "redfish-update-timeout", o.UpdateTimeout,
		"Redfish backend: how long a firmware update task (download, checks, staging) may run on the BMC, or wait for another update it runs, before it fails.")
	fs.DurationVar(&o.ApplyTimeout, "redfish-apply-timeout", o.ApplyTimeout,
		"Redfish backend: how long after the reset that applies firmware changes the BMC may take to report them in effect before they fail.")
	fs.IntVar(&o.MaxRequestsPerBMC, "redfish-max-requests-per-bmc", o.MaxRequestsPerBMC,
		"Redfish backend: requests in flight to one BMC at once (one session is shared by every host behind a BMC).")
}

func (o *RedfishOptions) Validate() []error {
	if err := o.Config.Validate(); err != nil {
		return []error{err}
	}
	return nil
}

// New builds the Redfish backend; it logs out of every BMC session when ctx ends (the
// server stops), so that restarts do not leave sessions behind on the BMCs.
func (o *RedfishOptions) New(ctx context.Context) (provisioner.Provisioner, error) {
	p, err := redfish.New(o.Config)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { p.Close(context.WithoutCancel(ctx)) })
	return p, nil
}
