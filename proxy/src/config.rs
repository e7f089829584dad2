//! The proxy's configuration: flags with environment variables, checked at start-up so a bad
//! value stops the process with one clear line instead of failing requests later.

use crate::{
    client_ip::{Cidr, LOOPBACK_PROXIES, TrustedProxies},
    observability::ObservabilityArgs,
    secret::ApiKey,
    tenant::Access,
};
use clap::{Parser, Subcommand};
use closient_checkout_core::{OrganizationId, Origin, OriginAllowlist, url::UrlError};
use closient_checkout_server_common::{
    duration::parse_positive_duration,
    serve::Limits,
    tenant_token::{TenantSecrets, Verifier},
};
use std::{
    collections::HashSet, net::SocketAddr, num::NonZeroUsize, path::PathBuf, sync::Arc,
    time::Duration,
};

/// How much longer the proxy's own deadline is than the upstream's.
const REQUEST_TIMEOUT_MARGIN: Duration = Duration::from_secs(5);
/// The longest `--upstream-timeout`: past it the widget, which waits 20 s, has long given up.
const MAX_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest any other duration flag may be: timers far in the future overflow the clock.
const MAX_SERVER_TIMEOUT: Duration = Duration::from_secs(3600);

/// The default `--redis-prefix`: several proxies, or other programs, can share one Redis.
pub const DEFAULT_REDIS_PREFIX: &str = "closient-checkout:";
/// The longest `--idempotency-ttl`: the draft's own suggestion, and past any retry of a click.
const MAX_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The command line. The API key and the tenant secrets are deliberately absent: clap would
/// print an `env` value in `--help`.
#[derive(Debug, Parser)]
#[command(
    name = "checkout-proxy",
    version,
    about = "Same-origin proxy for Closient Checkout",
    after_help = "Secrets come only from the environment: CLOSIENT_API_KEY or \
                  CLOSIENT_API_KEY_FILE (required), CHECKOUT_TENANT_SECRET or \
                  CHECKOUT_TENANT_SECRET_FILE (tenant tokens), and \
                  CHECKOUT_TENANT_SECRET_PREVIOUS or CHECKOUT_TENANT_SECRET_PREVIOUS_FILE \
                  (during a rotation)."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Print the Content-Security-Policy for --static-dir (required) and exit, for serving
    /// dist/ with another server. Needs no key.
    #[arg(long)]
    pub print_csp: bool,
    #[command(flatten)]
    pub flags: Flags,
}

