//! The shared state in Redis. Each rule that must be atomic is one Lua script or one command;
//! every key starts with `--redis-prefix` and expires. Values are hashes, counters and the
//! proxy's own answers: never a key, a secret, a token or a request body.
//!
//! Every command has `COMMAND_DEADLINE`; one that fails or misses it sends the request to this
//! replica's own state. While Redis is down, one request a `PROBE_EVERY` tries it again, and
//! the rest do not wait on it at all.

use super::idempotency::{Answer, Found, RecordKey, hex};
use crate::{client_ip::ClientKey, config::RedisUrl, error::AppError, observability::metrics};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use closient_checkout_core::{ApiError, BalanceResponse, OrganizationId};
use redis::{AsyncCommands, RedisResult, Script, aio::ConnectionManager};
use std::{
    future::Future,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// The longest a request waits on one Redis command. Redis beside the proxy answers in well
/// under a millisecond, so this is far past any healthy answer, yet small beside the upstream
/// call a checkout makes anyway.
pub const COMMAND_DEADLINE: Duration = Duration::from_millis(100);
/// While Redis is down, how often a request tries it again (and may wait `COMMAND_DEADLINE`).
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// A token bucket of ARGV[1] per minute, refilled continuously, on Redis's clock so that every
/// replica counts alike. Returns 0 when a token was taken, else the milliseconds until one is.
const TAKE_TOKEN: &str = r"
local capacity = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local per_ms = capacity / 60000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / per_ms) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
";

/// Claims the record KEYS[1] for ARGV[2] ms with the pending value ARGV[1], unless it exists;
/// returns what was there ('' when claimed) and its time left.
const BEGIN: &str = r"
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {'', 0}
end
return {value, redis.call('PTTL', KEYS[1])}
";

/// The cached balance answer KEYS[1]; else '' having claimed the fetch KEYS[2] for ARGV[1]
/// ms; else nil, another replica fetching.
const BALANCE_BEGIN: &str = r"
local cached = redis.call('GET', KEYS[1])
if cached then return cached end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return '' end
return false
";

/// Frees the record KEYS[1] if it still holds the pending value ARGV[1].
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

pub(super) struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    up: AtomicBool,
    errors: AtomicU64,
    /// While down: when a request next tries Redis.
    next_probe: Mutex<Instant>,
    take_token: Script,
    begin: Script,
    release: Script,
    balance_begin: Script,
}

/// Where a replica stands with an organization's balance.
pub(super) enum Flight {
    Cached(Result<BalanceResponse, AppError>),
    Claimed,
    Busy,
}

/// A balance answer as kept in Redis: the answer, or the error with its `Retry-After`.
#[derive(serde::Serialize, serde::Deserialize)]
enum StoredBalance {
    Answer(BalanceResponse),
    Error {
        error: ApiError,
        retry_after: Option<String>,
    },
}

