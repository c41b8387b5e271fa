// The words and operator symbols the playground's highlighter knows, kept in
// a module without imports so that web/test/tidy.test.mjs can check them
// against the grammar (grammar/vexil.pest) and the checker's lists: a word
// added to the language fails that test until it is added here.

/** Reserved words that start items and rules (the grammar's `kw_*` among `reserved`). */
export const KEYWORDS = ["enum", "context", "segment", "flag", "rule", "when", "split", "by", "salt"];
/** Word operators (the grammar's `op_*` rules spelt with letters). */
export const WORD_OPS = ["and", "or", "not", "in", "contains", "starts_with", "ends_with", "matches"];
/** Literal words: `bool_lit` and `kw_now`. */
export const ATOMS = ["true", "false", "now"];
/** Flag clause keywords (the grammar's `*_clause` rules, `rule` aside). */
export const CLAUSES = ["description", "kind", "owner", "expires", "state", "off", "default", "on_error", "requires"];
/** Split options, keywords only after a split's `by` expression (the grammar's `seed` and `modulo` rules). */
export const SPLIT_OPTIONS = ["seed", "modulo"];
/** Built-in type names (the checker's `TYPE_NAMES`) and `list` (`kw_list`). */
export const TYPES = ["bool", "int", "float", "string", "semver", "timestamp", "ip", "list"];
/** Built-in functions (the checker's `FUNCTIONS`, `now` being an atom). */
export const FUNCTIONS = ["has", "lower", "upper", "len", "float", "semver", "timestamp", "hours_since", "days_since"];
/** Operator symbols: the grammar's symbolic `op_*` rules, `=>` (`p_arrow`) and `?` (`optional_mark`). */
export const SYMBOLS = ["==", "!=", "<=", ">=", "<", ">", "??", "+", "-", "*", "/", "%", "=>", "?"];
