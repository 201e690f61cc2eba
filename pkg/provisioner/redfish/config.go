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

package redfish

import (
	"crypto/x509"
	"fmt"
	"os"
	"time"
)

// Config tunes the Redfish backend. The zero value is usable: every zero field takes the
// default named in its comment.
type Config struct {
	// RequestTimeout bounds each HTTP request (each attempt of it) to a BMC: 30s when zero.
	// BMCs are slow, but one that takes longer than this is treated as unreachable.
	RequestTimeout time.Duration
	// PollInterval is how soon to look again at a transition in progress (power, a boot
	// from virtual media): 1s when zero.
	PollInterval time.Duration
	// PowerRetryInterval is how long a power command may stay without visible effect (the
	// BMC neither reached the state nor reports a transition) before it is sent again: 10s
	// when zero. Some BMCs acknowledge a power-on and drop it when it comes too soon after
	// a power-off.
	PowerRetryInterval time.Duration
	// PowerTimeout is how long a hard power change may take before it is reported as
	// failed: 2m when zero. The reconciler then retries with backoff.
	PowerTimeout time.Duration
	// SoftTimeout is how long a graceful shutdown or restart is given before it is forced
	// (ForceOff, ForceRestart): 3m when zero. Operating systems may ignore ACPI requests.
	SoftTimeout time.Duration
	// BootTimeout is how long a host may take to boot from virtual media, counted from the
	// reset, before provisioning is reported as failed: 5m when zero.
	BootTimeout time.Duration
	// UpdateTimeout is how long one firmware update may run on the BMC (its task downloading,
	// checking and staging the image), or wait for another update the BMC is busy with,
	// before it is reported as failed: 30m when zero.
	UpdateTimeout time.Duration
	// ApplyTimeout is how long the BMC may take, after the reset that applies firmware
	// changes, to report them in effect (BIOS settings no longer pending, the updated
	// components at new versions) before they are reported as failed: 10m when zero.
	// Servers flash staged images and apply settings while they boot, which takes minutes.
	ApplyTimeout time.Duration
	// MaxRequestsPerBMC bounds the requests in flight to one BMC session: 4 when zero.
	// BMCs are small computers; many serve requests one at a time anyway.
	MaxRequestsPerBMC int
	// ReadRetries is how often a GET that failed with a 5xx answer or a broken connection
	// is retried at once (with a short backoff): 3 when zero, none when negative. Writes
	// are never retried blindly; the next call re-reads the state and decides.
	ReadRetries int
	// SessionRetryInterval is how long a BMC that refused a session (its limit reached,
	// or no session support) is used with basic authentication before a session is tried
	// again: 5m when zero.
	SessionRetryInterval time.Duration
	// IdleSessionTimeout logs out sessions no host has used for that long: 15m when zero.
	// It catches sessions of hosts that went away without Delete or Detach.
	IdleSessionTimeout time.Duration
	// CABundleFile names a PEM file of the CAs that sign the BMCs' certificates, trusted
	// instead of the system's. Empty: the system's CAs. A host whose
	// spec.bmc.disableCertificateVerification is true verifies nothing either way.
	CABundleFile string

	// rootCAs is CABundleFile, loaded by New.
	rootCAs *x509.CertPool
}

const (
	defaultRequestTimeout       = 30 * time.Second
	defaultPollInterval         = time.Second
	defaultPowerRetryInterval   = 10 * time.Second
	defaultPowerTimeout         = 2 * time.Minute
	defaultSoftTimeout          = 3 * time.Minute
	defaultBootTimeout          = 5 * time.Minute
	defaultUpdateTimeout        = 30 * time.Minute
	defaultApplyTimeout         = 10 * time.Minute
	defaultMaxRequestsPerBMC    = 4
	defaultReadRetries          = 3
	defaultSessionRetryInterval = 5 * time.Minute
	defaultIdleSessionTimeout   = 15 * time.Minute
)

// DefaultConfig is the configuration a zero Config stands for, e.g. to show defaults in flags.
func DefaultConfig() Config { return Config{}.withDefaults() }

// withDefaults fills in zero fields.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RequestTimeout, defaultRequestTimeout)
	def(&c.PollInterval, defaultPollInterval)
	def(&c.PowerRetryInterval, defaultPowerRetryInterval)
	def(&c.PowerTimeout, defaultPowerTimeout)
	def(&c.SoftTimeout, defaultSoftTimeout)
	def(&c.BootTimeout, defaultBootTimeout)
	def(&c.UpdateTimeout, defaultUpdateTimeout)
	def(&c.ApplyTimeout, defaultApplyTimeout)
	def(&c.SessionRetryInterval, defaultSessionRetryInterval)
	def(&c.IdleSessionTimeout, defaultIdleSessionTimeout)
	if c.MaxRequestsPerBMC <= 0 {
		c.MaxRequestsPerBMC = defaultMaxRequestsPerBMC
	}
	switch {
	case c.ReadRetries == 0:
		c.ReadRetries = defaultReadRetries
	case c.ReadRetries < 0:
		c.ReadRetries = 0
	}
	return c
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	if c.RequestTimeout < 0 || c.PollInterval < 0 || c.PowerRetryInterval < 0 || c.PowerTimeout < 0 ||
		c.SoftTimeout < 0 || c.BootTimeout < 0 || c.UpdateTimeout < 0 || c.ApplyTimeout < 0 ||
		c.SessionRetryInterval < 0 || c.IdleSessionTimeout < 0 {
		return fmt.Errorf("redfish: durations must not be negative")
	}
	if c.MaxRequestsPerBMC < 0 {
		return fmt.Errorf("redfish: MaxRequestsPerBMC must not be negative")
	}
	return nil
}

// loadCABundle reads CABundleFile into rootCAs.
func (c *Config) loadCABundle() error {
	if c.CABundleFile == "" {
		return nil
	}
	pem, err := os.ReadFile(c.CABundleFile)
	if err != nil {
		return fmt.Errorf("redfish: reading the BMC CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("redfish: the BMC CA bundle %s holds no PEM certificate", c.CABundleFile)
	}
	c.rootCAs = pool
	return nil
}

// callTimeout bounds one provisioner call as a whole (an inspection makes a few dozen
// requests), so that a BMC answering every request just within RequestTimeout cannot hold a
// reconciler worker for ever.
func (c Config) callTimeout() time.Duration {
	return max(2*time.Minute, 4*c.RequestTimeout)
}
