# The local cloud's data across `local down`/`up` (docs/local-cloud.md "What persists").
.PHONY: local-up-fresh bench-local-kinesis-storage bench-local-moto-state

local-up-fresh: node-deps py-deps ## start the local cloud from empty data (deletes .flinkflow/local/data first)
	tsx -e "require('./local/cloud').startLocalCloud({ fresh: true }).then((s) => console.log(JSON.stringify(s, null, 2)))"

bench-local-kinesis-storage: node-deps ## kinesalite PutRecords throughput in memory vs LevelDB, and its restart (docs/benchmarks.md)
	nice -n 10 tsx bench/local/kinesis-storage.ts --runs 5

bench-local-moto-state: py-deps ## moto's state save/load time at 20,000 small + 10 large S3 objects (docs/benchmarks.md)
	nice -n 10 $(PY) bench/local/moto_state_bench.py
