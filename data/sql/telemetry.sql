-- telemetry.csv from raw requests: one row per day, feature and cohort (Feature Radar's
-- data contract). Standard SQL, tested on DuckDB; see the README ("From raw events") for
-- BigQuery and Spark SQL.
--
-- Input, one row per request (or per session, with one request each):
--   raw_requests(
--     event_time   TIMESTAMP  -- when the request started, UTC
--     feature      VARCHAR    -- the feature id
--     session_id   VARCHAR    -- the session it belongs to
--     latency_ms   DOUBLE     -- its latency
--     is_error     BOOLEAN    -- whether it failed
--     crashed      BOOLEAN    -- whether the app crashed during it (its session crashed)
--     rating       DOUBLE     -- a user rating given with it, 1 to 5, or NULL
--     platform, app_version, region VARCHAR  -- cohorts (NULL when unknown)
--   )
-- Without cohorts, delete the three cohort lines below and from GROUP BY and ORDER BY.
-- An unknown cohort is written 'unknown': a row whose cohort cells are all empty would be
-- read as the feature's total for that day.
SELECT
  CAST(CAST(event_time AS DATE) AS VARCHAR) AS date,
  feature,
  COUNT(DISTINCT session_id) AS sessions,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95_ms,
  PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY latency_ms) AS latency_p50_ms,
  CAST(COUNT(DISTINCT CASE WHEN crashed THEN session_id END) AS DOUBLE)
    / COUNT(DISTINCT session_id) AS crash_rate,
  AVG(CASE WHEN is_error THEN 1.0 ELSE 0.0 END) AS error_rate,
  AVG(rating) AS feedback_score,
  COUNT(rating) AS feedback_count,
  COALESCE(platform, 'unknown') AS platform,
  COALESCE(app_version, 'unknown') AS app_version,
  COALESCE(region, 'unknown') AS region
FROM raw_requests
GROUP BY
  CAST(event_time AS DATE), feature,
  COALESCE(platform, 'unknown'), COALESCE(app_version, 'unknown'), COALESCE(region, 'unknown')
ORDER BY 1, 2, 10, 11, 12
