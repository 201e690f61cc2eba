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
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Simulator is one Redfish service serving many systems.
type Simulator struct {
	cfg      resolved
	mock     *mockup // a capture of a real BMC, served instead of generated systems
	log      *slog.Logger
	systems  []*System
	byID     map[string]*System
	accounts map[accountKey]*account // the systems each pair of credentials opens
	sessions *sessionStore
	tasks    *taskStore
	uuid     string
	cert     *tls.Certificate
	certPEM  []byte
	now      func() time.Time

	// images fetches firmware images; events posts events to subscribers.
	// Image downloads and event deliveries are the goroutines the simulator
	// runs besides serving: they run under dlCtx, which Close cancels before
	// it waits for them.
	images   *http.Client
	events   *eventStore
	dlCtx    context.Context
	dlCancel context.CancelFunc
	dlMu     sync.Mutex
	dlClosed bool
	dlWG     sync.WaitGroup

	mu        sync.Mutex
	started   bool
	closed    bool
	closeDone chan struct{} // closed when the first Close has finished
	closeErr  error
	srv       *http.Server
	url       string
	serveDone chan error
	stopBase  context.CancelFunc
	stopWatch func() bool
}

// New builds a simulator from cfg; Start makes it listen.
func New(cfg Config) (*Simulator, error) {
	var mock *mockup
	var captured []mockupSystem
	if cfg.Mockup != "" {
		m, err := loadMockup(cfg.Mockup)
		if err != nil {
			return nil, err
		}
		if captured, err = m.systems(); err != nil {
			return nil, fmt.Errorf("mockup %s: %w", cfg.Mockup, err)
		}
		mock = m
	}
	ids := make([]string, len(captured))
	for i, ms := range captured {
		ids[i] = ms.id
	}
	rc, err := cfg.resolve(ids...)
	if err != nil {
		return nil, err
	}
	sim := &Simulator{
		cfg:      rc,
		mock:     mock,
		log:      cfg.Logger,
		byID:     map[string]*System{},
		sessions: newSessionStore(rc.SessionTimeout),
		tasks:    newTaskStore(),
		uuid:     newRNG(rc.Seed, "service-root").uuid(),
		now:      time.Now,
		images:   imageClient(),
		events:   newEventStore(),
	}
	sim.dlCtx, sim.dlCancel = context.WithCancel(context.Background())
	if sim.log == nil {
		sim.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := sim.now()
	macs := map[string]string{}
	for _, sc := range rc.systems {
		s := newSystem(sim, sc, rc.Seed, now)
		for _, ms := range captured {
			if ms.id == s.id {
				s.fromMockup(ms, sc)
			}
		}
		for _, n := range s.inv.NICs {
			if other, dup := macs[n.MAC]; dup {
				return nil, fmt.Errorf("systems %s and %s would share MAC %s; choose another seed or numeric ids", other, s.id, n.MAC)
			}
			macs[n.MAC] = s.id
		}
		sim.systems = append(sim.systems, s)
		sim.byID[s.id] = s
	}
	sim.accounts = indexAccounts(sim.systems)
	if rc.TLS {
		host, _, _ := net.SplitHostPort(rc.Listen)
		cert, certPEM, err := selfSigned(host, now)
		if err != nil {
			return nil, fmt.Errorf("self-signed certificate: %w", err)
		}
		sim.cert, sim.certPEM = &cert, certPEM
	}
	return sim, nil
}

// Start listens and serves in the background; it returns once connections
// are accepted. The simulator stops when ctx is cancelled or Close is called.
func (sim *Simulator) Start(ctx context.Context) error {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	if sim.started || sim.closed {
		return errors.New("redfish simulator: Start called twice or after Close")
	}
	ln, err := net.Listen("tcp", sim.cfg.Listen)
	if err != nil {
		return fmt.Errorf("redfish simulator: listen: %w", err)
	}
	scheme := "http"
	if sim.cert != nil {
		scheme = "https"
		// HTTP/1.1 only, like BMCs, and so that reset faults can hijack.
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{*sim.cert},
			NextProtos:   []string{"http/1.1"},
			MinVersion:   tls.VersionTLS12,
		})
	}
	sim.url = scheme + "://" + urlHost(ln.Addr().(*net.TCPAddr))

	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sim.stopBase = cancel
	sim.srv = &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		// Request contexts end on Close, which ends injected latency.
		BaseContext: func(net.Listener) context.Context { return base },
		ErrorLog:    slog.NewLogLogger(sim.log.Handler(), slog.LevelDebug),
	}
	sim.serveDone = make(chan error, 1)
	go func() { sim.serveDone <- sim.srv.Serve(ln) }()
	sim.started = true
	sim.stopWatch = context.AfterFunc(ctx, func() { _ = sim.Close() })
	sim.log.Info("redfish simulator listening", "url", sim.url, "systems", len(sim.systems))
	return nil
}

