//! The proxy's configuration: flags with environment variables, checked at start-up so a bad
//! value stops the process with one clear line instead of failing requests later.

use crate::{
    client_ip::{Cidr, LOOPBACK_PROXIES, TrustedProxies},
    secret::ApiKey,
    tenant::Access,
};
use clap::{Parser, Subcommand};
use closient_checkout_core::{OrganizationId, Origin, OriginAllowlist};
use closient_checkout_server_common::{
    duration::parse_positive_duration,
    serve::Limits,
    tenant_token::{TenantSecrets, Verifier},
};
use std::{collections::HashSet, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

/// The proxy's own deadline is this much longer than the upstream's, so an upstream timeout is
/// answered as such (timeouts nest: upstream < proxy < widget).
const REQUEST_TIMEOUT_MARGIN: Duration = Duration::from_secs(5);
/// The longest `--upstream-timeout`: past it the widget, which waits 20 s, has long given up.
const MAX_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest any other duration flag may be: timers far in the future overflow the clock.
const MAX_SERVER_TIMEOUT: Duration = Duration::from_secs(3600);

/// The default `--redis-prefix`: several proxies, or other programs, can share one Redis.
pub const DEFAULT_REDIS_PREFIX: &str = "closient-checkout:";
/// The longest `--idempotency-ttl`: the draft's own suggestion, and past any retry of a click.
const MAX_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The flags. The API key and the tenant secrets are deliberately absent: clap would print an
/// `env` value in `--help`.
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
    /// Address to listen on.
    #[arg(long, env = "CHECKOUT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Base URL of the Closient API. The key is read from CLOSIENT_API_KEY or CLOSIENT_API_KEY_FILE.
    #[arg(
        long,
        env = "CLOSIENT_API_BASE",
        default_value = "https://www.closient.com/billing/api/v1"
    )]
    pub upstream: String,
    /// Forward proxy for calls to the Closient API (http://host:port). Without it the proxy
    /// connects directly: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are ignored.
    #[arg(long, env = "CHECKOUT_UPSTREAM_PROXY", value_name = "URL")]
    pub upstream_proxy: Option<String>,
    /// Serve the built widget (dist/) from this folder.
    #[arg(long, env = "CHECKOUT_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
    /// Origin the widget's pages are served from (repeatable). Default on loopback: this address.
    #[arg(
        long = "public-origin",
        env = "CHECKOUT_PUBLIC_ORIGINS",
        value_delimiter = ','
    )]
    pub public_origins: Vec<String>,
    /// Origin a checkout URL may point to (repeatable).
    #[arg(
        long = "checkout-origin",
        env = "CHECKOUT_ALLOWED_CHECKOUT_ORIGINS",
        value_delimiter = ',',
        default_value = closient_checkout_core::url::STRIPE_CHECKOUT_ORIGIN
    )]
    pub checkout_origins: Vec<String>,
    /// Organization that may be topped up and read (repeatable). With a tenant secret, the
    /// organizations whose tokens are accepted. Default: any, and no balances.
    #[arg(
        long = "organization",
        env = "CHECKOUT_ALLOWED_ORGANIZATIONS",
        value_delimiter = ','
    )]
    pub organizations: Vec<String>,
    /// How long to wait for the Closient API (500ms, 2s, 1m; at most 1m).
    #[arg(long, env = "CHECKOUT_UPSTREAM_TIMEOUT", default_value = "10s", value_parser = parse_positive_duration)]
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
    #[arg(long, env = "CHECKOUT_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Open connections per client address (an IPv6 /64 is one client); more are closed at
    /// once. Connections from a --trusted-proxy are not counted per client.
    #[arg(
        long,
        env = "CHECKOUT_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 64
    )]
    pub max_connections_per_client: usize,
    /// API requests handled at once, and as many static files (/healthz has its own); more
    /// are answered 503.
    #[arg(long, env = "CHECKOUT_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    pub max_concurrent_requests: usize,
    /// API requests one client may have in flight; more are answered 429.
    #[arg(
        long,
        env = "CHECKOUT_MAX_API_REQUESTS_PER_CLIENT",
        default_value_t = crate::per_client::MAX_API_REQUESTS_PER_CLIENT
    )]
    pub max_api_requests_per_client: usize,
    /// How long a client may take to send a request's headers (or, idle, its next request).
    #[arg(long, env = "CHECKOUT_HEADER_READ_TIMEOUT", default_value = "5s", value_parser = parse_positive_duration)]
    pub header_read_timeout: Duration,
    /// How long a client may take to send a checkout request's body; then 408.
    #[arg(long, env = "CHECKOUT_BODY_READ_TIMEOUT", default_value = "2s", value_parser = parse_positive_duration)]
    pub body_read_timeout: Duration,
    /// After SIGTERM or Ctrl-C, how long requests in flight may take before the process exits
    /// anyway.
    #[arg(long, env = "CHECKOUT_SHUTDOWN_TIMEOUT", default_value = "20s", value_parser = parse_positive_duration)]
    pub shutdown_timeout: Duration,
    /// The CSP frame-ancestors sources: who may frame the widget's pages.
    #[arg(long, env = "CHECKOUT_FRAME_ANCESTORS", default_value = "'self'")]
    pub frame_ancestors: String,
    /// Origin the served pages may fetch from besides their own (repeatable), such as a
    /// dashboard backend's token endpoint: added to the CSP's connect-src.
    #[arg(
        long = "connect-origin",
        env = "CHECKOUT_CONNECT_ORIGINS",
        value_delimiter = ','
    )]
    pub connect_origins: Vec<String>,
    /// Redis shared by the replicas: redis://, rediss:// (TLS) or unix://. Without it each
    /// process keeps its own limits and idempotency records. A password in it is a secret:
    /// give it in the environment, never on a command line.
    #[arg(
        long,
        env = "CHECKOUT_REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub redis_url: Option<String>,
    /// What every Redis key of this proxy starts with.
    #[arg(long, env = "CHECKOUT_REDIS_PREFIX", default_value = DEFAULT_REDIS_PREFIX)]
    pub redis_prefix: String,
    /// How long a checkout's answer is kept for a retry with its Idempotency-Key (30s, 1h; at
    /// most 24h).
    #[arg(long, env = "CHECKOUT_IDEMPOTENCY_TTL", default_value = "1h", value_parser = parse_positive_duration)]
    pub idempotency_ttl: Duration,
    /// Print the Content-Security-Policy for --static-dir (required) and exit, for serving
    /// dist/ with another server. Needs no key.
    #[arg(long)]
    pub print_csp: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a tenant token signed with CHECKOUT_TENANT_SECRET[_FILE], for tests and demos.
    MintToken(MintArgs),
}

