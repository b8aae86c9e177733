//! SASL/OAUTHBEARER tokens supplied by the host. librdkafka asks for a token through a refresh
//! callback, which kafkabridge never lets into the host; instead a client whose token comes from
//! the host raises a KB_EVENT_OAUTHBEARER_TOKEN_REFRESH event when one is wanted, on librdkafka's
//! own schedule: when the client is created, at 80% of the remaining lifetime of the token last
//! set, and 10 seconds after a failure was reported. Until the host answers (a token or a
//! failure, at any time, from any thread) no further refresh event is raised, as in librdkafka.
//!
//! A reported failure becomes an error event at once, in the caller's queue, rather than when a
//! poll thread gets round to librdkafka's copy of it (which is then dropped): a host that reports
//! a failure and polls sees it, as it would with librdkafka's callbacks.

use std::ffi::CString;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use rdkafka::client::{Client, ClientContext};
use rdkafka::types::RDKafkaRespErr;

use crate::core::config::Settings;
use crate::core::error::{KbError, KbResult};
use crate::core::events::{kb_event_type, Event};
use crate::core::text::cstr;
use crate::sys::librdkafka;

/// librdkafka asks again this long after a failure was reported.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// librdkafka's text for a reported failure, followed by the host's reason.
const FAILURE_PREFIX: &str = "Failed to acquire SASL OAUTHBEARER token: ";

/// When a client next wants a token from the host.
pub struct TokenRefresh {
    /// `sasl.oauthbearer.config`, handed to the host with each refresh event.
    config: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// When the next refresh event is due; None once raised, until the host answers.
    due: Option<Instant>,
    /// The reason of the last failure reported since a token was set (librdkafka raises an error
    /// for a failure only when its reason differs).
    last_failure: Option<String>,
    /// The error text of a failure already given to the host, until librdkafka's copy of it
    /// arrives (and is dropped).
    echo: Option<String>,
}

impl TokenRefresh {
    /// Some for a client whose OAUTHBEARER token must come from the host: the mechanism is
    /// OAUTHBEARER and neither librdkafka's OIDC method nor its unsecured test tokens
    /// (`enable.sasl.oauthbearer.unsecure.jwt`) make the token itself. The client raises the
    /// first `event()` itself when it is created.
    pub fn for_settings(settings: &Settings) -> Option<TokenRefresh> {
        let k = &settings.kafka;
        let mechanism = k.get("sasl.mechanisms").or_else(|| k.get("sasl.mechanism"));
        let builtin = k.get("sasl.oauthbearer.method").is_some_and(|m| m.eq_ignore_ascii_case("oidc"))
            || k.get("enable.sasl.oauthbearer.unsecure.jwt").is_some_and(|v| v == "true");
        (mechanism.is_some_and(|m| m == "OAUTHBEARER") && !builtin)
            .then(|| TokenRefresh { config: k.get("sasl.oauthbearer.config").cloned().unwrap_or_default(), state: Mutex::default() })
    }

    /// True once when a refresh is due: raise `event()` then.
    pub fn take_due(&self) -> bool {
        let mut st = self.state.lock();
        let now_due = st.due.is_some_and(|at| at <= Instant::now());
        if now_due {
            st.due = None;
        }
        now_due
    }

    pub fn event(&self) -> Event {
        Event { text: Some(cstr(&self.config)), ..Event::new(kb_event_type::KB_EVENT_OAUTHBEARER_TOKEN_REFRESH) }
    }

    /// True once for librdkafka's error event of a failure `set_token_failure` already gave the
    /// host: drop it.
    pub fn is_echo(&self, code: i32, text: &str) -> bool {
        let mut st = self.state.lock();
        let is_echo = code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__AUTHENTICATION as i32 && st.echo.as_deref() == Some(text);
        if is_echo {
            st.echo = None;
        }
        is_echo
    }
}

