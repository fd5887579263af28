# Mutation testing (StrykerJS, stryker.config.mjs) over lambdas/, workflow/ and cli/. Slow (see
# docs/benchmarks.md), so it is not one of TEST_TARGETS. Each folder is its own run with only the suites
# that test it (MUTATION_TESTS, stryker.jest.config.js), so that a mutant's run loads no unrelated suite.
# Incremental: a rerun tests only the mutants whose code or covering tests changed. Reports in
# .flinkflow/mutation/<name>.html and .json. MUTATE='glob,glob' narrows a run (named `custom` unless
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

# lambdas/ in three groups, each with the suites that test it: the health gate, the tasks' entry modules,
# and the shared modules. A shared module is imported by every task suite, so with those suites each of
# its mutants would load them all (about a minute a mutant on the shared machine).
HEALTH_GATE_FILES := lambdas/check-application-health/index.ts,lambdas/stop-unhealthy-application/index.ts,lambdas/shared/job-exception.ts,lambdas/shared/stop-application.ts,lambdas/shared/application-logs.ts
HEALTH_GATE_TESTS := test/lambdas/check-application-health.test.ts,test/lambdas/stop-unhealthy-application.test.ts,test/lambdas/force-stop-application.test.ts,test/lambdas/create-application.test.ts,test/lambdas/shared/job-exception.test.ts,test/lambdas/shared/stop-application.test.ts

mutation-lambdas: node-deps ## mutation score of lambdas/ (three runs: health gate, tasks, shared modules)
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=health MUTATION_TESTS='$(HEALTH_GATE_TESTS)' stryker run --mutate '$(HEALTH_GATE_FILES)'
	MUTATION_NAME=tasks MUTATION_TESTS='test/lambdas/*.test.ts' stryker run \
	  --mutate 'lambdas/*/index.ts,!lambdas/check-application-health/index.ts,!lambdas/stop-unhealthy-application/index.ts'
	MUTATION_NAME=shared MUTATION_TESTS='test/lambdas/shared/*.test.ts' stryker run \
	  --mutate 'lambdas/shared/*.ts,!lambdas/shared/job-exception.ts,!lambdas/shared/stop-application.ts,!lambdas/shared/application-logs.ts'

# workflow/ with its own suites. The whole-machine suites (15 s a file) reach it too; MUTATION_WHOLE_MACHINE=1
# adds them (stryker.jest.config.js), at the cost of loading them for nearly every mutant.
mutation-workflow: node-deps ## mutation score of workflow/ with the suites of test/workflow/
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=workflow MUTATION_TESTS='test/workflow/*.test.ts' stryker run --mutate 'workflow/**/*.ts'

mutation-cli: node-deps ## mutation score of cli/ with the suites of test/cli/
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=cli MUTATION_TESTS='test/cli/**/*.test.ts' stryker run --mutate 'cli/**/*.ts'
