# Mutation testing (StrykerJS, stryker.config.mjs) over lambdas/, workflow/ and cli/. Slow (see
# docs/benchmarks.md), so it is not one of TEST_TARGETS. Each folder is its own run with only the suites
# that test it (MUTATION_TESTS, stryker.jest.config.js), so that a mutant's run loads no unrelated suite.
# Incremental: a rerun tests only the mutants whose code or covering tests changed. Reports in
# .flinkflow/mutation/<name>.html and .json. workflow/ is tested by running the whole machine, so its run
# keeps those suites (MUTATION_WHOLE_MACHINE). MUTATE='glob,glob' narrows a run (named `custom` unless
# MUTATION_NAME says otherwise) and MUTATION_TESTS='test/a.test.ts,test/b/**/*.test.ts' picks its suites.
.PHONY: mutation mutation-lambdas mutation-workflow mutation-cli

MUTATE ?=
MUTATION_NAME ?= custom
MUTATION_TESTS ?=

mutation: node-deps ## mutation score of lambdas/, workflow/ and cli/ (StrykerJS, slow; MUTATE='glob,...' to narrow)
	mkdir -p .flinkflow/mutation
ifneq ($(MUTATE),)
	MUTATION_NAME=$(MUTATION_NAME) MUTATION_TESTS='$(MUTATION_TESTS)' stryker run --mutate '$(MUTATE)'
else
	$(MAKE) --no-print-directory mutation-lambdas mutation-workflow mutation-cli
endif

mutation-lambdas: node-deps ## mutation score of lambdas/ with the suites of test/lambdas/
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=lambdas MUTATION_TESTS='test/lambdas/**/*.test.ts' stryker run --mutate 'lambdas/**/*.ts'

mutation-workflow: node-deps ## mutation score of workflow/ with every unit suite that reaches it, the whole machine included
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=workflow MUTATION_WHOLE_MACHINE=1 stryker run --mutate 'workflow/**/*.ts'

mutation-cli: node-deps ## mutation score of cli/ with the suites of test/cli/
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=cli MUTATION_TESTS='test/cli/**/*.test.ts' stryker run --mutate 'cli/**/*.ts'
