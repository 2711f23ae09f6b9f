//! A small SQL text builder with positional `$n` placeholders (PostgreSQL's form; SQLite gets `?n`).

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Nullable text.
    OptText(Option<String>),
    /// Nullable integer.
    OptInt(Option<i64>),
}

/// SQL text with its parameters.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    /// The statement text.
    pub text: String,
    /// Parameters in placeholder order.
    pub params: Vec<Param>,
}

impl Sql {
    /// Starts a statement.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    /// Appends text.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `p`.
    pub fn bind(&mut self, p: Param) -> &mut Self {
        self.params.push(p);
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    /// Appends a text placeholder.
    pub fn text(&mut self, s: impl Into<String>) -> &mut Self {
        self.bind(Param::Text(s.into()))
    }

    /// Appends an integer placeholder.
    pub fn int(&mut self, n: i64) -> &mut Self {
        self.bind(Param::Int(n))
    }

    /// Appends another statement's text and parameters, its placeholders numbered after these.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        renumbered(&mut self.text, &other.text, self.params.len());
        self.params.extend(other.params.iter().cloned());
        self
    }
}

/// Appends `text` to `out` with every `$n` placeholder outside string literals moved up by
/// `offset`.
pub(crate) fn renumbered(out: &mut String, text: &str, offset: usize) {
    let mut in_literal = false;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        match c {
            '\'' => in_literal = !in_literal,
            '$' if !in_literal => {
                let mut n = String::new();
                while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    n.push(d);
                    chars.next();
                }
                match n.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + offset).to_string()),
                    Err(_) => out.push_str(&n),
                }
            }
            _ => {}
        }
    }
}