/// The server's flags, each checked by its parser: a value that is here is valid.
#[derive(Debug, Clone, clap::Args)]
pub struct Flags {
    /// Address to listen on.
    #[arg(long, env = "CHECKOUT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Base URL of the Closient API. The key is read from CLOSIENT_API_KEY or CLOSIENT_API_KEY_FILE.
    #[arg(
        long,
        env = "CLOSIENT_API_BASE",
        default_value = "https://www.closient.com/billing/api/v1",
        value_parser = Upstream::parse
    )]
    pub upstream: Upstream,
    /// Forward proxy for calls to the Closient API (http://host:port). Without it the proxy
    /// connects directly: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are ignored.
    #[arg(long, env = "CHECKOUT_UPSTREAM_PROXY", value_name = "URL", value_parser = UpstreamProxy::parse)]
    pub upstream_proxy: Option<UpstreamProxy>,
    /// Serve the built widget (dist/) from this folder.
    #[arg(long, env = "CHECKOUT_STATIC_DIR", value_parser = site_folder)]
    pub static_dir: Option<PathBuf>,
    /// Origins the widget's pages are served from (repeatable, or comma-separated). Default on
    /// loopback: this address.
    #[arg(long = "public-origin", env = "CHECKOUT_PUBLIC_ORIGINS")]
    pub public_origins: Vec<OriginAllowlist>,
    /// Origins a checkout URL may point to (repeatable, or comma-separated).
    #[arg(
        long = "checkout-origin",
        env = "CHECKOUT_ALLOWED_CHECKOUT_ORIGINS",
        default_value = closient_checkout_core::url::STRIPE_CHECKOUT_ORIGIN
    )]
    pub checkout_origins: Vec<OriginAllowlist>,
    /// Organization that may be topped up and read (repeatable). With a tenant secret, the
    /// organizations whose tokens are accepted. Default: any, and no balances.
    #[arg(
        long = "organization",
        env = "CHECKOUT_ALLOWED_ORGANIZATIONS",
        value_delimiter = ',',
        value_name = "ID",
        value_parser = OrganizationId::parse
    )]
    pub organizations: Vec<OrganizationId>,
    /// How long to wait for the Closient API (500ms, 2s, 1m; at most 1m).
    #[arg(long, env = "CHECKOUT_UPSTREAM_TIMEOUT", default_value = "10s", value_parser = at_most(MAX_UPSTREAM_TIMEOUT))]
    pub upstream_timeout: Duration,
    /// Checkout requests per minute per client; 0 turns the limit off.
    #[arg(long, env = "CHECKOUT_RATE_LIMIT", default_value_t = 30)]
    pub rate_limit: u32,
    /// Balance requests per minute per client; 0 turns the limit off.
    #[arg(long, env = "CHECKOUT_BALANCE_RATE_LIMIT", default_value_t = 60)]
    pub balance_rate_limit: u32,
    /// Reverse proxy address range (repeatable, 10.0.0.0/8 or ::1): X-Forwarded-For is read
    /// only from a peer in one, skipping the hops in them from the right.
    #[arg(
        long = "trusted-proxy",
        env = "CHECKOUT_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "CIDR"
    )]
    pub trusted_proxies: Vec<Cidr>,
    /// Same as --trusted-proxy 127.0.0.0/8 --trusted-proxy ::1: a reverse proxy on this machine.
    #[arg(long, env = "CHECKOUT_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Open connections at most; more wait to be accepted.
    #[arg(long, env = "CHECKOUT_MAX_CONNECTIONS", default_value = "1024")]
    pub max_connections: NonZeroUsize,
    /// Open connections per client address (an IPv6 /64 is one client); more are closed at
    /// once. Connections from a --trusted-proxy are not counted per client.
    #[arg(
        long,
        env = "CHECKOUT_MAX_CONNECTIONS_PER_CLIENT",
        default_value = "64"
    )]
    pub max_connections_per_client: NonZeroUsize,
    /// API requests handled at once, and as many static files (/healthz has its own); more
    /// are answered 503.
    #[arg(long, env = "CHECKOUT_MAX_CONCURRENT_REQUESTS", default_value = "512")]
    pub max_concurrent_requests: NonZeroUsize,
    /// API requests one client may have in flight; more are answered 429.
    #[arg(
        long,
        env = "CHECKOUT_MAX_API_REQUESTS_PER_CLIENT",
        default_value_t = crate::per_client::MAX_API_REQUESTS_PER_CLIENT
    )]
    pub max_api_requests_per_client: NonZeroUsize,
    /// How long a client may take to send a request's headers (or, idle, its next request).
    #[arg(long, env = "CHECKOUT_HEADER_READ_TIMEOUT", default_value = "5s", value_parser = at_most(MAX_SERVER_TIMEOUT))]
    pub header_read_timeout: Duration,
    /// How long a client may take to send a checkout request's body; then 408.
    #[arg(long, env = "CHECKOUT_BODY_READ_TIMEOUT", default_value = "2s", value_parser = at_most(MAX_SERVER_TIMEOUT))]
    pub body_read_timeout: Duration,
    /// After SIGTERM or Ctrl-C, how long requests in flight may take before the process exits
    /// anyway.
    #[arg(long, env = "CHECKOUT_SHUTDOWN_TIMEOUT", default_value = "20s", value_parser = at_most(MAX_SERVER_TIMEOUT))]
    pub shutdown_timeout: Duration,
    /// The CSP frame-ancestors sources: who may frame the widget's pages.
    #[arg(long, env = "CHECKOUT_FRAME_ANCESTORS", default_value = "'self'", value_parser = frame_ancestors)]
    pub frame_ancestors: String,
    /// Origins the served pages may also fetch from (repeatable, or comma-separated), such as
    /// a dashboard backend's token endpoint: added to the CSP's connect-src.
    #[arg(long = "connect-origin", env = "CHECKOUT_CONNECT_ORIGINS")]
    pub connect_origins: Vec<OriginAllowlist>,
    /// Redis shared by the replicas: redis://, rediss:// (TLS) or unix://. Without it each
    /// process keeps its own limits and idempotency records. A password in it is a secret:
    /// give it in the environment, never on a command line.
    #[arg(
        long,
        env = "CHECKOUT_REDIS_URL",
        hide_env_values = true,
        value_name = "URL",
        value_parser = RedisUrl::parse
    )]
    pub redis_url: Option<RedisUrl>,
    /// What every Redis key of this proxy starts with.
    #[arg(long, env = "CHECKOUT_REDIS_PREFIX", default_value = DEFAULT_REDIS_PREFIX, value_parser = redis_prefix)]
    pub redis_prefix: String,
    /// How long a checkout's answer is kept for a retry with its Idempotency-Key (30s, 1h; at
    /// most 24h).
    #[arg(long, env = "CHECKOUT_IDEMPOTENCY_TTL", default_value = "1h", value_parser = at_most(MAX_IDEMPOTENCY_TTL))]
    pub idempotency_ttl: Duration,
    #[command(flatten)]
    pub observability: ObservabilityArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a tenant token signed with CHECKOUT_TENANT_SECRET[_FILE], for tests and demos.
    MintToken(MintArgs),
}

