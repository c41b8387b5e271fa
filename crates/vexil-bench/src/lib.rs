//! Side-by-side benchmark of Vexil against Unleash's Rust engine
//! (`unleash-yggdrasil`) on equivalent flags. Not shipped: the criterion bench
//! (`benches/side_by_side.rs`), the equivalence test (`tests/equivalence.rs`)
//! and the examples (`ratios`, `callgrind`) all measure the calls defined here,
//! so the three cannot drift apart.
//!
//! The flags, in both forms side by side, are in [`flags`].

pub mod flags;

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use unleash_yggdrasil::state::EnrichedContext;
use unleash_yggdrasil::{ClientFeatures, Context as UnleashContext, EngineState, UpdateMessage};
use vexil::{CheckOptions, Decision, FlagValue, Reason, Ruleset, Timestamp};

/// The flag count of the evaluate-all and compile scenarios.
pub const THOUSAND: usize = 1000;

/// The evaluation instant given to Vexil (no flag here reads it).
pub fn now() -> Timestamp {
    Timestamp::from_millis(1_790_000_000_000).unwrap_or(Timestamp::MIN)
}

/// The measured scenarios, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    OneCondition,
    TwoConditions,
    Rollout,
    Realistic,
    EvaluateAll,
    Compile,
    JsonIn,
}

impl Scenario {
    pub const ALL: [Scenario; 7] = [
        Scenario::OneCondition,
        Scenario::TwoConditions,
        Scenario::Rollout,
        Scenario::Realistic,
        Scenario::EvaluateAll,
        Scenario::Compile,
        Scenario::JsonIn,
    ];

    /// The name used on command lines and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::OneCondition => "one_condition",
            Scenario::TwoConditions => "two_conditions",
            Scenario::Rollout => "rollout",
            Scenario::Realistic => "realistic",
            Scenario::EvaluateAll => "evaluate_all_1000",
            Scenario::Compile => "compile_1000",
            Scenario::JsonIn => "json_in",
        }
    }

    pub fn parse(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What the scenario does, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::OneCondition => "1 condition (user id in a list of 3)",
            Scenario::TwoConditions => "2 conditions (list + SemVer >=)",
            Scenario::Rollout => "50% rollout by user id",
            Scenario::Realistic => "realistic flag, 3 rules, literal lists",
            Scenario::EvaluateAll => "evaluate all of 1,000 flags",
            Scenario::Compile => "load/compile 1,000 flags",
            Scenario::JsonIn => "10-attribute JSON context in, one flag (realistic) decided",
        }
    }

    /// The flag a single-flag scenario decides.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Scenario::OneCondition => Some("one_condition"),
            Scenario::TwoConditions => Some("two_conditions"),
            Scenario::Rollout => Some("rollout"),
            Scenario::Realistic | Scenario::JsonIn => Some("realistic"),
            Scenario::EvaluateAll | Scenario::Compile => None,
        }
    }

    fn needs_thousand(self) -> bool {
        matches!(self, Scenario::EvaluateAll | Scenario::Compile)
    }
}

/// Which side of a scenario runs: Vexil (`Ruleset::evaluate` & co.),
/// Yggdrasil's primary call (what an Unleash SDK calls), Yggdrasil's
/// alternative call, or Vexil's other way to the same `Decision` (see
/// [`Engine::call`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Vexil,
    Yggdrasil,
    YggdrasilAlt,
    /// `Ruleset::decide` then `Ruleset::decision` with the `now` text built
    /// once, outside the call: the same `Decision` without formatting `now`
    /// on every call (what `evaluate` does).
    VexilDecide,
}

