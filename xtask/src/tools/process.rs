//! Running commands: with output captured, and the facts about this machine they need.

use crate::Result;
use std::env;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

/// Runs a command with its output captured, returning stdout; on failure the output is shown.
pub fn capture(command: &mut Command) -> Result<String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .output()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stdout));
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        return Err(format!("`{program}` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The first `name` on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Whether this runs as root, who may install system packages.
pub fn is_root() -> bool {
    capture(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

/// The stdout of a child started with it piped, once the child has exited 0; an error once
/// `limit` has passed (the child is then killed). A piped stderr is shown in the error.
pub fn stdout_within(mut child: Child, limit: Duration) -> Result<String> {
    fn read_all(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    }
    let out = read_all(child.stdout.take());
    let err = read_all(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running after {} s; stopped",
                    limit.as_secs()
                ));
            }
            Err(e) => return Err(format!("cannot wait: {e}")),
        }
    };
    let text = |reader: thread::JoinHandle<String>| {
        reader
            .join()
            .map_err(|_| "an output reader panicked".to_owned())
    };
    let (out, err) = (text(out)?, text(err)?);
    if status.success() {
        Ok(out)
    } else {
        Err(format!("failed ({status}): {}{}", out.trim(), err.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;

    fn shell(script: &str) -> Child {
        Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh")
    }

    #[test]
    fn a_child_is_waited_for_within_its_limit() {
        let limit = Duration::from_secs(5);
        assert_eq!(
            stdout_within(shell("echo ok"), limit),
            Ok("ok\n".to_owned())
        );
        let error = stdout_within(shell("echo why >&2; exit 3"), limit).expect_err("exit 3");
        assert!(error.contains("why"), "{error}");
        let error = stdout_within(shell("sleep 30"), Duration::from_millis(200)).expect_err("late");
        assert!(error.starts_with("still running"), "{error}");
    }
}
