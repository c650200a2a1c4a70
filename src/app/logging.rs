//! Log lines on stderr: one format for every line, `flowaudit: LEVEL: message key=value ...`,
//! the same prefix that errors and warnings printed directly use. Colour only on a terminal, and
//! never with `NO_COLOR` set (to anything but the empty string).

use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Install the stderr logger. `-v`, `-q` and `FLOWAUDIT_LOG` choose what it shows: flowaudit's own
/// events, and the AWS SDK's one step quieter (its warnings, such as a failed instance-metadata
/// region lookup when a region is given anyway, are noise by default).
pub fn init(verbose: u8, quiet: u8) {
    let (own, deps) = match (verbose, quiet) {
        (_, 2..) => ("off", "off"),
        (_, 1) => ("error", "off"),
        (0, _) => ("warn", "error"),
        (1, _) => ("info", "warn"),
        (2, _) => ("debug", "info"),
        _ => ("trace", "debug"),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FLOWAUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{deps},flowaudit={own}")));
    QUIET.store(quiet > 0, Ordering::Relaxed);
    let colour = super::output::color_wanted(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .event_format(LineFormat { colour })
        .try_init();
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether `-q` was given: the closing block of a run is then left out too.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// The name a log line gives its level.
fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warning",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// `flowaudit: LEVEL: [crate: ]message fields`. Events of other crates (the AWS SDK) name their
/// crate, so a line says where it comes from.
struct LineFormat {
    colour: bool,
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let name = level_name(meta.level());
        let paint = match *meta.level() {
            Level::ERROR => "\x1b[31m",
            Level::WARN => "\x1b[33m",
            _ => "",
        };
        if self.colour && !paint.is_empty() {
            write!(writer, "flowaudit: {paint}{name}\x1b[0m: ")?;
        } else {
            write!(writer, "flowaudit: {name}: ")?;
        }
        let krate = meta.target().split("::").next().unwrap_or_default();
        if krate != "flowaudit" {
            write!(writer, "{krate}: ")?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_named_as_direct_messages_name_them() {
        assert_eq!(level_name(&Level::WARN), "warning");
        assert_eq!(level_name(&Level::ERROR), "error");
        assert_eq!(level_name(&Level::INFO), "info");
    }
}
