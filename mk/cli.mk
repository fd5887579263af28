# The `flinkflow` command (cli/) and the sample producer (producer/).
# `make local` (root Makefile) runs cli-local-run: the whole pipeline on the local cloud, end to end.
.PHONY: test-cli cli-local-run bench-producer

test-cli: node-deps ## CLI and producer unit tests (no network)
	jest --selectProjects unit -- test/cli test/producer

cli-local-run: node-deps py-deps flink-zip ## local cloud -> provision -> produce -> S3 -> crawl -> Athena, then a summary
	node cli/bin/flinkflow.js local run $(LOCAL_RUN_ARGS)

bench-producer: node-deps ## batched producer vs one PutRecord per event on kinesalite (docs/benchmarks.md)
	tsx bench/producer/producer-bench.ts --runs 5
