#[test]
fn scratch() {
    let Ok(src) = std::fs::read_to_string("/tmp/t.vx") else { return };
    let today = vexil_value::Timestamp::parse_date("2026-06-01").ok();
    let checked = vexil_check::check(&src, &vexil_check::Options { today });
    for d in &checked.diagnostics {
        eprintln!("{} {:?} {} | {:?} | {}", d.code.as_str(), &src[d.span.range()], d.message, d.help, d.span.start);
    }
    if let Some(p) = &checked.program { eprintln!("{p}"); }
}
