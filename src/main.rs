//! `cinnabar-server`: parses the command line and config file into a
//! [`Config`], sets up logging and runs the server.

use std::io::Write;
use std::process::ExitCode;

use cinnabar::config::{Config, PARAMS};
use clap::{Arg, ArgAction, Command};

fn cli() -> Command {
    let mut cmd = Command::new("cinnabar-server")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A Redis-compatible in-memory data server")
        .after_help(
            "Every parameter can also be set in a redis.conf-style file or with CONFIG SET.",
        )
        .arg(
            Arg::new("config")
                .value_name("CONFIG_FILE")
                .help("redis.conf-style configuration file"),
        )
        .arg(
            Arg::new("check-aof")
                .long("check-aof")
                .value_name("FILE")
                .help("check an AOF manifest or file, like redis-check-aof, and exit"),
        )
        .arg(
            Arg::new("fix")
                .long("fix")
                .action(ArgAction::SetTrue)
                .requires("check-aof")
                .help("with --check-aof: truncate the last file after its last whole command"),
        );
    for p in PARAMS {
        cmd = cmd.arg(
            Arg::new(p.name)
                .long(p.name)
                .value_name("VALUE")
                .num_args(1..)
                .allow_negative_numbers(true)
                .action(ArgAction::Append)
                .help(format!("{} [default: \"{}\"]", p.help, p.default)),
        );
    }
    cmd
}

/// What the command line asks for.
enum Mode {
    Serve(Box<Config>),
    CheckAof { path: String, fix: bool },
}

fn parse_command_line() -> Result<Mode, String> {
    let m = cli().get_matches();
    if let Some(path) = m.get_one::<String>("check-aof") {
        return Ok(Mode::CheckAof {
            path: path.clone(),
            fix: m.get_flag("fix"),
        });
    }
    load_config(&m).map(|c| Mode::Serve(Box::new(c)))
}

fn load_config(m: &clap::ArgMatches) -> Result<Config, String> {
    let mut config = Config::default();
    if let Some(path) = m.get_one::<String>("config") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("Fatal error, can't open config file '{path}': {e}"))?;
        config.load_str(&text)?;
        config.config_file = Some(
            std::fs::canonicalize(path)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| path.clone()),
        );
    }
    for p in PARAMS {
        // A flag given twice: the last one wins, as in redis-server.
        if let Some(vals) = m
            .get_occurrences::<String>(p.name)
            .and_then(|mut o| o.next_back())
        {
            let v: Vec<&str> = vals.map(String::as_str).collect();
            config
                .apply(p.name, &v.join(" "))
                .map_err(|e| format!("Invalid value for --{}: {e}", p.name))?;
        }
    }
    Ok(config)
}

/// Logs to `logfile` (standard output if empty); a log file that cannot
/// be opened stops the server, as in Redis.
fn init_logging(config: &Config) -> Result<(), String> {
    let mut b = env_logger::Builder::new();
    b.filter_level(cinnabar::level_filter(&config.loglevel));
    if let Ok(spec) = std::env::var("RUST_LOG") {
        b.parse_filters(&spec);
    }
    let pid = std::process::id();
    b.format(move |f, rec| {
        let mark = match rec.level() {
            log::Level::Error | log::Level::Warn => '#',
            log::Level::Info => '*',
            log::Level::Debug => '-',
            log::Level::Trace => '.',
        };
        writeln!(f, "{pid}:M {} {mark} {}", timestamp(), rec.args())
    });
    if !config.logfile.is_empty() {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.logfile)
        {
            Ok(file) => {
                b.target(env_logger::Target::Pipe(Box::new(file)));
            }
            Err(e) => return Err(format!("Can't open the log file: {e}")),
        }
    } else {
        b.target(env_logger::Target::Stdout);
    }
    b.init();
    Ok(())
}

/// `21 Nov 2026 20:15:00.123`, in UTC, as Redis formats log lines.
fn timestamp() -> String {
    let ms = cinnabar::util::unix_ms();
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{day:02} {} {year} {:02}:{:02}:{:02}.{milli:03}",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn main() -> ExitCode {
    let mut config = match parse_command_line() {
        Ok(Mode::Serve(c)) => *c,
        Ok(Mode::CheckAof { path, fix }) => {
            let (report, ok) = cinnabar::aof::load::check(std::path::Path::new(&path), fix);
            print!("{report}");
            return if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // Detaches (daemonize) before the logger and any thread start.
    let mut startup = match cinnabar::process::Startup::begin(&mut config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Can't start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = init_logging(&config) {
        eprintln!("{e}");
        startup.fail(&e);
        return ExitCode::FAILURE;
    }
    log::warn!("oO0OoO0OoO0Oo Cinnabar is starting oO0OoO0OoO0Oo");
    log::warn!(
        "Cinnabar version={} (Redis {} compatible), bits=64, pid={}, just started",
        env!("CARGO_PKG_VERSION"),
        cinnabar::REDIS_VERSION,
        std::process::id()
    );
    match &config.config_file {
        Some(path) => log::warn!("Configuration loaded from {path}"),
        None => log::warn!("No config file specified, using the default config. In order to specify a config file use cinnabar-server /path/to/redis.conf"),
    }
    // Before any command is timed (see cpu::Stamp).
    if !cinnabar::cpu::calibrate() {
        log::info!("No invariant time-stamp counter: commands are timed with the system clock");
    }
    match cinnabar::server::run(config, &mut startup) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("Fatal: {e}");
            startup.fail(&e.to_string());
            ExitCode::FAILURE
        }
    }
}
