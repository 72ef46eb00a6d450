# storefit — build, test, benchmark.
#
#   make bench   build storefit and run the default suite (suites/quick.yaml):
#                every access pattern on the embedded stores, answers validated
#   make test    formatting, vet, staticcheck, the static (CGO_ENABLED=0)
#                build, unit and conformance tests (server drivers run when
#                their STOREFIT_<STORE>_DSN is set)
#   make soak    30 minutes of point/a against Redis, checking that storefit's
#                own memory stays flat and under 200 MB (not part of make test)

GO        ?= go
BIN       := bin/storefit
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    := $(shell git rev-parse --short HEAD 2>/dev/null)
# -s -w drop the symbol table and DWARF debug information, -trimpath the
# build machine's paths: a release binary about a quarter smaller, and the
# same bytes wherever it is built (README: binary size).
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BUILDFLAGS := -trimpath
STAMP     := $(shell date -u +%Y-%m-%dT%H-%M-%S)
SUITE     ?= suites/quick.yaml
RESULT    ?= results/$(STAMP).json
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Packages whose concurrency is checked with the race detector.
RACE_PKGS := ./runner/... ./drivers/memory/... ./workloads/... ./syncer/...

.PHONY: all build test lint static race bench bench-go soak image clean

all: build

build:
	$(GO) build $(BUILDFLAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/storefit

## test: lint, the static build, then every test once, then the race
## detector on the concurrent core.
test: lint static
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -race -timeout 20m $(RACE_PKGS)

## static: the Dockerfile's build — without cgo, so without DuckDB; every
## other store and workload must build (no workload may pull a cgo client).
static:
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/storefit

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: the default suite, a result file, a summary table, the store
## recommended per pattern with the reason for each choice, and an HTML
## report (report.html next to the result). It builds an embedded-only
## binary (tag storefit_embedded: no server clients), which compiles in
## about half the time of the full CLI on a fresh machine.
BENCH_BIN := bin/storefit-embedded
bench:
	$(GO) build $(BUILDFLAGS) -tags storefit_embedded -ldflags "$(LDFLAGS)" -o $(BENCH_BIN) ./cmd/storefit
	@mkdir -p results
	$(BENCH_BIN) run --suite $(SUITE) --out $(RESULT) --report
	$(BENCH_BIN) pick $(RESULT)

## bench-go: microbenchmarks of the load generator itself (generators,
## histogram recording, the runner loop on the noop store).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./workloads/gen/ ./runner/

## soak: point/a against Redis for SOAK_DURATION (default 30m) with
## storefit's RSS, heap and goroutines sampled every 10 s into the result
## (results/soak-<time>.json); fails if RSS passes 200 MB or grows (a leak).
## Redis is $STOREFIT_REDIS_DSN, else one started by compose/native/redis.sh.
## Run it on a quiet machine; not part of make test.
SOAK_DURATION ?= 30m
soak:
	STOREFIT_SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -run '^TestSoak$$' -count=1 -timeout 2h -v ./cmd/storefit/

## image: the container image for Kubernetes runs (docs/kubernetes.md);
## needs a Docker engine. IMAGE=registry/storefit:tag to name it.
IMAGE ?= storefit:$(VERSION)
image:
	docker build -t $(IMAGE) --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) .

clean:
	rm -rf bin
