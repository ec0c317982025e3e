//! Answers every console route can give whatever its handler does, added to the OpenAPI
//! document in one place so no route's annotation can forget them: 401 without a session,
//! 429 over the per-session (or, for sign-in, per-IP) rate limit, and 403 for a change
//! refused by the same-origin rule (`security::same_origin_writes`) or by the caller's role.

use utoipa::Modify;
use utoipa::openapi::schema::{Object, Ref, Schema, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, RefOr, Response, ResponseBuilder};

/// The [`Modify`] that adds those answers.
pub struct ConsoleResponses;

fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn too_many() -> Response {
    let mut r = error("Rate limit reached; see Retry-After");
    let header = HeaderBuilder::new()
        .schema(Object::with_type(Type::Integer))
        .description(Some("Seconds to wait before retrying"))
        .build();
    r.headers.insert("Retry-After".to_owned(), header);
    r
}

/// Events per `POST /v1/events` array (the default of `ingest.max_events_per_request`).
const MAX_EVENTS: usize = 2500;

/// The events body's array form holds 1 to [`MAX_EVENTS`] events (utoipa has no attribute
/// for the items of an enum variant).
fn bound_event_arrays(openapi: &mut OpenApi) {
    let Some(RefOr::T(Schema::OneOf(one_of))) = openapi
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("IngestRequest"))
    else {
        return;
    };
    for item in &mut one_of.items {
        if let RefOr::T(Schema::Array(array)) = item {
            array.min_items = Some(1);
            array.max_items = Some(MAX_EVENTS);
        }
    }
}

impl Modify for ConsoleResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        bound_event_arrays(openapi);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let sign_in = path.starts_with("/v1/auth/");
            let changes = [
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            let reads = [&mut item.get];
            for (op, is_change) in changes
                .into_iter()
                .map(|o| (o, true))
                .chain(reads.into_iter().map(|o| (o, false)))
            {
                let Some(op) = op.as_mut() else { continue };
                let session = op.security.as_ref().is_some_and(|reqs| {
                    reqs.iter()
                        .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("session").is_some()))
                });
                if !session && !sign_in {
                    continue;
                }
                let takes_body = op.request_body.is_some();
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, r: Response| {
                    responses.entry(code.to_owned()).or_insert(RefOr::T(r));
                };
                add("429", too_many());
                if takes_body {
                    add(
                        "400",
                        error("The body is not the JSON this route takes, or breaks its rules"),
                    );
                }
                if session {
                    add("401", error("Not signed in, or the session ended"));
                }
                if is_change {
                    add(
                        "403",
                        error(
                            "The role does not allow it, or a change sent from another \
                             origin without a JSON body (see docs/api.md)",
                        ),
                    );
                }
            }
        }
    }
}
