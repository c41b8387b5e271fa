// `vexil serve` as a child process for the OFREP tests (Node and Chromium):
// started on a free port, its address read from its first line, stopped with
// SIGINT (it finishes in-flight requests and exits 0).

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

/** Starts `vexil serve ARGS… --port 0`; resolves to { url, stop() } once it listens and every ruleset is ready. */
export async function startVexilServe(bin, args, port = 0) {
  const child = spawn(bin, ["serve", ...args, "--host", "127.0.0.1", "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => {
      throw new Error(`vexil serve exited ${code}: ${stderr}`);
    }),
  ]);
  const url = first.trim().replace(/^Vexil playground: /, "").replace(/\/$/, "");
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 500) throw new Error(`vexil serve never became ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGINT");
      await once(child, "exit");
    },
  };
}
