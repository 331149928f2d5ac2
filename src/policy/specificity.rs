//! How specific an `owns` glob is, so that the narrowest claim on a path wins when several
//! roles' globs match it. Owns only the ranking of one pattern's text; it must never look at
//! paths or roles (that is `compile`'s owner lookup).

/// Ordering key of a glob: a greater value is more specific. Compared field by field:
/// 1. `prefix`: literal characters before the first wildcard (`web/ui/**` beats `web/**`, and
///    a directory claim beats an extension claim: `cmd/**` beats `**/*.go`);
/// 2. `literals`: literal characters in the whole pattern (`web/**/*.ts` beats `web/**`);
/// 3. `breadth`: wildcard weight, lower wins: `**` weighs 2, `*`, `?`, `[...]` and `{...}`
///    weigh 1 (`web/*` beats `web/**`).
///
/// Equal keys are a tie; the owner lookup treats tied roles as co-owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Specificity {
    prefix: usize,
    literals: usize,
    breadth: std::cmp::Reverse<usize>,
}

impl Specificity {
    /// Ranks a glob that already compiled (so classes and alternates are closed).
    pub(crate) fn of(glob: &str) -> Specificity {
        let mut scan = Scan::default();
        let mut chars = glob.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    scan.wildcard(2);
                }
                '*' | '?' => scan.wildcard(1),
                '[' => {
                    skip_class(&mut chars);
                    scan.wildcard(1);
                }
                '{' => {
                    // why: an alternate's branches are not all literal in any one match, so
                    // none of its characters count as literal.
                    chars.by_ref().find(|&c| c == '}');
                    scan.wildcard(1);
                }
                '\\' => scan.literal(chars.next().is_some()),
                _ => scan.literal(true),
            }
        }
        scan.done()
    }
}

#[derive(Default)]
struct Scan {
    prefix: usize,
    literals: usize,
    breadth: usize,
    wild_seen: bool,
}

impl Scan {
    fn wildcard(&mut self, weight: usize) {
        self.wild_seen = true;
        self.breadth += weight;
    }
    fn literal(&mut self, counts: bool) {
        if !counts {
            return;
        }
        self.literals += 1;
        if !self.wild_seen {
            self.prefix += 1;
        }
    }
    fn done(self) -> Specificity {
        Specificity {
            prefix: self.prefix,
            literals: self.literals,
            breadth: std::cmp::Reverse(self.breadth),
        }
    }
}

/// Skips a character class after its `[`: a `]` right after `[`, `[!` or `[^` is a member, not
/// the end.
fn skip_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    if matches!(chars.peek(), Some('!') | Some('^')) {
        chars.next();
    }
    if chars.peek() == Some(&']') {
        chars.next();
    }
    chars.by_ref().find(|&c| c == ']');
}
