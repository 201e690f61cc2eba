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

package metal3compat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// request is one request a client sent, as the wire saw it.
type request struct {
	Method, Path string
	Query        url.Values
	ContentType  string
	Body         []byte
	// Status is the answer's HTTP status; Answer its first bytes (kept for watches, where an
	// error arrives as an event in the stream).
	Status int
	Answer *bytes.Buffer
}

// requestLog records every request of the clients built from the config it wraps: the proof of
// what the client sent (a merge patch without resourceVersion, a watch with sendInitialEvents),
// rather than what its code suggests.
type requestLog struct {
	mu   sync.Mutex
	reqs []request
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// wrap returns a copy of cfg whose requests are recorded.
func (l *requestLog) wrap(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			rec := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), ContentType: r.Header.Get("Content-Type")}
			if r.Body != nil && r.GetBody != nil {
				if body, err := r.GetBody(); err == nil {
					rec.Body, _ = io.ReadAll(body)
					body.Close()
				}
			}
			resp, err := next.RoundTrip(r)
			if err == nil {
				rec.Status = resp.StatusCode
				if rec.Query.Get("watch") != "" {
					rec.Answer = &bytes.Buffer{}
					resp.Body = &teeBody{ReadCloser: resp.Body, w: &limitedWriter{buf: rec.Answer, left: 4096, mu: &l.mu}}
				}
			}
			l.mu.Lock()
			l.reqs = append(l.reqs, rec)
			l.mu.Unlock()
			return resp, err
		})
	})
	return c
}

// matching returns the recorded requests for which keep is true.
func (l *requestLog) matching(keep func(request) bool) []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []request
	for _, r := range l.reqs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func (r request) String() string {
	return fmt.Sprintf("%s %s?%s", r.Method, r.Path, r.Query.Encode())
}

// teeBody copies what is read of a response body to w.
type teeBody struct {
	io.ReadCloser
	w io.Writer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		_, _ = b.w.Write(p[:n])
	}
	return n, err
}

// limitedWriter keeps the first bytes written, under the log's lock.
type limitedWriter struct {
	mu   *sync.Mutex
	buf  *bytes.Buffer
	left int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := min(len(p), w.left); n > 0 {
		w.buf.Write(p[:n])
		w.left -= n
	}
	return len(p), nil
}

// answer is what was kept of the answer.
func (l *requestLog) answer(r request) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Answer == nil {
		return ""
	}
	return r.Answer.String()
}

// rawGet returns the body of a GET of path through cfg's server, as the server sent it.
func rawGet(ctx context.Context, cfg *rest.Config, path string) ([]byte, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, nil
}

// rawWatch streams a watch of path (a collection, with its query) and calls fn with each
// event's type and the object's JSON as the server sent it, until ctx ends or the server
// closes the stream. It returns when the stream is established; done is closed at the end.
func rawWatch(ctx context.Context, cfg *rest.Config, path string, fn func(eventType string, object []byte)) (done <-chan error, err error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, fmt.Errorf("watch %s: %s: %s", path, resp.Status, body)
	}
	ch := make(chan error, 1)
	go func() {
		defer resp.Body.Close()
		dec := json.NewDecoder(resp.Body)
		for {
			var ev struct {
				Type   string          `json:"type"`
				Object json.RawMessage `json:"object"`
			}
			if err := dec.Decode(&ev); err != nil {
				if ctx.Err() != nil || errors.Is(err, io.EOF) {
					err = nil
				}
				ch <- err
				close(ch)
				return
			}
			fn(ev.Type, bytes.Clone(ev.Object))
		}
	}()
	return ch, nil
}
