//! The route × role table in docs/api.md (section "Access control"), checked against the server.

use std::collections::HashMap;

use serde_json::json;
use shared::storage::Role;

use crate::helpers::*;

struct Row {
    method: String,
    path: String,
    expected: [String; 4],
}

fn table() -> Vec<Row> {
    let doc = include_str!("../../../docs/api.md");
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("Access control"))
        .expect("docs/api.md has an Access control section");
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // "| METHOD | path | anonymous | viewer | analyst | admin |"
            if cells.len() != 8 || !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&cells[1]) {
                return None;
            }
            Some(Row {
                method: cells[1].to_owned(),
                path: cells[2].to_owned(),
                expected: [cells[3], cells[4], cells[5], cells[6]].map(str::to_owned),
            })
        })
        .collect()
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let app = spawn_app().await;
    let rows = table();
    assert!(rows.len() >= 20, "the table was read ({} rows)", rows.len());
    // Every documented route exists in the OpenAPI document, and vice versa.
    let openapi: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi.json")).expect("openapi");
    let documented: Vec<(String, String)> = openapi["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("ops")
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    for (method, path) in &documented {
        assert!(
            rows.iter().any(|r| &r.method == method && &r.path == path),
            "{method} {path} is missing from the Access control table in docs/api.md"
        );
    }

    for (email, role) in [
        ("viewer@shoptrail.test", Role::Viewer),
        ("analyst@shoptrail.test", Role::Analyst),
    ] {
        add_member(&app.store, email, role).await;
    }
    let emails = [
        None,
        Some("viewer@shoptrail.test"),
        Some("analyst@shoptrail.test"),
        Some(ADMIN_EMAIL),
    ];
    let mut cookies: HashMap<&str, String> = HashMap::new();
    for email in emails.iter().flatten() {
        cookies.insert(email, login(&app.address, email, PASSWORD).await);
    }

    for row in &rows {
        let path = row
            .path
            .replace("{user_id}", "u1")
            .replace("{id}", "00000000-0000-0000-0000-000000000000");
        for (column, email) in emails.iter().enumerate() {
            let client = match email {
                None => app.anon.clone(),
                // Signing out ends the session: give that row a session of its own.
                Some(e) if row.path == "/v1/auth/logout" => {
                    with_cookie(&login(&app.address, e, PASSWORD).await)
                }
                Some(e) => with_cookie(&cookies[e]),
            };
            let method = reqwest::Method::from_bytes(row.method.as_bytes()).expect("method");
            let mut request = client.request(method, app.url(&path));
            if matches!(row.method.as_str(), "POST" | "PUT" | "PATCH") {
                request = request.json(&json!({}));
            }
            let status = request.send().await.expect("sent").status().as_u16();
            let expected = &row.expected[column];
            let who = email.unwrap_or("anonymous");
            match expected.as_str() {
                "allow" => assert!(
                    ![401, 403, 429].contains(&status),
                    "{} {path} as {who}: expected allow, got {status}",
                    row.method
                ),
                code => assert_eq!(status.to_string(), code, "{} {path} as {who}", row.method),
            }
        }
    }
}