#[derive(Debug, clap::Args)]
pub struct MintArgs {
    /// The organization the token binds (its `sub`).
    #[arg(long, value_parser = OrganizationId::parse_exact)]
    pub organization: OrganizationId,
    /// How long the token lives: at most 1h (500ms, 2s, 15m).
    #[arg(long, default_value = "15m", value_parser = parse_positive_duration)]
    pub ttl: Duration,
    /// The largest top-up the token allows, in cents.
    #[arg(long)]
    pub max_cents: Option<u64>,
    /// The proxy's public origins (repeatable, or comma-separated). Default: its
    /// --public-origin values, or on a loopback --listen address the default ones.
    #[arg(long = "audience", env = "CHECKOUT_PUBLIC_ORIGINS")]
    pub audiences: Vec<OriginAllowlist>,
}

/// The configuration the server runs with: the flags, and what comes from more than one flag
/// or from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub flags: Flags,
    pub api_key: ApiKey,
    /// `--public-origin`, or the loopback default.
    pub public_origins: OriginAllowlist,
    /// Who may act for which organization.
    pub access: Access,
    /// `--trusted-proxy`, and loopback with `--trust-forwarded-for`.
    pub trusted_proxies: TrustedProxies,
    pub serving: Serving,
    /// `CHECKOUT_DEBUG_PANIC_ROUTE=1`, in debug builds only: see `app`.
    #[cfg(debug_assertions)]
    pub debug_panic_route: bool,
}

/// How connections are served (see `server`).
#[derive(Debug, Clone)]
pub struct Serving {
    pub limits: Limits,
    pub max_connections_per_client: usize,
    /// Whose connections are not counted per client: many clients come through each.
    pub trusted_proxies: TrustedProxies,
}

/// `--upstream`: the Closient API's base URL, https unless it is on this machine.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Without a trailing slash.
    pub base: String,
    /// Whether it is on loopback, the only place it may be plain http.
    pub is_loopback: bool,
}

impl Upstream {
    fn parse(text: &str) -> Result<Self, UrlError> {
        let base = text.trim().trim_end_matches('/').to_owned();
        let origin = Origin::of_url(&base)?;
        // The key travels in a header: over plain http only to this machine.
        OriginAllowlist::new([origin.to_string().as_str()])?;
        Ok(Self {
            base,
            is_loopback: origin.is_loopback(),
        })
    }
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

/// `--upstream-proxy`: the URL as given (credentials included, for the HTTP client only) and
/// as the start-up line shows it, without them.
#[derive(Clone)]
pub struct UpstreamProxy {
    pub url: String,
    pub shown: String,
}

impl std::fmt::Debug for UpstreamProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UpstreamProxy({})", self.shown)
    }
}

