# The local Glue and Athena at the sink's scale (bench/catalog/, docs/benchmarks.md): N days of
# sink-shaped files on the local S3, then crawl, full scan, one-ticker query and the validation-style
# suite over the recent partitions. CATALOG_BENCH_ARGS picks days, runs, formats and measures.
.PHONY: bench-catalog

CATALOG_BENCH_ARGS ?= --days 1 --runs 3

bench-catalog: node-deps py-deps ## crawl and query times of the local Glue/Athena at 1+ days of sink files
	nice -n 10 tsx bench/catalog/run.ts $(CATALOG_BENCH_ARGS)
