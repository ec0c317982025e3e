//! Where exports go and uploaded imports wait: S3 (any S3-compatible endpoint, path-style)
//! or a local directory, behind one trait. Keys are relative to the destination's root
//! (`s3://bucket/prefix` or `file:///path`).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use tokio::io::AsyncRead;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("no object at {0}")]
    NotFound(String),
    #[error("invalid destination {0:?}: expected s3://bucket/prefix or file:///path")]
    BadUrl(String),
    #[error("object store failed: {0}")]
    Failed(String),
}

fn failed(e: impl std::fmt::Display) -> ObjectError {
    ObjectError::Failed(e.to_string())
}

/// A readable object and its size, when known.
pub struct ObjectReader {
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    pub size: Option<u64>,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// The URL of `key`, for logs, manifests and job results.
    fn url(&self, key: &str) -> String;
    /// Uploads a local file (streamed from disk, never held in memory).
    async fn put_file(&self, key: &str, path: &Path) -> Result<(), ObjectError>;
    async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError>;
    async fn open(&self, key: &str) -> Result<ObjectReader, ObjectError>;
    /// Keys under `prefix`, relative to the root.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectError>;
    /// Deleting a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), ObjectError>;

    /// Reads a whole (small) object.
    async fn get_bytes(&self, key: &str) -> Result<Vec<u8>, ObjectError> {
        use tokio::io::AsyncReadExt as _;
        let mut r = self.open(key).await?;
        let mut out = Vec::new();
        r.reader.read_to_end(&mut out).await.map_err(failed)?;
        Ok(out)
    }
}

/// Opens the destination named by `url`; `endpoint_url` overrides the standard AWS
/// environment's endpoint for S3.
pub async fn open(
    url: &str,
    endpoint_url: Option<&str>,
) -> Result<std::sync::Arc<dyn ObjectStore>, ObjectError> {
    if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ObjectError::BadUrl(url.to_owned()));
        }
        let client = s3_client(endpoint_url).await;
        Ok(std::sync::Arc::new(S3Store::new(client, bucket, prefix)))
    } else if let Some(path) = url.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(ObjectError::BadUrl(url.to_owned()));
        }
        Ok(std::sync::Arc::new(FileStore::new(path)))
    } else {
        Err(ObjectError::BadUrl(url.to_owned()))
    }
}

/// An S3 client from the standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
/// credentials), path-style so local S3-compatible servers work; region `us-east-1` when
/// none is configured.
pub async fn s3_client(endpoint_url: Option<&str>) -> aws_sdk_s3::Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
    let mut config = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true);
    if sdk.region().is_none() {
        config = config.region(aws_sdk_s3::config::Region::new("us-east-1"));
    }
    aws_sdk_s3::Client::from_conf(config.build())
}

pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
}

impl S3Store {
    pub fn new(client: aws_sdk_s3::Client, bucket: &str, prefix: &str) -> Self {
        let prefix = prefix.trim_matches('/');
        Self {
            client,
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
        }
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    fn url(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.full(key))
    }

    async fn put_file(&self, key: &str, path: &Path) -> Result<(), ObjectError> {
        let body = ByteStream::from_path(path).await.map_err(failed)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .body(body)
            .send()
            .await
            .map_err(|e| failed(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| failed(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn open(&self, key: &str) -> Result<ObjectReader, ObjectError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    ObjectError::NotFound(self.url(key))
                } else {
                    failed(aws_sdk_s3::error::DisplayErrorContext(e))
                }
            })?;
        let size = out.content_length().and_then(|n| u64::try_from(n).ok());
        Ok(ObjectReader {
            reader: Box::new(out.body.into_async_read()),
            size,
        })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(self.full(prefix))
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| failed(aws_sdk_s3::error::DisplayErrorContext(e)))?;
            for o in out.contents() {
                if let Some(k) = o.key().and_then(|k| k.strip_prefix(&self.prefix)) {
                    keys.push(k.to_owned());
                }
            }
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .send()
            .await
            .map_err(|e| failed(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        Ok(())
    }
}

/// A directory on local disk. Writes go to a temporary name first and are renamed into
/// place, so a reader never sees half a file.
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, ObjectError> {
        if key.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(ObjectError::Failed(format!("invalid object key {key:?}")));
        }
        Ok(self.root.join(key))
    }

    async fn staging(&self, key: &str) -> Result<(PathBuf, PathBuf), ObjectError> {
        let dest = self.path(key)?;
        let dir = dest
            .parent()
            .ok_or_else(|| ObjectError::Failed(format!("invalid object key {key:?}")))?;
        tokio::fs::create_dir_all(dir).await.map_err(failed)?;
        let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::now_v7()));
        Ok((dest, tmp))
    }
}

#[async_trait]
impl ObjectStore for FileStore {
    fn url(&self, key: &str) -> String {
        format!("file://{}", self.root.join(key).display())
    }

    async fn put_file(&self, key: &str, path: &Path) -> Result<(), ObjectError> {
        let (dest, tmp) = self.staging(key).await?;
        tokio::fs::copy(path, &tmp).await.map_err(failed)?;
        tokio::fs::rename(&tmp, &dest).await.map_err(failed)
    }

    async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError> {
        let (dest, tmp) = self.staging(key).await?;
        tokio::fs::write(&tmp, bytes).await.map_err(failed)?;
        tokio::fs::rename(&tmp, &dest).await.map_err(failed)
    }

    async fn open(&self, key: &str) -> Result<ObjectReader, ObjectError> {
        let path = self.path(key)?;
        let file = tokio::fs::File::open(&path).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ObjectError::NotFound(self.url(key))
            } else {
                failed(e)
            }
        })?;
        let size = file.metadata().await.ok().map(|m| m.len());
        Ok(ObjectReader {
            reader: Box::new(file),
            size,
        })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut keys = Vec::new();
            // Walk only the directory the prefix names, not the whole tree.
            let start = match prefix.rfind('/') {
                Some(i) => root.join(&prefix[..i]),
                None => root.clone(),
            };
            let mut stack = vec![start];
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(failed(e)),
                };
                for entry in entries {
                    let entry = entry.map_err(failed)?;
                    let path = entry.path();
                    if entry.file_type().map_err(failed)?.is_dir() {
                        stack.push(path);
                    } else if let Ok(rel) = path.strip_prefix(&root) {
                        let key = rel.to_string_lossy().replace('\\', "/");
                        let hidden = key.rsplit('/').next().is_some_and(|n| n.starts_with('.'));
                        if key.starts_with(&prefix) && !hidden {
                            keys.push(key);
                        }
                    }
                }
            }
            keys.sort();
            Ok(keys)
        })
        .await
        .map_err(failed)?
    }

    async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}