impl Engine {
    pub const ALL: [Engine; 4] = [Engine::Vexil, Engine::Yggdrasil, Engine::YggdrasilAlt, Engine::VexilDecide];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Vexil => "vexil",
            Engine::Yggdrasil => "yggdrasil",
            Engine::YggdrasilAlt => "yggdrasil-alt",
            Engine::VexilDecide => "vexil-decide",
        }
    }

    pub fn parse(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The API call measured for this engine in this scenario; `None` when the
    /// scenario has no such variant.
    pub fn call(self, scenario: Scenario) -> Option<&'static str> {
        use Scenario::*;
        Some(match (self, scenario) {
            (Engine::Vexil, OneCondition | TwoConditions | Rollout | Realistic) => "Ruleset::evaluate → Decision",
            (Engine::Vexil, EvaluateAll) => "Ruleset::evaluate_all → DecisionSet",
            (Engine::Vexil, Compile) => "vexil::compile(text)",
            (Engine::Vexil, JsonIn) => "Ruleset::evaluate_json → Decision",
            (Engine::Yggdrasil, OneCondition | TwoConditions | Rollout | Realistic) => "check_enabled → Option<bool>",
            (Engine::Yggdrasil, EvaluateAll) => "resolve_all → HashMap<String, ResolvedToggle>",
            (Engine::Yggdrasil, Compile) => "serde_json → ClientFeatures, take_state",
            (Engine::Yggdrasil, JsonIn) => "serde_json → Context, check_enabled",
            (Engine::YggdrasilAlt, OneCondition | TwoConditions | Rollout | Realistic) => {
                "resolve → ResolvedToggle (enabled + variant)"
            }
            (Engine::YggdrasilAlt, EvaluateAll) => "check_enabled for each of the 1,000 names",
            (Engine::YggdrasilAlt, JsonIn) => "serde_json → Context, resolve",
            (Engine::YggdrasilAlt, Compile) => return None,
            (Engine::VexilDecide, OneCondition | TwoConditions | Rollout | Realistic) => {
                "decide + Ruleset::decision, `now` text built once → Decision"
            }
            (Engine::VexilDecide, JsonIn) => {
                "decode_context + decide + Ruleset::decision, `now` text built once → Decision"
            }
            (Engine::VexilDecide, EvaluateAll | Compile) => return None,
        })
    }
}

/// A compiled Vexil ruleset and a loaded Yggdrasil engine holding the same flags.
pub struct Pair {
    pub vexil: Ruleset,
    pub yggdrasil: EngineState,
}

impl Pair {
    /// Compiles the Vexil text and loads the Unleash JSON the way an SDK does
    /// (`serde_json` into `ClientFeatures`, then `take_state`).
    pub fn load(vexil_source: &str, unleash_json: &str) -> Result<Pair, String> {
        let vexil = vexil::compile(vexil_source, &CheckOptions::default()).map_err(|e| format!("vexil: {e}"))?;
        let yggdrasil = EngineState::default();
        yggdrasil_load(&yggdrasil, unleash_json)?;
        Ok(Pair { vexil, yggdrasil })
    }
}

/// Parses Unleash's client-features JSON and hands it to the engine: what an
/// SDK does when it fetches or polls `/api/client/features`.
pub fn yggdrasil_load(engine: &EngineState, unleash_json: &str) -> Result<(), String> {
    let features: ClientFeatures = serde_json::from_str(unleash_json).map_err(|e| format!("unleash JSON: {e}"))?;
    match engine.take_state(UpdateMessage::FullResponse(features)) {
        None => Ok(()),
        Some(warnings) => Err(format!("yggdrasil warnings: {warnings:?}")),
    }
}

/// Yggdrasil's `is_enabled` answer for one flag, through the call the SDKs
/// (its FFI) make: `check_enabled` on an `EnrichedContext`.
pub fn yggdrasil_check(engine: &EngineState, flag: &str, context: &UnleashContext) -> Option<bool> {
    engine.check_enabled(&EnrichedContext::from(context, flag, None))
}

/// A decision's boolean value, or why it has none.
pub fn vexil_bool(decision: &Decision) -> Result<bool, String> {
    match (&decision.value, decision.reason) {
        (_, Reason::Error) => Err(format!("{}: ERROR {:?}", decision.flag, decision.error_message)),
        (Some(FlagValue::Bool(b)), _) => Ok(*b),
        (other, _) => Err(format!("{}: not a bool: {other:?}", decision.flag)),
    }
}

/// Everything a scenario's measured call needs, built outside the measurement.
pub struct Prepared {
    pub now: Timestamp,
    /// `now` as a decision carries it, built once ([`Engine::VexilDecide`]).
    pub now_text: Arc<str>,
    /// The four single-flag scenarios' flags, in both engines.
    pub single: Pair,
    /// [`flags::CONTEXT_JSON`] decoded by each engine.
    pub vexil_context: vexil::Context,
    pub unleash_context: UnleashContext,
    pub thousand: Option<Thousand>,
}

/// The 1,000-flag scenarios' inputs.
pub struct Thousand {
    pub vexil_source: String,
    pub unleash_json: String,
    pub pair: Pair,
    pub names: Vec<String>,
    /// [`flags::CONTEXT_JSON`] decoded for the 1,000-flag ruleset.
    pub vexil_context: vexil::Context,
    /// The engine `take_state` reloads in the compile scenario.
    pub reload: EngineState,
}