/// Never the client, whose connection details hold the password.
impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("up", &self.up)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects on first use, so a replica starts, on its own state, while Redis is down.
    pub fn new(url: &RedisUrl, prefix: &str) -> Result<Self, String> {
        let client = url.client()?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_DEADLINE))
            .set_response_timeout(Some(COMMAND_DEADLINE))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("--redis-url: cannot use it ({:?})", e.kind()))?;
        // Up until a command says otherwise, as `up` below.
        metrics::set_redis_up(true);
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            up: AtomicBool::new(true),
            errors: AtomicU64::new(0),
            next_probe: Mutex::new(Instant::now()),
            take_token: Script::new(TAKE_TOKEN),
            begin: Script::new(BEGIN),
            release: Script::new(RELEASE),
            balance_begin: Script::new(BALANCE_BEGIN),
        })
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Redis errors since start-up.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// `command`'s answer, or `None` when Redis is down, failed or missed the deadline.
    pub async fn run<T>(&self, command: impl Future<Output = RedisResult<T>>) -> Option<T> {
        if !self.is_up() {
            let mut next = self
                .next_probe
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if now < *next {
                return None;
            }
            *next = now + PROBE_EVERY;
        }
        match tokio::time::timeout(COMMAND_DEADLINE, command).await {
            Ok(Ok(answer)) => {
                self.redis_answered();
                Some(answer)
            }
            Ok(Err(error)) => {
                self.redis_failed(&format!("{:?}", error.kind()));
                None
            }
            Err(_) => {
                self.redis_failed("no answer within the deadline");
                None
            }
        }
    }

    /// Every Redis failure comes here: counted, and logged once per outage.
    fn redis_failed(&self, what: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        metrics::redis_error();
        if self.up.swap(false, Ordering::Relaxed) {
            metrics::set_redis_up(false);
            *self
                .next_probe
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Instant::now() + PROBE_EVERY;
            tracing::warn!(
                error = what,
                errors = self.errors(),
                "Redis unreachable: each replica keeps its own limits and idempotency records \
                 until it is back"
            );
        }
    }

    fn redis_answered(&self) {
        if !self.up.swap(true, Ordering::Relaxed) {
            metrics::set_redis_up(true);
            tracing::info!(
                errors = self.errors(),
                "Redis reachable again: replicas share their state again"
            );
        }
    }

    fn key(&self, parts: &[&str]) -> String {
        let mut key = self.prefix.clone();
        key.push_str(&parts.join(":"));
        key
    }

    pub async fn take_token(
        &self,
        limit: &str,
        client: ClientKey,
        per_minute: u32,
    ) -> RedisResult<Result<(), Duration>> {
        let mut connection = self.connection.clone();
        let wait: u64 = self
            .take_token
            .key(self.key(&["rate", limit, &client.to_string()]))
            .arg(per_minute)
            .invoke_async(&mut connection)
            .await?;
        Ok(match wait {
            0 => Ok(()),
            ms => Err(Duration::from_millis(ms)),
        })
    }

    pub async fn upstream_wait(&self) -> RedisResult<Option<Duration>> {
        let mut connection = self.connection.clone();
        let left: i64 = connection.pttl(self.key(&["upstream-retry-after"])).await?;
        Ok(u64::try_from(left)
            .ok()
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis))
    }

    pub async fn hold_upstream(&self, wait: Duration) -> RedisResult<()> {
        let mut connection = self.connection.clone();
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        connection
            .pset_ex(self.key(&["upstream-retry-after"]), 1, ms)
            .await
    }

    fn record_key(&self, key: &RecordKey) -> String {
        self.key(&["idempotency", &hex(&key.record)])
    }

    /// The value of a claimed record: `P` and the body's hash.
    fn pending(key: &RecordKey) -> String {
        format!("P{}", hex(&key.body))
    }

    pub async fn begin(&self, key: &RecordKey, claim_ttl: Duration) -> RedisResult<Found> {
        let mut connection = self.connection.clone();
        let (value, left): (String, i64) = self
            .begin
            .key(self.record_key(key))
            .arg(Self::pending(key))
            .arg(u64::try_from(claim_ttl.as_millis()).unwrap_or(u64::MAX))
            .invoke_async(&mut connection)
            .await?;
        Ok(read_record(&value, left).unwrap_or(Found::Claimed))
    }

    pub async fn finish(
        &self,
        key: &RecordKey,
        answer: Option<&Answer>,
        ttl: Duration,
    ) -> RedisResult<()> {
        let mut connection = self.connection.clone();
        match answer {
            Some(answer) => {
                let value = format!("D{}{:03}{}", hex(&key.body), answer.status, answer.body);
                let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
                connection.pset_ex(self.record_key(key), value, ms).await
            }
            None => {
                self.release
                    .key(self.record_key(key))
                    .arg(Self::pending(key))
                    .invoke_async(&mut connection)
                    .await
            }
        }
    }

    pub async fn balance_begin(
        &self,
        id: &OrganizationId,
        fetch_ttl: Duration,
    ) -> RedisResult<Flight> {
        let mut connection = self.connection.clone();
        let found: Option<String> = self
            .balance_begin
            .key(self.key(&["balance", id.as_str()]))
            .key(self.key(&["balance-fetch", id.as_str()]))
            .arg(u64::try_from(fetch_ttl.as_millis()).unwrap_or(u64::MAX))
            .invoke_async(&mut connection)
            .await?;
        Ok(match found.as_deref() {
            None => Flight::Busy,
            Some("") => Flight::Claimed,
            Some(stored) => match serde_json::from_str(stored) {
                Ok(StoredBalance::Answer(balance)) => Flight::Cached(Ok(balance)),
                Ok(StoredBalance::Error { error, retry_after }) => {
                    let headers = retry_after
                        .and_then(|value| HeaderValue::try_from(value).ok())
                        .map(|value| HeaderMap::from_iter([(header::RETRY_AFTER, value)]))
                        .unwrap_or_default();
                    Flight::Cached(Err(AppError::Relayed(Box::new((error, headers)))))
                }
                // Not this version's: fetch it again.
                Err(_) => Flight::Claimed,
            },
        })
    }

    /// Keeps `answer` for `ttl` and ends this replica's fetch.
    pub async fn balance_put(
        &self,
        id: &OrganizationId,
        answer: &Result<BalanceResponse, AppError>,
        ttl: Duration,
    ) -> RedisResult<()> {
        let stored = match answer {
            Ok(balance) => StoredBalance::Answer(balance.clone()),
            Err(error) => StoredBalance::Error {
                error: error.error(),
                // The one header an error answer carries that the widget reads.
                retry_after: error
                    .clone()
                    .into_response()
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned),
            },
        };
        let value = serde_json::to_string(&stored).unwrap_or_default();
        let mut connection = self.connection.clone();
        redis::pipe()
            .atomic()
            .pset_ex(
                self.key(&["balance", id.as_str()]),
                value,
                u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            )
            .ignore()
            .del(self.key(&["balance-fetch", id.as_str()]))
            .ignore()
            .query_async(&mut connection)
            .await
    }
}

