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
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/httpbasic"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/noauth"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// newProbeTimeout bounds New's attempt to negotiate the API version.
const newProbeTimeout = 5 * time.Second

// Provisioner is the Ironic backend. It is safe for concurrent use by many hosts.
type Provisioner struct {
	cfg Config
	// base is the service client without a microversion; api holds a copy with the
	// negotiated one, so that requests in flight never see the field change.
	base *gophercloud.ServiceClient
	api  atomic.Pointer[apiClient]
	// negotiating serializes negotiation (a one-slot semaphore rather than a mutex, so
	// that waiters give up when their context ends).
	negotiating chan struct{}

	creds credentialCache
	// nodes holds recent reads of nodes at rest, so back-to-back steps of a host do not
	// read the same node twice (see RestingNodeTTL).
	nodes *nodeCache
	// ports remembers, per node UUID, the boot MAC known to be its port.
	ports sync.Map
	// inspectIfaces caches, per hardware type, the inspect interfaces Ironic has enabled.
	inspectIfaces sync.Map
	// noInventory holds the out-of-band inspect interfaces for which Ironic stores no
	// inventory, learnt from its answers.
	noInventory sync.Map
	// reboots holds, per host UID, the start of the recorded reboot this process is sending
	// (see rebootTakenOver).
	reboots sync.Map
}

// apiClient is a service client pinned to a negotiated microversion.
type apiClient struct {
	sc *gophercloud.ServiceClient
	features
}

var _ provisioner.Provisioner = (*Provisioner)(nil)

// New returns an Ironic backend for cfg. It fails only on an invalid configuration: Ironic
// itself need not be up. It tries to negotiate the API microversion within ctx, and when
// Ironic cannot be reached yet, every call negotiates again until one succeeds, so the
// server can start before (or without) its Ironic and recover when Ironic comes back.
func New(ctx context.Context, cfg Config) (*Provisioner, error) {
	cfg = cfg.withDefaults()
	endpoint, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	httpClient, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	registerMetrics()
	cache := newNodeCache()
	httpClient.Transport = &instrumentedTransport{next: httpClient.Transport, endpoint: cfg.Endpoint, onWrite: cache.forget}
	var sc *gophercloud.ServiceClient
	if cfg.Username != "" {
		sc, err = httpbasic.NewBareMetalHTTPBasic(httpbasic.EndpointOpts{
			IronicEndpoint: endpoint, IronicUser: cfg.Username, IronicUserPassword: cfg.Password,
		})
	} else {
		sc, err = noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: endpoint})
	}
	if err != nil {
		return nil, fmt.Errorf("ironic: %w", err)
	}
	sc.HTTPClient = *httpClient
	sc.UserAgent.Prepend("baremetal-apiserver")

	p := &Provisioner{cfg: cfg, base: sc, negotiating: make(chan struct{}, 1), nodes: cache}
	if _, err := rand.Read(p.creds.key[:]); err != nil {
		return nil, fmt.Errorf("ironic: %w", err)
	}
	// The probe is a courtesy (it logs the version early); it must not hold up a server
	// start behind an Ironic that accepts connections but does not answer.
	probeCtx, cancel := context.WithTimeout(ctx, newProbeTimeout)
	defer cancel()
	if _, err := p.client(probeCtx); err != nil {
		klog.FromContext(ctx).Info("Could not negotiate the Ironic API version yet; retrying on first use",
			"endpoint", endpoint, "err", p.scrubError("", err))
	}
	return p, nil
}

// Name names the backend.
func (p *Provisioner) Name() string { return "ironic" }

// APIVersion returns the negotiated microversion, or "" before negotiation succeeded.
func (p *Provisioner) APIVersion() string {
	if c := p.api.Load(); c != nil {
		return c.String()
	}
	return ""
}

// client returns the service client pinned to the negotiated microversion, negotiating
// first when needed.
func (p *Provisioner) client(ctx context.Context) (*apiClient, error) {
	if c := p.api.Load(); c != nil {
		return c, nil
	}
	select {
	case p.negotiating <- struct{}{}:
		defer func() { <-p.negotiating }()
	case <-ctx.Done():
		return nil, fmt.Errorf("negotiating the Ironic API version: %w", ctx.Err())
	}
	if c := p.api.Load(); c != nil {
		return c, nil
	}
	minV, maxV, err := discoverVersions(ctx, p.base)
	if err != nil {
		return nil, fmt.Errorf("negotiating the Ironic API version: %w", describe(err))
	}
	f, err := chooseMicroversion(minV, maxV)
	if err != nil {
		return nil, err
	}
	sc := *p.base
	sc.Microversion = f.String()
	c := &apiClient{sc: &sc, features: f}
	p.api.Store(c)
	klog.FromContext(ctx).Info("Negotiated the Ironic API version", "endpoint", p.base.Endpoint,
		"serverMin", minV, "serverMax", maxV, "version", f.String(),
		"biosDetail", f.hasBIOSDetail(), "inventory", f.hasInventory(), "firmwareInterface", f.hasFirmwareInterface(),
		"serviceSteps", f.hasServiceSteps(),
		"disablePowerOff", f.hasDisablePowerOff())
	return c, nil
}

// forgetVersion drops the negotiated version when Ironic refuses it (406): Ironic was
// replaced by an older one, and the next call negotiates again.
func (p *Provisioner) forgetVersion(err error) {
	if gophercloud.ResponseCodeIs(err, http.StatusNotAcceptable) {
		p.api.Store(nil)
	}
}

// newHTTPClient builds the HTTP client with the TLS options. Connections are kept alive
// and shared by all hosts; many hosts poll the same Ironic at once.
func newHTTPClient(cfg Config) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("ironic: reading CACertFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ironic: no PEM certificate in CACertFile %s", cfg.CACertFile)
		}
		tlsConfig.RootCAs = pool
	}
	if cfg.ClientCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.ClientCertFile, cfg.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("ironic: loading the client certificate: %w", err)
		}
		tlsConfig.Certificates = []tls.Certificate{cert}
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: transport, Timeout: cfg.RequestTimeout}, nil
}