impl Prepared {
    /// Builds what `scenarios` need (the 1,000-flag sets only when asked for).
    pub fn new(scenarios: &[Scenario]) -> Result<Prepared, String> {
        let (vexil_source, unleash_json) = flags::single_flag_sources();
        let single = Pair::load(&vexil_source, &unleash_json)?;
        let vexil_context = single.vexil.decode_context(flags::CONTEXT_JSON)?;
        let unleash_context: UnleashContext =
            serde_json::from_str(flags::CONTEXT_JSON).map_err(|e| format!("unleash context: {e}"))?;
        let thousand = if scenarios.iter().any(|s| s.needs_thousand()) {
            let (vexil_source, unleash_json) = flags::thousand_flags(THOUSAND);
            let pair = Pair::load(&vexil_source, &unleash_json)?;
            let names = (0..THOUSAND).map(|i| format!("f{i}")).collect();
            let vexil_context = pair.vexil.decode_context(flags::CONTEXT_JSON)?;
            let reload = EngineState::default();
            yggdrasil_load(&reload, &unleash_json)?;
            Some(Thousand { vexil_source, unleash_json, pair, names, vexil_context, reload })
        } else {
            None
        };
        let now = now();
        Ok(Prepared { now, now_text: now.to_iso_string().into(), single, vexil_context, unleash_context, thousand })
    }

    // The measured calls, one method per (scenario kind, engine call). Each
    // returns the engine's whole answer; callers `black_box` and drop it, so
    // building and dropping the answer is part of what is measured.

    /// Vexil: one flag, decoded context, full `Decision`.
    pub fn vexil_evaluate(&self, flag: &str) -> Decision {
        self.single.vexil.evaluate(flag, &self.vexil_context, self.now)
    }

    /// Vexil: one flag, decoded context, the same `Decision` through `decide`
    /// and `decision` with the `now` text built once.
    pub fn vexil_decide(&self, flag: &str) -> Option<Decision> {
        let outcome = self.single.vexil.decide(flag, &self.vexil_context, self.now)?;
        Some(self.single.vexil.decision(flag, &outcome, self.now))
    }

    /// Vexil: the JSON context decoded, then `decide` + `decision` (`now`
    /// text built once).
    pub fn vexil_json_decide(&self, flag: &str, json: &str) -> Option<Decision> {
        let context = self.single.vexil.decode_context(json).ok()?;
        let outcome = self.single.vexil.decide(flag, &context, self.now)?;
        Some(self.single.vexil.decision(flag, &outcome, self.now))
    }

    /// Yggdrasil: one flag, built context, `check_enabled`.
    pub fn yggdrasil_check_enabled(&self, flag: &str) -> Option<bool> {
        yggdrasil_check(&self.single.yggdrasil, flag, &self.unleash_context)
    }

    /// Yggdrasil: one flag, built context, `resolve` (enabled + variant).
    pub fn yggdrasil_resolve(&self, flag: &str) -> Option<unleash_yggdrasil::ResolvedToggle> {
        self.single.yggdrasil.resolve(flag, &self.unleash_context, &None)
    }

    /// Vexil: the JSON context string decoded, then one flag decided.
    pub fn vexil_json(&self, flag: &str, json: &str) -> Decision {
        self.single.vexil.evaluate_json(flag, json, self.now)
    }

    /// Yggdrasil: the JSON context string parsed into its `Context` (as its
    /// FFI does), then `check_enabled`.
    pub fn yggdrasil_json(&self, flag: &str, json: &str) -> Option<bool> {
        let context: UnleashContext = serde_json::from_str(json).ok()?;
        yggdrasil_check(&self.single.yggdrasil, flag, &context)
    }

    /// Yggdrasil: the JSON context string parsed, then `resolve`.
    pub fn yggdrasil_json_resolve(&self, flag: &str, json: &str) -> Option<unleash_yggdrasil::ResolvedToggle> {
        let context: UnleashContext = serde_json::from_str(json).ok()?;
        self.single.yggdrasil.resolve(flag, &context, &None)
    }

    /// Vexil: all 1,000 flags against the decoded context.
    pub fn vexil_evaluate_all(&self) -> Option<vexil::DecisionSet> {
        let t = self.thousand.as_ref()?;
        Some(t.pair.vexil.evaluate_all(&t.vexil_context, self.now))
    }

