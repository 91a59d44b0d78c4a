//! Rate limits: fixed windows of `N/s|m|h|d`, counted in memory (one process) or in Redis (shared by
//! every replica) when Redis is configured. Exceeding a limit answers 429 with `Retry-After`.
//!
//! Both backends use the same fixed-window algorithm (the first hit opens a window of the period; the
//! counter resets when it ends), so a deployment behaves the same with or without Redis. The memory
//! backend is a small map rather than `governor`: GCRA would give different numbers from the Redis
//! backend, and the map needs no dependency. When Redis is configured but unreachable, the limiter
//! fails **closed** (503): a limit that silently stops counting during an outage is no limit, and the
//! original deployment made the same choice (`RATELIMIT_FAIL_OPEN=False`).
//!
//! Keyed API calls are limited inside the `ApiPrincipal` extractor (by key id, after authentication,
//! so failed authentication never consumes quota); anonymous routes attach [`anonymous_layer`].

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::config::RateLimits;
use crate::error::AppError;

/// `N` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSpec {
    pub limit: u64,
    pub window: Duration,
}

impl RateSpec {
    /// Parses `N/s`, `N/m`, `N/h` or `N/d` (also `N/sec`, `N/min`, `N/hour`, `N/day`).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let err = || format!("'{spec}' is not a rate: use N/s, N/m, N/h or N/d (e.g. 60/m)");
        let (n, unit) = spec.trim().split_once('/').ok_or_else(err)?;
        let limit: u64 = n.trim().parse().map_err(|_| err())?;
        let secs = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            "d" | "day" => 86_400,
            _ => return Err(err()),
        };
        if limit == 0 {
            return Err(err());
        }
        Ok(Self {
            limit,
            window: Duration::from_secs(secs),
        })
    }
}

/// A named limit; each has its own counters and its own setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Calls authenticated by any key, keyed on the key id (`RATE_LIMIT_API`, default 60/m).
    Api,
    /// Anonymous API calls such as `POST /api/v1/submissions/`, keyed on the client address
    /// (`RATE_LIMIT_API_ANON`, default 10/m).
    ApiAnon,
    /// Captcha challenges (`GET /captcha/`), keyed on the client address (`RATE_LIMIT_CHALLENGE`,
    /// default 60/h).
    Challenge,
    /// Registrations through `POST /register/` (`RATE_LIMIT_SUBMIT`, default 10/h).
    Submit,
    /// Key entry, edit saves and deprecation under `/update/` (`RATE_LIMIT_UPDATE`, default 20/h).
    Update,
    /// Inline checks of one form field (`RATE_LIMIT_VALIDATE`, default 120/h).
    Validate,
    /// Lost-key recovery requests and links (`RATE_LIMIT_RECOVER`, default 5/h).
    Recover,
    /// bio.tools lookups for the form's prefill (`RATE_LIMIT_BIOTOOLS`, default 60/h).
    Biotools,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::ApiAnon => "api_anon",
            Self::Challenge => "challenge",
            Self::Submit => "submit",
            Self::Update => "update",
            Self::Validate => "validate",
            Self::Recover => "recover",
            Self::Biotools => "biotools",
        }
    }
}

enum Backend {
    Memory(Mutex<HashMap<String, (Instant, u64)>>),
    Redis(Box<RedisBackend>),
}

struct RedisBackend {
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
}

/// The counters of every policy.
pub struct Limiter {
    api: RateSpec,
    api_anon: RateSpec,
    challenge: RateSpec,
    submit: RateSpec,
    update: RateSpec,
    validate: RateSpec,
    recover: RateSpec,
    biotools: RateSpec,
    backend: Backend,
}

/// Entries kept in memory before expired windows are swept.
const SWEEP_AT: usize = 10_000;
/// How long a Redis round trip may take before the limiter gives up (and fails closed).
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// INCR + EXPIRE in one atomic step; returns the count and the seconds left in the window.
const SCRIPT: &str = "local c = redis.call('INCR', KEYS[1]) \
    if c == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end \
    local t = redis.call('TTL', KEYS[1]) \
    if t < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) t = tonumber(ARGV[1]) end \
    return {c, t}";

