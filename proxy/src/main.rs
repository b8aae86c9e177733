//! kafkabridge-proxy: Kafka behind the Redis protocol, for hosts that cannot load the library
//! (see `--help` and proxy/README.md). Built on kafkabridge's core, never on its C ABI.

mod commands;
mod config;
mod groups;
mod info;
mod info_streams;
mod kafka;
mod reply;
mod resp;
mod server;
mod streams;
mod xadd;
mod xread;

use std::sync::Arc;
use std::time::Duration;

use config::{Parsed, ProxyConfig, HELP};

/// The Redis version whose command replies the proxy gives (HELLO, INFO): clients pick their
/// protocol features by it.
pub const REDIS_VERSION: &str = "7.0.0";

/// How long the producer may take to deliver what is in flight at SIGTERM.
const FLUSH_AT_EXIT: Duration = Duration::from_secs(30);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match ProxyConfig::from_args(&args) {
        Ok(Parsed::Run(c)) => c,
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return;
        }
        Err(e) => {
            eprintln!("kafkabridge-proxy: {e}");
            std::process::exit(2);
        }
    };
    std::process::exit(run(config));
}

fn run(config: ProxyConfig) -> i32 {
    let kafka = match kafka::Kafka::open(&config.kafka) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("kafkabridge-proxy: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("kb-proxy").build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kafkabridge-proxy: starting the runtime: {e}");
            return 1;
        }
    };
    let listen = config.listen;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let shared = Arc::new(server::Shared::new(config, kafka, rx));
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listening on {listen}: {e}"))?;
        eprintln!("kafkabridge-proxy: listening on {listen}");
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        let signal = wait_for_stop().await?;
        eprintln!("kafkabridge-proxy: {signal}: no new connections; answering what is in flight");
        let _ = tx.send(true);
        let _ = server.await;
        Ok::<(), String>(())
    });
    drop(runtime);
    if let Err(e) = served {
        eprintln!("kafkabridge-proxy: {e}");
        return 1;
    }
    // Every group commits what was acknowledged and leaves before the producer flushes.
    shared.groups.close();
    let mut shared = match Arc::try_unwrap(shared) {
        Ok(s) => s,
        Err(_) => {
            eprintln!("kafkabridge-proxy: connections still held at exit");
            return 1;
        }
    };
    match shared.kafka.close(FLUSH_AT_EXIT) {
        Ok(()) => {
            eprintln!("kafkabridge-proxy: every message delivered; bye");
            0
        }
        Err(e) => {
            eprintln!("kafkabridge-proxy: at exit: {}", e.message);
            1
        }
    }
}

/// SIGTERM or SIGINT; SIGHUP is ignored (nothing is reloaded: see --help).
async fn wait_for_stop() -> Result<&'static str, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let err = |e: std::io::Error| format!("installing signal handlers: {e}");
    let mut term = signal(SignalKind::terminate()).map_err(err)?;
    let mut int = signal(SignalKind::interrupt()).map_err(err)?;
    let mut hup = signal(SignalKind::hangup()).map_err(err)?;
    loop {
        tokio::select! {
            _ = term.recv() => return Ok("SIGTERM"),
            _ = int.recv() => return Ok("SIGINT"),
            _ = hup.recv() => eprintln!("kafkabridge-proxy: SIGHUP: nothing is reloaded (restart to change settings)"),
        }
    }
}
