//! Everything a command reads from or writes to the outside world, passed in.

use std::io::{BufRead, Write};

use hybridctl_providers::Env;

pub struct Context {
    pub args: Vec<String>,
    pub env: Env,
    pub stdout: Box<dyn Write>,
    pub stderr: Box<dyn Write>,
    pub stdin: Box<dyn BufRead>,
    /// Whether stdin is a terminal a person can answer a prompt on.
    pub interactive: bool,
    /// Whether stdout is a terminal (colour, when NO_COLOR is not set).
    pub stdout_is_terminal: bool,
    /// The real process: SIGTERM or SIGINT ends a command cleanly, so the binary still
    /// removes its private ticket caches. Tests that run commands in-process leave the
    /// test process's signals alone.
    pub stop_on_signal: bool,
}

impl Context {
    pub fn out(&mut self, s: &str) {
        let _ = self.stdout.write_all(s.as_bytes());
        let _ = self.stdout.flush();
    }

    pub fn err(&mut self, s: &str) {
        let _ = self.stderr.write_all(s.as_bytes());
        let _ = self.stderr.flush();
    }

    /// Colour on a terminal only, and never when NO_COLOR is set (no-color.org).
    pub fn color(&self) -> bool {
        self.stdout_is_terminal && !self.env.contains_key("NO_COLOR")
    }
}
