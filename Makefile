# The README's commands. `make test` runs every test on a fresh machine that
# has Go, Node.js and npm (it installs the npm test dependencies first).
GO ?= go
NPM_DIR := tests/npm

.PHONY: run test npm-deps unit e2e conformance fuzz bench build

build:
	$(GO) build -o mcpwarden ./cmd/mcpwarden

run:
	$(GO) run ./cmd/mcpwarden serve

npm-deps: $(NPM_DIR)/node_modules/.installed

$(NPM_DIR)/node_modules/.installed: $(NPM_DIR)/package-lock.json
	cd $(NPM_DIR) && npm ci --no-audit --no-fund
	touch $@

test: npm-deps
	$(GO) vet ./...
	$(GO) test -race -count=1 ./internal/...
	MCPWARDEN_E2E_RACE=1 $(GO) test -count=1 -timeout 20m ./tests/...

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzStrict -fuzztime=30s ./internal/jsonrpc/
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=30s ./internal/jsonrpc/
	$(GO) test -run='^$$' -fuzz=FuzzLoad -fuzztime=30s ./internal/config/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./internal/...
	$(GO) run ./bench -out bench/results/latest.json
