-- events.csv's deploys from a deployments table (Feature Radar's data contract). Standard
-- SQL, tested on DuckDB. Incidents can be added the same way, with kind 'incident'.
--
-- Input, one row per deployment:
--   deployments(
--     deployed_at  TIMESTAMP  -- when it went out, UTC
--     feature      VARCHAR    -- the feature id, or '*' for every feature
--     version      VARCHAR    -- what people call it, e.g. v4.2.0
--   )
SELECT
  CAST(CAST(deployed_at AS DATE) AS VARCHAR) AS timestamp,
  feature,
  'deploy' AS kind,
  version AS title
FROM deployments
ORDER BY deployed_at, feature
