//! Where an ingestion request came from, for what the server derives from its events: the
//! visitor's country, from the header `ingest.country_header` names, believed only when the
//! request arrived through one of `server.trusted_proxies` (anyone can send the header).

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use shared::enrich::Origin;

use crate::state::AppState;

/// The request's [`Origin`]. Never rejects: without a trusted peer it is empty.
pub struct RequestOrigin(pub Origin);

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let server = &state.settings.server;
        let Some(header) = state.settings.ingest.country_header.as_deref() else {
            return Ok(Self(Origin::default()));
        };
        let trusted = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|ConnectInfo(peer)| {
                server
                    .trusted_proxies
                    .iter()
                    .any(|net| net.contains(&peer.ip()))
            });
        if !trusted {
            return Ok(Self(Origin::default()));
        }
        let value = parts.headers.get(header).and_then(|v| v.to_str().ok());
        Ok(Self(Origin::with_country(value)))
    }
}
