//! INFO: what the proxy has done, in Redis's `# Section` / `name:value` text. Never a secret:
//! passwords and Kafka settings are not shown (only the brokers).

use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;

use crate::server::Shared;

pub fn render(shared: &Shared, section: Option<String>) -> String {
    let st = &shared.stats;
    let want = |name: &str| section.as_deref().is_none_or(|s| s == name || s == "all" || s == "everything" || s == "default");
    let mut out = String::new();
    if want("server") {
        let _ = write!(
            out,
            "# Server\r\nredis_version:{}\r\nkafkabridge_proxy_version:{}\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\n\r\n",
            crate::REDIS_VERSION,
            env!("CARGO_PKG_VERSION"),
            std::process::id(),
            shared.config.listen.port(),
            shared.started.elapsed().as_secs()
        );
    }
    if want("clients") {
        let _ = write!(out, "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\n\r\n", st.connected.load(Relaxed), shared.config.maxclients);
    }
    if want("stats") {
        let _ = write!(
            out,
            "# Stats\r\ntotal_connections_received:{}\r\nrejected_connections:{}\r\ntotal_commands_processed:{}\r\n\
             total_error_replies:{}\r\nauth_failures:{}\r\nprotocol_errors:{}\r\nhttp_requests_dropped:{}\r\n\
             client_output_limit_disconnections:{}\r\nidle_disconnections:{}\r\ntotal_net_input_bytes:{}\r\n\
             total_net_output_bytes:{}\r\n\r\n",
            st.connections_received.load(Relaxed),
            st.connections_rejected.load(Relaxed),
            st.commands.load(Relaxed),
            st.errors.load(Relaxed),
            st.auth_failures.load(Relaxed),
            st.protocol_errors.load(Relaxed),
            st.http_dropped.load(Relaxed),
            st.output_limit_closed.load(Relaxed),
            st.idle_closed.load(Relaxed),
            st.bytes_in.load(Relaxed),
            st.bytes_out.load(Relaxed)
        );
    }
    if want("kafka") {
        let d = &shared.kafka.deliveries;
        let _ = write!(
            out,
            "# Kafka\r\nbootstrap_servers:{}\r\nxadd_total:{}\r\nxadd_delivered:{}\r\nxadd_failed:{}\r\nxadd_timeouts:{}\r\n\
             queued_delivered:{}\r\nqueued_failed:{}\r\n\r\n",
            shared.config.kafka.get("bootstrap.servers").or(shared.config.kafka.get("metadata.broker.list")).map_or("", String::as_str),
            st.xadd.load(Relaxed),
            st.xadd_delivered.load(Relaxed),
            st.xadd_failed.load(Relaxed),
            st.xadd_timeouts.load(Relaxed),
            d.delivered.load(Relaxed),
            d.failed.load(Relaxed)
        );
    }
    if want("groups") {
        out.push_str("# Groups\r\n");
        for (name, assigned, consumers, pending, buffered, held) in shared.groups.figures() {
            // A group name is the client's: no line break or separator may pass into the text.
            let name: String = name.chars().map(|c| if c.is_control() || c == ',' || c == ':' { '?' } else { c }).collect();
            let _ = write!(
                out,
                "group_{name}:assigned_partitions={assigned},consumers={consumers},pending={pending},buffered={buffered},memory={held}\r\n"
            );
        }
        out.push_str("\r\n");
    }
    out
}