#[derive(Debug, clap::Args)]
pub struct MintArgs {
    /// The organization the token binds (its `sub`).
    #[arg(long)]
    pub organization: String,
    /// How long the token lives: at most 1h (500ms, 2s, 15m).
    #[arg(long, default_value = "15m", value_parser = parse_positive_duration)]
    pub ttl: Duration,
    /// The largest top-up the token allows, in cents.
    #[arg(long)]
    pub max_cents: Option<u64>,
    /// The proxy's public origin (repeatable). Default: its --public-origin values, or on a
    /// loopback --listen address the default ones.
    #[arg(
        long = "audience",
        env = "CHECKOUT_PUBLIC_ORIGINS",
        value_delimiter = ','
    )]
    pub audiences: Vec<String>,
}

/// The checked configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub upstream: String,
    /// Whether the upstream is on loopback, the only place it may be plain http.
    pub upstream_is_loopback: bool,
    pub upstream_proxy: Option<UpstreamProxy>,
    pub api_key: ApiKey,
    pub static_dir: Option<PathBuf>,
    pub public_origins: OriginAllowlist,
    pub checkout_origins: OriginAllowlist,
    /// Who may act for which organization.
    pub access: Access,
    pub upstream_timeout: Duration,
    pub request_timeout: Duration,
    pub rate_limit: u32,
    pub balance_rate_limit: u32,
    pub trusted_proxies: TrustedProxies,
    pub max_concurrent_requests: usize,
    pub max_api_requests_per_client: usize,
    pub body_read_timeout: Duration,
    pub serving: Serving,
    pub frame_ancestors: String,
    pub connect_origins: OriginAllowlist,
    pub redis: Option<RedisSettings>,
    pub idempotency_ttl: Duration,
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
            .ok_or("--upstream-proxy must be a URL like http://proxy.internal:3128")?;
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

