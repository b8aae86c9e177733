//! The proxy's settings: defaults, then a config file (`--config`), then flags, the later
//! winning. The file takes one `name value` per line (`#` starts a comment), with the flags'
//! names; `kafka.<key> <value>` lines (and `--kafka key=value` flags) go to librdkafka unchanged.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

pub const HELP: &str = "\
kafkabridge-proxy: Kafka behind the Redis protocol (XADD, XREADGROUP, XACK, ...)

usage: kafkabridge-proxy [--config FILE] [options]

  --config FILE             settings file: one `name value` per line, names as below without
                            the dashes (`kafka.<key> <value>` for Kafka settings); flags win
  --listen HOST:PORT        where to accept clients (default 127.0.0.1:6380)
  --kafka KEY=VALUE         a librdkafka setting (repeatable), e.g. --kafka bootstrap.servers=kafka:9092
  --requirepass PASSWORD    the password of the default user (AUTH <password>); prefer the file:
                            flags show in `ps`
  --user NAME:PASSWORD      another user for AUTH <name> <password> (repeatable)
  --protected-mode yes|no   yes (default): refuse to start listening beyond loopback without a
                            password
  --maxclients N            connections at most; one more is answered with an error and closed
                            (default 10000)
  --max-bulk BYTES          one argument at most, once authenticated (default 16777216)
  --max-request BYTES       one command at most, once authenticated (default 67108864)
  --client-output-limit BYTES  replies a client may leave unread; beyond it is disconnected
                            (default 67108864)
  --timeout SECONDS         close a connection idle this long (default 0: never)
  --xadd-mode wait|queue    XADD's default reply: wait for the delivery and reply
                            <partition>-<offset> (default), or queue and reply at once
  --xadd-timeout-ms MS      how long a waiting XADD waits for its delivery (default 30000)
  --group-buffer N          entries a consumer group's member prefetches for XREADGROUP
                            (default 10000)
  --group-memory BYTES      what a group's member holds at most: entries fetched and not yet
                            read, read and not acknowledged (XPENDING), and acknowledgements
                            above a commit point (default 268435456). Full, it fetches nothing
                            more and XREADGROUP > answers an error until entries are acknowledged
  --help                    this text

Before AUTH a client may send 10 arguments of 16 KiB, 1 MiB per command (as Redis allows).
A first line that looks like HTTP closes the connection. Logs go to stderr. SIGTERM or SIGINT:
stop accepting, answer what is in flight, flush the producer, exit 0. SIGHUP is ignored (no
setting is reloaded: restart to change them).
";

#[derive(Clone, Debug)]
pub struct ProxyConfig {
    pub listen: SocketAddr,
    pub kafka: BTreeMap<String, String>,
    /// name => password; the default user is "default".
    pub users: BTreeMap<String, String>,
    pub protected_mode: bool,
    pub maxclients: usize,
    pub max_bulk: usize,
    pub max_request: usize,
    pub client_output_limit: usize,
    pub idle_timeout: Option<Duration>,
    pub xadd_wait: bool,
    pub xadd_timeout: Duration,
    /// Entries a group member buffers for XREADGROUP at most.
    pub group_buffer: usize,
    /// Bytes a group member holds at most (buffered, pending, acknowledged above the prefix).
    pub group_memory: usize,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 6380)),
            kafka: BTreeMap::new(),
            users: BTreeMap::new(),
            protected_mode: true,
            maxclients: 10_000,
            max_bulk: 16 << 20,
            max_request: 64 << 20,
            client_output_limit: 64 << 20,
            idle_timeout: None,
            xadd_wait: true,
            xadd_timeout: Duration::from_millis(30_000),
            group_buffer: 10_000,
            group_memory: 256 << 20,
        }
    }
}

/// What the command line asked for.
pub enum Parsed {
    Run(ProxyConfig),
    Help,
}

impl ProxyConfig {
    /// Whether clients must AUTH.
    pub fn requires_auth(&self) -> bool {
        !self.users.is_empty()
    }