// imageClient is how the BMC fetches firmware images: straight to the image
// server (BMCs know no proxies), bounded per request by the caller's context.
func imageClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	return &http.Client{Transport: tr}
}

// goBackground runs fn (an image download, an event delivery) in a goroutine
// that Close waits for; false once the simulator is closing, when nothing may
// start any more.
func (sim *Simulator) goBackground(fn func(ctx context.Context)) bool {
	sim.dlMu.Lock()
	defer sim.dlMu.Unlock()
	if sim.dlClosed {
		return false
	}
	sim.dlWG.Add(1)
	go func() {
		defer sim.dlWG.Done()
		fn(sim.dlCtx)
	}()
	return true
}

// stopBackground cancels the image downloads and event deliveries in flight
// and waits for them.
func (sim *Simulator) stopBackground() {
	sim.dlMu.Lock()
	sim.dlClosed = true
	sim.dlMu.Unlock()
	sim.dlCancel()
	sim.dlWG.Wait()
	sim.images.CloseIdleConnections()
	sim.events.client.CloseIdleConnections()
}

// urlHost is the address clients should use: a wildcard listener is
// reached through loopback.
func urlHost(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// Close stops serving, ends in-flight requests and waits for them. Every
// call waits for the shutdown to finish, so a Close racing with the
// cancellation of Start's context does not return early.
func (sim *Simulator) Close() error {
	sim.mu.Lock()
	if sim.closed {
		done := sim.closeDone
		sim.mu.Unlock()
		if done != nil {
			<-done
		}
		return sim.closeErr
	}
	sim.closed = true
	started := sim.started
	if started {
		sim.closeDone = make(chan struct{})
	}
	sim.mu.Unlock()
	sim.stopBackground()
	if !started {
		return nil
	}
	defer close(sim.closeDone)
	sim.stopWatch()
	sim.stopBase()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sim.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, sim.srv.Close())
	}
	if serveErr := <-sim.serveDone; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	sim.closeErr = err
	sim.log.Info("redfish simulator stopped", "url", sim.url)
	return err
}

// URL is the service's base URL, e.g. http://127.0.0.1:8000 (what gofish
// calls the endpoint); empty before Start.
func (sim *Simulator) URL() string {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	return sim.url
}

// SystemURL is the full URL of a ComputerSystem.
func (sim *Simulator) SystemURL(id string) string {
	return sim.URL() + "/redfish/v1/Systems/" + id
}

// BMCAddress is a system's address in BareMetalHost form, e.g.
// redfish+http://127.0.0.1:8000/redfish/v1/Systems/1.
func (sim *Simulator) BMCAddress(id string) string {
	return "redfish+" + sim.SystemURL(id)
}

// TLS reports whether the simulator serves HTTPS.
func (sim *Simulator) TLS() bool { return sim.cert != nil }

// CertificatePEM is the self-signed certificate, nil without TLS.
func (sim *Simulator) CertificatePEM() []byte { return sim.certPEM }

// CertPool trusts the simulator's certificate, nil without TLS.
func (sim *Simulator) CertPool() *x509.CertPool {
	if sim.cert == nil {
		return nil
	}
	p := x509.NewCertPool()
	p.AddCert(sim.cert.Leaf)
	return p
}

// Handler serves the simulator without listening, for httptest servers.
func (sim *Simulator) Handler() http.Handler { return sim }

// System returns a system by id, nil if there is none.
func (sim *Simulator) System(id string) *System { return sim.byID[id] }

// Systems lists the systems in configuration order.
func (sim *Simulator) Systems() []*System { return append([]*System(nil), sim.systems...) }

// SystemIDs lists the system ids in configuration order.
func (sim *Simulator) SystemIDs() []string {
	ids := make([]string, len(sim.systems))
	for i, s := range sim.systems {
		ids[i] = s.id
	}
	return ids
}

// SetFaults replaces the faults of system id.
func (sim *Simulator) SetFaults(id string, f Faults) error {
	s := sim.byID[id]
	if s == nil {
		return fmt.Errorf("no system %q", id)
	}
	return s.SetFaults(f)
}

// ActiveSessions counts live sessions over the whole service; tests use it
// to catch clients that never log out.
func (sim *Simulator) ActiveSessions() int { return sim.sessions.active(sim.now()) }
