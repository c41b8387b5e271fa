// The benchmark workload shared by web/bench/evaluate.mjs (Node) and the
// Chromium page: one flag with two conditions and a 10-attribute context.
export const SOURCE = `context {
  user.id: string
  user.plan: string
  user.age: int
  user.score: float
  user.beta: bool
  app.version: semver
  app.platform: string
  request.country: string
  request.ip: ip
  request.at: timestamp
}
flag checkout_v2: bool {
  owner "bench"
  default false
  rule adults_on_pro: when user.plan == "pro" and user.age >= 18 => true
}
`;

export const CONTEXT = {
  user: { id: "u-1234", plan: "pro", age: 42, score: 0.75, beta: true },
  app: { version: "2.3.1", platform: "web" },
  request: { country: "DE", ip: "192.0.2.7", at: "2026-01-01T12:00:00Z" },
};

export const FLAG = "checkout_v2";

/** Microseconds per `evaluate` call (after a warm-up). */
export function measure(ruleset, { iterations = 50_000, now } = {}, clock = () => performance.now()) {
  const options = now === undefined ? undefined : { now };
  for (let i = 0; i < 5_000; i++) ruleset.evaluate(FLAG, CONTEXT, options);
  const start = clock();
  for (let i = 0; i < iterations; i++) ruleset.evaluate(FLAG, CONTEXT, options);
  return ((clock() - start) * 1000) / iterations;
}