/// `--redis-url` and `--redis-prefix`: the URL as given (password included, for the Redis
/// client only) and as the start-up line shows it, without credentials.
#[derive(Clone)]
pub struct RedisSettings {
    url: String,
    pub shown: String,
    pub prefix: String,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisSettings({} prefix={})", self.shown, self.prefix)
    }
}

impl RedisSettings {
    const NOT_A_URL: &str = "--redis-url must be a URL like redis://host:6379, \
                              rediss://host:6380 or unix:///run/redis.sock";

    fn parse(text: &str, prefix: String) -> Result<Self, String> {
        let url = reqwest::Url::parse(text.trim())
            .ok()
            .filter(|url| match url.scheme() {
                "redis" | "rediss" => url.host_str().is_some(),
                "unix" => url.host_str().is_none_or(str::is_empty) && url.path().len() > 1,
                _ => false,
            })
            .ok_or(Self::NOT_A_URL)?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("--redis-prefix must be visible ASCII characters, at least one".to_owned());
        }
        let shown = match url.scheme() {
            "unix" => format!("unix://{}", url.path()),
            scheme => format!(
                "{scheme}://{}{}",
                url.host_str().unwrap_or_default(),
                url.port()
                    .map_or_else(String::new, |port| format!(":{port}"))
            ),
        };
        let settings = Self {
            url: text.trim().to_owned(),
            shown,
            prefix,
        };
        settings.client()?;
        Ok(settings)
    }

    /// The Redis client; its errors never repeat the URL.
    pub fn client(&self) -> Result<redis::Client, String> {
        redis::Client::open(self.url.as_str()).map_err(|_| Self::NOT_A_URL.to_owned())
    }
}

/// `--frame-ancestors` goes into the CSP header as it is: a list of sources, no other directive.
pub fn check_frame_ancestors(sources: &str) -> Result<(), String> {
    let header_safe = sources.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    if sources.trim().is_empty() || !header_safe || sources.contains([';', ',']) {
        return Err(
            "--frame-ancestors must be a list of CSP sources separated by spaces".to_owned(),
        );
    }
    Ok(())
}

fn at_most(flag: &str, value: Duration, max: Duration) -> Result<Duration, String> {
    if value > max {
        return Err(format!("{flag} must be at most {}s", max.as_secs()));
    }
    Ok(value)
}

/// `--public-origin`, or on a loopback `--listen` address `http://127.0.0.1:PORT` and
/// `http://localhost:PORT`.
pub fn public_origins(listen: SocketAddr, given: &[String]) -> Result<OriginAllowlist, String> {
    if given.is_empty() {
        if !listen.ip().is_loopback() {
            return Err(format!(
                "--public-origin is required when listening on {listen} (not loopback)"
            ));
        }
        let port = listen.port();
        OriginAllowlist::new(
            [
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ]
            .iter()
            .map(String::as_str),
        )
    } else {
        OriginAllowlist::new(given.iter().map(|o| o.trim()))
    }
    .map_err(|e| format!("--public-origin {e}"))
}

