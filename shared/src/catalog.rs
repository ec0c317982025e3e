//! The product catalog: what a SKU is called, its category, brand and price, brought by an
//! enrichment import (`POST /v1/imports` with `"kind": "catalog"`). Items are upserted by
//! SKU and replaced whole, so importing the same file twice changes nothing. Reports name
//! products from it at read time ([`label_rows`]), so an import applies to past data too.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::commerce::{Currency, Money};
use crate::event::Rejection;

/// Longest SKU kept (characters).
pub const MAX_SKU_CHARS: usize = 256;
/// Longest name, category or brand kept (characters).
pub const MAX_TEXT_CHARS: usize = 512;

/// One product of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogItem {
    pub sku: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub price: Option<Money>,
}

/// What an upsert did to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// The SKU was not in the catalog.
    Created,
    /// The SKU was there with other values; now replaced.
    Changed,
    /// The SKU was there with exactly these values; nothing was written.
    Unchanged,
}

/// The upsert decision, one place for both engines: a stored item equal to the new one is
/// left alone (no write), anything else is replaced whole.
pub fn upsert_outcome(stored: Option<&CatalogItem>, new: &CatalogItem) -> Upserted {
    match stored {
        None => Upserted::Created,
        Some(s) if s == new => Upserted::Unchanged,
        Some(_) => Upserted::Changed,
    }
}

fn text(m: &Map<String, Value>, key: &str) -> Result<Option<String>, Rejection> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT_CHARS => Err(Rejection::new(
            "invalid_catalog_item",
            format!("{key} is longer than {MAX_TEXT_CHARS} characters"),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        // CSV cells that look like numbers arrive as numbers: "category": 12 is "12".
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(_) => Err(Rejection::new(
            "invalid_catalog_item",
            format!("{key} must be a string"),
        )),
    }
}

impl CatalogItem {
    /// One line's fields: `sku` (required), `name`, `category`, `brand`, `price` (a number
    /// or numeric string) and `currency` (ISO 4217; the shop's when absent).
    pub fn from_fields(m: &Map<String, Value>, shop: Currency) -> Result<Self, Rejection> {
        let sku = text(m, "sku")?
            .ok_or_else(|| Rejection::new("invalid_catalog_item", "sku is required"))?;
        if sku.chars().count() > MAX_SKU_CHARS {
            return Err(Rejection::new(
                "invalid_catalog_item",
                format!("sku is longer than {MAX_SKU_CHARS} characters"),
            ));
        }
        let currency = match text(m, "currency")? {
            None => shop,
            Some(code) => Currency::parse(&code).ok_or_else(|| {
                Rejection::new(
                    "invalid_catalog_item",
                    format!("currency {code:?} is not an ISO 4217 code"),
                )
            })?,
        };
        let price = match m.get("price") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => Some(Money::from_json(v, currency).ok_or_else(|| {
                Rejection::new(
                    "invalid_catalog_item",
                    format!("price {v} is not an amount in {currency}"),
                )
            })?),
        };
        Ok(Self {
            sku,
            name: text(m, "name")?,
            category: text(m, "category")?,
            brand: text(m, "brand")?,
            price,
        })
    }
}

/// Adds the catalog's `label` (name) and `category` to breakdown rows of the `product`
/// dimension, keyed by the row's `value` (the SKU). Rows of unknown SKUs stay as they are.
pub fn label_rows(rows: &mut [Map<String, Value>], items: &HashMap<String, CatalogItem>) {
    for row in rows {
        let Some(item) = row
            .get("value")
            .and_then(Value::as_str)
            .and_then(|sku| items.get(sku))
        else {
            continue;
        };
        if let Some(name) = &item.name {
            row.insert("label".into(), Value::String(name.clone()));
        }
        if let Some(category) = &item.category {
            row.insert("category".into(), Value::String(category.clone()));
        }
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
