# socketlab — the one entry point for building, testing and running.
# `make deps` installs what the tests need on a fresh Debian machine;
# `make test` is the whole test suite CI runs.

GO        ?= go
BIN       := bin/socketlab
# Debian packages the tests use: a real X server for window tests, tshark to
# decode exported pcap files, tcpdump to capture real traffic for replay, nc
# (netcat-openbsd) for interoperability tests.
# chromium runs the browser playground's end-to-end tests (socketlab serve).
# iproute2 and iptables build the network namespaces of socketlab compare and
# its tests (the firewall drops the packets an exchange loses).
DEB_PKGS  := xvfb xauth xfonts-base tshark tcpdump netcat-openbsd chromium iproute2 iptables
# Debian packages make bench-ns3 uses: ns-3 3.37 (headers and libraries) and g++.
NS3_PKGS  := libns3-dev ns3 g++
FUZZTIME  ?= 10s
# Module pins: go.mod stays tidy (make check runs `go mod tidy -diff`), so a
# module the code does not import is not kept. ebiten must stay at exactly
# v2.10.4, and pion/webrtc/v4, when the WebRTC bridge imports it again, must
# be added at exactly v4.2.20 (`go get github.com/pion/webrtc/v4@v4.2.20`):
# the module proxy this project builds with refuses newer versions of both.

.PHONY: all run build web test test-unit test-draw test-wasm check deps bench bench-ns3 fuzz clean

all: build

## run: start the main job: the playground window, or without a display the
## playground in a browser (socketlab serve: it prints the URL) with the demo servers
run: build
	./$(BIN)

# The browser playground's bundle (cmd/wasm compiled to WebAssembly,
# pre-compressed with brotli and gzip, and Go's wasm_exec.js), embedded by
# socketlab serve from assets/web/dist. Rebuilt when the sources it is made
# of change; brotli at quality 11 takes about a minute and a half.
WEB_DIST  := assets/web/dist
WEB_SRCS  := $(shell find cmd/wasm sim textbook assets/fonts assets/web/bundle assets/web/mkbundle -type f -not -path '*/testdata/*' 2>/dev/null) go.mod go.sum

$(WEB_DIST)/socketlab.wasm.gz: $(WEB_SRCS)
	$(GO) run ./assets/web/mkbundle -o $(WEB_DIST)

## web: only the browser bundle
web: $(WEB_DIST)/socketlab.wasm.gz

## build: the browser bundle, then the native binary in bin/socketlab, which
## embeds it. No cgo, but not static: ebiten's purego links the C library (libc,
## libdl, libpthread) dynamically to dlopen X11 and OpenGL when the window opens.
build: web
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/native

## deps: install the Debian packages the tests need (only those missing), and nodejs if node is missing
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" != 0 ]; then echo "make deps: missing Debian packages:$$missing; apt-get needs root: run sudo make deps" >&2; exit 1; \
	else echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@command -v python3 >/dev/null || { echo "deps: python3 is required for the interoperability tests" >&2; exit 1; }
	@# under sudo the module download is left to the user's own make test: root-owned files in their module cache would break it
	@if [ "$$(id -u)" = 0 ] && [ -n "$$SUDO_USER" ]; then echo "deps: Go modules are downloaded by make test as $$SUDO_USER"; \
	else echo "$(GO) mod download"; $(GO) mod download; fi

## check: formatting, vet, a tidy go.mod, package boundaries and the simulator's purity
check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy (ebiten stays v2.10.4)" >&2; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	$(GO) vet ./...
	@# sim/bridge, the gateway's WebRTC client, imports net through pion: it has rules of its own
	@bad=$$($(GO) list -deps $$($(GO) list ./sim/... | grep -vE '/view|/pcap|/bridge') | grep -E '^(net|syscall/js)$$|ebiten|socketlab/core' | sort -u); \
	if [ -n "$$bad" ]; then echo "the simulator must stay pure; it depends on: $$bad" >&2; exit 1; fi
	@bad=$$({ $(GO) list -deps ./sim/bridge; GOOS=js GOARCH=wasm $(GO) list -deps ./sim/bridge; } | grep -E 'ebiten|socketlab/core' | sort -u); \
	if [ -n "$$bad" ]; then echo "sim/bridge must not import core or ebiten; it depends on: $$bad" >&2; exit 1; fi
	@if $(GO) list -deps ./core/... | grep -qE 'ebiten|syscall/js'; then echo "core must not import ebiten or syscall/js" >&2; exit 1; fi
	@if $(GO) list -deps ./sim/view/layout | grep -q ebiten; then echo "sim/view/layout must not import ebiten (it is tested without a display)" >&2; exit 1; fi
	@if GOOS=js GOARCH=wasm $(GO) list -deps ./cmd/wasm | grep -q 'socketlab/core'; then echo "cmd/wasm must not import core" >&2; exit 1; fi
	@if { $(GO) list -deps ./cmd/native; GOOS=js GOARCH=wasm $(GO) list -deps ./cmd/wasm; } | grep -q 'socketlab/sim/view/fixture'; then echo "the binaries must not link the test fixtures (sim/view/fixture): only tests may import them" >&2; exit 1; fi
	@# beyond imports: no wall clock, no global rand, no go statements in the simulator (sim/purity_test.go)
	$(GO) test -count=1 -run '^TestSimPurity' ./sim/