    /// Settings from the command line (and the file it names).
    pub fn from_args(args: &[String]) -> Result<Parsed, String> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if flag == "--help" || flag == "-h" {
                return Ok(Parsed::Help);
            }
            let Some(name) = flag.strip_prefix("--") else {
                return Err(format!("unexpected argument {flag:?}: options start with -- (see --help)"));
            };
            let value = it.next().ok_or_else(|| format!("--{name} needs a value (see --help)"))?;
            if name == "config" {
                let text = std::fs::read_to_string(value).map_err(|e| format!("--config {value}: {e}"))?;
                pairs.extend(file_pairs(&text).map_err(|e| format!("{value}: {e}"))?);
            } else {
                pairs.push((name.to_string(), value.clone()));
            }
        }
        let mut config = ProxyConfig::default();
        // The file's lines come where --config stood, so later flags win over them.
        for (name, value) in pairs {
            config.set(&name, &value)?;
        }
        config.check()?;
        Ok(Parsed::Run(config))
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let bytes = |v: &str| v.parse::<usize>().map_err(|_| format!("{name}: {v:?} is not a number of bytes"));
        match name {
            "listen" => self.listen = value.parse().map_err(|_| format!("listen: {value:?} is not HOST:PORT (an IP address and a port)"))?,
            "kafka" => {
                let (k, v) = value.split_once('=').ok_or_else(|| format!("kafka: {value:?} is not KEY=VALUE"))?;
                self.kafka.insert(k.to_string(), v.to_string());
            }
            k if k.starts_with("kafka.") => {
                self.kafka.insert(k["kafka.".len()..].to_string(), value.to_string());
            }
            "requirepass" => {
                self.users.insert("default".into(), value.to_string());
            }
            "user" => {
                let (n, p) = value.split_once(':').ok_or_else(|| "user: expected NAME:PASSWORD".to_string())?;
                if n.is_empty() || p.is_empty() {
                    return Err("user: NAME and PASSWORD must not be empty".into());
                }
                self.users.insert(n.to_string(), p.to_string());
            }
            "protected-mode" => self.protected_mode = yes_no(name, value)?,
            "maxclients" => self.maxclients = bytes(value)?.max(1),
            "max-bulk" => self.max_bulk = bytes(value)?,
            "max-request" => self.max_request = bytes(value)?,
            "client-output-limit" => self.client_output_limit = bytes(value)?,
            "timeout" => {
                let s = value.parse::<u64>().map_err(|_| format!("timeout: {value:?} is not a number of seconds"))?;
                self.idle_timeout = (s > 0).then(|| Duration::from_secs(s));
            }
            "xadd-mode" => {
                self.xadd_wait = match value {
                    "wait" => true,
                    "queue" => false,
                    _ => return Err(format!("xadd-mode: {value:?} is not wait or queue")),
                }
            }
            "group-buffer" => self.group_buffer = bytes(value)?.max(1),
            "group-memory" => self.group_memory = bytes(value)?.max(1),
            "xadd-timeout-ms" => {
                self.xadd_timeout = Duration::from_millis(value.parse().map_err(|_| format!("xadd-timeout-ms: {value:?} is not a number"))?)
            }
            _ => return Err(format!("unknown setting {name:?} (see --help)")),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        if !self.kafka.contains_key("bootstrap.servers") && !self.kafka.contains_key("metadata.broker.list") {
            return Err("no Kafka brokers: give --kafka bootstrap.servers=HOST:PORT (or kafka.bootstrap.servers in the file)".into());
        }
        if self.protected_mode && !self.listen.ip().is_loopback() && !self.requires_auth() {
            return Err(format!(
                "protected mode: listening on {} (beyond loopback) needs a password (--requirepass or --user); \
                 or set --protected-mode no if the network is trusted",
                self.listen
            ));
        }
        if self.max_bulk > self.max_request {
            return Err(format!("max-bulk ({}) must not exceed max-request ({})", self.max_bulk, self.max_request));
        }
        Ok(())
    }
}

fn yes_no(name: &str, value: &str) -> Result<bool, String> {
    match value {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(format!("{name}: {value:?} is not yes or no")),
    }
}

/// `name value` lines; a value may hold blanks (everything after the first run of blanks).
fn file_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line.split_once(char::is_whitespace).ok_or_else(|| format!("line {}: {line:?} has no value", n + 1))?;
        out.push((name.to_string(), value.trim().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<ProxyConfig, String> {
        match ProxyConfig::from_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())? {
            Parsed::Run(c) => Ok(c),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn flags_and_defaults() {
        let c = run(&["--kafka", "bootstrap.servers=k:9092", "--kafka", "acks=all", "--maxclients", "5"]).unwrap();
        assert_eq!(c.kafka.get("acks").map(String::as_str), Some("all"));
        assert_eq!(c.maxclients, 5);
        assert!(c.listen.ip().is_loopback());
        assert!(!c.requires_auth());
    }

    #[test]
    fn the_file_then_later_flags() {
        let path = std::env::temp_dir().join(format!("kb-proxy-conf-{}", std::process::id()));
        std::fs::write(&path, "# comment\nkafka.bootstrap.servers k:1\nrequirepass s3cret word\nmaxclients 7\n").unwrap();
        let c = run(&["--config", path.to_str().unwrap(), "--maxclients", "9"]).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(c.users.get("default").map(String::as_str), Some("s3cret word"));
        assert_eq!(c.maxclients, 9);
    }

    #[test]
    fn mistakes_are_named() {
        assert!(run(&[]).unwrap_err().contains("bootstrap.servers"));
        assert!(run(&["--nope", "1"]).unwrap_err().contains("unknown setting \"nope\""));
        assert!(run(&["--kafka", "bootstrap.servers=k:1", "--listen", "0.0.0.0:6380"]).unwrap_err().contains("protected mode"));
        assert!(run(&["--kafka", "bootstrap.servers=k:1", "--listen", "0.0.0.0:6380", "--requirepass", "x"]).is_ok());
        assert!(run(&["--kafka", "bootstrap.servers=k:1", "--xadd-mode", "later"]).unwrap_err().contains("wait or queue"));
        assert!(run(&["--maxclients"]).unwrap_err().contains("needs a value"));
    }
}
