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
# Test timeouts bound every tier (CI has 90 minutes for everything, on 2 cores).
UNIT_TIMEOUT ?= 10m
INTEGRATION_TIMEOUT ?= 20m
# The e2e suite itself takes about a minute; the bound leaves room for a slow machine.
E2E_TIMEOUT ?= 15m
# Building kube-apiserver cold takes ~8 minutes and ~3 GB of RAM on 2 cores.
KUBE_APISERVER_BUILD_TIMEOUT ?= 40m

.PHONY: all build kubectl kube-apiserver generate verify vet fmt-check verify-codegen test test-unit test-integration test-e2e run clean

all: build

## build: every binary into _output/bin
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

## kubectl: kubectl of the same release, from the module proxy (hack/tools)
kubectl:
	cd hack/tools && $(GO) build -ldflags '$(KUBECTL_LDFLAGS)' -o $(BIN)/kubectl ./kubectl

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

verify-codegen:
	hack/verify-codegen.sh

## test: every test tier — what CI runs
test: verify test-unit test-integration test-e2e

test-unit:
	$(GO) test -timeout $(UNIT_TIMEOUT) ./pkg/... ./cmd/...

test-integration: build kubectl
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBECTL_BIN=$(BIN)/kubectl \
		$(GO) test -timeout $(INTEGRATION_TIMEOUT) -count=1 ./test/integration/...

## test-e2e: the server in delegated mode behind a real kube-apiserver (test/e2e)
test-e2e: build kubectl kube-apiserver
	BAREMETAL_APISERVER_BIN=$(BIN)/baremetal-apiserver KUBECTL_BIN=$(BIN)/kubectl KUBE_APISERVER_BIN=$(BIN)/kube-apiserver \
		$(GO) test -timeout $(E2E_TIMEOUT) -count=1 ./test/e2e/...

## run: the standalone server on an embedded etcd with example hosts; Ctrl-C stops it
run: build kubectl
	hack/run.sh

clean:
	rm -rf $(OUT)
