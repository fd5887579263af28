# The Flink job (flink-app/): the connector jar (Maven), the deployable zip, its tests on real Flink,
# and its benchmark. Everything installs itself: Maven resolves the jars, py-deps builds the venv.
.PHONY: flink-jar flink-zip test-flink bench-flink flink-preflight

FLINK_APP := flink-app
FLINK_JAR := $(FLINK_APP)/target/flinkflow-app-deps.jar
FLINK_ZIP := $(FLINK_APP)/dist/flinkflow-app.zip
FLINK_RUNTIME ?= FLINK-1_20
FLINK_PY_SOURCES := $(FLINK_APP)/main.py $(wildcard $(FLINK_APP)/flinkflow_app/*.py)

flink-jar: $(FLINK_JAR) ## the job's shaded connector jar (Kinesis connector + Parquet), via Maven

$(FLINK_JAR): $(FLINK_APP)/pom.xml $(wildcard $(FLINK_APP)/src/main/resources/META-INF/flinkflow/*)
	cd $(FLINK_APP) && mvn -B -q package
	test -f $@ && touch $@

flink-zip: $(FLINK_ZIP) ## the deployable zip other parts use: flink-app/dist/flinkflow-app.zip

$(FLINK_ZIP): $(FLINK_JAR) $(FLINK_PY_SOURCES) $(FLINK_APP)/package.py | py-deps
	$(PY) $(FLINK_APP)/package.py --jar $(FLINK_JAR) --out $@
	cd $(FLINK_APP) && ../$(PY) -m flinkflow_app.preflight dist/flinkflow-app.zip --runtime $(FLINK_RUNTIME)

flink-preflight: flink-zip ## pre-flight check of the zip against FLINK_RUNTIME
	cd $(FLINK_APP) && ../$(PY) -m flinkflow_app.preflight dist/flinkflow-app.zip --runtime $(FLINK_RUNTIME)

test-flink: node-deps py-deps flink-zip ## pytest on real Flink: windows, formats, lateness, preflight, local runner e2e
	cd $(FLINK_APP) && ../$(PY) -m pytest tests -q -p no:cacheprovider

bench-flink: py-deps flink-jar ## job throughput through the windowed aggregation, 1 slot (docs/benchmarks.md)
	$(PY) bench/flink/bench_job.py --events 4000000 --runs 3

TEST_TARGETS += test-flink
