//! Raw commands of the write path: reading which ids exist, splitting work into commands that
//! fit the server's limits, and the multi-statement `update` command with its reply check.

use super::*;

/// The `_id`s among `ids` already stored in `coll`, read inside the transaction.
pub(super) async fn existing_ids(
    coll: &Collection<Document>,
    ids: Vec<Bson>,
    session: &mut ClientSession,
) -> Result<Vec<Bson>, Failure> {
    let mut found = Vec::new();
    for chunk in chunk_by_size(ids, bson_len, MAX_COMMAND_BYTES, MAX_ITEMS_PER_COMMAND) {
        let mut cursor = coll
            .find(doc! { "_id": { "$in": chunk } })
            .projection(doc! { "_id": 1 })
            .session(&mut *session)
            .await?;
        while let Some(d) = cursor.next(&mut *session).await.transpose()? {
            if let Some(id) = d.get("_id") {
                found.push(id.clone());
            }
        }
    }
    Ok(found)
}

/// Splits `items` into runs that fit one command.
pub(super) fn chunk_by_size<T>(
    items: Vec<T>,
    size: impl Fn(&T) -> usize,
    max_bytes: usize,
    max_items: usize,
) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for item in items {
        let n = size(&item);
        if !current.is_empty() && (bytes + n > max_bytes || current.len() >= max_items) {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += n;
        current.push(item);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

pub(super) fn doc_len(d: &Document) -> usize {
    // Serialising a document built from valid values cannot fail; overestimate if it does.
    bson::to_vec(d).map_or(MAX_COMMAND_BYTES, |v| v.len())
}

pub(super) fn bson_len(b: &Bson) -> usize {
    // Element overhead: type byte, array index key, terminators.
    16 + match b {
        Bson::String(s) => s.len(),
        Bson::Document(d) => doc_len(d),
        _ => 16,
    }
}

/// A raw `update` command: many statements, one round trip, on every server from 4.2 (and
/// DocumentDB), unlike the client-level bulk write that needs 8.0. It runs inside a
/// transaction, whose commit carries the write concern (the server refuses one here).
pub(super) fn update_command(collection: &str, statements: Vec<Document>) -> Document {
    doc! { "update": collection, "updates": statements, "ordered": false }
}

/// A raw `update` reply is `ok: 1` even when statements failed: the failures are in
/// `writeErrors` and `writeConcernError`, which the driver does not turn into errors here.
pub(super) fn check_update_reply(
    collection: &'static str,
    reply: &Document,
    expected: usize,
) -> Result<(), Failure> {
    if let Ok(errors) = reply.get_array("writeErrors")
        && let Some(first) = errors.first().and_then(Bson::as_document)
    {
        return Err(Failure::Statement {
            collection,
            code: first
                .get("code")
                .and_then(count_of)
                .and_then(|c| i32::try_from(c).ok())
                .unwrap_or(-1),
            message: first.get_str("errmsg").unwrap_or_default().to_owned(),
            transient: reply.get_array("errorLabels").is_ok_and(|labels| {
                labels
                    .iter()
                    .any(|l| l.as_str() == Some(TRANSIENT_TRANSACTION_ERROR))
            }),
        });
    }
    if let Ok(wce) = reply.get_document("writeConcernError") {
        let name = wce.get_str("codeName").map_or_else(
            |_| {
                wce.get("code")
                    .map_or_else(String::new, ToString::to_string)
            },
            str::to_owned,
        );
        return Err(Failure::NotDurable {
            collection,
            reason: name,
        });
    }
    let n = reply.get("n").and_then(count_of).unwrap_or(-1);
    if usize::try_from(n).ok() != Some(expected) {
        // Every statement is an upsert on `_id`, so each matches or inserts exactly once.
        tracing::warn!(
            collection,
            expected,
            n,
            "MongoDB applied an unexpected number of rollup updates."
        );
    }
    Ok(())
}
