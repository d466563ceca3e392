# herd's build. `make test` installs any missing server (memcached,
# redis-server, nutcracker, etcd) with apt-get, then vets and runs every test
# with the race detector. Long runs have targets of their own.

GO       ?= go
FUZZTIME ?= 30s
# Each server is binary:Debian package.
SERVERS  := memcached:memcached redis-server:redis-server nutcracker:nutcracker etcd:etcd-server
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test servers vet fuzz quickstart bench chaos convergence

test: servers vet
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 12m $$($(GO) list ./... | grep -v /chaos)
	# The chaos suite measures latency: it runs alone, not beside other packages.
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 5m ./chaos/
	# Allocation counts, without the race detector, which changes them.
	CI=$${CI:-} $(GO) test -count=1 -run 'Alloc' ./...

# Each binary named in SERVERS comes from its Debian package (nutcracker,
# twemproxy, lands in /usr/sbin, which is searched too).
# Without apt-get (not Debian, or no root and no sudo) the missing servers are
# named and the tests that need them skip, except under CI=true, where they
# fail.
servers:
	@missing=""; \
	for s in $(SERVERS); do command -v $${s%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${s%%:*} ] || \
		missing="$$missing $${s#*:}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1 || \
		{ [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; }; then \
		echo "cannot install$$missing here (needs apt-get as root or with sudo):"; \
		echo "install them yourself; tests that need them skip, or fail under CI=true"; \
		[ "$${CI:-}" != "true" ]; exit $$?; \
	fi; \
	echo "installing:$$missing"; \
	$(SUDO) apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing
	@for s in $(SERVERS); do command -v $${s%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${s%%:*} ] || \
		[ "$${CI:-}" != "true" ] || \
		{ echo "$${s%%:*} is still missing"; exit 1; }; done

vet:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

# Runs the chaos suite at its long size (HERD_CHAOS=long, about 2.5 minutes)
# and prints its table; `make test` runs the short size.
chaos: servers
	HERD_CHAOS=long CI=$${CI:-} $(GO) test -race -count=1 -v -timeout 20m -run . ./chaos/

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# Prints how fast a change at each discovery source reaches the routing
# snapshot (etcd watch, file, DNS); `make test` runs the same test quietly.
convergence: servers
	CI=$${CI:-} $(GO) test -race -count=1 -v -run 'TestConvergence' . | grep -E 'convergence|^(ok|FAIL|---)'

quickstart:
	$(GO) run ./examples/quickstart

# Runs herd side by side with gomemcache (ServerList and through twemproxy),
# go-redis Ring and rueidis, on servers it starts on loopback: about 6
# minutes. Installs the servers when missing. Pass flags with BENCHFLAGS,
# e.g. BENCHFLAGS="-duration 2s -json bench.json".
bench: servers
	$(GO) run ./bench $(BENCHFLAGS)