/// Hands the client the token to authenticate with: `lifetime_ms` is when it expires (ms since
/// the epoch), `extensions` are SASL extensions (key, value). librdkafka refuses an expired token,
/// a bad extension, or a client not configured for OAUTHBEARER (`_STATE`).
pub fn set_token<C: ClientContext>(
    client: &Client<C>,
    refresh: Option<&TokenRefresh>,
    token: &str,
    lifetime_ms: i64,
    principal: &str,
    extensions: &[(&str, &str)],
) -> KbResult<()> {
    let token = c_arg(token, "token")?;
    let principal = c_arg(principal, "principal")?;
    let mut ext = Vec::with_capacity(extensions.len() * 2);
    for (key, value) in extensions {
        ext.push(c_arg(key, "extension key")?);
        ext.push(c_arg(value, "extension value")?);
    }
    let refs: Vec<&std::ffi::CStr> = ext.iter().map(|e| e.as_c_str()).collect();
    librdkafka::oauthbearer_set_token(client, &token, lifetime_ms, &principal, &refs).map_err(|(code, text)| KbError::rd(code, text))?;
    if let Some(r) = refresh {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let left = Duration::from_millis(lifetime_ms.saturating_sub(now_ms).max(0) as u64);
        let mut st = r.state.lock();
        st.last_failure = None;
        st.due = Some(Instant::now() + left.mul_f64(0.8));
    }
    Ok(())
}

/// Tells the client no token could be had; it asks again 10 seconds later. librdkafka reports a
/// failure as an `_AUTHENTICATION` error when its reason differs from the last one's: returned
/// here is that error's text, for the caller to raise in the host's queue now.
pub fn set_token_failure<C: ClientContext>(client: &Client<C>, refresh: Option<&TokenRefresh>, reason: &str) -> KbResult<Option<String>> {
    let c_reason = c_arg(reason, "reason")?;
    let text = format!("{FAILURE_PREFIX}{reason}");
    // Marked before librdkafka is told: its copy can reach a poll thread before this returns.
    let raised = refresh.filter(|r| {
        let mut st = r.state.lock();
        let changed = st.last_failure.as_deref() != Some(reason);
        if changed {
            st.echo = Some(text.clone());
        }
        changed
    });
    let err = librdkafka::oauthbearer_set_token_failure(client, &c_reason);
    if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        if let Some(r) = raised {
            r.state.lock().echo = None;
        }
        return Err(KbError::rd(err, "the client is not configured for SASL/OAUTHBEARER (sasl.mechanism=OAUTHBEARER)"));
    }
    if let Some(r) = refresh {
        let mut st = r.state.lock();
        st.due = Some(Instant::now() + RETRY_AFTER_FAILURE);
        st.last_failure = Some(reason.to_string());
    }
    Ok(raised.map(|_| text))
}

fn c_arg(s: &str, what: &str) -> KbResult<CString> {
    CString::new(s).map_err(|_| KbError::invalid_arg(format!("the OAUTHBEARER {what} contains a NUL byte")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let kafka = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings { kafka, bridge: crate::core::config::BridgeSettings::default() }
    }

    #[test]
    fn only_host_supplied_tokens_raise_refresh_events() {
        assert!(TokenRefresh::for_settings(&settings(&[("sasl.mechanisms", "PLAIN")])).is_none());
        assert!(TokenRefresh::for_settings(&settings(&[("sasl.mechanism", "OAUTHBEARER"), ("sasl.oauthbearer.method", "oidc")])).is_none());
        assert!(
            TokenRefresh::for_settings(&settings(&[("sasl.mechanism", "OAUTHBEARER"), ("enable.sasl.oauthbearer.unsecure.jwt", "true")])).is_none()
        );
        let r = TokenRefresh::for_settings(&settings(&[("sasl.mechanism", "OAUTHBEARER"), ("sasl.oauthbearer.config", "principal=admin")])).unwrap();
        assert!(!r.take_due(), "the client raises the first itself");
        let ev = r.event();
        assert_eq!(ev.kind, kb_event_type::KB_EVENT_OAUTHBEARER_TOKEN_REFRESH);
        assert_eq!(ev.text.as_deref().unwrap().to_str().unwrap(), "principal=admin");
    }
}
