//! The one table of a run, as printed and as `bench.md`, and the same figures as `bench.json`
//! in the shape the issue gives, so that tools can compare runs.

use super::Results;
use crate::{Result, files, secs};
use serde_json::{Value, json};
use std::fs;
use std::path::Path;
use std::time::Duration;

/// A figure's goal or gate: its text, whether the figure meets it, and by how much it misses.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Check {
    pub(super) text: String,
    pub(super) met: bool,
    pub(super) gap: String,
}

impl Check {
    pub(super) fn new(text: String, met: bool, gap: String) -> Self {
        Self { text, met, gap }
    }
}

/// One line of the table.
#[derive(Debug)]
pub(super) struct Row {
    figure: String,
    value: String,
    goal: Option<Check>,
    gate: Option<Check>,
}

impl Row {
    pub(super) fn figure(figure: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            figure: figure.into(),
            value: value.into(),
            goal: None,
            gate: None,
        }
    }

    pub(super) fn goal(mut self, check: Check) -> Self {
        self.goal = Some(check);
        self
    }

    pub(super) fn gate(mut self, check: Check) -> Self {
        self.gate = Some(check);
        self
    }

    fn goal_text(&self) -> String {
        match (&self.goal, &self.gate) {
            (Some(goal), Some(gate)) => format!("{} (gate {})", goal.text, gate.text),
            (Some(check), None) => check.text.clone(),
            (None, Some(check)) => format!("gate {}", check.text),
            (None, None) => String::new(),
        }
    }

    fn result(&self) -> String {
        let goal = self.goal.as_ref().map(|goal| {
            if goal.met {
                "met".to_owned()
            } else {
                format!("missed by {}", goal.gap)
            }
        });
        let gate = self.gate.as_ref().map(|gate| {
            if gate.met {
                "gate passed".to_owned()
            } else {
                format!("GATE FAILED by {}", gate.gap)
            }
        });
        goal.into_iter().chain(gate).collect::<Vec<_>>().join("; ")
    }
}

/// The table, the JSON and what else a reader of the run needs.
#[derive(Debug)]
pub(super) struct Report {
    rows: Vec<Row>,
    json: Value,
    notes: Vec<String>,
    machine: String,
    took: Duration,
}

impl Report {
    pub(super) fn new(results: &Results, took: Duration) -> Self {
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        // A part's rows, notes and JSON; a part that could not be measured says why.
        let mut add = |part: &str, outcome: Result<(Vec<Row>, Vec<String>)>| match outcome {
            Ok((part_rows, part_notes)) => {
                rows.extend(part_rows);
                notes.extend(part_notes);
            }
            Err(error) => {
                rows.push(Row::figure(part, "not measured"));
                notes.push(format!("{part} not measured: {error}"));
            }
        };
        let sizes = results.sizes.as_ref();
        add(
            "sizes",
            sizes.map(|s| (s.rows(), s.notes())).map_err(Clone::clone),
        );
        let proxy = results.proxy.as_ref();
        add(
            "proxy against nginx",
            proxy.map(|p| (p.rows(), p.notes())).map_err(Clone::clone),
        );
        let instructions = results.instructions.as_ref();
        add(
            "proxy instructions",
            instructions
                .map(|i| (i.rows(), i.notes()))
                .map_err(Clone::clone),
        );
        let browser = results.browser.as_ref();
        add(
            "browser",
            browser.map(|b| (b.rows(), b.notes())).map_err(Clone::clone),
        );
        let (tti, click, polling) =
            browser
                .map(|b| b.json())
                .unwrap_or((Value::Null, Value::Null, Value::Null));
        Self {
            rows,
            json: json!({
                "proxy": proxy.map_or(Value::Null, |p| p.json()),
                "proxy_instructions": instructions.map_or(Value::Null, |i| i.json()),
                "tti": tti,
                "click_to_navigation": click,
                "size": sizes.map_or(Value::Null, |s| s.json()),
                "polling": polling,
            }),
            notes,
            machine: machine(),
            took,
        }
    }

    pub(super) fn gates(&self) -> usize {
        self.rows.iter().filter(|row| row.gate.is_some()).count()
    }

    pub(super) fn failed_gates(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| row.gate.as_ref().is_some_and(|gate| !gate.met))
            .count()
    }

    pub(super) fn print(&self) {
        println!("\n==> results\n\n{}", self.markdown());
    }

    pub(super) fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(&self.json)
            .map_err(|e| format!("cannot write the JSON: {e}"))?;
        for (name, text) in [("bench.md", self.markdown()), ("bench.json", json + "\n")] {
            let file = dir.join(name);
            files::write(&file, text)?;
        }
        println!("written: {}", dir.join("bench.{md,json}").display());
        Ok(())
    }

    /// The table with its columns padded, so that it reads as well printed as rendered.
    fn markdown(&self) -> String {
        let header = ["figure", "value", "goal", "result"].map(str::to_owned);
        let cells: Vec<[String; 4]> = std::iter::once(header)
            .chain(self.rows.iter().map(|row| {
                [
                    row.figure.clone(),
                    row.value.clone(),
                    row.goal_text(),
                    row.result(),
                ]
            }))
            .collect();
        let widths: Vec<usize> = (0..4)
            .map(|column| {
                cells
                    .iter()
                    .map(|row| row[column].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |row: &[String; 4]| {
            let padded: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
                .collect();
            format!("| {} |", padded.join(" | "))
        };
        let rule = format!(
            "|{}|",
            widths
                .iter()
                .map(|width| "-".repeat(width + 2))
                .collect::<Vec<_>>()
                .join("|")
        );
        let mut text = format!(
            "Machine: {}. The run took {}.\n\n{}\n{rule}\n",
            self.machine,
            secs(self.took),
            line(&cells[0])
        );
        for row in &cells[1..] {
            text.push_str(&line(row));
            text.push('\n');
        }
        for note in &self.notes {
            text.push_str(&format!("\n- {note}"));
        }
        text.push('\n');
        text
    }
}

/// `2 cores (nproc), Intel(R) Xeon(R) Processor, Linux 6.1.0`: what the figures depend on.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "an unknown CPU".to_owned());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| format!("Linux {}", release.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_owned());
    format!("{cores} cores (nproc), {cpu}, {kernel}")
}

#[cfg(test)]
mod tests {
    use super::{Check, Row};

    #[test]
    fn a_row_says_its_goal_and_gate_and_how_each_went() {
        let row = Row::figure("throughput", "0.75x")
            .goal(Check::new(">= 1.00x".to_owned(), false, "0.25x".to_owned()))
            .gate(Check::new(">= 0.80x".to_owned(), false, "0.05x".to_owned()));
        assert_eq!(row.goal_text(), ">= 1.00x (gate >= 0.80x)");
        assert_eq!(row.result(), "missed by 0.25x; GATE FAILED by 0.05x");
        let plain = Row::figure("wasm", "1 B");
        assert_eq!(
            (plain.goal_text(), plain.result()),
            (String::new(), String::new())
        );
        let met =
            Row::figure("p50", "1 ms").goal(Check::new("<= 2 ms".to_owned(), true, String::new()));
        assert_eq!(met.result(), "met");
    }
}
