# Mutation testing (StrykerJS, stryker.config.mjs) over lambdas/, workflow/ and cli/ with the unit suites
# of those folders. Slow (see docs/benchmarks.md), so it is not one of TEST_TARGETS. Incremental: a rerun
# tests only the mutants whose code or covering tests changed. Reports in .flinkflow/mutation/<name>.html
# and .json. workflow/ is tested by running the whole machine, so its run keeps those suites
# (MUTATION_WHOLE_MACHINE, stryker.jest.config.js). MUTATE='glob,glob' narrows a run (named `custom` unless MUTATION_NAME says otherwise).
.PHONY: mutation

MUTATE ?=
MUTATION_NAME ?= custom

mutation: node-deps ## mutation score of lambdas/, cli/ and workflow/ (StrykerJS, slow; MUTATE='glob,...' to narrow)
	mkdir -p .flinkflow/mutation
ifneq ($(MUTATE),)
	MUTATION_NAME=$(MUTATION_NAME) stryker run --mutate '$(MUTATE)'
else
	MUTATION_NAME=lambdas-cli stryker run --mutate 'lambdas/**/*.ts,cli/**/*.ts'
	MUTATION_NAME=workflow MUTATION_WHOLE_MACHINE=1 stryker run --mutate 'workflow/**/*.ts'
endif
