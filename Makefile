# flinkflow — the two commands of the README's Quick start are `make local` and `make test`.
# Both install what they need (npm packages, a Python venv, Maven jars) and are safe to re-run.
#
# Each concern keeps its own targets in mk/<concern>.mk and adds its test target to TEST_TARGETS,
# so that this file stays short and the concerns do not edit one another's recipes.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The project runs on Node 22 (package.json "engines"), which the npm package `node` installs into
# node_modules/.bin for machines with an older Node. Putting .bin first makes every recipe (npm too) use it.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.venv/bin:$(PATH)

VENV := .venv
PY := $(VENV)/bin/python
NODE_STAMP := node_modules/.flinkflow-installed
VENV_STAMP := $(VENV)/.flinkflow-installed
PY_REQUIREMENTS := $(wildcard flink-app/requirements*.txt local/requirements.txt infra/requirements*.txt)

TEST_TARGETS := typecheck lint test-unit

.PHONY: help deps node-deps py-deps typecheck lint test-unit test-e2e bench-provisioning test local clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

deps: node-deps py-deps ## install every dependency the project needs

node-deps: $(NODE_STAMP)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

py-deps: $(VENV_STAMP)
$(VENV_STAMP): $(PY_REQUIREMENTS)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(if $(PY_REQUIREMENTS),$(PY) -m pip install --quiet $(addprefix -r ,$(PY_REQUIREMENTS)))
	touch $@

typecheck: node-deps ## type-check all TypeScript (strict)
	tsc -p tsconfig.json

lint: node-deps ## eslint + prettier check
	eslint .
	prettier --check .

test-unit: node-deps py-deps flink-zip ## unit, workflow and CDK tests (no network; the operations table reads moto from the venv, the pre-flight test the real zip)
	jest --selectProjects unit

-include mk/*.mk

# The re-deploy e2e suite (about 6 minutes: five re-deploys, each through the health gate and the canary)
# runs in its own target, `make test-redeploy-e2e` (mk/redeploy.mk), to keep `make test` near 20 minutes.
test-e2e: node-deps py-deps flink-zip ## the whole pipeline on the local cloud (real Flink), checked against the produced events
	POWERTOOLS_LOG_LEVEL=WARN jest --selectProjects e2e --runInBand --testPathIgnorePatterns '/test/e2e/redeploy\.test\.ts$$'
TEST_TARGETS += test-e2e

bench-provisioning: node-deps ## state transitions and Lambda invocations of a provisioning (docs/benchmarks.md)
	tsx bench/provisioning/transitions.ts

local: cli-local-run ## the README's first command: the whole pipeline on this machine, with a summary

test: deps $(TEST_TARGETS) ## install what is missing, then run every test
	@echo "make test: all suites passed ($(TEST_TARGETS))"

clean: ## remove build outputs and local-cloud data (keeps installed dependencies)
	rm -rf cdk.out .flinkflow flink-app/target flink-app/dist
