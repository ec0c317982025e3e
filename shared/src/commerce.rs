//! Orders and refunds read from events, and money kept exactly.
//!
//! A `purchase` (or Segment's `Order Completed`) is an order; `Order Refunded` (or
//! `refund`) takes money back from one. Amounts are held as integers of the currency's
//! minor unit (cents for EUR, yen for JPY, fils for BHD), read from the JSON number's
//! decimal text, so `19.99` is exactly 1999 and sums never drift. Amounts in different
//! currencies are never added together: they are converted with the rates an admin sets
//! ([`Rates`]), or reported on their own.
//!
//! Which fields are read (Segment's e-commerce spec, with the tracker's snake_case too):
//! `orderId` / `order_id`; `revenue`, else `total`, else `value`, else the sum of the
//! products' `price × quantity`; `currency` (ISO 4217, else the shop's); `products[]` with
//! `sku` / `product_id`, `name`, `category`, `price`, `quantity` (default 1). A refund
//! reads `orderId` and an optional amount (`revenue`, `total` or `value`; the whole order
//! when absent).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::event::Event;

/// Event types that are orders.
pub const ORDER_TYPES: &[&str] = &["purchase", "Order Completed"];
/// Event types that are refunds.
pub const REFUND_TYPES: &[&str] = &["Order Refunded", "refund"];

/// Event types that are a view of one product (`sku`, `name`, `category` in properties).
pub const PRODUCT_VIEW_TYPES: &[&str] = &["product_view", "product_viewed", "Product Viewed"];
/// Event types that add one product to a cart.
pub const CART_TYPES: &[&str] = &["add_to_cart", "Product Added"];

/// The product a view or cart event names: `sku` (else `product_id`, `productId`, `id`),
/// `name`, `category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductRef<'a> {
    pub sku: &'a str,
    pub name: Option<&'a str>,
    pub category: Option<&'a str>,
}

impl<'a> ProductRef<'a> {
    /// `None` when the properties name no product (a number sku counts only in orders).
    pub fn of(p: &'a Map<String, Value>) -> Option<Self> {
        let s = |keys: &[&str]| {
            keys.iter().find_map(|k| {
                p.get(*k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            })
        };
        Some(ProductRef {
            sku: s(&["sku", "product_id", "productId", "id"])?,
            name: s(&["name"]),
            category: s(&["category"]),
        })
    }
}

/// An ISO 4217 currency code (three upper-case letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(code: &str) -> Option<Currency> {
        let b = code.trim().as_bytes();
        (b.len() == 3 && b.iter().all(u8::is_ascii_alphabetic)).then(|| {
            Currency([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
                b[2].to_ascii_uppercase(),
            ])
        })
    }

    pub fn as_str(&self) -> &str {
        // Built from ASCII letters only.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in the currency's minor unit (ISO 4217).
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Currency::parse(&s).ok_or_else(|| format!("{s:?} is not an ISO 4217 currency code"))
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// An amount in a currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// Reads a JSON number or numeric string exactly; `None` when it is not a number, has
    /// more decimals than the currency allows after rounding half away from zero, or is out
    /// of range.
    pub fn from_json(v: &Value, currency: Currency) -> Option<Money> {
        let d = decimal_of(v)?;
        Some(Money {
            minor: to_minor(d, currency)?,
            currency,
        })
    }

    /// A decimal amount in `currency`'s minor unit (rounded half away from zero).
    pub fn minor_of(amount: Decimal, currency: Currency) -> Option<i64> {
        to_minor(amount, currency)
    }

    /// The amount as a decimal in major units (50.00 EUR for 5000 minor).
    pub fn major(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

fn to_minor(d: Decimal, currency: Currency) -> Option<i64> {
    let scaled = d.checked_mul(Decimal::from(10_i64.checked_pow(currency.exponent())?))?;
    scaled
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Unit price in the order's currency, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    pub quantity: i64,
}

/// What a commerce event means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commerce {
    Order {
        order_id: String,
        revenue: Money,
        products: Vec<LineItem>,
    },
    Refund {
        order_id: String,
        /// The amount refunded, in `currency` or else the order's; the rest of the order
        /// when `None`.
        amount: Option<Decimal>,
        currency: Option<Currency>,
    },
}

/// Why a commerce event could not be read (reported, never a lost event: the event is
/// stored either way and only the order is left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommerceError {
    MissingOrderId,
    BadAmount(&'static str),
    BadCurrency,
}

impl Commerce {
    /// The order or refund an event carries; `Ok(None)` for other events. `default` is the
    /// shop's currency, for events that name none.
    pub fn of(event: &Event, default: Currency) -> Result<Option<Commerce>, CommerceError> {
        let kind = event.event_type.as_str();
        let is_order = ORDER_TYPES.contains(&kind);
        let is_refund = REFUND_TYPES.contains(&kind);
        if !is_order && !is_refund {
            return Ok(None);
        }
        let p = &event.properties;
        let order_id = text(p, &["orderId", "order_id"]).ok_or(CommerceError::MissingOrderId)?;
        let named = match p.get("currency") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Currency::parse(s).ok_or(CommerceError::BadCurrency)?),
            Some(_) => return Err(CommerceError::BadCurrency),
        };
        let amount_field = ["revenue", "total", "value"]
            .iter()
            .find_map(|k| p.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v)));
        if is_refund {
            let amount = amount_field
                .map(|(k, v)| decimal_of(v).ok_or(CommerceError::BadAmount(k)))
                .transpose()?;
            return Ok(Some(Commerce::Refund {
                order_id,
                amount,
                currency: named,
            }));
        }
        let currency = named.unwrap_or(default);
        let amount = amount_field
            .map(|(k, v)| Money::from_json(v, currency).ok_or(CommerceError::BadAmount(k)))
            .transpose()?;
        let products = line_items(p, currency)?;
        let revenue = match amount {
            Some(m) => m,
            None => Money {
                minor: products
                    .iter()
                    .try_fold(0_i64, |sum, l| {
                        sum.checked_add(l.price?.checked_mul(l.quantity)?)
                    })
                    .ok_or(CommerceError::BadAmount("products"))?,
                currency,
            },
        };
        Ok(Some(Commerce::Order {
            order_id,
            revenue,
            products,
        }))
    }
}

