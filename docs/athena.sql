-- offer_recordings for Amazon Athena (engine v3), with partition projection: no crawler, no MSCK REPAIR,
-- new dt= partitions are visible as soon as their files land. `sam deploy` already creates this table in the Glue
-- Data Catalog (template.yaml: CatalogDatabase, OfferRecordingsTable; GlueTableTest keeps both in step); this DDL
-- is the hand-made alternative, e.g. for another account or catalog. Replace PLATFORM_BUCKET (see query-recipes.md).
-- The column list must match OfferColumns.TABLE in functions/transform (QueryRecipesTest checks it).
CREATE EXTERNAL TABLE IF NOT EXISTS offer_recordings (
  shop_id        string,
  target_date    date,
  offer_amount   bigint,
  currency       string,
  eligible       boolean,
  anomaly_score  double,
  model_version  string,
  calculated_at  timestamp,
  http_status    int,
  outcome        string,
  error          string,
  latency_ms     bigint,
  attempts       int,
  run_id         string,
  recorded_at    timestamp,
  request_url    string,
  response_json  string,
  source_object  string
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION 's3://PLATFORM_BUCKET/offer_recordings/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2000-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://PLATFORM_BUCKET/offer_recordings/dt=${dt}/'
);