/// A record's value: `P<body hash>` while claimed, `D<body hash><status><body>` once answered.
/// `None` for an empty or unreadable one, which the caller takes as claimed: a record this
/// version cannot read is not one it wrote.
fn read_record(value: &str, left_ms: i64) -> Option<Found> {
    let (state, rest) = value.split_at_checked(1)?;
    let (body_hex, rest) = rest.split_at_checked(64)?;
    let body = unhex(body_hex)?;
    match state {
        "P" => Some(Found::Pending {
            body,
            left: Duration::from_millis(u64::try_from(left_ms).unwrap_or(0)),
        }),
        "D" => {
            let (status, answer) = rest.split_at_checked(3)?;
            Some(Found::Done {
                body,
                answer: Answer {
                    status: status.parse().ok()?,
                    body: answer.to_owned(),
                },
            })
        }
        _ => None,
    }
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut hash = [0; 32];
    for (byte, pair) in hash.iter_mut().zip(text.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_as_written() {
        let body = [7; 32];
        let pending = format!("P{}", hex(&body));
        assert_eq!(
            read_record(&pending, 1_500),
            Some(Found::Pending {
                body,
                left: Duration::from_millis(1_500)
            })
        );
        let done = format!("D{}201{{\"checkout_url\":\"x\"}}", hex(&body));
        assert_eq!(
            read_record(&done, 9),
            Some(Found::Done {
                body,
                answer: Answer {
                    status: 201,
                    body: r#"{"checkout_url":"x"}"#.to_owned()
                }
            })
        );
        for unreadable in ["", "P", "Xabc", &format!("D{}", hex(&body))] {
            assert_eq!(read_record(unreadable, 0), None, "{unreadable:?}");
        }
    }
}
