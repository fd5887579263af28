# Mutation testing (StrykerJS, stryker.config.mjs) over lambdas/, workflow/ and cli/ with the jest `unit`
# project. Slow (tens of minutes on 2 cores), so it is not one of TEST_TARGETS. Incremental: a rerun tests
# only the mutants whose code or tests changed (.flinkflow/mutation/incremental*.json). Narrow a run with
# MUTATE, e.g. `make mutation MUTATE='lambdas/shared/**/*.ts'` (its own incremental file, per MUTATE).
# Reports: .flinkflow/mutation/report.html and report.json; figures in docs/benchmarks.md.
.PHONY: mutation

MUTATE ?=
MUTATION_ID = $(if $(MUTATE),-$(shell printf '%s' '$(MUTATE)' | md5sum | cut -c1-8))

mutation: node-deps ## mutation score of lambdas/, workflow/, cli/ (StrykerJS, slow; MUTATE='glob,...' to narrow)
	mkdir -p .flinkflow/mutation
	stryker run $(if $(MUTATE),--mutate '$(MUTATE)') \
	  --incrementalFile .flinkflow/mutation/incremental$(MUTATION_ID).json
