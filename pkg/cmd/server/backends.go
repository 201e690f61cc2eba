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
	"os"
	"strings"

	"github.com/spf13/pflag"
	"time"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner/ironic"
)

// IronicOptions are the flags of the Ironic backend.
type IronicOptions struct {
	Endpoint           string
	Username           string
	PasswordFile       string
	CACertFile         string
	InsecureSkipVerify bool
	PollInterval       time.Duration
	DeployKernelURL    string
	DeployRamdiskURL   string
}

func (o *IronicOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Endpoint, "ironic-endpoint", o.Endpoint, "Ironic API endpoint, e.g. http://127.0.0.1:6385.")
	fs.StringVar(&o.Username, "ironic-username", o.Username, "HTTP basic auth user for Ironic; empty means noauth.")
	fs.StringVar(&o.PasswordFile, "ironic-password-file", o.PasswordFile,
		"File holding the HTTP basic auth password for Ironic (a file, never a flag, so it stays out of process listings).")
	fs.StringVar(&o.CACertFile, "ironic-cacert", o.CACertFile, "CA bundle to verify Ironic's TLS certificate.")
	fs.BoolVar(&o.InsecureSkipVerify, "ironic-insecure", o.InsecureSkipVerify, "Do not verify Ironic's TLS certificate.")
	fs.DurationVar(&o.PollInterval, "ironic-poll-interval", o.PollInterval,
		"How soon to look again at a node transition Ironic completes by itself (jittered); 0 means 1s.")
	fs.StringVar(&o.DeployKernelURL, "ironic-deploy-kernel", o.DeployKernelURL, "URL of the agent ramdisk kernel written into every node's driver_info.")
	fs.StringVar(&o.DeployRamdiskURL, "ironic-deploy-ramdisk", o.DeployRamdiskURL, "URL of the agent ramdisk written into every node's driver_info.")
}

func (o *IronicOptions) Validate() []error {
	if o.Endpoint == "" {
		return []error{fmt.Errorf("--provisioner=ironic needs --ironic-endpoint")}
	}
	return nil
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

// New builds the Ironic backend.
func (o *IronicOptions) New(ctx context.Context) (provisioner.Provisioner, error) {
	password, err := o.password()
	if err != nil {
		return nil, err
	}
	return ironic.New(ctx, ironic.Config{
		Endpoint: o.Endpoint, Username: o.Username, Password: password,
		CACertFile: o.CACertFile, InsecureSkipVerify: o.InsecureSkipVerify,
		PollInterval:    o.PollInterval,
		DeployKernelURL: o.DeployKernelURL, DeployRamdiskURL: o.DeployRamdiskURL,
	})
}

func newRedfishBackend(ctx context.Context) (provisioner.Provisioner, error) {
	return nil, fmt.Errorf("the redfish provisioner is not built into this binary yet")
}