## test: everything CI runs
test: deps check test-unit test-draw test-wasm

test-unit:
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -v /drawtest)
	@# -race instruments allocations: the allocation and memory tests run again without it,
	@# and the bundle's budget, whose brotli at quality 11 -race would make minutes long
	$(GO) test -count=1 -run 'Alloc|NotAllocate|MemoryBounded|BundleBudget' ./sim ./sim/tcp ./sim/trace ./core ./core/loadgen ./cmd/native

## test-draw: drawing tests compare real frames with golden PNGs under a real X server (Xvfb + Mesa)
test-draw:
	xvfb-run -a -s '-screen 0 1280x800x24' $(GO) test -race -count=1 -timeout 10m ./sim/view/drawtest/

## test-wasm: the simulator's golden traces must be byte-identical under WebAssembly, and every
## shipped lesson walk to its end there, as the browser playground runs it
test-wasm:
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./cmd/wasm
	@# the tests last: make test's output ends with go test's own lines, which CI reads
	GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout 10m -exec "$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./sim ./sim/trace ./sim/caption ./sim/lesson ./sim/dns ./sim/class ./textbook

## bench: benchmarks with their baselines side by side (about 5 minutes)
bench: build
	@echo "== real servers on loopback: Go vs Python ThreadingTCPServer vs a bare Go loop"
	@# one b.N is one round (every server in every scenario for 1.2 s, about 11 s); the table keeps each pair's median of 5 rounds
	$(GO) test -run '^$$' -bench BenchmarkServers -benchtime 5x ./core/bench/
	@echo "== the simulator: trace events per second, allocations per step"
	$(GO) test -run '^$$' -bench . -benchmem ./sim ./sim/tcp
	@echo "== socketlab sim beside the engine alone: scenario (A), 60 virtual s, wall time and peak RSS of a child process each (about 2 minutes)"
	$(GO) test -run '^$$' -bench SimCLIVersusEngine -benchtime 3x ./cmd/native/
	@echo "== the renderer: frame time with 100 / 2,000 / 10,000 packets in flight (Xvfb + Mesa llvmpipe), step back in a 60 s run (and in 60 s of a 100 Mbit/s bulk transfer, with the model's memory)"
	xvfb-run -a -s '-screen 0 1280x800x24' $(GO) test -run '^$$' -bench 'Readback|Frame' -benchmem ./sim/view/drawtest/
	$(GO) test -run '^$$' -bench 60s -benchmem ./sim/view/layout/
	@echo "== the playground's memory: 10 s and 60 s of a 100 Mbit/s bulk transfer opened (held and highest heap; about a minute)"
	$(GO) test -run '^$$' -bench OpenBulk -benchtime 1x ./sim/view/
	@echo "== the WebRTC bridge: round trips, and 30 peers on one gateway for 3 s"
	$(GO) test -run '^$$' -bench EchoRTT ./sim/bridge/
	$(GO) test -run '^$$' -bench ThirtyPeers -benchtime 1x ./sim/bridge/
	@echo "== exporters, look-ups, the compact event store (bytes per event, encode and decode rates)"
	$(GO) test -run '^$$' -bench . -benchmem ./core ./core/services ./core/toolbox ./core/loadgen ./sim/trace/... ./sim/caption

## bench-ns3: ns-3 3.37 and socketlab side by side (one bulk flow; the dumbbell with
## N = 10, 100, 1,000; about 15 minutes): installs libns3-dev, ns3 and g++ if missing
bench-ns3:
	@missing=""; for p in $(NS3_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "bench-ns3: ns-3 and g++ present"; \
	elif [ "$$(id -u)" != 0 ]; then echo "make bench-ns3: missing Debian packages:$$missing; apt-get needs root: run sudo make bench-ns3" >&2; exit 1; \
	else echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	SOCKETLAB_NS3=1 $(GO) test -count=1 -run TestNS3SideBySide -v -timeout 60m ./sim/bench/

## fuzz: a short bounded run of every fuzz target
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin $(WEB_DIST)/socketlab.wasm.br $(WEB_DIST)/socketlab.wasm.gz $(WEB_DIST)/wasm_exec.js
