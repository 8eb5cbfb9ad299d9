//! Renderers: the same findings as a human report (miette), JSON, SARIF 2.1.0 and GitHub workflow
//! commands. Renderers return text; only `main` prints.

pub mod case_json;
pub mod diff;
pub mod escape;
pub mod github;
pub mod graph;
pub mod human;
pub mod indented;
pub mod json;
pub mod pretty;
pub mod relying;
pub mod replay;
pub mod sarif;
pub mod simulate;
pub mod suggest;

/// Terminal colour choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How human output is drawn.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Terminal width for wrapping; fixed in tests so snapshots do not depend on the machine.
    pub width: usize,
}

impl Style {
    /// Plain, 100 columns: what snapshots and pipes get.
    pub const PLAIN: Style = Style { color: false, width: 100 };
}