impl UpstreamProxy {
    fn parse(text: &str) -> Result<Self, String> {
        let mut url = reqwest::Url::parse(text.trim())
            .ok()
            .filter(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some()
                    && matches!(url.path(), "" | "/")
                    && url.query().is_none()
            })
            .ok_or("must be a URL like http://proxy.internal:3128")?;
        let url_text = url.to_string();
        // Best effort: a URL with a host always takes both.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok(Self {
            url: url_text,
            shown: url.origin().ascii_serialization(),
        })
    }
}

/// `--static-dir`: a folder with the built page in it.
fn site_folder(text: &str) -> Result<PathBuf, String> {
    let dir = PathBuf::from(text);
    if dir.join("index.html").is_file() {
        Ok(dir)
    } else {
        Err(format!("{} has no index.html", dir.display()))
    }
}

/// `--redis-url`: the URL as given (password included, for the Redis client only) and as the
/// start-up line shows it, without credentials.
#[derive(Clone)]
pub struct RedisUrl {
    url: String,
    pub shown: String,
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisUrl({})", self.shown)
    }
}

impl RedisUrl {
    /// Never repeats what it was given: a refused URL may still hold a password.
    const NOT_A_URL: &str =
        "must be a URL like redis://host:6379, rediss://host:6380 or unix:///run/redis.sock";

    fn parse(text: &str) -> Result<Self, &'static str> {
        let url = reqwest::Url::parse(text.trim())
            .ok()
            .filter(|url| match url.scheme() {
                "redis" | "rediss" => url.host_str().is_some(),
                "unix" => url.host_str().is_none_or(str::is_empty) && url.path().len() > 1,
                _ => false,
            })
            .ok_or(Self::NOT_A_URL)?;
        let shown = match url.scheme() {
            "unix" => format!("unix://{}", url.path()),
            scheme => format!(
                "{scheme}://{}{}",
                url.host_str().unwrap_or_default(),
                url.port()
                    .map_or_else(String::new, |port| format!(":{port}"))
            ),
        };
        let redis = Self {
            url: text.trim().to_owned(),
            shown,
        };
        redis.client()?;
        Ok(redis)
    }

    /// The Redis client; its errors never repeat the URL.
    pub fn client(&self) -> Result<redis::Client, &'static str> {
        redis::Client::open(self.url.as_str()).map_err(|_| Self::NOT_A_URL)
    }
}

/// `--redis-prefix`: visible ASCII, at least one character.
fn redis_prefix(text: &str) -> Result<String, &'static str> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be visible ASCII characters, at least one");
    }
    Ok(text.to_owned())
}

/// `--frame-ancestors` goes into the CSP header as it is: a list of sources, no other directive.
pub fn frame_ancestors(sources: &str) -> Result<String, &'static str> {
    let header_safe = sources.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    if sources.trim().is_empty() || !header_safe || sources.contains([';', ',']) {
        return Err("must be a list of CSP sources separated by spaces");
    }
    Ok(sources.to_owned())
}

/// A duration flag's parser: positive, and at most `max`.
fn at_most(max: Duration) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync {
    move |text| {
        let value = parse_positive_duration(text)?;
        if value > max {
            return Err(format!("must be at most {}s", max.as_secs()));
        }
        Ok(value)
    }
}

/// `--public-origin`, or on a loopback `--listen` address `http://127.0.0.1:PORT` and
/// `http://localhost:PORT`.
pub fn public_origins(
    listen: SocketAddr,
    given: &[OriginAllowlist],
) -> Result<OriginAllowlist, String> {
    if !given.is_empty() {
        return Ok(given.iter().cloned().collect());
    }
    if !listen.ip().is_loopback() {
        return Err(format!(
            "--public-origin is required when listening on {listen} (not loopback)"
        ));
    }
    let port = listen.port();
    OriginAllowlist::new([
        format!("http://127.0.0.1:{port}").as_str(),
        format!("http://localhost:{port}").as_str(),
    ])
    .map_err(|e| format!("--public-origin {e}"))
}

/// The origins as `aud` names them.
pub fn audiences(origins: &OriginAllowlist) -> Vec<String> {
    origins.origins().iter().map(ToString::to_string).collect()
}

