# novalite developer entry points. On a fresh Debian 12 machine (root):
#   make up     install what is missing, start the daemons, build the test image, run the demo
#   make test   sanity + unit + integration tests
.PHONY: up test sanity unit integration api security image bench clean

up:
	scripts/setup.sh

test:
	scripts/run-tests.sh

sanity:
	scripts/sanity.sh

unit:
	scripts/run-tests.sh unit

integration:
	scripts/run-tests.sh integration

api:
	scripts/run-tests.sh api

security:
	scripts/run-tests.sh security

image:
	scripts/build-test-image.sh

# every benchmarks/<name>/run (each is one command printing its table)
bench:
	@set -e; for b in benchmarks/*/run; do echo "==> $$b"; "./$$b"; done

# only what `make up` made inside the tree (the shared image cache under /var/cache stays)
clean:
	rm -rf .venv .cache