    /// Yggdrasil: `resolve_all` of the 1,000 flags.
    pub fn yggdrasil_resolve_all(&self) -> Option<HashMap<String, unleash_yggdrasil::ResolvedToggle>> {
        let t = self.thousand.as_ref()?;
        t.pair.yggdrasil.resolve_all(&self.unleash_context, &None)
    }

    /// Yggdrasil: `check_enabled` for each of the 1,000 names, answers collected.
    pub fn yggdrasil_check_each(&self) -> Option<Vec<Option<bool>>> {
        let t = self.thousand.as_ref()?;
        Some(t.names.iter().map(|n| yggdrasil_check(&t.pair.yggdrasil, n, &self.unleash_context)).collect())
    }

    /// Vexil: parse + check + lower the 1,000-flag source.
    pub fn vexil_compile(&self) -> Option<Ruleset> {
        let t = self.thousand.as_ref()?;
        vexil::compile(&t.vexil_source, &CheckOptions::default()).ok()
    }

    /// Yggdrasil: parse the 1,000-feature JSON and `take_state` it (replacing,
    /// and so dropping, the previous state).
    pub fn yggdrasil_compile(&self) -> Option<()> {
        let t = self.thousand.as_ref()?;
        yggdrasil_load(&t.reload, &t.unleash_json).ok()
    }

    /// Runs one scenario's call once (for the timing and instruction-count
    /// loops); `false` when the scenario has no such call or was not prepared.
    #[inline]
    pub fn run(&self, scenario: Scenario, engine: Engine) -> bool {
        use Scenario::*;
        let json = flags::CONTEXT_JSON;
        match (scenario, engine) {
            (OneCondition | TwoConditions | Rollout | Realistic, e) => {
                let Some(flag) = scenario.flag() else { return false };
                match e {
                    Engine::Vexil => keep(self.vexil_evaluate(flag)),
                    Engine::Yggdrasil => keep(self.yggdrasil_check_enabled(flag)),
                    Engine::YggdrasilAlt => keep(self.yggdrasil_resolve(flag)),
                    Engine::VexilDecide => keep_some(self.vexil_decide(flag)),
                }
            }
            (JsonIn, e) => match e {
                Engine::Vexil => keep(self.vexil_json("realistic", black_box(json))),
                Engine::Yggdrasil => keep(self.yggdrasil_json("realistic", black_box(json))),
                Engine::YggdrasilAlt => keep(self.yggdrasil_json_resolve("realistic", black_box(json))),
                Engine::VexilDecide => keep_some(self.vexil_json_decide("realistic", black_box(json))),
            },
            (EvaluateAll, Engine::Vexil) => keep_some(self.vexil_evaluate_all()),
            (EvaluateAll, Engine::Yggdrasil) => keep_some(self.yggdrasil_resolve_all()),
            (EvaluateAll, Engine::YggdrasilAlt) => keep_some(self.yggdrasil_check_each()),
            (Compile, Engine::Vexil) => keep_some(self.vexil_compile()),
            (Compile, Engine::Yggdrasil) => keep_some(self.yggdrasil_compile()),
            (Compile, Engine::YggdrasilAlt) | (EvaluateAll | Compile, Engine::VexilDecide) => false,
        }
    }
}

fn keep<T>(value: T) -> bool {
    black_box(value);
    true
}

fn keep_some<T>(value: Option<T>) -> bool {
    let ok = value.is_some();
    black_box(value);
    ok
}

// ---------------------------------------------------------------------------
// Deterministic contexts for the equivalence check.
// ---------------------------------------------------------------------------

/// SplitMix64: a fixed-seed, dependency-free PRNG.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = self.below(items.len() as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }
}