/// A flag clap refused, as one line: the flag and why, never the value (an `--upstream-proxy`
/// URL may hold a password). `None` for help and version, which clap prints itself.
pub fn refusal(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return None;
    }
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.as_str()),
        _ => None,
    };
    // `--flag <VALUE>` as clap names it: the flag alone.
    let flag = context(ContextKind::InvalidArg).map(|arg| arg.split(' ').next().unwrap_or(arg));
    Some(match (error.kind(), flag) {
        (ErrorKind::ValueValidation, Some(flag)) => {
            // The parser's own reason, which names no value; clap keeps it as the source.
            let reason = std::error::Error::source(error)
                .map_or_else(|| "is not valid".to_owned(), ToString::to_string);
            format!("{flag}: {reason}")
        }
        (_, Some(flag)) => format!("{flag}: {}", error.kind()),
        (kind, None) => kind.to_string(),
    })
}

impl Config {
    /// Adds to the checked flags the key, the tenant secrets and what several flags decide.
    /// `env` answers environment variables by name.
    pub fn new(flags: Flags, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let api_key = ApiKey::from_env(&env)?;
        let mut trusted_proxies = flags.trusted_proxies.clone();
        if flags.trust_forwarded_for {
            trusted_proxies.extend(LOOPBACK_PROXIES);
        }
        let trusted_proxies = TrustedProxies::new(trusted_proxies);
        let serving = Serving {
            limits: Limits {
                max_connections: flags.max_connections.get(),
                header_read_timeout: flags.header_read_timeout,
                shutdown_timeout: flags.shutdown_timeout,
            },
            max_connections_per_client: flags.max_connections_per_client.get(),
            trusted_proxies: trusted_proxies.clone(),
        };
        let public_origins = public_origins(flags.listen, &flags.public_origins)?;
        let organizations = (!flags.organizations.is_empty())
            .then(|| Arc::new(flags.organizations.iter().cloned().collect::<HashSet<_>>()));
        let access = match TenantSecrets::from_env(&env)? {
            Some(secrets) => Access::Tokens {
                verifier: Box::new(Verifier::new(&secrets, &audiences(&public_origins))),
                secrets: secrets.describe(),
                narrowed: organizations,
            },
            None => organizations.map_or(Access::Open, Access::Listed),
        };
        Ok(Self {
            flags,
            api_key,
            public_origins,
            access,
            trusted_proxies,
            serving,
            #[cfg(debug_assertions)]
            debug_panic_route: env("CHECKOUT_DEBUG_PANIC_ROUTE").as_deref() == Some("1"),
        })
    }

    /// The proxy's own deadline: the upstream's and a margin, so that an upstream timeout is
    /// answered as such (timeouts nest: upstream < proxy < widget).
    pub fn request_timeout(&self) -> Duration {
        self.flags.upstream_timeout + REQUEST_TIMEOUT_MARGIN
    }

