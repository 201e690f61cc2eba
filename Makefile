# baremetal-apiserver — the two commands that matter are `make run` and `make test`.

SHELL := /usr/bin/env bash
GO ?= go
OUT := $(CURDIR)/_output
BIN := $(OUT)/bin
VERSION ?= v0.1.0-dev
# The server reports a Kubernetes-style version so kubectl can compare it with itself.
LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(VERSION) \
           -X k8s.io/component-base/version.gitMajor=0 -X k8s.io/component-base/version.gitMinor=1
KUBECTL_LDFLAGS := -X k8s.io/component-base/version.gitVersion=v1.37.2 \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/client-go/pkg/version.gitVersion=v1.37.2 \
	-X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37
# Fuzzing: how long each Go fuzz target runs in make test, and in make fuzz.
FUZZ_SMOKE_TIME ?= 8s
FUZZTIME ?= 5m
HTTP_FUZZ_REQUESTS ?= 20000
# Test timeouts bound every tier (CI has 90 minutes for everything, on 2 cores).
UNIT_TIMEOUT ?= 10m
# The cluster tier (3 etcd members, 3 replicas, leader and member kills, Ironic) takes about 2 min.
CLUSTER_TIMEOUT ?= 8m
INTEGRATION_TIMEOUT ?= 20m
# The e2e suite itself takes about a minute; the bound leaves room for a slow machine.
E2E_TIMEOUT ?= 15m
# Building kube-apiserver cold takes ~8 minutes and ~3 GB of RAM on 2 cores.
KUBE_APISERVER_BUILD_TIMEOUT ?= 40m
# make bench: hosts to load into each system (the issue's figure is 10,000; 50000 works too).
# At N=10000 the benchmark itself takes ~6 minutes on 2 cores; the bound is for slow machines.
N ?= 10000
BENCH_TIMEOUT ?= 40m
# test/metal3compat takes about a minute warm (kube-apiserver, Ironic, the server, two hosts provisioned).
METAL3COMPAT_TIMEOUT ?= 10m
# The smoke run of the benchmark in make test (N=200) takes well under a minute.
BENCH_SMOKE_TIMEOUT ?= 5m
# make bench-redfish-scale: simulated Redfish hosts registered and inspected (the issue's figure).
REDFISH_SCALE_HOSTS ?= 10000

.PHONY: all build kubectl etcd kube-apiserver generate verify vet fmt-check verify-codegen verify-codegen-cold test test-unit test-integration test-cluster test-e2e test-metal3compat test-bench-smoke test-fuzz-smoke fuzz bench bench-lifecycle bench-scale bench-power bench-redfish bench-redfish-scale bench-claims run clean

all: build

## build: every binary into _output/bin
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

## kubectl: kubectl of the same release, from the module proxy (hack/tools)
kubectl:
	cd hack/tools && $(GO) build -ldflags '$(KUBECTL_LDFLAGS)' -o $(BIN)/kubectl ./kubectl

## etcd: the etcd server (3.7, the version the product embeds) for the cluster tier, from the
## module the product already requires: go build is incremental, seconds once the product built
etcd:
	$(GO) build -o $(BIN)/etcd go.etcd.io/etcd/server/v3

## kube-apiserver: kube-apiserver for the e2e suite (hack/tools/kube-apiserver), rebuilt only when
## its pinned version or module files change
kube-apiserver:
	timeout $(KUBE_APISERVER_BUILD_TIMEOUT) hack/build-kube-apiserver.sh

## generate: regenerate clients, deepcopy, conversion, defaults and OpenAPI
generate:
	hack/update-codegen.sh

## verify: static checks and generated code freshness
verify: fmt-check vet verify-codegen

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './_output/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd hack/tools && $(GO) vet ./...
	cd hack/tools/controller-gen && $(GO) vet ./...
	cd test/metal3compat && GONOSUMDB=github.com/metal3-io $(GO) vet ./...

verify-codegen:
	hack/verify-codegen.sh

## verify-codegen-cold: the same against an empty, temporary module cache, so that a script
## that reads a module nothing downloaded fails on every machine, not only on a new one
verify-codegen-cold:
	hack/verify-codegen.sh --empty-module-cache

## test: every test tier — what CI runs (the codegen check against an empty module cache)
test: fmt-check vet verify-codegen-cold test-unit test-fuzz-smoke test-integration test-cluster test-e2e test-metal3compat test-bench-smoke

test-unit:
	$(GO) test -timeout $(UNIT_TIMEOUT) ./pkg/... ./cmd/... ./test/framework/

