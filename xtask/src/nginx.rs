//! `cargo xtask nginx-config`: the one writer of an nginx main config, for the e2e suite and the
//! bench. Each runs nginx with a prefix folder of its own (`-p`), its pid, logs and temp files
//! in there. The e2e suite serves a site the way docs/hosting.md shows: a server block that sets
//! the recipe's variables and includes the shipped `deploy/nginx/closient-checkout.conf`. The
//! bench's baseline is nginx `proxy_pass` straight to the mock, tuned as an operator would.

use crate::{Result, files, repo_root};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The recipe this repository ships for nginx.
pub fn recipe() -> PathBuf {
    repo_root()
        .join("deploy")
        .join("nginx")
        .join("closient-checkout.conf")
}

/// What the server block does.
#[derive(Debug, Clone)]
pub enum Serve {
    /// The shipped recipe: `site` under /billing/topup/, /api/ passed to `proxies`.
    Recipe {
        site: PathBuf,
        /// checkout-proxy's origins, `http://IP:port`: replicas, balanced by an `upstream`
        /// block when there are several.
        proxies: Vec<String>,
        /// The Content-Security-Policy header; none when empty.
        csp: String,
        /// The brotli_static module to load, by absolute path.
        brotli_module: PathBuf,
    },
    /// The bench's baseline: `POST /api/billing/checkout` passed to the mock with `key`.
    Baseline { upstream: SocketAddr, key: String },
}

/// An nginx main config.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub workers: usize,
    /// Without a master, nginx runs as one process: what a profiler can follow.
    pub master: bool,
    pub serve: Serve,
}

/// A written configuration: its prefix folder and file.
pub struct Written {
    prefix: PathBuf,
    conf: PathBuf,
}

impl Written {
    /// nginx's arguments to run it.
    pub fn args(&self) -> Vec<String> {
        [
            "-p".to_owned(),
            self.prefix.display().to_string(),
            "-c".to_owned(),
            self.conf.display().to_string(),
        ]
        .to_vec()
    }
}

/// The `upstream` block that balances several proxies; the recipe's variable names it.
const REPLICAS: &str = "http://closient_checkout_proxies";

/// The `upstream` block for more than one proxy (nothing for one): round robin, with idle
/// connections kept as for one.
fn replicas(proxies: &[String]) -> Result<String> {
    match proxies {
        [] => Err("the recipe needs a proxy".to_owned()),
        [_] => Ok(String::new()),
        _ => {
            let servers = proxies
                .iter()
                .map(|origin| {
                    let address = origin
                        .strip_prefix("http://")
                        .filter(|address| !address.contains(['/', ';', ' ', '"']))
                        .ok_or_else(|| format!("{origin:?} is not an http://IP:port origin"))?;
                    Ok(format!("    server {address};\n"))
                })
                .collect::<Result<String>>()?;
            let name = REPLICAS.trim_start_matches("http://");
            Ok(format!(
                "  upstream {name} {{\n{servers}    keepalive 16;\n  }}\n"
            ))
        }
    }
}

/// `value` as an nginx string; an error for what cannot be put in one.
fn quote(value: &str) -> Result<String> {
    if value.contains(['"', '\\', '$', '\n']) {
        return Err(format!("cannot put {value:?} in an nginx string"));
    }
    Ok(format!("\"{value}\""))
}

fn quote_path(path: &Path) -> Result<String> {
    quote(files::utf8(path)?)
}