    /// The start-up line: everything in effect, the secrets only as whether they are set.
    pub fn summary(&self) -> String {
        // Every flag by name, with no `..`: a new flag that is not shown does not compile.
        let Flags {
            listen,
            upstream,
            upstream_proxy,
            static_dir,
            public_origins: _,
            checkout_origins,
            organizations: _,
            upstream_timeout,
            rate_limit,
            balance_rate_limit,
            trusted_proxies: _,
            trust_forwarded_for: _,
            max_connections,
            max_connections_per_client,
            max_concurrent_requests,
            max_api_requests_per_client,
            header_read_timeout,
            body_read_timeout,
            shutdown_timeout,
            frame_ancestors,
            connect_origins,
            redis_url,
            redis_prefix,
            idempotency_ttl,
            observability:
                ObservabilityArgs {
                    metrics_listen,
                    log_format,
                },
        } = &self.flags;
        let list = |origins: &OriginAllowlist| audiences(origins).join(",");
        let lists = |lists: &[OriginAllowlist]| list(&lists.iter().cloned().collect());
        format!(
            "listen={listen} upstream={upstream} upstream_proxy={} api_key={} static_dir={} \
             public_origins={} checkout_origins={} {} upstream_timeout={upstream_timeout:?} \
             request_timeout={:?} rate_limit={rate_limit}/min \
             balance_rate_limit={balance_rate_limit}/min trusted_proxies={} \
             max_connections={max_connections} \
             max_connections_per_client={max_connections_per_client} \
             max_concurrent_requests={max_concurrent_requests} \
             max_api_requests_per_client={max_api_requests_per_client} \
             header_read_timeout={header_read_timeout:?} body_read_timeout={body_read_timeout:?} \
             shutdown_timeout={shutdown_timeout:?} frame_ancestors={frame_ancestors} \
             connect_origins={} redis={} idempotency_ttl={idempotency_ttl:?} \
             metrics_listen={} log_format={log_format:?}",
            upstream_proxy
                .as_ref()
                .map_or("none", |proxy| proxy.shown.as_str()),
            self.api_key.describe(),
            static_dir
                .as_ref()
                .map_or("none".to_owned(), |d| d.display().to_string()),
            list(&self.public_origins),
            lists(checkout_origins),
            self.access.summary(),
            self.request_timeout(),
            self.trusted_proxies,
            lists(connect_origins),
            redis_url
                .as_ref()
                .map_or("none".to_owned(), |redis| format!(
                    "{} redis_prefix={redis_prefix}",
                    redis.shown
                )),
            metrics_listen.map_or("none".to_owned(), |addr| addr.to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let args =
            Args::try_parse_from(std::iter::once("checkout-proxy").chain(args.iter().copied()))
                .map_err(|e| refusal(&e).expect("not help"))?;
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::new(args.flags, |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    const KEY: (&str, &str) = ("CLOSIENT_API_KEY", "csb_test_secret_1234");
    const TENANT_SECRET: (&str, &str) = (
        "CHECKOUT_TENANT_SECRET",
        "tenant-secret-0123456789abcdefghij",
    );

    #[test]
    fn loopback_defaults_its_public_origins_and_nests_timeouts() {
        let config = config(
            &["--listen", "127.0.0.1:9000", "--upstream-timeout", "2s"],
            &[KEY],
        )
        .expect("valid");
        let origins: Vec<String> = config
            .public_origins
            .origins()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(origins, ["http://127.0.0.1:9000", "http://localhost:9000"]);
        assert!(config.request_timeout() > config.flags.upstream_timeout);
        assert_eq!(
            config.flags.upstream.base,
            "https://www.closient.com/billing/api/v1"
        );
        assert!(matches!(config.access, Access::Open));
    }

    /// Every timeout read from where it is defined: the flag's default, the proxy's margin, the
    /// widget's default in core and the nginx recipe's `proxy_read_timeout`.
    #[test]
    fn timeouts_nest_from_upstream_to_nginx() {
        let config = config(&[], &[KEY]).expect("valid");
        let widget =
            Duration::from_millis(closient_checkout_core::timeouts::WIDGET_DEFAULT_MS.into());
        let nginx = include_str!("../../deploy/nginx/closient-checkout.conf")
            .lines()
            .find_map(|line| line.trim().strip_prefix("proxy_read_timeout "))
            .and_then(|value| value.trim_end_matches(';').strip_suffix('s'))
            .and_then(|secs| secs.parse().ok())
            .map(Duration::from_secs)
            .expect("the recipe sets proxy_read_timeout in whole seconds");
        assert!(config.flags.upstream_timeout < config.request_timeout());
        assert!(
            config.request_timeout() < widget,
            "the proxy answers before the widget gives up"
        );
        assert!(
            widget < nginx,
            "nginx never cuts off an answer the widget still waits for"
        );
    }

    #[test]
    fn start_up_errors_are_one_clear_line() {
        let fails = |args: &[&str], env: &[(&str, &str)]| config(args, env).expect_err("invalid");
        assert!(fails(&[], &[]).contains("CLOSIENT_API_KEY"));
        assert!(
            fails(&["--listen", "0.0.0.0:8080"], &[KEY]).contains("--public-origin is required")
        );
        assert!(fails(&["--public-origin", "http://shop.example"], &[KEY]).contains("https"));
        assert!(
            fails(&["--checkout-origin", "https://x.example/path"], &[KEY])
                .contains("--checkout-origin")
        );
        assert!(fails(&["--organization", "nope"], &[KEY]).contains("--organization"));
        assert!(fails(&["--static-dir", "/nonexistent"], &[KEY]).contains("index.html"));
        assert!(
            fails(&["--connect-origin", "http://tokens.example"], &[KEY])
                .contains("--connect-origin")
        );
        let short = fails(
            &[],
            &[KEY, ("CHECKOUT_TENANT_SECRET", "short-tenant-secret")],
        );
        assert!(short.contains("at least 32"), "{short}");
        let both = fails(
            &[],
            &[
                KEY,
                TENANT_SECRET,
                ("CHECKOUT_TENANT_SECRET_FILE", "/run/secrets/tenant"),
            ],
        );
        assert!(both.contains("only one"), "{both}");
        let unreadable = fails(&[], &[KEY, ("CHECKOUT_TENANT_SECRET_FILE", "/nonexistent")]);
        assert!(unreadable.contains("cannot read"), "{unreadable}");
        let previous_alone = fails(
            &[],
            &[KEY, ("CHECKOUT_TENANT_SECRET_PREVIOUS", TENANT_SECRET.1)],
        );
        assert!(previous_alone.contains("without"), "{previous_alone}");
        for message in [
            fails(&[], &[]),
            fails(&["--organization", "nope"], &[KEY]),
            short,
            both,
            previous_alone,
        ] {
            assert!(!message.contains('\n'), "{message:?}");
            assert!(!message.contains(KEY.1));
            assert!(!message.contains(TENANT_SECRET.1) && !message.contains("short-tenant"));
        }
    }

    #[test]
    fn the_upstream_is_https_unless_on_loopback() {
        let refused = config(&["--upstream", "http://api.example/billing/api/v1"], &[KEY])
            .expect_err("plain http off this machine");
        assert!(refused.contains("must use https"), "{refused}");
        for (base, loopback) in [
            ("http://127.0.0.1:9100/billing/api/v1", true),
            ("http://localhost:9100/billing/api/v1", true),
            ("https://www.closient.com/billing/api/v1", false),
        ] {
            let config = config(&["--upstream", base], &[KEY]).expect(base);
            assert_eq!(config.flags.upstream.is_loopback, loopback, "{base}");
        }
        let lookalike = config(&["--upstream", "http://127.evil.example/v1"], &[KEY]);
        assert!(lookalike.is_err(), "a name is not an address");
    }

    #[test]
    fn a_huge_duration_is_refused_not_overflowed() {
        for flag in [
            "--upstream-timeout",
            "--header-read-timeout",
            "--body-read-timeout",
            "--shutdown-timeout",
        ] {
            let refused =
                config(&[flag, "18446744073709551615s"], &[KEY]).expect_err("far too long");
            assert!(
                refused.contains(flag) && refused.contains("at most"),
                "{refused}"
            );
        }
        assert!(config(&["--upstream-timeout", "61s"], &[KEY]).is_err());
        assert!(config(&["--upstream-timeout", "1m"], &[KEY]).is_ok());
    }

    #[test]
    fn trusted_proxies_are_ranges_and_the_old_flag_means_loopback() {
        let ranges = config(
            &[
                "--trusted-proxy",
                "10.0.0.0/8",
                "--trusted-proxy",
                "2001:db8::/32",
            ],
            &[KEY],
        )
        .expect("valid");
        assert_eq!(
            ranges.trusted_proxies.to_string(),
            "10.0.0.0/8,2001:db8::/32"
        );
        let alias = config(&["--trust-forwarded-for"], &[KEY]).expect("valid");
        assert_eq!(alias.trusted_proxies.to_string(), "127.0.0.0/8,::1/128");
        assert!(
            alias
                .summary()
                .contains("trusted_proxies=127.0.0.0/8,::1/128")
        );
        let none = config(&[], &[KEY]).expect("valid");
        assert!(none.summary().contains("trusted_proxies=none"));
        let typo = config(&["--trusted-proxy", "10.0.0.1/8"], &[KEY]).expect_err("host bits");
        assert!(typo.contains("10.0.0.0/8"), "{typo}");
    }

    #[test]
    fn a_redis_url_is_shown_without_its_password_and_never_repeated() {
        const PASSWORD: &str = "redis-canary-password";
        for (url, shown) in [
            (
                format!("redis://:{PASSWORD}@redis.internal:6379/2"),
                "redis=redis://redis.internal:6379 redis_prefix=closient-checkout: ",
            ),
            (
                format!("rediss://user:{PASSWORD}@redis.internal"),
                "redis=rediss://redis.internal redis_prefix=closient-checkout: ",
            ),
            (
                "unix:///run/redis/redis.sock".to_owned(),
                "redis=unix:///run/redis/redis.sock redis_prefix=closient-checkout: ",
            ),
        ] {
            let config = config(&["--redis-url", &url], &[KEY]).expect(&url);
            let summary = config.summary();
            assert!(summary.contains(shown), "{summary}");
            assert!(!summary.contains(PASSWORD) && !format!("{config:?}").contains(PASSWORD));
        }
        for bad in [
            format!("http://:{PASSWORD}@redis.internal"),
            format!("redis:{PASSWORD}"),
            format!("unix://{PASSWORD}"),
            format!("{PASSWORD}@redis.internal:6379"),
        ] {
            let refused = config(&["--redis-url", &bad], &[KEY]).expect_err(&bad);
            assert!(refused.contains("--redis-url"), "{refused}");
            assert!(!refused.contains(PASSWORD), "{refused}");
        }
        let prefix = config(
            &["--redis-url", "redis://r", "--redis-prefix", "a b"],
            &[KEY],
        );
        assert!(prefix.expect_err("a space").contains("--redis-prefix"));
        let ttl = config(&["--idempotency-ttl", "25h"], &[KEY]).expect_err("too long");
        assert!(ttl.contains("--idempotency-ttl"), "{ttl}");
        let default = config(&[], &[KEY]).expect("valid");
        assert_eq!(default.flags.idempotency_ttl, Duration::from_secs(3600));
        assert!(
            default
                .summary()
                .contains("redis=none idempotency_ttl=3600s")
        );
    }

    #[test]
    fn an_upstream_proxy_is_shown_without_its_credentials() {
        let proxied = config(
            &[
                "--upstream-proxy",
                "http://user:proxy-password@proxy.internal:3128",
            ],
            &[KEY],
        )
        .expect("valid");
        let summary = proxied.summary();
        assert!(
            summary.contains("upstream_proxy=http://proxy.internal:3128 "),
            "{summary}"
        );
        assert!(
            !summary.contains("proxy-password")
                && !format!("{proxied:?}").contains("proxy-password")
        );
        for bad in [
            "proxy.internal:3128",
            "ftp://proxy.internal",
            "http://proxy.internal/path",
        ] {
            assert!(config(&["--upstream-proxy", bad], &[KEY]).is_err(), "{bad}");
        }
    }

    #[test]
    fn frame_ancestors_are_sources_and_nothing_more() {
        for good in [
            "'self'",
            "'none'",
            "https://shop.example https://*.shop.example",
        ] {
            assert_eq!(frame_ancestors(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "'self'; script-src *",
            "a, b",
            "a\nb",
            "",
            "caf\u{e9}.example",
            "a\tb",
        ] {
            assert!(frame_ancestors(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_summary_shows_the_key_only_as_set() {
        let config = config(&["--organization", "7dHk2mPqRsTuVwXyZaBcDe"], &[KEY]).expect("valid");
        let summary = config.summary();
        assert!(summary.contains("api_key=set (20 chars)"), "{summary}");
        assert!(!summary.contains(KEY.1));
        assert!(
            summary.contains("organizations=1 tenant_secret=none"),
            "{summary}"
        );
    }

    #[test]
    fn a_tenant_secret_requires_tokens_and_shows_only_its_length() {
        let config = config(
            &["--organization", "7dHk2mPqRsTuVwXyZaBcDe"],
            &[KEY, TENANT_SECRET],
        )
        .expect("valid");
        assert!(matches!(
            config.access,
            Access::Tokens {
                narrowed: Some(_),
                ..
            }
        ));
        let summary = config.summary();
        assert!(
            summary.contains("organizations=1 tenant_secret=set (34 bytes)"),
            "{summary}"
        );
        assert!(!summary.contains(TENANT_SECRET.1));
        assert!(!format!("{config:?}").contains(TENANT_SECRET.1));
        assert!(!format!("{config:?}").contains(KEY.1));
    }
}
