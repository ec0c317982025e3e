//! Logs, traces and metrics: structured `tracing` output (JSON or pretty), an optional
//! OTLP trace exporter with W3C trace-context propagation, and the process-wide Prometheus
//! recorder.
//!
//! Spans are `tracing` spans; with `telemetry.otlp_endpoint` set they are exported over
//! OTLP/HTTP (protobuf) by the SDK's batch processor, which runs on its own thread with a
//! blocking HTTP client (an async client there has no reactor and exported nothing), and
//! JSON log lines inside a span carry its `trace_id` and `span_id`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
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
    let tracing_on = settings.otlp_endpoint.is_some();
    let fmt = match settings.log_format {
        LogFormat::Json => {
            let json = tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(false);
            // Only with an exporter are there trace ids to print.
            if tracing_on {
                tracing_subscriber::fmt::layer()
                    .event_format(WithTraceIds(json))
                    .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                    .boxed()
            } else {
                // The per-request and batch-commit spans stay out of log lines (their
                // fields would be formatted on every request for nothing); job spans stay in.
                tracing_subscriber::fmt::layer()
                    .event_format(json)
                    .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                    .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                        !(meta.is_span() && PER_REQUEST_SPANS.contains(&meta.name()))
                    }))
                    .boxed()
            }
        }
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
            let layer = tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("shoptrail"))
                // Code locations and thread names on every span cost more than they tell.
                .with_location(false)
                .with_threads(false);
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

/// Spans opened for every request (`api`'s request span, the batcher's commit).
const PER_REQUEST_SPANS: [&str; 2] = ["request", "batch_commit"];

/// The trace headers of an incoming request.
#[derive(Debug, Default, Clone, Copy)]
pub struct TraceHeaders<'a> {
    /// W3C `traceparent`.
    pub traceparent: Option<&'a str>,
    /// W3C `tracestate`.
    pub tracestate: Option<&'a str>,
    /// AWS `X-Amzn-Trace-Id` (X-Ray).
    pub amzn_trace_id: Option<&'a str>,
}

/// Makes `span` the continuation of the caller's trace: a W3C `traceparent` (and
/// `tracestate`), else an `X-Amzn-Trace-Id` that names a parent segment (an X-Ray
/// instrumented caller; the ALB's own header names only a root, which cannot be a parent).
/// Without either the span starts a trace.
pub fn continue_trace(span: &tracing::Span, headers: TraceHeaders<'_>) {
    if headers.traceparent.is_none() && headers.amzn_trace_id.is_none() {
        return;
    }
    let mut parent = TraceContextPropagator::new().extract(&headers);
    if !parent.span().span_context().is_valid() {
        parent = opentelemetry_aws::trace::XrayPropagator::new().extract(&headers);
    }
    if parent.span().span_context().is_valid() {
        // Fails only without the OpenTelemetry layer (no exporter): nothing to continue then.
        let _ = span.set_parent(parent);
    }
}

impl Extractor for TraceHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.traceparent,
            "tracestate" => self.tracestate,
            "x-amzn-trace-id" => self.amzn_trace_id,
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate", "x-amzn-trace-id"]
    }
}

/// A JSON event format that adds the current span's `trace_id` and `span_id` as top-level
/// keys, so a log line leads to its trace.
struct WithTraceIds<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let ids = ctx.lookup_current().and_then(|span| {
            let id = span.id();
            // The global dispatcher (installed by `init_tracing`) holds the OpenTelemetry layer.
            let cx = tracing::dispatcher::get_default(|d| {
                tracing_opentelemetry::get_otel_context(&id, d)
            })?;
            let span_context = cx.span().span_context().clone();
            span_context
                .is_valid()
                .then(|| (span_context.trace_id(), span_context.span_id()))
        });
        let Some((trace_id, span_id)) = ids else {
            return self.0.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(256);
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        match line.trim_end().strip_suffix('}') {
            Some(head) => writeln!(
                writer,
                "{head},\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\"}}"
            ),
            None => writer.write_str(&line),
        }
    }
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
        // Descriptions and zero series go to this recorder itself, whatever recorder the
        // calling thread has in scope (a test's local one, say).
        metrics::with_local_recorder(&recorder, describe);
        // Another recorder may already be installed (e.g. by a test harness); keep ours
        // usable for rendering either way.
        let _ = metrics::set_global_recorder(recorder);
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
        crate::storage::moves::PENDING_MOVES,
        "Identity merges whose earlier events are still being moved to the person."
    );
    describe_counter!(
        crate::storage::moves::MOVED_EVENTS,
        "Events moved from a merged earlier id to its person by the background mover."
    );
    describe_gauge!(
        "shoptrail_store_up",
        "1 when the last store operation succeeded, else 0."
    );
    describe_counter!(
        "shoptrail_cors_preflights_total",
        "CORS preflights of the ingestion routes by outcome (allowed, refused) and reason."
    );
    {
        use crate::jobs::metric;
        describe_counter!(metric::JOBS_TOTAL, "Finished job runs by kind and outcome.");
        describe_histogram!(
            metric::JOB_DURATION,
            Unit::Seconds,
            "Time from a job's start to its end, by kind."
        );
        describe_gauge!(metric::JOBS_QUEUED, "Jobs waiting to run, by kind.");
        describe_counter!(metric::EXPORT_FAILURES, "Daily export runs that failed.");
        describe_gauge!(
            metric::EXPORT_LAST_SUCCESS_TS,
            Unit::Seconds,
            "Unix time at which the last export succeeded."
        );
        describe_gauge!(
            metric::EXPORT_LAST_SUCCESS_DATE,
            Unit::Seconds,
            "Unix time of midnight (UTC) of the day the last successful export covered."
        );
        describe_counter!(metric::EXPORT_EVENTS, "Events written by exports.");
        describe_counter!(
            crate::jobs::metric::RETENTION_DELETED_ROWS,
            "Rows deleted by the retention purge, by kind (events, visits, orders, active_days, profiles)."
        );
    }
    // A counter only appears on /metrics once touched; alarms and dashboards need the
    // failure counters to exist (at 0) before the first failure.
    metrics::counter!("shoptrail_batch_flush_failures_total").increment(0);
    metrics::counter!("shoptrail_profile_traits_dropped_total").increment(0);
    metrics::counter!(crate::jobs::metric::EXPORT_FAILURES).increment(0);
    for kind in crate::jobs::purge::PURGED {
        metrics::counter!(crate::jobs::metric::RETENTION_DELETED_ROWS, "kind" => kind.as_str())
            .increment(0);
    }
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
            // Present whatever the value: other tests of this process may have failed jobs.
            let series = format!(
                "shoptrail_jobs_total{{kind=\"{}\",outcome=\"failed\"}} ",
                kind.as_str()
            );
            assert!(
                rendered.lines().any(|l| l.starts_with(&series)),
                "{series} missing from:\n{rendered}"
            );
        }
    }
}
