//! Failpoints: named places in the code where a test can stop the program, to prove that a crash
//! at any write loses nothing (the way SQLite's tests crash at every write in turn).
//!
//! Only tests use this. It is configured through the environment, read once:
//!
//! - `ANNUAL_REVIEW_FAILPOINT=<point>#<n>=<action>` (several separated by `;`) acts at the `n`-th time (1-based) the program
//!   passes `<point>`; `<point>#<n>..=<action>` at that time and every later one. A `<point>`
//!   ending in `*` stands for every point that starts with what comes before it (`*` for any,
//!   `write:*` for every write). Actions:
//!   - `abort`: the process dies on the spot, as if killed: no destructor, no clean-up;
//!   - `enospc`: the write fails with "No space left on device";
//!   - `pause`: `failpoint: paused at <point>` goes to standard error, then the program waits
//!     until its standard input is closed — so a test acts at that moment without sleeping.
//! - `ANNUAL_REVIEW_FAILPOINT_LOG=<file>` appends the name of every point passed, one per line,
//!   so a test can first list the points of a run and then stop it at each in turn.
//!
//! Without these variables a failpoint costs one check of a value computed once.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

const CONFIG_VARIABLE: &str = "ANNUAL_REVIEW_FAILPOINT";
const LOG_VARIABLE: &str = "ANNUAL_REVIEW_FAILPOINT_LOG";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Abort,
    NoSpace,
    Pause,
}

#[derive(Debug)]
struct Config {
    point: String,
    from: u64,
    onwards: bool,
    action: Action,
}

struct State {
    /// Each configuration with how often its point (or points) has been passed.
    configs: Vec<(Config, AtomicU64)>,
    log: Option<Mutex<std::fs::File>>,
}

static STATE: OnceLock<Option<State>> = OnceLock::new();

fn state() -> Option<&'static State> {
    STATE
        .get_or_init(|| {
            let configs: Vec<(Config, AtomicU64)> = std::env::var(CONFIG_VARIABLE)
                .map(|text| {
                    text.split(';')
                        .map(|one| match parse(one) {
                            Some(config) => (config, AtomicU64::new(0)),
                            None => {
                                eprintln!("error: {CONFIG_VARIABLE}: `{one}` is not `<point>#<n>[..]=abort|enospc|pause`");
                                std::process::exit(2)
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let log = std::env::var_os(LOG_VARIABLE).map(|path| {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .expect("the failpoint log can be opened");
                Mutex::new(file)
            });
            (!configs.is_empty() || log.is_some()).then_some(State { configs, log })
        })
        .as_ref()
}

fn parse(text: &str) -> Option<Config> {
    let (target, action) = text.rsplit_once('=')?;
    let (point, count) = target.split_once('#')?;
    let (count, onwards) = match count.strip_suffix("..") {
        Some(count) => (count, true),
        None => (count, false),
    };
    let action = match action {
        "abort" => Action::Abort,
        "enospc" => Action::NoSpace,
        "pause" => Action::Pause,
        _ => return None,
    };
    Some(Config {
        point: point.to_string(),
        from: count.parse().ok().filter(|&n| n > 0)?,
        onwards,
        action,
    })
}

/// Passes the failpoint `point`: returns an error when a test asked for a failed write here, and
/// otherwise returns (or never returns, when the test asked for a crash).
pub(crate) fn pass(point: &str) -> std::io::Result<()> {
    let Some(state) = state() else {
        return Ok(());
    };
    if let Some(log) = &state.log {
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(file, "{point}");
    }
    for (config, passed) in &state.configs {
        let matches = match config.point.strip_suffix('*') {
            Some(prefix) => point.starts_with(prefix),
            None => config.point == point,
        };
        if !matches {
            continue;
        }
        let passed = passed.fetch_add(1, Ordering::SeqCst) + 1;
        if passed == config.from || (config.onwards && passed > config.from) {
            act(config.action, point)?;
        }
    }
    Ok(())
}

fn act(action: Action, point: &str) -> std::io::Result<()> {
    match action {
        Action::Abort => std::process::abort(),
        Action::NoSpace => Err(std::io::Error::from_raw_os_error(28)),
        Action::Pause => {
            eprintln!("failpoint: paused at {point}");
            // Waits for the test to close our standard input.
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_parse() {
        let config = parse("write:letter#3=abort").unwrap();
        assert_eq!(
            (
                config.point.as_str(),
                config.from,
                config.onwards,
                config.action
            ),
            ("write:letter", 3, false, Action::Abort)
        );
        let config = parse("*#40..=enospc").unwrap();
        assert_eq!(
            (
                config.point.as_str(),
                config.from,
                config.onwards,
                config.action
            ),
            ("*", 40, true, Action::NoSpace)
        );
        assert!(parse("write#0=abort").is_none());
        assert!(parse("write=abort").is_none());
        assert!(parse("write#1=explode").is_none());
    }
}