fn text(p: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match p.get(*k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn line_items(p: &Map<String, Value>, currency: Currency) -> Result<Vec<LineItem>, CommerceError> {
    let Some(Value::Array(items)) = p.get("products") else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|item| {
            let sku = text(item, &["sku", "product_id", "productId", "id"])?;
            Some((sku, item))
        })
        .map(|(sku, item)| {
            let price = item
                .get("price")
                .filter(|v| !v.is_null())
                .map(|v| {
                    Money::from_json(v, currency)
                        .map(|m| m.minor)
                        .ok_or(CommerceError::BadAmount("products.price"))
                })
                .transpose()?;
            let quantity = match item.get("quantity") {
                None | Some(Value::Null) => 1,
                Some(v) => v
                    .as_i64()
                    .filter(|q| *q > 0)
                    .ok_or(CommerceError::BadAmount("products.quantity"))?,
            };
            Ok(LineItem {
                sku,
                name: text(item, &["name"]),
                category: text(item, &["category"]),
                price,
                quantity,
            })
        })
        .collect()
}

/// An order as stored: counted once, whoever sends it again. Its session is where it was
/// placed (refunds take money off that session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: String,
    pub profile_id: String,
    pub session_key: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub revenue: Money,
    /// Refunded so far, in the order's currency's minor unit.
    pub refunded: i64,
    pub products: Vec<LineItem>,
}

/// What an order brings, without its line items (what retention's revenue reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAmount {
    pub profile_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub revenue: Money,
    /// Refunded so far, in the order's currency's minor unit.
    pub refunded: i64,
}

impl From<Order> for OrderAmount {
    fn from(o: Order) -> Self {
        OrderAmount {
            profile_id: o.profile_id,
            at: o.at,
            revenue: o.revenue,
            refunded: o.refunded,
        }
    }
}

/// The currency recorded for an amount that named none: "no currency" in ISO 4217.
/// Reports show such amounts in the shop's currency.
pub fn unnamed_currency() -> Currency {
    Currency(*b"XXX")
}

/// The reporting currency and the rates an admin set: one unit of each other currency in
/// reporting units (for EUR reporting, `USD → 0.92`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub reporting: Currency,
    #[serde(default)]
    pub to_reporting: BTreeMap<Currency, Decimal>,
}

impl Rates {
    /// `money` in the reporting currency's minor unit, or `None` when no rate is set for
    /// its currency (the report then shows it on its own row).
    pub fn convert(&self, money: Money) -> Option<i64> {
        if money.currency == self.reporting {
            return Some(money.minor);
        }
        let rate = self.to_reporting.get(&money.currency)?;
        let major = money.major().checked_mul(*rate)?;
        to_minor(major, self.reporting)
    }
}

#[cfg(test)]
#[path = "commerce_tests.rs"]
mod tests;