## test-fuzz-smoke: every Go fuzz target for a few seconds, so that none rots
test-fuzz-smoke:
	FUZZTIME=$(FUZZ_SMOKE_TIME) hack/fuzz.sh

## fuzz: every Go fuzz target for FUZZTIME (default 5m) each, then the HTTP fuzzer against a
## running server with HTTP_FUZZ_REQUESTS requests (default 20000) from a new seed, printed
fuzz: build
	FUZZTIME=$(FUZZTIME) hack/fuzz.sh
	HTTP_FUZZ_REQUESTS=$(HTTP_FUZZ_REQUESTS) HTTP_FUZZ_SEED=$${HTTP_FUZZ_SEED:-$$(date +%s)} \
		BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBECTL_BIN=$(BIN)/kubectl \
		$(GO) test -count=1 -v -run '^TestHTTPFuzz$$' -timeout 60m ./test/integration/ | grep -E 'httpfuzz|^(---|ok|FAIL)'

test-integration: build kubectl
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBECTL_BIN=$(BIN)/kubectl \
		$(GO) test -timeout $(INTEGRATION_TIMEOUT) -count=1 ./test/integration/...

## test-cluster: three replicas on a three-member etcd cluster (TLS between members and to
## clients) with the Redfish simulator behind them: the leader killed 5 times during 30 hosts'
## lifecycles (CLUSTER_SEED=n repeats the kill moments), actions on standbys, the leader killed
## mid-reboot (each reboot reset exactly once), one etcd member
## killed, quorum lost and back; and the leader killed twice while the replicas drive a real
## Ironic (test/cluster). -v: the measured failover times and counts are
## the point of the tier.
test-cluster: build etcd
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver TEST_ETCD_BIN=$(BIN)/etcd \
		$(GO) test -timeout $(CLUSTER_TIMEOUT) -count=1 -v ./test/cluster/...

## test-e2e: the server in delegated mode behind a real kube-apiserver (test/e2e)
test-e2e: build kubectl kube-apiserver
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBECTL_BIN=$(BIN)/kubectl KUBE_APISERVER_BIN=$(BIN)/kube-apiserver \
		$(GO) test -timeout $(E2E_TIMEOUT) -count=1 ./test/e2e/...

## test-metal3compat: a client nobody here wrote (test/metal3compat, a module of its own): Metal3's
## published Go types (baremetal-operator/apis v0.12.0) and a controller-runtime v0.25 client doing
## what Cluster API Provider Metal3 does to hosts, through kube-apiserver and the APIService
## v1alpha1.metal3.io (--serve-metal3-io), on a real Ironic; and every field of Metal3's kinds
## round-tripped and decoded strictly. GONOSUMDB: the checksum database refuses Metal3's module here.
test-metal3compat: build kubectl kube-apiserver
	cd test/metal3compat && GONOSUMDB=github.com/metal3-io \
		BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBECTL_BIN=$(BIN)/kubectl KUBE_APISERVER_BIN=$(BIN)/kube-apiserver \
		$(GO) test -timeout $(METAL3COMPAT_TIMEOUT) -count=1 ./...

## test-bench-smoke: the benchmark (test/bench) at N=200 with a short watch phase, the
## lifecycle benchmark at 10 hosts on 1 and on 2 Ironics (bench-scale's code path), the power
## benchmark at 10 operations, the claim-binding
## benchmark at 50 hosts (TestClaimBindingSmoke) and bench-redfish-scale at 50 hosts (its API
## targets enforced), so that they cannot rot; and the restart test of the storage encoding the
## first one led to. (bench-redfish's Ironic run is not smoked: Ironic's redfish driver on sqlite
## can leave a node in "verifying" for good, see the benchmark's comment.)
test-bench-smoke: build kube-apiserver
	BENCH_N=200 BENCH_WATCH_UPDATES=200 BENCH_WATCH_RATE=200 BENCH_SETTLE_SECONDS=1 BENCH_OUT=$(OUT)/bench/smoke.json \
		BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBE_APISERVER_BIN=$(BIN)/kube-apiserver \
		$(GO) test -count=1 -run '^TestStorageMediaTypeRestart$$' -bench '^BenchmarkAPIServers$$' -benchtime 1x \
		-timeout $(BENCH_SMOKE_TIMEOUT) ./test/bench/
	BENCH_HOSTS=10 BENCH_IRONICS=1,2 BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkLifecycle$$' -benchtime 1x \
		-timeout $(BENCH_SMOKE_TIMEOUT) ./test/bench/
	BENCH_POWER_OPS=10 BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkPowerLatency$$' -benchtime 1x \
		-timeout $(BENCH_SMOKE_TIMEOUT) ./test/bench/
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^TestClaimBindingSmoke$$' -timeout $(BENCH_SMOKE_TIMEOUT) ./test/bench/
	BENCH_REDFISH_AT_REST=1s $(MAKE) --no-print-directory bench-redfish-scale REDFISH_SCALE_HOSTS=50 BENCH_TIMEOUT=$(BENCH_SMOKE_TIMEOUT)