impl Config {
    /// The config's text, its files under `prefix`.
    pub fn text(&self, prefix: &Path) -> Result<String> {
        let at = |name: &str| quote_path(&prefix.join(name));
        let (head, level, connections, http, server) = match &self.serve {
            Serve::Recipe {
                site,
                proxies,
                csp,
                brotli_module,
            } => (
                format!(
                    "# Written by cargo xtask nginx-config: the shipped recipe, as docs/hosting.md shows.\n\
                     load_module {};\n",
                    quote_path(brotli_module)?
                ),
                "info",
                256,
                format!(
                    "  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n  \
                     access_log {};\n{}",
                    at("logs/access.log")?,
                    replicas(proxies)?,
                ),
                format!(
                    "    server_name localhost;\n    \
                     set $closient_checkout_dist {};\n    \
                     set $closient_checkout_proxy {};\n    \
                     set $closient_checkout_csp {};\n    \
                     include {};\n",
                    quote_path(site)?,
                    quote(match proxies.as_slice() {
                        [one] => one,
                        _ => REPLICAS,
                    })?,
                    quote(csp)?,
                    quote_path(&recipe())?,
                ),
            ),
            Serve::Baseline { upstream, key } => (
                "# Written by cargo xtask bench: the baseline proxy, tuned as an operator would.\n"
                    .to_owned(),
                "warn",
                1024,
                format!(
                    "  access_log off;\n  upstream closient {{\n    server {upstream};\n    \
                     keepalive 64;\n  }}\n"
                ),
                format!(
                    "    location = /healthz {{ return 200; }}\n    \
                     location = /api/billing/checkout {{\n      \
                     proxy_pass http://closient/billing/api/v1/billing/checkout;\n      \
                     proxy_http_version 1.1;\n      \
                     proxy_set_header Connection \"\";\n      \
                     proxy_set_header X-API-Key {};\n    }}\n",
                    quote(key)?
                ),
            ),
        };
        let temp = |name: &str| at(name);
        Ok(format!(
            "{head}daemon off;
master_process {master};
worker_processes {workers};
pid {pid};
error_log {error_log} {level};
events {{ worker_connections {connections}; }}
http {{
{http}  client_body_temp_path {client_body};
  proxy_temp_path {proxy};
  fastcgi_temp_path {fastcgi};
  uwsgi_temp_path {uwsgi};
  scgi_temp_path {scgi};
  server {{
    listen {listen};
{server}  }}
}}
",
            master = if self.master { "on" } else { "off" },
            workers = self.workers,
            pid = at("nginx.pid")?,
            error_log = at("logs/error.log")?,
            client_body = temp("client_body")?,
            proxy = temp("proxy")?,
            fastcgi = temp("fastcgi")?,
            uwsgi = temp("uwsgi")?,
            scgi = temp("scgi")?,
            listen = self.listen,
        ))
    }

    /// Writes the config as `conf` and creates its prefix folder (`conf`'s) with `logs/`.
    pub fn write(&self, conf: &Path) -> Result<Written> {
        let prefix = conf
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let prefix = std::path::absolute(prefix)
            .map_err(|e| format!("cannot resolve {}: {e}", prefix.display()))?;
        files::create_dir(&prefix.join("logs"))?;
        let conf = prefix.join(conf.file_name().ok_or("the config needs a file name")?);
        files::write(&conf, self.text(&prefix)?)?;
        Ok(Written { prefix, conf })
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, Serve, recipe};
    use std::net::SocketAddr;
    use std::path::Path;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    /// The recipe's config on port 8081 for the site in /srv/site, with `csp` and `brotli_module`.
    fn recipe_config(csp: &str, brotli_module: &str) -> Config {
        Config {
            listen: addr(8081),
            workers: 1,
            master: true,
            serve: Serve::Recipe {
                site: "/srv/site".into(),
                proxies: vec!["http://127.0.0.1:8080".to_owned()],
                csp: csp.to_owned(),
                brotli_module: brotli_module.into(),
            },
        }
    }

    #[test]
    fn the_site_is_served_by_the_shipped_recipe() {
        let config = recipe_config("", "/usr/lib/nginx/modules/brotli.so")
            .text(Path::new("/tmp/x"))
            .expect("a config");
        for line in [
            "load_module \"/usr/lib/nginx/modules/brotli.so\";",
            "listen 127.0.0.1:8081;",
            "set $closient_checkout_dist \"/srv/site\";",
            "set $closient_checkout_proxy \"http://127.0.0.1:8080\";",
            "set $closient_checkout_csp \"\";",
            &format!("include \"{}\";", recipe().display()),
            "error_log \"/tmp/x/logs/error.log\" info;",
        ] {
            assert!(config.contains(line), "{line} in\n{config}");
        }
    }

    #[test]
    fn replicas_are_balanced_by_an_upstream_block() {
        let mut config = recipe_config("", "/m.so");
        let Serve::Recipe { proxies, .. } = &mut config.serve else {
            unreachable!("a recipe config")
        };
        proxies.push("http://127.0.0.1:8082".to_owned());
        let text = config.text(Path::new("/tmp/x")).expect("a config");
        for line in [
            "upstream closient_checkout_proxies {",
            "server 127.0.0.1:8080;",
            "server 127.0.0.1:8082;",
            "set $closient_checkout_proxy \"http://closient_checkout_proxies\";",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        let Serve::Recipe { proxies, .. } = &mut config.serve else {
            unreachable!("a recipe config")
        };
        proxies.push("https://elsewhere.example/api".to_owned());
        assert!(config.text(Path::new("/tmp/x")).is_err());
    }

    #[test]
    fn refuses_what_an_nginx_string_cannot_hold() {
        let config = recipe_config("default-src 'self'; $x", "/m.so");
        assert!(config.text(Path::new("/tmp/x")).is_err());
    }
}
