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

# workflow/ in two runs. The logic (schedules, the input schema, the contract, the diagram) with its
# suites and ValidateInput's; the machine's definition with the docs and definition suites, which render
# the ASL (a CDK synth per mutant) and check it against docs/provisioning-state-machine.md. The
# whole-machine suites (15 s a file) reach workflow/ too; MUTATION_WHOLE_MACHINE=1 with MUTATION_TESTS
# adds them.
WORKFLOW_LOGIC_FILES := workflow/schedule.ts,workflow/provision-input.ts,workflow/contract.ts,workflow/diagram.ts,workflow/render-input-docs.ts
WORKFLOW_LOGIC_TESTS := test/workflow/schedule.test.ts,test/workflow/provision-input.test.ts,test/workflow/contract.test.ts,test/workflow/diagram.test.ts,test/workflow/input-docs.test.ts,test/lambdas/validate-input.test.ts

mutation-workflow: node-deps ## mutation score of workflow/ (two runs: its logic, the machine's definition)
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=workflow-logic MUTATION_TESTS='$(WORKFLOW_LOGIC_TESTS)' stryker run --mutate '$(WORKFLOW_LOGIC_FILES)'
	MUTATION_NAME=workflow-definition MUTATION_TESTS='test/workflow/docs.test.ts,test/workflow/diagram.test.ts,test/workflow/definition.test.ts' \
	  stryker run --mutate 'workflow/provisioning.ts,workflow/provisioning-state-machine.ts,workflow/render.ts,workflow/render-docs.ts'

mutation-cli: node-deps ## mutation score of cli/ with the suites of test/cli/
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=cli MUTATION_TESTS='test/cli/**/*.test.ts' stryker run --mutate 'cli/**/*.ts'
