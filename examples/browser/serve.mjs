// Serves the repository's web/, examples/ and tests/conformance/ folders on
// 127.0.0.1 (`.wasm` as application/wasm), for examples/browser/index.html.
//   cargo xtask build-js && node examples/browser/serve.mjs [PORT]
import { serve } from "../../web/test/browser/run.mjs";

const server = await serve({}, Number(process.argv[2] ?? 8080));
console.log(`open http://127.0.0.1:${server.address().port}/examples/browser/index.html`);
