-- Orders as a rowid table, looked up through a unique order_id index, with an index that
-- holds what a retention report reads of every order in a range: its time, person and
-- amounts (`order_amounts` in storage/sqlite/visits.rs, the same expression). SQLite takes
-- an indexed expression's value from the index, but in a WITHOUT ROWID table it still
-- looks each row up by its key (one random read per order: about a second for 320,000
-- orders); a rowid table does not. Same columns, same rows; `orders_at` is replaced by the
-- amounts index, which begins with at_ms.
CREATE TABLE orders_by_rowid (
    order_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO orders_by_rowid (order_id, profile_id, at_ms, body)
SELECT order_id, profile_id, at_ms, body FROM orders ORDER BY at_ms;
DROP TABLE orders;
ALTER TABLE orders_by_rowid RENAME TO orders;
CREATE UNIQUE INDEX orders_id ON orders (order_id);
CREATE INDEX orders_profile ON orders (profile_id, at_ms);
CREATE INDEX orders_amounts ON orders (
    at_ms, profile_id,
    json_extract(body, '$.revenue.minor', '$.revenue.currency', '$.refunded')
);
