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

# The machines that came later (teardown, crawl-and-query, re-deploy with its canary) have a run each with
# their own suites, and the crawl tasks' shared modules (the validation suite) one more; the tasks and
# shared runs above leave their files out.
TEARDOWN_TASK_FILES := lambdas/delete-*/index.ts,lambdas/stop-application-for-teardown/index.ts,lambdas/summarize-teardown/index.ts,lambdas/validate-teardown-input/index.ts,lambdas/empty-bucket/index.ts,lambdas/shared/teardown.ts
TEARDOWN_TASK_TESTS := test/lambdas/delete-*.test.ts,test/lambdas/stop-application-for-teardown.test.ts,test/lambdas/summarize-teardown.test.ts,test/lambdas/validate-teardown-input.test.ts,test/lambdas/empty-bucket.test.ts,test/lambdas/teardown-task-edges.test.ts
CRAWL_TASK_FILES := lambdas/validate-crawl-input/index.ts,lambdas/start-crawl/index.ts,lambdas/get-crawl-status/index.ts,lambdas/check-table/index.ts,lambdas/start-queries/index.ts,lambdas/get-query-status/index.ts,lambdas/evaluate-checks/index.ts,lambdas/publish-verdict/index.ts
CRAWL_TASK_TESTS := test/lambdas/crawl-tasks.test.ts,test/lambdas/crawl-task-edges.test.ts
CRAWL_SHARED_FILES := lambdas/shared/crawl-state.ts,lambdas/shared/athena-results.ts,lambdas/shared/validation/*.ts
CRAWL_SHARED_TESTS := test/lambdas/shared/validation.test.ts,test/lambdas/shared/validation-evaluation.test.ts,test/lambdas/crawl-tasks.test.ts
REDEPLOY_FILES := lambdas/validate-redeploy/index.ts,lambdas/start-redeploy/index.ts,lambdas/preflight-code/index.ts,lambdas/snapshot-application/index.ts,lambdas/update-application-code/index.ts,lambdas/describe-update/index.ts,lambdas/rollback-application/index.ts,lambdas/describe-rollback/index.ts,lambdas/describe-redeploy-failure/index.ts,lambdas/run-canary/index.ts,lambdas/shared/redeploy-errors.ts,lambdas/shared/redeploy-state.ts,lambdas/shared/code-preflight.ts,lambdas/shared/zip-reader.ts,lambdas/shared/operation-status.ts
REDEPLOY_TESTS := test/lambdas/redeploy-tasks.test.ts,test/lambdas/code-preflight.test.ts,test/lambdas/run-canary.test.ts,test/lambdas/shared/redeploy-state.test.ts,test/lambdas/describe-rollback.test.ts,test/lambdas/rollback-application.test.ts,test/lambdas/describe-update.test.ts,test/lambdas/snapshot-application.test.ts,test/lambdas/describe-redeploy-failure.test.ts,test/lambdas/preflight-code.test.ts,test/lambdas/shared/zip-reader.test.ts,test/lambdas/run-canary-edges.test.ts,test/lambdas/update-application-code.test.ts,test/lambdas/redeploy-entry.test.ts
# What the tasks and shared runs leave to the four runs above.
LATER_MACHINE_EXCLUDES := !lambdas/delete-*/index.ts,!lambdas/stop-application-for-teardown/index.ts,!lambdas/summarize-teardown/index.ts,!lambdas/validate-teardown-input/index.ts,!lambdas/empty-bucket/index.ts,!lambdas/shared/teardown.ts,!lambdas/validate-crawl-input/index.ts,!lambdas/start-crawl/index.ts,!lambdas/get-crawl-status/index.ts,!lambdas/check-table/index.ts,!lambdas/start-queries/index.ts,!lambdas/get-query-status/index.ts,!lambdas/evaluate-checks/index.ts,!lambdas/publish-verdict/index.ts,!lambdas/validate-redeploy/index.ts,!lambdas/start-redeploy/index.ts,!lambdas/preflight-code/index.ts,!lambdas/snapshot-application/index.ts,!lambdas/update-application-code/index.ts,!lambdas/describe-update/index.ts,!lambdas/rollback-application/index.ts,!lambdas/describe-rollback/index.ts,!lambdas/describe-redeploy-failure/index.ts,!lambdas/run-canary/index.ts,!lambdas/shared/redeploy-errors.ts,!lambdas/shared/redeploy-state.ts,!lambdas/shared/code-preflight.ts,!lambdas/shared/zip-reader.ts,!lambdas/shared/operation-status.ts,!lambdas/shared/crawl-state.ts,!lambdas/shared/athena-results.ts

