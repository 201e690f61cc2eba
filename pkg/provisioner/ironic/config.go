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

package ironic

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config configures the Ironic backend.
type Config struct {
	// Endpoint is Ironic's API URL, with or without the /v1 suffix, e.g.
	// http://127.0.0.1:6385.
	Endpoint string
	// Username and Password enable HTTP basic authentication (Ironic's
	// auth_strategy = http_basic). Both empty means noauth. The password is never logged.
	Username, Password string
	// CACertFile is a PEM bundle that verifies Ironic's certificate; empty means the
	// system roots.
	CACertFile string
	// ClientCertFile and ClientKeyFile, both or neither, authenticate this client to Ironic
	// with TLS.
	ClientCertFile, ClientKeyFile string
	// InsecureSkipVerify turns off verification of Ironic's certificate.
	InsecureSkipVerify bool

	// PollInterval is how soon to look again at a transition Ironic completes by itself
	// (power changes, manage, fake-hardware steps): 1s when zero. Requeues are jittered by
	// up to 20% so that hosts started together do not poll in lockstep.
	PollInterval time.Duration
	// WaitPollInterval is how soon to look again at a node waiting for the agent ramdisk
	// to call back (inspect wait, clean wait, wait call-back), which takes minutes on real
	// hardware: 10s when zero.
	WaitPollInterval time.Duration
	// RequestTimeout bounds each HTTP request to Ironic: 30s when zero. Callers' contexts
	// bound them too.
	RequestTimeout time.Duration

	// MaxBusyHosts is how many nodes may be cleaning, inspecting, deploying or deleting at
	// once before HasCapacity reports false; zero means no limit.
	MaxBusyHosts int

	// DeployKernelURL and DeployRamdiskURL are the agent ramdisk (IPA) images written into
	// every node's driver_info; agent-based inspection, cleaning and deploys boot them.
	// Empty leaves them to Ironic's own [conductor]deploy_kernel/deploy_ramdisk.
	DeployKernelURL, DeployRamdiskURL string
	// DeployISOURL is the agent as an ISO, written instead of the kernel and ramdisk on nodes
	// whose BMC boots ISOs (virtual media, UEFI HTTP boot): Metal3's DEPLOY_ISO_URL.
	DeployISOURL string
	// PreprovisioningImageBuilder says that hosts boot the agent images built for them
	// (their PreprovisioningImages: the server's --build-preprov-image), as Metal3's
	// havePreprovImgBuilder: the images above are then never written to a node on their own,
	// and DeployKernelURL is only the kernel of initrd images that name none.
	PreprovisioningImageBuilder bool
}

const (
	defaultPollInterval     = time.Second
	defaultWaitPollInterval = 10 * time.Second
	defaultRequestTimeout   = 30 * time.Second
)

// String redacts the password so that a logged or printed Config cannot leak it.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "<redacted>"
	}
	return fmt.Sprintf("{Endpoint:%s Username:%s Password:%s CACertFile:%s InsecureSkipVerify:%t}",
		c.Endpoint, c.Username, pw, c.CACertFile, c.InsecureSkipVerify)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// withDefaults fills in zero durations.
func (c Config) withDefaults() Config {
	if c.PollInterval <= 0 {
		c.PollInterval = defaultPollInterval
	}
	if c.WaitPollInterval <= 0 {
		c.WaitPollInterval = defaultWaitPollInterval
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = defaultRequestTimeout
	}
	return c
}

// validate checks the configuration and returns the versioned endpoint (".../v1/").
func (c Config) validate() (string, error) {
	if c.Endpoint == "" {
		return "", errors.New("ironic: Endpoint is required")
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("ironic: Endpoint %q is not an http(s) URL", c.Endpoint)
	}
	if u.User != nil {
		// Credentials in the URL would end up in error messages and logs.
		return "", errors.New("ironic: Endpoint must not contain credentials; use Username and Password")
	}
	if (c.Username == "") != (c.Password == "") {
		return "", errors.New("ironic: Username and Password must be given together")
	}
	if (c.ClientCertFile == "") != (c.ClientKeyFile == "") {
		return "", errors.New("ironic: ClientCertFile and ClientKeyFile must be given together")
	}
	return versionedEndpoint(u), nil
}

// versionedEndpoint accepts Ironic's root or its /v1 URL, as both appear in the wild
// (Metal3 configures ".../v1/", the clouds.yaml convention is the root).
func versionedEndpoint(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment = "", ""
	p := strings.TrimRight(v.Path, "/")
	if !strings.HasSuffix(p, "/v1") {
		p += "/v1"
	}
	v.Path = p + "/"
	return v.String()
}
