# herd's build. `make test` installs any missing server (memcached,
# redis-server, nutcracker) with apt-get, then vets and runs every test with
# the race detector. Long runs have targets of their own.

GO       ?= go
FUZZTIME ?= 30s
SERVERS  := memcached redis-server nutcracker
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test servers vet fuzz quickstart bench chaos

test: servers vet
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 12m $$($(GO) list ./... | grep -v /chaos)
	# The chaos suite measures latency: it runs alone, not beside other packages.
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 5m ./chaos/
	# Allocation counts, without the race detector, which changes them.
	CI=$${CI:-} $(GO) test -count=1 -run 'Alloc' ./...

# Each binary named in SERVERS comes from the Debian package of the same name
# (nutcracker, twemproxy, lands in /usr/sbin, which is searched too).
# Without apt-get (not Debian, or no root and no sudo) the missing servers are
# named and the tests that need them skip, except under CI=true, where they
# fail.
servers:
	@missing=""; \
	for b in $(SERVERS); do command -v $$b >/dev/null 2>&1 || [ -x /usr/sbin/$$b ] || \
		missing="$$missing $$b"; done; \
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
	@for b in $(SERVERS); do command -v $$b >/dev/null 2>&1 || [ -x /usr/sbin/$$b ] || \
		[ "$${CI:-}" != "true" ] || \
		{ echo "$$b is still missing"; exit 1; }; done

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

quickstart:
	$(GO) run ./examples/quickstart

# Runs herd side by side with gomemcache (ServerList and through twemproxy),
# go-redis Ring and rueidis, on servers it starts on loopback: about 6
# minutes. Installs the servers when missing. Pass flags with BENCHFLAGS,
# e.g. BENCHFLAGS="-duration 2s -json bench.json".
bench: servers
	$(GO) run ./bench $(BENCHFLAGS)
