-- Enrichment imports: the product catalog (shared/src/catalog.rs decides; upserted by SKU)
-- and scheduled import sources (shared/src/jobs/schedules.rs).
CREATE TABLE catalog (
    sku         TEXT PRIMARY KEY,
    name        TEXT,
    category    TEXT,
    brand       TEXT,
    price_minor INTEGER,
    currency    TEXT,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE import_schedules (
    id         TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    -- The schedule as JSON (source, kind, format, mapping, cron): one shape, read whole.
    body       TEXT NOT NULL
) WITHOUT ROWID;
