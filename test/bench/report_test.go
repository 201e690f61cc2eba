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
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// latency summarises a set of durations, in milliseconds.
type latency struct {
	Count  int     `json:"count"`
	P50ms  float64 `json:"p50Ms"`
	P99ms  float64 `json:"p99Ms"`
	MaxMs  float64 `json:"maxMs"`
	MeanMs float64 `json:"meanMs"`
}

// summarize computes nearest-rank percentiles (with 10 samples, p99 is the slowest run).
func summarize(d []time.Duration) latency {
	if len(d) == 0 {
		return latency{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	ms := func(v time.Duration) float64 { return float64(v.Microseconds()) / 1000 }
	return latency{Count: len(s), P50ms: ms(rank(0.50)), P99ms: ms(rank(0.99)), MaxMs: ms(s[len(s)-1]), MeanMs: ms(sum / time.Duration(len(s)))}
}

// throughput is a write phase: N requests from a number of parallel clients.
type throughput struct {
	Count     int     `json:"count"`
	Errors    int     `json:"errors"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"perSecond"`
	Latency   latency `json:"latency"`
}

type listResult struct {
	Latency latency `json:"latency"`
	Bytes   int     `json:"bytes"`
	Items   int     `json:"items"`
}

type watchResult struct {
	Watchers  int     `json:"watchers"`
	Updates   int     `json:"updates"`
	Delivered int     `json:"delivered"`
	Expected  int     `json:"expected"`
	Rate      float64 `json:"updatesPerSecond"`
	Latency   latency `json:"latency"`
}

type memory struct {
	IdleRSSMiB    float64 `json:"idleRssMiB"`
	LoadedRSSMiB  float64 `json:"loadedRssMiB"`
	DeltaRSSMiB   float64 `json:"deltaRssMiB"`
	PeakRSSMiB    float64 `json:"peakRssMiB"`
	IdleHeapMiB   float64 `json:"idleHeapInuseMiB"`
	LoadedHeapMiB float64 `json:"loadedHeapInuseMiB"`
	DeltaHeapMiB  float64 `json:"deltaHeapInuseMiB"`
	EtcdDeltaMiB  float64 `json:"etcdDeltaRssMiB"`
}

// cpuShare is where the machine's CPU went during a phase: the server, its etcd and the load
// generator (this process), in cores (CPU seconds per second of the phase).
type cpuShare struct {
	Server float64 `json:"serverCores"`
	Etcd   float64 `json:"etcdCores"`
	Client float64 `json:"clientCores"`
	// ServerMsPerRequest is the server's CPU time per request of the phase.
	ServerMsPerRequest float64 `json:"serverCpuMsPerRequest"`
}

// systemResult is every figure of one system (A, B or C).
type systemResult struct {
	Label string `json:"label"`
	// Version is what the server's /version says: its version and the Kubernetes version
	// its feature gates are evaluated at (emulation version).
	Version        string                 `json:"version,omitempty"`
	Create         throughput             `json:"create"`
	CreateCPU      cpuShare               `json:"createCpu"`
	Status         throughput             `json:"statusWrite"`
	GetUnderCreate latency                `json:"getUnderCreateLoad"`
	ListAll        map[string]listResult  `json:"listAll"`
	ListNamespace  map[string]listResult  `json:"listNamespaceFieldSelector"`
	Watch          map[string]watchResult `json:"watch"`
	Memory         memory                 `json:"memory"`
	// LoadCPUSeconds is the server's CPU time for creating and writing the status of N hosts.
	LoadCPUSeconds float64 `json:"loadCpuSeconds"`
	// StoredBytes is the mean size of a host's value in etcd.
	StoredBytes float64 `json:"storedBytesPerHost"`
}

type targetCheck struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit string  `json:"limit"`
	Met   bool    `json:"met"`
}

// results is the JSON result file.
type results struct {
	Date         string                   `json:"date"`
	Machine      map[string]string        `json:"machine"`
	N            int                      `json:"n"`
	Namespaces   int                      `json:"namespaces"`
	Clients      int                      `json:"clients"`
	ListRuns     int                      `json:"listRuns"`
	HostJSON     float64                  `json:"hostJsonBytes"`
	HostProto    float64                  `json:"hostProtobufBytes"`
	Systems      map[string]*systemResult `json:"systems"`
	Ratios       map[string]float64       `json:"ratios"`
	Targets      []targetCheck            `json:"targets"`
	Notes        []string                 `json:"notes"`
	WallSeconds  float64                  `json:"wallSeconds"`
	SelectedNote string                   `json:"fieldSelector"`
}

func machineInfo(kasVersion string) map[string]string {
	m := map[string]string{
		"cpus":           fmt.Sprint(runtime.NumCPU()),
		"go":             runtime.Version(),
		"os":             runtime.GOOS + "/" + runtime.GOARCH,
		"kube-apiserver": kasVersion,
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			var kb float64
			if _, err := fmt.Sscanf(line, "MemTotal: %f kB", &kb); err == nil {
				m["memory"] = fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		m["loadavg-at-end"] = strings.Join(strings.Fields(string(data))[:3], " ")
	}
	return m
}

func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}

// computeRatios fills the A/B and A/C ratios and checks the targets.
func (r *results) computeRatios() {
	a, bb, c := r.Systems["A"], r.Systems["B"], r.Systems["C"]
	r.Ratios = map[string]float64{}
	if a == nil {
		return
	}
	if bb != nil {
		r.Ratios["create throughput A/B"] = ratio(a.Create.PerSecond, bb.Create.PerSecond)
		r.Ratios["status write throughput A/B"] = ratio(a.Status.PerSecond, bb.Status.PerSecond)
		r.Ratios["GET p99 under create load A/B"] = ratio(a.GetUnderCreate.P99ms, bb.GetUnderCreate.P99ms)
		r.Ratios["LIST all median A-JSON/B-JSON"] = ratio(a.ListAll["json"].Latency.P50ms, bb.ListAll["json"].Latency.P50ms)
		r.Ratios["LIST all median A-protobuf/B-JSON"] = ratio(a.ListAll["protobuf"].Latency.P50ms, bb.ListAll["json"].Latency.P50ms)
		r.Ratios["LIST ns+field median A-JSON/B-JSON"] = ratio(a.ListNamespace["json"].Latency.P50ms, bb.ListNamespace["json"].Latency.P50ms)
		r.Ratios["LIST ns+field median A-protobuf/B-JSON"] = ratio(a.ListNamespace["protobuf"].Latency.P50ms, bb.ListNamespace["json"].Latency.P50ms)
		r.Ratios["watch p99 A-protobuf/B-JSON"] = ratio(a.Watch["protobuf"].Latency.P99ms, bb.Watch["json"].Latency.P99ms)
		r.Ratios["watch p99 A-JSON/B-JSON"] = ratio(a.Watch["json"].Latency.P99ms, bb.Watch["json"].Latency.P99ms)
		r.Ratios["memory delta RSS A/B"] = ratio(a.Memory.DeltaRSSMiB, bb.Memory.DeltaRSSMiB)
		r.Ratios["memory delta heap A/B"] = ratio(a.Memory.DeltaHeapMiB, bb.Memory.DeltaHeapMiB)
		r.Ratios["load CPU seconds A/B"] = ratio(a.LoadCPUSeconds, bb.LoadCPUSeconds)
	}
	if c != nil {
		r.Ratios["create throughput A/C"] = ratio(a.Create.PerSecond, c.Create.PerSecond)
		r.Ratios["status write throughput A/C"] = ratio(a.Status.PerSecond, c.Status.PerSecond)
		r.Ratios["GET p99 under create load A/C"] = ratio(a.GetUnderCreate.P99ms, c.GetUnderCreate.P99ms)
		r.Ratios["LIST all median A-protobuf/C"] = ratio(a.ListAll["protobuf"].Latency.P50ms, c.ListAll["raw"].Latency.P50ms)
		r.Ratios["watch p99 A-protobuf/C"] = ratio(a.Watch["protobuf"].Latency.P99ms, c.Watch["raw"].Latency.P99ms)
	}
	check := func(name string, v float64, limit string, met bool) {
		r.Targets = append(r.Targets, targetCheck{Name: name, Value: v, Limit: limit, Met: met && !math.IsNaN(v)})
	}
	if bb != nil {
		v := r.Ratios["LIST all median A-JSON/B-JSON"]
		check("cluster LIST A-JSON / B", v, "<= 0.5", v <= 0.5)
		v = r.Ratios["LIST all median A-protobuf/B-JSON"]
		check("cluster LIST A-protobuf / B", v, "<= 0.3", v <= 0.3)
		v = r.Ratios["memory delta RSS A/B"]
		check("memory delta A / B", v, "<= 0.333", v <= 1.0/3)
		v = r.Ratios["create throughput A/B"]
		check("create throughput A / B", v, ">= 1.5", v >= 1.5)
	}
	if c != nil {
		v := r.Ratios["create throughput A/C"]
		check("create throughput A / C", v, ">= 0.5", v >= 0.5)
	}
	check("A single-object GET p99 under load (ms)", a.GetUnderCreate.P99ms, "<= 1000", a.GetUnderCreate.P99ms <= 1000)
	worst := math.Max(a.ListAll["json"].Latency.P99ms, a.ListAll["protobuf"].Latency.P99ms)
	check("A cluster LIST p99 (ms)", worst, "<= 30000", worst <= 30000)
}

func f1(v float64) string {
	if math.IsNaN(v) || v == 0 {
		return "-"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func r2(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

// printTable writes the human-readable report.
func (r *results) printTable(w io.Writer) {
	a, bb, c := r.Systems["A"], r.Systems["B"], r.Systems["C"]
	if a == nil {
		a = &systemResult{}
	}
	if bb == nil {
		bb = &systemResult{}
	}
	if c == nil {
		c = &systemResult{}
	}
	fmt.Fprintf(w, "\nbaremetal-apiserver benchmark, N=%d hosts (%d namespaces, ~%.0f B JSON / %.0f B protobuf each), %d clients, %s\n",
		r.N, r.Namespaces, r.HostJSON, r.HostProto, r.Clients, r.Date)
	fmt.Fprintf(w, "machine: %s CPUs, %s, %s; B is %s\n", r.Machine["cpus"], r.Machine["memory"], r.Machine["go"], r.Machine["kube-apiserver"])
	fmt.Fprintf(w, "A = %s %s | B = %s | C = %s\n\n", a.Label, a.Version, bb.Label, c.Label)
	row := func(name, av, bv, cv, ab, ac string) {
		fmt.Fprintf(w, "%-44s %12s %12s %12s %7s %7s\n", name, av, bv, cv, ab, ac)
	}
	row("metric", "A", "B", "C", "A/B", "A/C")
	row(strings.Repeat("-", 44), strings.Repeat("-", 12), strings.Repeat("-", 12), strings.Repeat("-", 12), "-------", "-------")
	row("create throughput (hosts/s)", f1(a.Create.PerSecond), f1(bb.Create.PerSecond), f1(c.Create.PerSecond),
		r2(ratio(a.Create.PerSecond, bb.Create.PerSecond)), r2(ratio(a.Create.PerSecond, c.Create.PerSecond)))
	row("  create latency p50 (ms)", f1(a.Create.Latency.P50ms), f1(bb.Create.Latency.P50ms), f1(c.Create.Latency.P50ms),
		r2(ratio(a.Create.Latency.P50ms, bb.Create.Latency.P50ms)), r2(ratio(a.Create.Latency.P50ms, c.Create.Latency.P50ms)))
	row("  create latency p99 (ms)", f1(a.Create.Latency.P99ms), f1(bb.Create.Latency.P99ms), f1(c.Create.Latency.P99ms),
		r2(ratio(a.Create.Latency.P99ms, bb.Create.Latency.P99ms)), r2(ratio(a.Create.Latency.P99ms, c.Create.Latency.P99ms)))
	row("status write throughput (hosts/s)", f1(a.Status.PerSecond), f1(bb.Status.PerSecond), f1(c.Status.PerSecond),
		r2(ratio(a.Status.PerSecond, bb.Status.PerSecond)), r2(ratio(a.Status.PerSecond, c.Status.PerSecond)))
	row("GET one host under create load p50 (ms)", f1(a.GetUnderCreate.P50ms), f1(bb.GetUnderCreate.P50ms), f1(c.GetUnderCreate.P50ms),
		r2(ratio(a.GetUnderCreate.P50ms, bb.GetUnderCreate.P50ms)), r2(ratio(a.GetUnderCreate.P50ms, c.GetUnderCreate.P50ms)))
	row("GET one host under create load p99 (ms)", f1(a.GetUnderCreate.P99ms), f1(bb.GetUnderCreate.P99ms), f1(c.GetUnderCreate.P99ms),
		r2(ratio(a.GetUnderCreate.P99ms, bb.GetUnderCreate.P99ms)), r2(ratio(a.GetUnderCreate.P99ms, c.GetUnderCreate.P99ms)))
	listRow := func(name string, av, bv, cv listResult, p99 bool) {
		pick := func(l listResult) float64 {
			if p99 {
				return l.Latency.P99ms
			}
			return l.Latency.P50ms
		}
		row(name, f1(pick(av)), f1(pick(bv)), f1(pick(cv)), r2(ratio(pick(av), pick(bv))), r2(ratio(pick(av), pick(cv))))
	}
	fmt.Fprintf(w, "cluster-wide LIST of all %d hosts, %d runs:\n", r.N, r.ListRuns)
	listRow("  A-JSON vs B-JSON, median (ms)", a.ListAll["json"], bb.ListAll["json"], c.ListAll["raw"], false)
	listRow("  A-JSON vs B-JSON, p99 (ms)", a.ListAll["json"], bb.ListAll["json"], c.ListAll["raw"], true)
	listRow("  A-protobuf vs B-JSON, median (ms)", a.ListAll["protobuf"], bb.ListAll["json"], c.ListAll["raw"], false)
	listRow("  A-protobuf vs B-JSON, p99 (ms)", a.ListAll["protobuf"], bb.ListAll["json"], c.ListAll["raw"], true)
	row("  response MiB (A-JSON, B-JSON, C raw)", f1(float64(a.ListAll["json"].Bytes)/(1<<20)), f1(float64(bb.ListAll["json"].Bytes)/(1<<20)),
		f1(float64(c.ListAll["raw"].Bytes)/(1<<20)), "", "")
	row("  response MiB (A-protobuf)", f1(float64(a.ListAll["protobuf"].Bytes)/(1<<20)), "", "", "", "")
	fmt.Fprintf(w, "namespace LIST, fieldSelector status.provisioning.state=%s (%d items), %d runs:\n", selectedState, a.ListNamespace["json"].Items, r.ListRuns)
	listRow("  A-JSON vs B-JSON, median (ms)", a.ListNamespace["json"], bb.ListNamespace["json"], listResult{}, false)
	listRow("  A-JSON vs B-JSON, p99 (ms)", a.ListNamespace["json"], bb.ListNamespace["json"], listResult{}, true)
	listRow("  A-protobuf vs B-JSON, median (ms)", a.ListNamespace["protobuf"], bb.ListNamespace["json"], listResult{}, false)
	listRow("  A-protobuf vs B-JSON, p99 (ms)", a.ListNamespace["protobuf"], bb.ListNamespace["json"], listResult{}, true)
	wa, wj, wb, wc := a.Watch["protobuf"], a.Watch["json"], bb.Watch["json"], c.Watch["raw"]
	fmt.Fprintf(w, "watch fan-out: %d watchers, %d updates at %.0f/s (delivered A-pb %d, A-JSON %d, B %d, C %d of %d each):\n",
		wa.Watchers, wa.Updates, wa.Rate, wa.Delivered, wj.Delivered, wb.Delivered, wc.Delivered, wa.Expected)
	row("  A-protobuf vs B-JSON, p50 (ms)", f1(wa.Latency.P50ms), f1(wb.Latency.P50ms), f1(wc.Latency.P50ms), r2(ratio(wa.Latency.P50ms, wb.Latency.P50ms)), r2(ratio(wa.Latency.P50ms, wc.Latency.P50ms)))
	row("  A-protobuf vs B-JSON, p99 (ms)", f1(wa.Latency.P99ms), f1(wb.Latency.P99ms), f1(wc.Latency.P99ms), r2(ratio(wa.Latency.P99ms, wb.Latency.P99ms)), r2(ratio(wa.Latency.P99ms, wc.Latency.P99ms)))
	row("  A-JSON vs B-JSON, p50 (ms)", f1(wj.Latency.P50ms), f1(wb.Latency.P50ms), "", r2(ratio(wj.Latency.P50ms, wb.Latency.P50ms)), "")
	row("  A-JSON vs B-JSON, p99 (ms)", f1(wj.Latency.P99ms), f1(wb.Latency.P99ms), "", r2(ratio(wj.Latency.P99ms, wb.Latency.P99ms)), "")
	fmt.Fprintf(w, "server memory (C: etcd), after loading N minus idle:\n")
	row("  RSS delta (MiB)", f1(a.Memory.DeltaRSSMiB), f1(bb.Memory.DeltaRSSMiB), f1(c.Memory.DeltaRSSMiB),
		r2(ratio(a.Memory.DeltaRSSMiB, bb.Memory.DeltaRSSMiB)), r2(ratio(a.Memory.DeltaRSSMiB, c.Memory.DeltaRSSMiB)))
	row("  Go heap in use delta (MiB)", f1(a.Memory.DeltaHeapMiB), f1(bb.Memory.DeltaHeapMiB), "",
		r2(ratio(a.Memory.DeltaHeapMiB, bb.Memory.DeltaHeapMiB)), "")
	row("  RSS idle / loaded (MiB)", f1(a.Memory.IdleRSSMiB)+"/"+f1(a.Memory.LoadedRSSMiB), f1(bb.Memory.IdleRSSMiB)+"/"+f1(bb.Memory.LoadedRSSMiB),
		f1(c.Memory.IdleRSSMiB)+"/"+f1(c.Memory.LoadedRSSMiB), "", "")
	row("  peak RSS over the run (MiB)", f1(a.Memory.PeakRSSMiB), f1(bb.Memory.PeakRSSMiB), f1(c.Memory.PeakRSSMiB),
		r2(ratio(a.Memory.PeakRSSMiB, bb.Memory.PeakRSSMiB)), "")
	row("  its etcd's RSS delta (MiB)", f1(a.Memory.EtcdDeltaMiB), f1(bb.Memory.EtcdDeltaMiB), f1(c.Memory.DeltaRSSMiB), "", "")
	cpuRow := func(name string, pick func(cpuShare) float64) {
		row(name, f1(pick(a.CreateCPU)), f1(pick(bb.CreateCPU)), f1(pick(c.CreateCPU)),
			r2(ratio(pick(a.CreateCPU), pick(bb.CreateCPU))), r2(ratio(pick(a.CreateCPU), pick(c.CreateCPU))))
	}
	fmt.Fprintf(w, "CPU during the creates, in cores of %s (C: etcd is the server):\n", r.Machine["cpus"])
	cpuRow("  server", func(s cpuShare) float64 { return s.Server })
	cpuRow("  its etcd", func(s cpuShare) float64 { return s.Etcd })
	cpuRow("  load generator (16 clients + prober)", func(s cpuShare) float64 { return s.Client })
	cpuRow("  server CPU per create (ms)", func(s cpuShare) float64 { return s.ServerMsPerRequest })
	row("server CPU for create+status of N (s)", f1(a.LoadCPUSeconds), f1(bb.LoadCPUSeconds), f1(c.LoadCPUSeconds),
		r2(ratio(a.LoadCPUSeconds, bb.LoadCPUSeconds)), r2(ratio(a.LoadCPUSeconds, c.LoadCPUSeconds)))
	row("bytes per host in etcd", f1(a.StoredBytes), f1(bb.StoredBytes), f1(c.StoredBytes), r2(ratio(a.StoredBytes, bb.StoredBytes)), "")
	fmt.Fprintf(w, "\ntargets (issue 7; they are stated for N=10,000):\n")
	for _, t := range r.Targets {
		mark := "MET"
		if !t.Met {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "  %-42s %10s  (target %s)  %s\n", t.Name, r2(t.Value), t.Limit, mark)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintf(w, "wall time %.0fs\n\n", r.WallSeconds)
}

func (r *results) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	clean := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return v
	}
	for k, v := range r.Ratios {
		r.Ratios[k] = clean(v)
	}
	for i := range r.Targets {
		r.Targets[i].Value = clean(r.Targets[i].Value)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