## bench-claims: HostClaims bound per second, BENCH_CLAIM_HOSTS (default 1,000) hosts and as many
## claims from 20 clients (API only).
bench-claims: build
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkClaimBinding$$' -benchtime 1x -timeout $(BENCH_TIMEOUT) ./test/bench/

## bench: this server (A) against kube-apiserver serving the same schema as a CRD (B) and raw
## etcd (C), N hosts each (make bench N=1000); prints a table, writes _output/bench/results-n<N>.json.
## BENCH_PPROF=1 keeps CPU and heap profiles of A and B in _output/bench/pprof.
bench: build kube-apiserver
	BENCH_N=$(N) BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBE_APISERVER_BIN=$(BIN)/kube-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkAPIServers$$' -benchtime 1x -timeout $(BENCH_TIMEOUT) ./test/bench/

## bench-lifecycle: N fake-hardware hosts (BENCH_HOSTS, default 100) to provisioned and powered
## on, on a real Ironic, through the server vs scripted directly with gophercloud (the same
## Ironic work, and transitions only); prints the times and the ratios
bench-lifecycle: build
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkLifecycle$$' -benchtime 1x -timeout $(BENCH_TIMEOUT) ./test/bench/

## bench-scale: issue 17's scale run of bench-lifecycle: BENCH_SCALE_HOSTS (default 1,000)
## hosts from creation to provisioned and powered on, through the server and by the same-work
## gophercloud floor, on 1 and then 2 real Ironics (BENCH_SCALE_IRONICS, default 1,2; the server
## gets one --ironic-endpoint per Ironic, the floor shards the same way); times, hosts/s, ratios
BENCH_SCALE_HOSTS ?= 1000
BENCH_SCALE_IRONICS ?= 1,2
BENCH_SCALE_TIMEOUT ?= 150m
bench-scale: build
	BENCH_HOSTS=$(BENCH_SCALE_HOSTS) BENCH_IRONICS=$(BENCH_SCALE_IRONICS) BENCH_TRANSITIONS_ONLY=0 \
		BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkLifecycle$$' -benchtime 1x -timeout $(BENCH_SCALE_TIMEOUT) ./test/bench/

## bench-power: write returned -> BMC received the power action, through baremetalhosts/power
## and through an update of spec.online (BENCH_POWER_OPS, default 200); p50/p99
bench-power: build
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkPowerLatency$$' -benchtime 1x -timeout $(BENCH_TIMEOUT) ./test/bench/

## bench-redfish: register + out-of-band inspection of N simulated Redfish hosts
## (BENCH_REDFISH_HOSTS, default 200) through the server, with the direct Redfish backend and
## with Ironic's redfish driver, against the same simulator; hosts/s and p50/p99 per host
bench-redfish: build
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkRedfishRegisterInspect$$' -benchtime 1x -timeout $(BENCH_TIMEOUT) ./test/bench/

## bench-redfish-scale: bench-redfish with the direct backend alone, at REDFISH_SCALE_HOSTS
## (default 10,000) hosts with one BMC account each (one session, client and connection per host
## in the server, as with one BMC per server); also the server's memory per host and the API's
## GET p99 and namespace LIST time during the run, failing if they miss 1 s and 5 s
bench-redfish-scale: build
	BENCH_REDFISH_HOSTS=$(REDFISH_SCALE_HOSTS) BENCH_REDFISH_BACKENDS=redfish BENCH_REDFISH_ACCOUNTS=per-system BENCH_REDFISH_SLO=1 \
		BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver \
		$(GO) test -count=1 -run '^$$' -bench '^BenchmarkRedfishRegisterInspect$$' -benchtime 1x -timeout $(BENCH_TIMEOUT) ./test/bench/

## run: the standalone server on an embedded etcd with example hosts; Ctrl-C stops it
run: build kubectl
	hack/run.sh

clean:
	rm -rf $(OUT)