/// One generated context, in the JSON form both engines read: every one of
/// the ten attributes present and well-formed, values chosen so that each
/// condition of each flag is sometimes true and sometimes false (near-misses
/// included: `de`, `Pro`, `@ACME.com`, pre-releases, build metadata, ages 17/18).
pub fn generated_context(rng: &mut Rng) -> String {
    let user = match rng.below(10) {
        0..=2 => rng
            .pick(&[
                "user-1001",
                "user-8271",
                "user-4242",
                "user-1005",
                "user-1010",
                "user-1011",
                "user-1000",
                "user-8272",
            ])
            .to_string(),
        _ => format!("user-{}", rng.below(21_000)),
    };
    let session = format!("s-{:06x}", rng.below(1 << 24));
    let environment = rng.pick(&["production", "staging", "development", "Staging", "test"]);
    let app = rng.pick(&["checkout", "web", "ios"]);
    let ip = if rng.below(5) == 0 {
        format!("2001:db8::{:x}", rng.below(65_536))
    } else {
        format!("{}.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256), rng.below(256))
    };
    let email = format!(
        "{}{}",
        rng.pick(&["ada", "bob", "x.y", "acme.com"]),
        rng.pick(&["@acme.com", "@example.com", "@ACME.com", "@acme.com.evil.org", "@sub.acme.com", "@acme.co"])
    );
    let country = rng.pick(&["DE", "FR", "IT", "ES", "NL", "US", "GB", "PL", "de", ""]);
    let plan = rng.pick(&["free", "pro", "gold", "Pro", "enterprise"]);
    let mut version = format!("{}.{}.{}", rng.pick(&["3", "4", "4", "4", "5", "10"]), rng.below(13), rng.below(4));
    match rng.below(6) {
        0 => version.push_str(rng.pick(&["-rc.1", "-alpha", "-0", "-beta.2"])),
        1 => version.push_str("+build.7"),
        _ => {}
    }
    let age = match rng.below(4) {
        0 => rng.pick(&["15", "16", "17", "18", "19", "20"]).to_string(),
        _ => rng.below(90).to_string(),
    };
    format!(
        r#"{{"userId":"{user}","sessionId":"{session}","environment":"{environment}","appName":"{app}","remoteAddress":"{ip}","properties":{{"email":"{email}","country":"{country}","plan":"{plan}","appVersion":"{version}","age":{age}}}}}"#
    )
}

/// The equivalence check's findings: per scenario, how many contexts were
/// compared and how many answers were `true`.
#[derive(Debug, Clone, Default)]
pub struct Equivalence {
    /// (scenario, contexts compared, `true` answers, comparisons made).
    pub rows: Vec<(String, usize, usize, usize)>,
    /// Rollout: contexts, Vexil `true`s, Yggdrasil `true`s, same answer.
    pub rollout: (usize, usize, usize, usize),
    /// The realistic flag: how many contexts each Vexil rule decided.
    pub realistic_rules: Vec<(String, usize)>,
}

impl std::fmt::Display for Equivalence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, contexts, trues, comparisons) in &self.rows {
            writeln!(f, "{name}: {contexts} contexts, {comparisons} answers equal ({trues} true)")?;
        }
        let rules: Vec<String> = self.realistic_rules.iter().map(|(r, n)| format!("{r} {n}")).collect();
        writeln!(f, "realistic, decided by rule: {}", rules.join(", "))?;
        let (n, v, y, same) = self.rollout;
        write!(
            f,
            "rollout (split, not compared): {n} distinct user ids, Vexil true {v} ({:.1}%), Yggdrasil true {y} ({:.1}%), same answer {same} ({:.1}%)",
            100.0 * v as f64 / n.max(1) as f64,
            100.0 * y as f64 / n.max(1) as f64,
            100.0 * same as f64 / n.max(1) as f64
        )
    }
}

