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

package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

const (
	mediaJSON  = "application/json"
	mediaProto = "application/vnd.kubernetes.protobuf"
)

// target is an API server under test (A or B), reached over HTTPS with a bearer token. The
// benchmark talks raw HTTP with pre-encoded bodies so that the client's own encoding and
// decoding (which shares the machine) stays small and the same for both servers.
type target struct {
	name  string // "A" or "B"
	label string
	base  string
	caPEM []byte
	token string
	pid   int
	// protobuf says whether the server speaks protobuf (CRDs do not).
	protobuf bool
	// write encodes request bodies: protobuf for A (what the generated clientset sends),
	// JSON for B (all a CRD accepts).
	write codec
	// accept is what the server's typical client asks for.
	accept string
}

const groupVersionPath = "/apis/baremetal.metal3.io/v1alpha1"

func (t *target) collection(ns string) string {
	if ns == "" {
		return groupVersionPath + "/baremetalhosts"
	}
	return groupVersionPath + "/namespaces/" + ns + "/baremetalhosts"
}

func (t *target) item(ns, name string) string { return t.collection(ns) + "/" + name }

// client is one HTTP/2 connection, as one client process (a controller, kubectl) would have.
type client struct {
	hc    *http.Client
	base  string
	token string
}

func (t *target) newClient() *client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(t.caPEM)
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{hc: &http.Client{Transport: tr}, base: t.base, token: t.token}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// requestTimeout bounds every request but watches.
const requestTimeout = 5 * time.Minute

func (c *client) do(method, p, contentType, accept string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+p, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// get fetches a path and returns its body, failing on anything but 200.
func (c *client) get(p, accept string) ([]byte, error) {
	code, body, err := c.do(http.MethodGet, p, "", accept, nil)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", p, code, tailString(string(body), 512))
	}
	return body, nil
}

// watchStream is an open watch: it yields the raw bytes of each event.
type watchStream struct {
	resp   *http.Response
	cancel context.CancelFunc
	next   func() ([]byte, error)
}

// watch opens a watch on p (a collection path with query) and returns once the server has
// answered with its headers, i.e. the watch is established.
func (c *client) watch(p, accept string) (*watchStream, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+p, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", accept)
	resp, err := c.hc.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("watch %s: %d %s", p, resp.StatusCode, data)
	}
	w := &watchStream{resp: resp, cancel: cancel}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), mediaProto) {
		// Length-delimited frames: a 4-byte big-endian length, then the event.
		var hdr [4]byte
		buf := make([]byte, 64<<10)
		w.next = func() ([]byte, error) {
			if _, err := io.ReadFull(resp.Body, hdr[:]); err != nil {
				return nil, err
			}
			n := int(binary.BigEndian.Uint32(hdr[:]))
			if n > len(buf) {
				buf = make([]byte, n)
			}
			_, err := io.ReadFull(resp.Body, buf[:n])
			return buf[:n], err
		}
	} else {
		// JSON events, one per line.
		r := bufio.NewReaderSize(resp.Body, 1<<20)
		w.next = func() ([]byte, error) { return r.ReadSlice('\n') }
	}
	return w, nil
}

func (w *watchStream) close() {
	w.cancel()
	w.resp.Body.Close()
}

// seqMarker prefixes the sequence number the watch benchmark writes into an annotation; it is
// found in events of either encoding without decoding them.
const seqMarker = "SEQ:"

// seqValue is the annotation value of update seq of watch run `run`: the run makes it differ
// from the previous run's, since an update that changes nothing sends no event.
func seqValue(seq, run int) string { return fmt.Sprintf("%s%07d/%d", seqMarker, seq, run) }

// findSeq returns the sequence number in an event, or -1.
func findSeq(event []byte) int {
	i := bytes.Index(event, []byte(seqMarker))
	if i < 0 || i+len(seqMarker)+7 > len(event) {
		return -1
	}
	n, err := strconv.Atoi(string(event[i+len(seqMarker) : i+len(seqMarker)+7]))
	if err != nil {
		return -1
	}
	return n
}

// rssKiB reads VmRSS (now) and VmHWM (peak) of a process from /proc.
func rssKiB(pid int) (rss, hwm int, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.Atoi(f[1])
		case "VmHWM:":
			hwm, _ = strconv.Atoi(f[1])
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, hwm, nil
}

// heapInuse reads go_memstats_heap_inuse_bytes from the server's /metrics (0 if absent).
func (c *client) heapInuse() float64 {
	body, err := c.get("/metrics", "text/plain")
	if err != nil {
		return 0
	}
	m, err := parseMetrics(body)
	if err != nil {
		return 0
	}
	return m.sum("go_memstats_heap_inuse_bytes", nil)
}

// forceGC runs a garbage collection in the server (pprof's heap endpoint does one with gc=1)
// and, when dir is set, keeps the heap profile as dir/<name>.pb.gz.
func (c *client) forceGC(dir, name string) error {
	body, err := c.get("/debug/pprof/heap?gc=1", "")
	if err != nil {
		return err
	}
	if dir != "" {
		return os.WriteFile(path.Join(dir, name+".pb.gz"), body, 0o644)
	}
	return nil
}

// cpuProfile records a CPU profile of the server for seconds into dir/<name>.pb.gz in the
// background; the returned function waits for it.
func (c *client) cpuProfile(dir, name string, seconds int) func() {
	if dir == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body, err := c.get(fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds), "")
		if err != nil {
			fmt.Fprintf(os.Stderr, "cpu profile %s: %v\n", name, err)
			return
		}
		_ = os.WriteFile(path.Join(dir, name+".pb.gz"), body, 0o644)
	}()
	return func() { <-done }
}
