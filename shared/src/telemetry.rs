//! Logs, traces and metrics: structured `tracing` output (JSON or pretty), an optional
//! OTLP trace exporter, and the process-wide Prometheus recorder.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::settings::{LogFormat, TelemetrySettings};

/// Flushes pending spans when dropped.
pub struct TelemetryGuard {
    tracer: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.tracer.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("Failed to flush traces: {e}");
        }
    }
}

/// tower-sessions warns on every request whose session cookie is unknown (expired, signed
/// out, from another installation) or malformed: routine, and anyone can send one with every
/// request, flooding the logs. These targets log errors only, unless `log_level` names them.
const QUIET_TARGETS: [&str; 2] = ["tower_sessions_core::session", "tower_sessions::service"];

/// The log filter of `log_level` (an `EnvFilter` spec), with [`QUIET_TARGETS`] quietened.
pub fn log_filter(log_level: &str) -> anyhow::Result<EnvFilter> {
    let mut filter = EnvFilter::try_new(log_level)?;
    for target in QUIET_TARGETS {
        if !log_level.contains(target) {
            filter = filter.add_directive(format!("{target}=error").parse()?);
        }
    }
    Ok(filter)
}

/// Installs the global subscriber. Call once, from `main`.
pub fn init_tracing(settings: &TelemetrySettings) -> anyhow::Result<TelemetryGuard> {
    let filter = log_filter(&settings.log_level)?;
    let fmt = match settings.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().boxed(),
    };
    // The exporter logs errors when no collector listens, so it is off unless configured.
    let (otel, tracer) = match &settings.otlp_endpoint {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    opentelemetry_sdk::Resource::builder()
                        .with_service_name(settings.service_name.clone())
                        .build(),
                )
                .build();
            let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("shoptrail"));
            (Some(layer), Some(provider))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init()?;
    Ok(TelemetryGuard { tracer })
}

/// Latency buckets in seconds, from 0.5 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_SIZE_BUCKETS: &[f64] = &[
    1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Suffix("_events".into()), BATCH_SIZE_BUCKETS)
            });
        let recorder = match builder {
            Ok(b) => b.build_recorder(),
            // Bucket lists are non-empty constants; this branch is unreachable in practice.
            Err(_) => PrometheusBuilder::new().build_recorder(),
        };
        let handle = recorder.handle();
        // Another recorder may already be installed (e.g. by a test harness); keep ours
        // usable for rendering either way.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "shoptrail_http_requests_total",
        "HTTP requests by method, route and status."
    );
    describe_histogram!(
        "shoptrail_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency."
    );
    describe_counter!(
        "shoptrail_ingest_events_total",
        "Ingested events by outcome (accepted, duplicate, rejected)."
    );
    describe_histogram!(
        "shoptrail_batch_size_events",
        Unit::Count,
        "Events per flushed batch."
    );
    describe_histogram!(
        "shoptrail_batch_flush_duration_seconds",
        Unit::Seconds,
        "Time to write one batch durably."
    );
    describe_counter!(
        "shoptrail_batch_flush_failures_total",
        "Batches the store failed to write."
    );
    describe_gauge!(
        "shoptrail_batcher_queue_depth_events",
        "Events waiting to be written."
    );
    describe_counter!(
        "shoptrail_identity_links_total",
        "Identity links (identify, alias) by outcome (linked, already_linked, conflict, ignored)."
    );
    describe_counter!(
        "shoptrail_profile_traits_dropped_total",
        "Profile traits left out because the profile reached its bounds (256 keys, 64 KiB)."
    );
    describe_gauge!(
        "shoptrail_store_up",
        "1 when the last store operation succeeded, else 0."
    );
    // A counter only appears on /metrics once touched; alarms and dashboards need the
    // failure counters to exist (at 0) before the first failure.
    metrics::counter!("shoptrail_batch_flush_failures_total").increment(0);
    metrics::counter!("shoptrail_profile_traits_dropped_total").increment(0);
    metrics::counter!(crate::jobs::metric::EXPORT_FAILURES).increment(0);
    // One failed series per job kind from start-up, so the first failure after a
    // restart is a change from 0 that the jobs-failed alarm sees.
    for kind in crate::storage::JobKind::ALL {
        metrics::counter!(crate::jobs::metric::JOBS_TOTAL, "kind" => kind.as_str(), "outcome" => "failed")
            .increment(0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_job_kind_has_a_failed_series_at_zero_from_start_up() {
        let rendered = super::metrics_handle().render();
        for kind in crate::storage::JobKind::ALL {
            let series = format!(
                "shoptrail_jobs_total{{kind=\"{}\",outcome=\"failed\"}} 0",
                kind.as_str()
            );
            assert!(
                rendered.contains(&series),
                "{series} missing from:\n{rendered}"
            );
        }
    }
}
