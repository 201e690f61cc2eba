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

// Package sharded spreads hosts over several backends of one kind, one per endpoint (several
// Ironic instances: Ironic is CPU-bound, and one conductor on sqlite is the limit of one
// server's throughput). Metal3 drives exactly one Ironic.
//
// A host's record lives in exactly one Ironic, so a host must never change endpoint while it
// may have a record. Nothing about that is kept here: the reconciler records the endpoint in
// the host's status (status.provisioning.endpoint) before the host is first registered and
// passes it back in provisioner.Host.Endpoint on every call. For a host without one, the
// endpoint is derived from its UID alone by rendezvous (highest random weight) hashing, so
// every replica and every restart chooses the same, and adding an endpoint only changes the
// choice for hosts not yet assigned (those already assigned keep theirs). A host whose recorded
// endpoint is no longer configured gets an error on every call, never a registration elsewhere.
package sharded

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/bmc"
	"github.com/metal3-community/baremetal-apiserver/pkg/provisioner"
)

// Backend is what every shard must offer: the Ironic backend's set of capabilities, so the
// sharded backend offers them too.
type Backend interface {
	provisioner.Provisioner
	provisioner.FirmwareReader
	provisioner.EventSubscriber
	provisioner.DataImageAttacher
	provisioner.PreprovisioningImageBooter
}

// Shard is one endpoint and the backend that talks to it.
type Shard struct {
	// Endpoint identifies the shard in hosts' status; it must be stable across restarts
	// (the endpoint's URL, as configured).
	Endpoint string
	Backend  Backend
}

// Provisioner is a provisioner.Provisioner over several shards.
type Provisioner struct {
	shards    []Shard
	endpoints []string
	byName    map[string]Backend
}

var (
	_ Backend                      = (*Provisioner)(nil)
	_ provisioner.EndpointAssigner = (*Provisioner)(nil)
)

// New builds a Provisioner over shards, in the order given: the first is where hosts
// registered before endpoints were recorded live.
func New(shards []Shard) (*Provisioner, error) {
	if len(shards) == 0 {
		return nil, errors.New("sharded: no endpoint")
	}
	p := &Provisioner{shards: shards, byName: map[string]Backend{}}
	for _, s := range shards {
		if s.Endpoint == "" || s.Backend == nil {
			return nil, errors.New("sharded: a shard without endpoint or backend")
		}
		if _, dup := p.byName[s.Endpoint]; dup {
			return nil, fmt.Errorf("sharded: endpoint %s given twice", s.Endpoint)
		}
		p.byName[s.Endpoint] = s.Backend
		p.endpoints = append(p.endpoints, s.Endpoint)
	}
	return p, nil
}

// Endpoints lists the configured endpoints, in order.
func (p *Provisioner) Endpoints() []string { return append([]string(nil), p.endpoints...) }

// Rendezvous chooses one of endpoints for uid: the one with the highest hash of (endpoint,
// uid). Adding an endpoint moves only the UIDs whose new highest is the added one; removing
// one moves only the UIDs it had. Ties (practically impossible) go to the earlier endpoint.
func Rendezvous(uid string, endpoints []string) string {
	best, bestScore := "", uint64(0)
	for _, e := range endpoints {
		h := sha256.New()
		h.Write([]byte(e))
		h.Write([]byte{0})
		h.Write([]byte(uid))
		score := binary.BigEndian.Uint64(h.Sum(nil)[:8])
		if best == "" || score > bestScore {
			best, bestScore = e, score
		}
	}
	return best
}

// EndpointFor is the endpoint that holds, or is to hold, the host's record.
func (p *Provisioner) EndpointFor(host provisioner.Host) string {
	switch {
	case host.Endpoint != "":
		return host.Endpoint
	case host.ID != "":
		// Registered when the server had one endpoint, before endpoints were recorded.
		return p.endpoints[0]
	default:
		return Rendezvous(string(host.UID), p.endpoints)
	}
}

// HasEndpoint says whether endpoint is configured.
func (p *Provisioner) HasEndpoint(endpoint string) bool {
	_, ok := p.byName[endpoint]
	return ok
}

// EndpointGoneError says that the endpoint holding a host's record is not configured.
type EndpointGoneError struct {
	Endpoint string
}

func (e *EndpointGoneError) Error() string {
	return fmt.Sprintf("the host's record is on Ironic endpoint %s, which is no longer configured (--ironic-endpoint): "+
		"add it back to manage the host, or detach the host to let it go; the host is never registered on another endpoint by itself", e.Endpoint)
}