/// The origins as `aud` names them.
pub fn audiences(origins: &OriginAllowlist) -> Vec<String> {
    origins.origins().iter().map(ToString::to_string).collect()
}

impl Config {
    /// Checks the flags and reads the key. `env` answers environment variables by name.
    pub fn from_args(args: Args, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let api_key = ApiKey::from_env(&env)?;
        let upstream = args.upstream.trim_end_matches('/').to_owned();
        let upstream_origin =
            Origin::of_url(&upstream).map_err(|e| format!("--upstream {upstream:?} {e}"))?;
        // The key travels in a header: over plain http only to this machine.
        OriginAllowlist::new([upstream_origin.to_string().as_str()])
            .map_err(|e| format!("--upstream {upstream:?} {e}"))?;
        let upstream_proxy = args
            .upstream_proxy
            .as_deref()
            .map(UpstreamProxy::parse)
            .transpose()?;
        let upstream_timeout = at_most(
            "--upstream-timeout",
            args.upstream_timeout,
            MAX_UPSTREAM_TIMEOUT,
        )?;
        let mut trusted_proxies = args.trusted_proxies;
        if args.trust_forwarded_for {
            trusted_proxies.extend(LOOPBACK_PROXIES);
        }
        let trusted_proxies = TrustedProxies::new(trusted_proxies);
        let serving = Serving {
            limits: Limits {
                max_connections: args.max_connections,
                header_read_timeout: at_most(
                    "--header-read-timeout",
                    args.header_read_timeout,
                    MAX_SERVER_TIMEOUT,
                )?,
                shutdown_timeout: at_most(
                    "--shutdown-timeout",
                    args.shutdown_timeout,
                    MAX_SERVER_TIMEOUT,
                )?,
            },
            max_connections_per_client: args.max_connections_per_client,
            trusted_proxies: trusted_proxies.clone(),
        };
        let body_read_timeout = at_most(
            "--body-read-timeout",
            args.body_read_timeout,
            MAX_SERVER_TIMEOUT,
        )?;
        if serving.limits.max_connections == 0
            || serving.max_connections_per_client == 0
            || args.max_concurrent_requests == 0
            || args.max_api_requests_per_client == 0
        {
            return Err(
                "--max-connections, --max-connections-per-client, --max-concurrent-requests and \
                 --max-api-requests-per-client must be above zero"
                    .to_owned(),
            );
        }
        let public_origins = public_origins(args.listen, &args.public_origins)?;
        let checkout_origins = OriginAllowlist::new(args.checkout_origins.iter().map(|o| o.trim()))
            .map_err(|e| format!("--checkout-origin {e}"))?;
        let organizations = if args.organizations.is_empty() {
            None
        } else {
            let ids = args
                .organizations
                .iter()
                .map(|id| {
                    OrganizationId::parse(id).map_err(|e| format!("--organization {id:?} {e}"))
                })
                .collect::<Result<HashSet<_>, _>>()?;
            Some(Arc::new(ids))
        };
        let access = match TenantSecrets::from_env(&env)? {
            Some(secrets) => Access::Tokens {
                verifier: Box::new(Verifier::new(&secrets, &audiences(&public_origins))),
                secrets: secrets.describe(),
                narrowed: organizations,
            },
            None => organizations.map_or(Access::Open, Access::Listed),
        };
        let connect_origins = OriginAllowlist::new(args.connect_origins.iter().map(|o| o.trim()))
            .map_err(|e| format!("--connect-origin {e}"))?;
        if let Some(dir) = args
            .static_dir
            .as_ref()
            .filter(|dir| !dir.join("index.html").is_file())
        {
            return Err(format!("--static-dir {} has no index.html", dir.display()));
        }
        check_frame_ancestors(&args.frame_ancestors)?;
        let redis = args
            .redis_url
            .as_deref()
            .map(|url| RedisSettings::parse(url, args.redis_prefix))
            .transpose()?;
        let idempotency_ttl = at_most(
            "--idempotency-ttl",
            args.idempotency_ttl,
            MAX_IDEMPOTENCY_TTL,
        )?;
        Ok(Self {
            listen: args.listen,
            upstream,
            upstream_is_loopback: upstream_origin.is_loopback(),
            upstream_proxy,
            api_key,
            static_dir: args.static_dir,
            public_origins,
            checkout_origins,
            access,
            upstream_timeout,
            request_timeout: upstream_timeout + REQUEST_TIMEOUT_MARGIN,
            rate_limit: args.rate_limit,
            balance_rate_limit: args.balance_rate_limit,
            trusted_proxies,
            max_concurrent_requests: args.max_concurrent_requests,
            max_api_requests_per_client: args.max_api_requests_per_client,
            body_read_timeout,
            serving,
            frame_ancestors: args.frame_ancestors,
            connect_origins,
            redis,
            idempotency_ttl,
            #[cfg(debug_assertions)]
            debug_panic_route: env("CHECKOUT_DEBUG_PANIC_ROUTE").as_deref() == Some("1"),
        })
    }