mutation-lambdas: node-deps ## mutation score of lambdas/ (seven runs: health gate, tasks, shared modules, teardown, crawl tasks, the validation suite, re-deploy)
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=health MUTATION_TESTS='$(HEALTH_GATE_TESTS)' stryker run --mutate '$(HEALTH_GATE_FILES)'
	MUTATION_NAME=tasks MUTATION_TESTS='test/lambdas/*.test.ts' stryker run \
	  --mutate 'lambdas/*/index.ts,!lambdas/check-application-health/index.ts,!lambdas/stop-unhealthy-application/index.ts,$(LATER_MACHINE_EXCLUDES)'
	MUTATION_NAME=shared MUTATION_TESTS='test/lambdas/shared/*.test.ts' stryker run \
	  --mutate 'lambdas/shared/*.ts,!lambdas/shared/job-exception.ts,!lambdas/shared/stop-application.ts,!lambdas/shared/application-logs.ts,$(LATER_MACHINE_EXCLUDES)'
	MUTATION_NAME=teardown MUTATION_TESTS='$(TEARDOWN_TASK_TESTS)' stryker run --mutate '$(TEARDOWN_TASK_FILES)'
	MUTATION_NAME=crawl-tasks MUTATION_TESTS='$(CRAWL_TASK_TESTS)' stryker run --mutate '$(CRAWL_TASK_FILES)'
	MUTATION_NAME=crawl MUTATION_TESTS='$(CRAWL_SHARED_TESTS)' stryker run --mutate '$(CRAWL_SHARED_FILES)'
	MUTATION_NAME=redeploy MUTATION_TESTS='$(REDEPLOY_TESTS)' stryker run --mutate '$(REDEPLOY_FILES)'

# workflow/ in two runs. The logic (schedules, the input schema, the contract, the diagram) with its
# suites and ValidateInput's; the machine's definition with the docs and definition suites, which render
# the ASL (a CDK synth per mutant) and check it against docs/provisioning-state-machine.md. The
# whole-machine suites (15 s a file) reach workflow/ too; MUTATION_WHOLE_MACHINE=1 with MUTATION_TESTS
# adds them.
WORKFLOW_LOGIC_FILES := workflow/schedule.ts,workflow/provision-input.ts,workflow/contract.ts,workflow/diagram.ts,workflow/render-input-docs.ts,workflow/crawl-contract.ts,workflow/crawl-input.ts,workflow/redeploy-contract.ts,workflow/teardown-contract.ts,workflow/canary-contract.ts
WORKFLOW_LOGIC_TESTS := test/workflow/schedule.test.ts,test/workflow/provision-input.test.ts,test/workflow/contract.test.ts,test/workflow/diagram.test.ts,test/workflow/input-docs.test.ts,test/lambdas/validate-input.test.ts,test/lambdas/crawl-tasks.test.ts,test/lambdas/create-validation-schedule.test.ts,test/lambdas/redeploy-tasks.test.ts,test/lambdas/run-canary.test.ts,test/lambdas/validate-teardown-input.test.ts,test/lambdas/shared/task-folders.test.ts,test/workflow/crawl-input.test.ts,test/lambdas/redeploy-entry.test.ts,test/lambdas/teardown-task-edges.test.ts,test/lambdas/crawl-task-edges.test.ts

# The later machines' contracts are in the logic run (with the task suites that parse their inputs), and
# their definitions in a third run with their docs suites.
mutation-workflow: node-deps ## mutation score of workflow/ (three runs: its logic, the provisioning machine's definition, the later machines')
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=workflow-logic MUTATION_TESTS='$(WORKFLOW_LOGIC_TESTS)' stryker run --mutate '$(WORKFLOW_LOGIC_FILES)'
	MUTATION_NAME=workflow-definition MUTATION_TESTS='test/workflow/docs.test.ts,test/workflow/diagram.test.ts,test/workflow/definition.test.ts' \
	  stryker run --mutate 'workflow/provisioning.ts,workflow/provisioning-state-machine.ts,workflow/render.ts,workflow/render-docs.ts'
	MUTATION_NAME=workflow-later-machines MUTATION_TESTS='test/workflow/docs.test.ts,test/workflow/redeploy-docs.test.ts,test/workflow/teardown-docs.test.ts' \
	  stryker run --mutate 'workflow/crawl-and-query.ts,workflow/render-crawl.ts,workflow/redeploy.ts,workflow/render-redeploy.ts,workflow/render-redeploy-docs.ts,workflow/teardown.ts'

mutation-cli: node-deps ## mutation score of cli/ with the suites of test/cli/
	mkdir -p .flinkflow/mutation
	MUTATION_NAME=cli MUTATION_TESTS='test/cli/**/*.test.ts' stryker run --mutate 'cli/**/*.ts'
