# herd's build. `make test` installs any missing server (memcached,
# redis-server) with apt-get, then vets and runs every test with the race
# detector. Long runs have targets of their own.

GO       ?= go
FUZZTIME ?= 30s
SERVERS  := memcached redis-server
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test servers vet fuzz quickstart

test: servers vet
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 12m ./...

# Each binary named in SERVERS comes from the Debian package of the same name.
servers:
	@missing=""; \
	for b in $(SERVERS); do command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@for b in $(SERVERS); do command -v $$b >/dev/null 2>&1 || \
		{ echo "$$b is still missing after apt-get"; exit 1; }; done

vet:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

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
