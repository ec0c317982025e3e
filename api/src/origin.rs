//! Where an ingestion request came from, for what the server derives from its events: the
//! visitor's country, from the header `ingest.country_header` names, believed only when the
//! request arrived through one of `server.trusted_proxies` (anyone can send the header), or
//! else from the client address in the operator's GeoIP database (`ingest.geoip_database`).

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use shared::enrich::Origin;

use crate::state::AppState;

/// The request's [`Origin`]. Never rejects: without a trusted peer or a database it is empty.
pub struct RequestOrigin(pub Origin);

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let trusted = &state.settings.server.trusted_proxies;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        let mut origin = match (state.settings.ingest.country_header.as_deref(), peer) {
            (Some(header), Some(peer)) if trusted.iter().any(|net| net.contains(&peer)) => {
                let value = parts.headers.get(header).and_then(|v| v.to_str().ok());
                Origin::with_country(value)
            }
            _ => Origin::default(),
        };
        if origin.country.is_none()
            && let (Some(geo), Some(peer)) = (&state.geoip, peer)
        {
            let client = crate::limits::client_ip(peer, &parts.headers, trusted);
            origin.address_country = geo.country(client);
        }
        Ok(Self(origin))
    }
}
