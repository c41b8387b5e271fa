#![allow(dead_code)] // each bench uses a part of this module
//! Synthetic rulesets for the benchmarks: realistic shapes (segments,
//! enums, splits, string and numeric conditions) at a chosen size.

use std::fmt::Write;

pub const CONTEXT_JSON: &str = r#"{"user":{"id":"user-8271","email":"ada@example.com","country":"DE","plan":"pro","age":37,"beta":true,"score":0.82},"app":{"version":"4.3.1","platform":"ios"},"request":{"ip":"10.1.2.3"}}"#;

const HEADER: &str = r#"
enum Plan { free, pro, gold }
enum Platform { web, ios, android }
context {
  user.id: string
  user.email: string
  user.country: string
  user.plan: Plan
  user.age: int?
  user.beta: bool
  user.score: float
  app.version: semver
  app.platform: Platform
  request.ip: ip
}
segment staff = user.email ends_with "@acme.com"
segment eu = user.country in ["DE", "FR", "IT", "ES", "NL"]
"#;

/// A ruleset of `n` flags cycling through four shapes.
pub fn ruleset(n: usize) -> String {
    let mut out = String::from(HEADER);
    for i in 0..n {
        let _ = match i % 4 {
            0 => writeln!(
                out,
                "flag f{i}: bool {{ owner \"t\" default false rule a: when staff => true rule b: when eu and app.version >= \"4.{}.0\" => split by user.id {{ true: 25%, false: 75% }} }}",
                i % 7
            ),
            1 => writeln!(
                out,
                "flag f{i}: int {{ owner \"t\" default {i} rule gold: when user.plan == gold => 500 rule adults: when has(user.age) and user.age >= {} => 100 }}",
                18 + i % 5
            ),
            2 => writeln!(
                out,
                "flag f{i}: string {{ owner \"t\" default \"a\" rule m: when request.ip in \"10.0.0.0/8\" and app.platform != android => \"b\" rule s: when user.score > 0.{} => \"c\" }}",
                i % 9
            ),
            _ => writeln!(
                out,
                "flag f{i}: Plan {{ owner \"t\" default free rule c: when user.country == \"DE\" and user.beta => gold rule p: when lower(user.email) contains \"ada{i}\" => pro }}"
            ),
        };
    }
    out
}

/// The two-condition flag of the README's budget table.
pub const TWO_CONDITIONS: &str = r#"
context { user.country: string  user.age: int }
flag adult_de: bool { owner "t" default false rule r: when user.country == "DE" and user.age >= 18 => true }
"#;