impl Limiter {
    /// Counters in Redis when a client is given, in memory otherwise.
    pub fn new(limits: &RateLimits, redis: Option<redis::Client>) -> Result<Self, String> {
        let backend = match redis {
            Some(client) => Backend::Redis(Box::new(RedisBackend {
                client,
                conn: tokio::sync::Mutex::new(None),
            })),
            None => Backend::Memory(Mutex::new(HashMap::new())),
        };
        Ok(Self {
            api: RateSpec::parse(&limits.api).map_err(|e| format!("RATE_LIMIT_API: {e}"))?,
            api_anon: RateSpec::parse(&limits.api_anon)
                .map_err(|e| format!("RATE_LIMIT_API_ANON: {e}"))?,
            challenge: RateSpec::parse(&limits.challenge)
                .map_err(|e| format!("RATE_LIMIT_CHALLENGE: {e}"))?,
            submit: RateSpec::parse(&limits.submit)
                .map_err(|e| format!("RATE_LIMIT_SUBMIT: {e}"))?,
            update: RateSpec::parse(&limits.update)
                .map_err(|e| format!("RATE_LIMIT_UPDATE: {e}"))?,
            validate: RateSpec::parse(&limits.validate)
                .map_err(|e| format!("RATE_LIMIT_VALIDATE: {e}"))?,
            recover: RateSpec::parse(&limits.recover)
                .map_err(|e| format!("RATE_LIMIT_RECOVER: {e}"))?,
            biotools: RateSpec::parse(&limits.biotools)
                .map_err(|e| format!("RATE_LIMIT_BIOTOOLS: {e}"))?,
            backend,
        })
    }

    pub fn spec(&self, policy: Policy) -> RateSpec {
        match policy {
            Policy::Api => self.api,
            Policy::ApiAnon => self.api_anon,
            Policy::Challenge => self.challenge,
            Policy::Submit => self.submit,
            Policy::Update => self.update,
            Policy::Validate => self.validate,
            Policy::Recover => self.recover,
            Policy::Biotools => self.biotools,
        }
    }

    pub fn uses_redis(&self) -> bool {
        matches!(self.backend, Backend::Redis(_))
    }

    /// Counts one call of `key` under `policy`: `Ok` when allowed, 429 when over the limit, 503 when
    /// the shared counter store cannot be reached.
    pub async fn check(&self, policy: Policy, key: &str) -> Result<(), AppError> {
        let spec = self.spec(policy);
        let id = format!("sr:rl:{}:{key}", policy.name());
        let (count, retry_after) = match &self.backend {
            Backend::Memory(map) => memory_hit(map, &id, spec.window),
            Backend::Redis(r) => {
                match tokio::time::timeout(
                    REDIS_TIMEOUT,
                    redis_hit(&r.client, &r.conn, &id, spec.window),
                )
                .await
                {
                    Ok(Ok(v)) => v,
                    Ok(Err(e)) => return Err(unavailable(&e.to_string())),
                    Err(_) => return Err(unavailable("timed out")),
                }
            }
        };
        if count > spec.limit {
            tracing::info!(policy = policy.name(), "rate limit exceeded");
            return Err(AppError::RateLimited {
                retry_after_secs: retry_after.max(1),
            });
        }
        Ok(())
    }
}

fn unavailable(cause: &str) -> AppError {
    tracing::error!(error = %cause, "rate-limit store (Redis) unavailable; refusing the request");
    AppError::Unavailable("The service is temporarily unavailable. Please try again later.".into())
}

fn memory_hit(
    map: &Mutex<HashMap<String, (Instant, u64)>>,
    id: &str,
    window: Duration,
) -> (u64, u64) {
    let now = Instant::now();
    // A poisoned lock only means another request panicked mid-update; the counters are still usable.
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= SWEEP_AT {
        map.retain(|_, (start, _)| now.duration_since(*start) < window);
    }
    let entry = map.entry(id.to_string()).or_insert((now, 0));
    if now.duration_since(entry.0) >= window {
        *entry = (now, 0);
    }
    entry.1 += 1;
    let left = window.saturating_sub(now.duration_since(entry.0));
    (entry.1, left.as_secs() + u64::from(left.subsec_nanos() > 0))
}

