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
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// newHTTPClient builds the HTTP client of one BMC session: connections bounded like the
// requests (a BMC serves few at once), TLS verified unless the host disables it, and each
// request bounded by the configured timeout.
func newHTTPClient(cfg Config, insecure bool) *http.Client {
	base := &http.Transport{
		Proxy:       http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{Timeout: min(10*time.Second, cfg.RequestTimeout), KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// BareMetalHost.spec.bmc.disableCertificateVerification: most BMCs ship
			// self-signed certificates.
			InsecureSkipVerify: insecure, //nolint:gosec // the host's owner asked for it
			// --bmc-ca-bundle: BMC certificates signed by the site's own CA.
			RootCAs: cfg.rootCAs,
		},
		TLSHandshakeTimeout: min(10*time.Second, cfg.RequestTimeout),
		MaxConnsPerHost:     cfg.MaxRequestsPerBMC,
		MaxIdleConnsPerHost: cfg.MaxRequestsPerBMC,
		IdleConnTimeout:     time.Minute,
		// BMCs speak HTTP/1.1; some break on HTTP/2 negotiation.
		ForceAttemptHTTP2: false,
	}
	return &http.Client{Transport: &retryTransport{base: base, timeout: cfg.RequestTimeout, retries: cfg.ReadRetries}}
}

// retryTransport bounds every attempt of a request by timeout and retries reads that failed
// in a way that is likely to pass (5xx, a reset connection). BMCs drop connections and
// answer 500 now and then; one failed GET in the dozens of an inspection should not fail
// the whole step.
type retryTransport struct {
	base    http.RoundTripper
	timeout time.Duration
	retries int
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	backoff := wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: t.retries + 1, Cap: 2 * time.Second}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
		resp, err := t.base.RoundTrip(req.Clone(ctx))
		if attempt >= t.retries || !retryable(req, resp, err) {
			if err != nil {
				cancel()
				return nil, err
			}
			// The attempt's context must live until the body is read.
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		cancel()
		timer := time.NewTimer(backoff.Step())
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pooled connections,
// so that a logged-out session does not keep sockets open on the BMC.
func (t *retryTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// retryable reports a failed read worth repeating. A timeout is not: the BMC is too slow,
// and repeating would multiply the time the caller waits.
func retryable(req *http.Request, resp *http.Response, err error) bool {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return false
	}
	if req.Context().Err() != nil {
		return false
	}
	if err != nil {
		var ne net.Error
		return !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout())
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
