# The two commands a new machine needs:
#   make demo   the operator and its example cluster on a local Kubernetes control plane
#   make test   every test (unit and end to end)
# Both set up what is missing first (Node.js 24, Debian packages, npm packages, the control plane build).
.PHONY: setup demo test bench controlplane-up controlplane-down

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/with-node.sh npm run -s demo

test: setup
	@bash scripts/with-node.sh npm test

controlplane-up: setup
	@bash scripts/with-node.sh npm run -s controlplane -- up

controlplane-down:
	@bash scripts/with-node.sh npm run -s controlplane -- down

bench: setup
	@bash scripts/with-node.sh npm run -s bench