async fn redis_hit(
    client: &redis::Client,
    slot: &tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
    id: &str,
    window: Duration,
) -> redis::RedisResult<(u64, u64)> {
    let mut guard = slot.lock().await;
    let mut conn = match guard.as_ref() {
        Some(c) => c.clone(),
        None => {
            let c = client.get_multiplexed_async_connection().await?;
            *guard = Some(c.clone());
            c
        }
    };
    drop(guard);
    let result: redis::RedisResult<(u64, i64)> = redis::cmd("EVAL")
        .arg(SCRIPT)
        .arg(1)
        .arg(id)
        .arg(window.as_secs())
        .query_async(&mut conn)
        .await;
    match result {
        Ok((count, ttl)) => Ok((count, u64::try_from(ttl).unwrap_or(1))),
        Err(e) => {
            // Reconnect on the next call.
            *slot.lock().await = None;
            Err(e)
        }
    }
}

/// The key of an anonymous caller: the real client address (trusted proxies honoured).
pub fn anonymous_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V6(v6)) => {
            // One bucket per /64: a single host usually controls the whole prefix.
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(ip) => format!("ip:{ip}"),
        None => "ip:unknown".into(),
    }
}

/// Middleware for anonymous routes: `route(...).route_layer(from_fn_with_state(state, anonymous_layer))`
/// limits each client address under [`Policy::ApiAnon`].
pub async fn anonymous_layer(
    State(config): State<Arc<Config>>,
    State(limiter): State<Arc<Limiter>>,
    req: Request,
    next: Next,
) -> Response {
    limit_by_address(Policy::ApiAnon, &config, &limiter, req, next).await
}

/// Counts one call of the client behind `parts` under `policy` (for handlers that limit only some
/// methods of a route, such as `POST /register/`).
pub async fn check_client(
    state: &crate::state::AppState,
    parts: &axum::http::request::Parts,
    policy: Policy,
) -> Result<(), AppError> {
    let ip = crate::web::client::client_ip(parts, &state.config.forwarded_allow_ips);
    state.limiter.check(policy, &anonymous_key(ip)).await
}

/// Middleware for `GET /captcha/`: limits each client address under [`Policy::Challenge`].
pub async fn challenge_layer(
    State(config): State<Arc<Config>>,
    State(limiter): State<Arc<Limiter>>,
    req: Request,
    next: Next,
) -> Response {
    limit_by_address(Policy::Challenge, &config, &limiter, req, next).await
}

async fn limit_by_address(
    policy: Policy,
    config: &Config,
    limiter: &Limiter,
    req: Request,
    next: Next,
) -> Response {
    let ip = crate::web::client::client_ip_from(
        req.headers(),
        req.extensions(),
        &config.forwarded_allow_ips,
    );
    match limiter.check(policy, &anonymous_key(ip)).await {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(
            RateSpec::parse("60/m"),
            Ok(RateSpec {
                limit: 60,
                window: Duration::from_secs(60)
            })
        );
        assert_eq!(
            RateSpec::parse("10/h").map(|s| s.window),
            Ok(Duration::from_secs(3600))
        );
        assert_eq!(RateSpec::parse(" 5 / d ").map(|s| s.limit), Ok(5));
        for bad in ["", "60", "x/m", "60/w", "0/m", "-1/m"] {
            assert!(RateSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn memory_window_counts_and_reports_retry_after() {
        let map = Mutex::new(HashMap::new());
        let w = Duration::from_secs(60);
        assert_eq!(memory_hit(&map, "k", w).0, 1);
        assert_eq!(memory_hit(&map, "k", w).0, 2);
        let (n, retry) = memory_hit(&map, "k", w);
        assert_eq!(n, 3);
        assert!((1..=60).contains(&retry));
        assert_eq!(memory_hit(&map, "other", w).0, 1);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        let b: IpAddr = "2001:db8:1:2:ffff::9"
            .parse()
            .unwrap_or(IpAddr::from([0u8; 4]));
        assert_eq!(anonymous_key(Some(a)), anonymous_key(Some(b)));
        assert_eq!(anonymous_key(None), "ip:unknown");
    }
}