/// Checks that both engines give the same answer for every non-split
/// scenario on `contexts` generated contexts (the evaluate-all scenario on the
/// first `all_contexts` of them; it compares 750 flags per context), plus the
/// measured context itself. The first mismatch is an error naming the flag
/// and context.
pub fn check_equivalence(contexts: usize, all_contexts: usize) -> Result<Equivalence, String> {
    let prepared = Prepared::new(&Scenario::ALL)?;
    let thousand = prepared.thousand.as_ref().ok_or("1,000-flag sets not built")?;
    let single = &prepared.single;
    let now = prepared.now;
    let mut rng = Rng::new(0x5EED_0F7E57);
    let singles = ["one_condition", "two_conditions", "realistic"];
    let mut trues = [0usize; 3];
    let mut json_trues = 0usize;
    let mut all_trues = 0usize;
    let mut all_compared = 0usize;
    let mut rollout = (0usize, 0usize, 0usize, 0usize);
    let mut realistic_rules: Vec<(String, usize)> = Vec::new();

    let mut inputs = vec![flags::CONTEXT_JSON.to_string()];
    inputs.extend((0..contexts).map(|_| generated_context(&mut rng)));
    for (n, json) in inputs.iter().enumerate() {
        let vexil_context = single.vexil.decode_context(json).map_err(|e| format!("vexil context {json}: {e}"))?;
        let unleash_context: UnleashContext =
            serde_json::from_str(json).map_err(|e| format!("unleash context {json}: {e}"))?;
        for (i, flag) in singles.iter().enumerate() {
            let decision = single.vexil.evaluate(flag, &vexil_context, now);
            let v = vexil_bool(&decision).map_err(|e| format!("{e} on {json}"))?;
            let outcome = single.vexil.decide(flag, &vexil_context, now).ok_or("decide: no flag")?;
            if single.vexil.decision(flag, &outcome, prepared.now) != decision {
                return Err(format!("{flag}: decide + decision differs from evaluate on {json}"));
            }
            if *flag == "realistic" {
                let rule = decision.rule.as_deref().unwrap_or("(default)");
                match realistic_rules.iter_mut().find(|(r, _)| r == rule) {
                    Some((_, count)) => *count += 1,
                    None => realistic_rules.push((rule.to_string(), 1)),
                }
            }
            let y = yggdrasil_check(&single.yggdrasil, flag, &unleash_context);
            let r = single.yggdrasil.resolve(flag, &unleash_context, &None).map(|t| t.enabled);
            if y != Some(v) || r != Some(v) {
                return Err(format!("{flag}: Vexil {v}, Yggdrasil check_enabled {y:?}, resolve {r:?} on {json}"));
            }
            trues[i] += usize::from(v);
        }
        // JSON in → answer out, through each engine's JSON path.
        let v = vexil_bool(&prepared.vexil_json("realistic", json)).map_err(|e| format!("{e} on {json}"))?;
        let y = prepared.yggdrasil_json("realistic", json);
        let r = prepared.yggdrasil_json_resolve("realistic", json).map(|t| t.enabled);
        if y != Some(v) || r != Some(v) {
            return Err(format!("json_in: Vexil {v}, Yggdrasil {y:?}, resolve {r:?} on {json}"));
        }
        json_trues += usize::from(v);
        // Evaluate-all: every non-split flag of the 1,000.
        if n <= all_contexts {
            let all_context = thousand.pair.vexil.decode_context(json)?;
            let set = thousand.pair.vexil.evaluate_all(&all_context, now);
            let resolved =
                thousand.pair.yggdrasil.resolve_all(&unleash_context, &None).ok_or("resolve_all: no state")?;
            if set.decisions.len() != THOUSAND || resolved.len() != THOUSAND {
                return Err(format!("evaluate_all: {} and {} answers", set.decisions.len(), resolved.len()));
            }
            for (i, decision) in set.decisions.iter().enumerate() {
                let v = vexil_bool(decision).map_err(|e| format!("{e} on {json}"))?;
                if flags::is_split(i) {
                    continue;
                }
                let name = &thousand.names[i];
                let y = resolved.get(name).map(|t| t.enabled);
                let c = yggdrasil_check(&thousand.pair.yggdrasil, name, &unleash_context);
                if &*decision.flag != name.as_str() || y != Some(v) || c != Some(v) {
                    return Err(format!(
                        "evaluate_all {name}: Vexil {} {v}, resolve_all {y:?}, check_enabled {c:?} on {json}",
                        decision.flag
                    ));
                }
                all_trues += usize::from(v);
                all_compared += 1;
            }
        }
    }
    // The split: shares only, over distinct user ids (the generated contexts
    // repeat some ids on purpose).
    for u in 0..contexts {
        let json = flags::CONTEXT_JSON.replace("user-8271", &format!("user-{u}"));
        let vexil_context = single.vexil.decode_context(&json)?;
        let unleash_context: UnleashContext = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        let v = vexil_bool(&single.vexil.evaluate("rollout", &vexil_context, now))?;
        let y = yggdrasil_check(&single.yggdrasil, "rollout", &unleash_context) == Some(true);
        rollout.0 += 1;
        rollout.1 += usize::from(v);
        rollout.2 += usize::from(y);
        rollout.3 += usize::from(v == y);
    }
    let n = inputs.len();
    let all_n = all_contexts.min(contexts) + 1;
    Ok(Equivalence {
        rows: vec![
            ("one_condition".into(), n, trues[0], n),
            ("two_conditions".into(), n, trues[1], n),
            ("realistic".into(), n, trues[2], n),
            ("json_in (realistic)".into(), n, json_trues, n),
            ("evaluate_all_1000 (750 non-split flags)".into(), all_n, all_trues, all_compared),
        ],
        rollout,
        realistic_rules,
    })
}
