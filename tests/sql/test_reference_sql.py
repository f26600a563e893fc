"""The reference SQL (data/sql/) on DuckDB, an embedded engine: a small raw table whose
aggregate is known by hand, then the result read by feature-radar as CSV and as Parquet.

Run: python3 tests/sql/test_reference_sql.py target/release/feature-radar
(.ci/setup installs the duckdb package; .ci/test runs this.)
"""

import csv
import io
import pathlib
import subprocess
import sys
import tempfile

import duckdb

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/feature-radar")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def raw_table(con):
    con.execute(
        """CREATE TABLE raw_requests(event_time TIMESTAMP, feature VARCHAR, session_id VARCHAR,
           latency_ms DOUBLE, is_error BOOLEAN, crashed BOOLEAN, rating DOUBLE,
           platform VARCHAR, app_version VARCHAR, region VARCHAR)"""
    )
    rows = []
    # 2026-03-02, checkout on ios v2 eu: sessions s1 (3 requests, one failed), s2 (2, crashed),
    # s3 (1): latencies 100..600 ms, one rating 4 and one 2.
    day = "2026-03-02"
    for session, latency, error, crashed, rating in [
        ("s1", 100, False, False, None),
        ("s1", 200, True, False, 4.0),
        ("s1", 300, False, False, None),
        ("s2", 400, False, False, None),
        ("s2", 500, False, True, 2.0),
        ("s3", 600, False, False, None),
    ]:
        rows.append((f"{day} 10:00:00", "checkout", session, latency, error, crashed, rating, "ios", "v2", "eu"))
    # The same day, checkout on android with no app version: one session, one request, late
    # in the UTC day.
    rows.append((f"{day} 23:59:59", "checkout", "a1", 50, False, False, None, "android", None, "eu"))
    # The next day, search: 4 sessions of one request each, no cohorts known.
    for i in range(4):
        rows.append(("2026-03-03 08:00:00", "search", f"q{i}", 10.0 * (i + 1), i == 0, False, 5.0, None, None, None))
    con.executemany("INSERT INTO raw_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE deployments(deployed_at TIMESTAMP, feature VARCHAR, version VARCHAR)")
    con.execute("INSERT INTO deployments VALUES ('2026-03-02 09:30:00', 'checkout', 'v2'), ('2026-03-01 12:00:00', '*', 'infra-7')")


def main():
    con = duckdb.connect()
    raw_table(con)
    telemetry_sql = (ROOT / "data/sql/telemetry.sql").read_text()
    events_sql = (ROOT / "data/sql/events.sql").read_text()
    result = con.execute(telemetry_sql)
    columns = [d[0] for d in result.description]
    rows = [dict(zip(columns, r)) for r in result.fetchall()]
    check(
        columns == ["date", "feature", "sessions", "latency_p95_ms", "latency_p50_ms", "crash_rate",
                    "error_rate", "feedback_score", "feedback_count", "platform", "app_version", "region"],
        f"columns {columns}",
    )
    check(len(rows) == 3, f"three day-feature-cohort rows, got {rows}")
    android, ios, search = rows
    # Known by hand: 6 requests in 3 sessions; p95 of 100..600 by linear interpolation is
    # 575, the median 350; 1 of 3 sessions crashed; 1 of 6 requests failed; ratings 4 and 2.
    expected = {
        "date": "2026-03-02", "feature": "checkout", "sessions": 3, "latency_p95_ms": 575.0,
        "latency_p50_ms": 350.0, "crash_rate": 1 / 3, "error_rate": 1 / 6, "feedback_score": 3.0,
        "feedback_count": 2, "platform": "ios", "app_version": "v2", "region": "eu",
    }
    for key, value in expected.items():
        got = ios[key]
        ok = abs(got - value) < 1e-12 if isinstance(value, float) else got == value
        check(ok, f"ios {key}: {got} != {value}")
    check(android["app_version"] == "unknown" and android["sessions"] == 1, f"android {android}")
    check(android["feedback_score"] is None and android["feedback_count"] == 0, f"android {android}")
    check(search["date"] == "2026-03-03" and search["sessions"] == 4, f"search {search}")
    check(abs(search["latency_p95_ms"] - 38.5) < 1e-12 and search["error_rate"] == 0.25, f"search {search}")
    check(search["platform"] == "unknown", f"search {search}")
    events = con.execute(events_sql).fetchall()
    check(events == [("2026-03-01", "*", "deploy", "infra-7"), ("2026-03-02", "checkout", "deploy", "v2")], f"events {events}")

    # The output is what feature-radar reads, as CSV and as Parquet, to the same analysis.
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        con.execute(f"COPY ({telemetry_sql}) TO '{d / 'telemetry.csv'}' (HEADER, DELIMITER ',')")
        con.execute(f"COPY ({telemetry_sql}) TO '{d / 'telemetry.parquet'}' (FORMAT parquet)")
        con.execute(f"COPY ({events_sql}) TO '{d / 'events.csv'}' (HEADER, DELIMITER ',')")
        con.execute(f"COPY ({events_sql}) TO '{d / 'events.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
        outputs = []
        for telemetry, events in [("telemetry.csv", "events.csv"), ("telemetry.parquet", "events.parquet")]:
            run = subprocess.run(
                [BINARY, "score", "--telemetry", str(d / telemetry), "--events", str(d / events), "--output", "-"],
                capture_output=True, text=True,
            )
            check(run.returncode == 0, f"score on {telemetry}: {run.stderr}")
            outputs.append(run.stdout)
        check(outputs[0] == outputs[1], f"CSV and Parquet differ:\n{outputs[0]}\n{outputs[1]}")
        scored = list(csv.DictReader(io.StringIO(outputs[0])))
        check([(r["date"], r["feature"]) for r in scored] == [("2026-03-02", "checkout"), ("2026-03-03", "search")], f"{scored}")
        # A Parquet file with a bad value is refused with its row, as a CSV file is.
        con.execute(f"COPY (SELECT * REPLACE (-5 AS sessions) FROM ({telemetry_sql})) TO '{d / 'bad.parquet'}' (FORMAT parquet)")
        run = subprocess.run([BINARY, "score", "--telemetry", str(d / "bad.parquet"), "--output", "-"], capture_output=True, text=True)
        check(run.returncode != 0 and "bad.parquet: line 2, column 3 (sessions)" in run.stderr, f"bad parquet: {run.stderr}")
    print("reference SQL on DuckDB: 3 telemetry rows and 2 events as computed by hand; CSV and Parquet read alike")


if __name__ == "__main__":
    main()
