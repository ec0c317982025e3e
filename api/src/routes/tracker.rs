//! The browser tracker at `/sdk.js` (the committed source under `frontend/tracker/`, embedded
//! in the binary) and, when `demo` is on, a small demo shop at `/demo/` that uses it, so a
//! person can click around and watch their journey appear in the console.

use axum::Router;
use axum::extract::State;

use crate::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use secrecy::ExposeSecret as _;
use shared::settings::Settings;

use crate::state::AppState;

/// The tracker, served as is: plain modern JavaScript with no build step.
pub const SDK_JS: &str = include_str!("../../../frontend/tracker/src/shoptrail.js");
const DEMO_JS: &str = include_str!("../../../frontend/tracker/demo/demo.js");

/// The demo pages run only their own scripts and talk only to this origin.
const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
    style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

struct Product {
    sku: &'static str,
    name: &'static str,
    price: u32,
    blurb: &'static str,
}

const PRODUCTS: &[Product] = &[
    Product {
        sku: "SKU-1",
        name: "Trail runner shoes",
        price: 89,
        blurb: "Light, grippy, waterproof.",
    },
    Product {
        sku: "SKU-2",
        name: "Rain jacket",
        price: 129,
        blurb: "Packs into its own pocket.",
    },
];

pub fn router(settings: &Settings) -> Router<AppState> {
    let router = Router::new().route("/sdk.js", get(sdk));
    if !settings.demo_enabled() {
        return router;
    }
    router
        .route("/demo", get(|| async { Redirect::permanent("/demo/") }))
        .route("/demo/", get(home))
        .route("/demo/demo.js", get(demo_js))
        .route("/demo/products/{sku}", get(product))
        .route("/demo/cart", get(cart))
        .route("/demo/thanks", get(thanks))
}

fn script(source: &'static str, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            // Shops load it from their own pages.
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        source,
    )
        .into_response()
}

/// The browser tracker (`window.shoptrail`).
async fn sdk() -> Response {
    script(SDK_JS, "public, max-age=300")
}

async fn demo_js() -> Response {
    script(DEMO_JS, "no-cache")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(state: &AppState, title: &str, role: &str, main: &str) -> Response {
    let key = state
        .settings
        .demo
        .write_key
        .as_ref()
        .map(|k| escape(k.expose_secret()))
        .unwrap_or_default();
    let notice = if key.is_empty() {
        "<p class=\"notice\">No demo write key is configured, so this page sends nothing. \
         Set <code>demo.write_key</code> (<code>APP__DEMO__WRITE_KEY</code>) to a key from \
         <code>api write-key create --source demo</code>; <code>scripts/run</code> does this.</p>"
    } else {
        ""
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Shoptrail demo shop</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }}
nav a {{ margin-right: 1rem; }}
.notice {{ background: #fff3cd; padding: .5rem; }}
button {{ font-size: 1rem; padding: .4rem .8rem; }}
</style>
</head>
<body data-write-key="{key}" data-page="{role}">
<nav><a href="/demo/">Shop</a><a href="/demo/cart" id="cart-link">Cart (<span id="cart-count">0</span>)</a></nav>
{notice}
<main>
{main}
</main>
<p><small>Every click here is sent to this Shoptrail server with the browser tracker
(<code>/sdk.js</code>); sign in to the console and open Users to see the journey.</small></p>
<script src="/sdk.js"></script>
<script src="/demo/demo.js"></script>
</body>
</html>
"#,
        title = escape(title),
        role = escape(role),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(DEMO_CSP),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response()
}

async fn home(State(state): State<AppState>) -> Response {
    let items: String = PRODUCTS
        .iter()
        .map(|p| {
            format!(
                "<li><a href=\"/demo/products/{sku}\" id=\"product-{sku}\">{name}</a> · €{price}</li>",
                sku = p.sku,
                name = p.name,
                price = p.price
            )
        })
        .collect();
    page(
        &state,
        "Home",
        "home",
        &format!(
            "<h1>Demo shop</h1><ul>{items}</ul>\
             <p><small>Arrive as a campaign visitor would: \
             <a id=\"campaign-link\" href=\"/demo/?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=spring_sale\">\
             the spring sale newsletter link</a>.</small></p>"
        ),
    )
}

async fn product(State(state): State<AppState>, Path(sku): Path<String>) -> Response {
    let Some(p) = PRODUCTS.iter().find(|p| p.sku == sku) else {
        return (StatusCode::NOT_FOUND, "no such product").into_response();
    };
    page(
        &state,
        p.name,
        "product",
        &format!(
            "<h1 data-sku=\"{sku}\" data-price=\"{price}\">{name}</h1><p>{blurb}</p><p>€{price}</p>\
             <button id=\"add-to-cart\" type=\"button\">Add to cart</button>",
            sku = p.sku,
            price = p.price,
            name = p.name,
            blurb = p.blurb
        ),
    )
}

async fn cart(State(state): State<AppState>) -> Response {
    page(
        &state,
        "Cart",
        "cart",
        "<h1>Your cart</h1>\
         <form id=\"sign-in\"><label>Email <input id=\"email\" type=\"email\"></label> \
         <button type=\"submit\">Sign in</button></form><p id=\"signed-in\"></p>\
         <button id=\"purchase\" type=\"button\">Buy now</button>",
    )
}

async fn thanks(State(state): State<AppState>) -> Response {
    page(
        &state,
        "Thank you",
        "thanks",
        "<h1>Thank you for your order</h1><p><a href=\"/demo/\">Back to the shop</a></p>",
    )
}
