// The front door's proof-of-work solver (app/pow/solve.ts) as one small
// static file, public/front-door/pow.js: Remix's classic compiler has no
// second browser entry, and this script must load without the app's bundle.
import { build } from "esbuild";

const result = await build({
  entryPoints: ["app/pow/solve.ts"],
  outfile: "public/front-door/pow.js",
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  metafile: true,
  logLevel: "warning",
});
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`public/front-door/pow.js: ${bytes} bytes`);
