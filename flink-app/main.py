"""flinkflow-app: 1-minute average price per ticker, from a Kinesis stream to S3 (run option `python`).

Settings come from the application's property groups; see docs/flink-app.md.
"""

import os
import sys

# The job's package sits next to this file in the zip; make it importable however the runtime starts
# the script (the managed service does not promise the zip's root on the Python path).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from flinkflow_app.job import main  # noqa: E402

if __name__ == "__main__":
    main()