    /// The start-up line: everything in effect, the secrets only as whether they are set.
    pub fn summary(&self) -> String {
        let list = |origins: &OriginAllowlist| {
            origins
                .origins()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        format!(
            "listen={} upstream={} upstream_proxy={} api_key={} static_dir={} public_origins={} \
             checkout_origins={} {} upstream_timeout={:?} request_timeout={:?} rate_limit={}/min \
             balance_rate_limit={}/min trusted_proxies={} max_connections={} \
             max_connections_per_client={} max_concurrent_requests={} max_api_requests_per_client={} \
             header_read_timeout={:?} body_read_timeout={:?} \
             shutdown_timeout={:?} frame_ancestors={} connect_origins={} redis={} \
             idempotency_ttl={:?}",
            self.listen,
            self.upstream,
            self.upstream_proxy
                .as_ref()
                .map_or("none", |proxy| proxy.shown.as_str()),
            self.api_key.describe(),
            self.static_dir
                .as_ref()
                .map_or("none".to_owned(), |d| d.display().to_string()),
            list(&self.public_origins),
            list(&self.checkout_origins),
            self.access.summary(),
            self.upstream_timeout,
            self.request_timeout,
            self.rate_limit,
            self.balance_rate_limit,
            self.trusted_proxies,
            self.serving.limits.max_connections,
            self.serving.max_connections_per_client,
            self.max_concurrent_requests,
            self.max_api_requests_per_client,
            self.serving.limits.header_read_timeout,
            self.body_read_timeout,
            self.serving.limits.shutdown_timeout,
            self.frame_ancestors,
            list(&self.connect_origins),
            self.redis
                .as_ref()
                .map_or("none".to_owned(), |redis| format!(
                    "{} redis_prefix={}",
                    redis.shown, redis.prefix
                )),
            self.idempotency_ttl,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let args =
            Args::try_parse_from(std::iter::once("checkout-proxy").chain(args.iter().copied()))
                .map_err(|e| e.to_string())?;
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_args(args, |name| {
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
        assert!(config.request_timeout > config.upstream_timeout);
        assert_eq!(config.upstream, "https://www.closient.com/billing/api/v1");
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
        assert!(config.upstream_timeout < config.request_timeout);
        assert!(
            config.request_timeout < widget,
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
            assert_eq!(config.upstream_is_loopback, loopback, "{base}");
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
        assert_eq!(default.idempotency_ttl, Duration::from_secs(3600));
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
            assert_eq!(check_frame_ancestors(good), Ok(()), "{good}");
        }
        for bad in [
            "'self'; script-src *",
            "a, b",
            "a\nb",
            "",
            "caf\u{e9}.example",
            "a\tb",
        ] {
            assert!(check_frame_ancestors(bad).is_err(), "{bad:?}");
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
