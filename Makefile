# The module's two commands are `make lab` and `make test`; both set up what they need.
SHELL := /bin/bash
export npm_config_nodedir := /usr
export PATH := $(CURDIR)/.cache/helm:$(PATH)
JEST_JSON := test/out/jest.json

.PHONY: gen-types setup build typecheck lint test unit lab lab-down lab-status bench hooks-sea images publish clean

setup:
	@bash scripts/setup.sh

build: setup
	@npx tsc -p tsconfig.build.json
	@node dist/scripts/bundle.js
	@chmod +x hooks/batch lab/bin/metallb-lab 2>/dev/null || true

typecheck: setup
	@npx tsc -p tsconfig.json --noEmit

lint: setup
	@npx eslint --max-warnings 0 .

# Everything (type-check and lint run as tests too): unit, protocol, namespace, interop, render and end-to-end tests.
test: build
	@mkdir -p test/out
	@npx jest --ci --maxWorkers=2 --json --outputFile=$(JEST_JSON) $(JEST_ARGS); node scripts/totals.js $(JEST_JSON)

unit: build
	@npx jest --maxWorkers=2 lib hooks images

# Pods run from the image archives under runc; `node dist/lab/cli/main.js up --processes` runs them as host processes.
lab: images
	@node dist/lab/cli/main.js up

lab-down:
	@if [ -f dist/lab/cli/main.js ]; then node dist/lab/cli/main.js down; else echo "lab: nothing to take down"; fi

lab-status: build
	@node dist/lab/cli/main.js status

bench: images
	@mkdir -p bench/out
	@node dist/bench/main.js

hooks-sea: build
	@bash scripts/build-hooks-sea.sh

# The module as Deckhouse installs it, built offline: out/images/{controller,speaker,bundle,release}.tar (OCI archives),
# images_digests.json, version.json. Unchanged images are not packed again.
images: build
	@node dist/scripts/images/build.js

# Pushes out/images to REGISTRY=host[:port]/path in the ModuleSource layout (CHANNEL=alpha by default;
# REGISTRY_CREDS=user:password, REGISTRY_TLS_VERIFY=false for a plain-HTTP registry).
publish: images
	@node dist/scripts/images/publish.js

clean:
	rm -rf dist test/out bench/out out

# Regenerates lib/schemas/types.generated.ts from crds/ and openapi/.
gen-types: build
	@node dist/lib/schemas/gen-types.js