func (p *Provisioner) backend(host provisioner.Host) (Backend, error) {
	e := p.EndpointFor(host)
	if b, ok := p.byName[e]; ok {
		return b, nil
	}
	return nil, &EndpointGoneError{Endpoint: e}
}

// Name names the backend kind (the same for every shard).
func (p *Provisioner) Name() string { return p.shards[0].Backend.Name() }

func (p *Provisioner) Register(ctx context.Context, host provisioner.Host) (string, provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return "", provisioner.Result{}, err
	}
	return b.Register(ctx, host)
}

func (p *Provisioner) Inspect(ctx context.Context, host provisioner.Host, restart bool) (*v1alpha1.HardwareDetails, provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return nil, provisioner.Result{}, err
	}
	return b.Inspect(ctx, host, restart)
}

func (p *Provisioner) Prepare(ctx context.Context, host provisioner.Host, data provisioner.PrepareData) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Prepare(ctx, host, data)
}

func (p *Provisioner) Provision(ctx context.Context, host provisioner.Host, data provisioner.ProvisionData) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Provision(ctx, host, data)
}

func (p *Provisioner) Deprovision(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Deprovision(ctx, host)
}

func (p *Provisioner) Adopt(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Adopt(ctx, host)
}

func (p *Provisioner) Service(ctx context.Context, host provisioner.Host, changes provisioner.FirmwareChanges) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Service(ctx, host, changes)
}

func (p *Provisioner) PowerOn(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.PowerOn(ctx, host)
}

func (p *Provisioner) PowerOff(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.PowerOff(ctx, host, mode)
}

func (p *Provisioner) Reboot(ctx context.Context, host provisioner.Host, mode provisioner.RebootMode) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Reboot(ctx, host, mode)
}

func (p *Provisioner) PowerState(ctx context.Context, host provisioner.Host) (provisioner.PowerState, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.PowerState{}, err
	}
	return b.PowerState(ctx, host)
}

// Detach of a host whose endpoint is gone succeeds with a warning: detaching asks only that
// the host be forgotten, its hardware untouched, and its record (in the Ironic no longer
// configured) cannot be reached. It is the user's way to let such a host go, or to have it
// registered afresh on a configured endpoint when attached again.
func (p *Provisioner) Detach(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	b, err := p.backend(host)
	var gone *EndpointGoneError
	if errors.As(err, &gone) {
		return provisioner.Result{Done: true, Warnings: []string{fmt.Sprintf(
			"detached without removing the host's record from Ironic endpoint %s, which is no longer configured", gone.Endpoint)}}, nil
	}
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Detach(ctx, host)
}

func (p *Provisioner) Delete(ctx context.Context, host provisioner.Host) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.Delete(ctx, host)
}

// HasCapacity reports whether any shard can take another long operation.
func (p *Provisioner) HasCapacity(ctx context.Context) (bool, error) {
	var errs []error
	for _, s := range p.shards {
		ok, err := s.Backend.HasCapacity(ctx)
		if ok {
			return true, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return false, errors.Join(errs...)
}

func (p *Provisioner) ReadBIOS(ctx context.Context, host provisioner.Host) (provisioner.BIOS, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.BIOS{}, err
	}
	return b.ReadBIOS(ctx, host)
}

func (p *Provisioner) FirmwareComponents(ctx context.Context, host provisioner.Host) ([]provisioner.FirmwareComponent, error) {
	b, err := p.backend(host)
	if err != nil {
		return nil, err
	}
	return b.FirmwareComponents(ctx, host)
}

func (p *Provisioner) CreateSubscription(ctx context.Context, host provisioner.Host, req provisioner.SubscriptionRequest) (string, error) {
	b, err := p.backend(host)
	if err != nil {
		return "", err
	}
	return b.CreateSubscription(ctx, host, req)
}

func (p *Provisioner) DeleteSubscription(ctx context.Context, host provisioner.Host, id string) error {
	b, err := p.backend(host)
	if err != nil {
		return err
	}
	return b.DeleteSubscription(ctx, host, id)
}

func (p *Provisioner) AttachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.AttachDataImage(ctx, host, url)
}

func (p *Provisioner) DetachDataImage(ctx context.Context, host provisioner.Host, url string) (provisioner.Result, error) {
	b, err := p.backend(host)
	if err != nil {
		return provisioner.Result{}, err
	}
	return b.DetachDataImage(ctx, host, url)
}

// PreprovisioningImageFormats is the same on every shard (they share one configuration).
func (p *Provisioner) PreprovisioningImageFormats(access *bmc.Access) []v1alpha1.ImageFormat {
	return p.shards[0].Backend.PreprovisioningImageFormats(access)
}
