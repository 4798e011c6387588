/**
 * `npm run serve` starts the built server; its `preserve` check
 * (scripts/check-build.mjs) refuses a missing or out-of-date build with what
 * to do, where node would say "Cannot find module" or serve old code.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildOutOfDate } from "../../scripts/build-state.mjs";

let root: string;
const write = (file: string, text = "") => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
};
const age = (file: string, secondsAgo: number) => {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(path.join(root, file), t, t);
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "build-state-"));
  for (const f of ["server/index.ts", "scripts/build-server.ts", "package-lock.json"]) {
    write(f);
    age(f, 60);
  }
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("buildOutOfDate", () => {
  it("names what is missing, gone or newer; a whole, current build is fine", () => {
    expect(buildOutOfDate(root, "build/server")).toMatch(/build\/server\/ is missing or incomplete/);
    write("build/server/inputs.json", JSON.stringify(["server/index.ts"]));
    age("build/server/inputs.json", 30); // built half a minute ago, after the code
    expect(buildOutOfDate(root, "build/server")).toBeNull();

    write("server/index.ts", "// edited");
    expect(buildOutOfDate(root, "build/server")).toBe("server/index.ts changed after build/server/ was built");
    age("server/index.ts", 60);
    write("package-lock.json", "{}");
    expect(buildOutOfDate(root, "build/server")).toBe("package-lock.json changed after build/server/ was built");
    age("package-lock.json", 60);
    expect(buildOutOfDate(root, "build/server")).toBeNull();

    fs.rmSync(path.join(root, "server/index.ts"));
    expect(buildOutOfDate(root, "build/server")).toBe("server/index.ts, which build/server/ was built from, is gone");
  });
});

describe("npm run serve's check", () => {
  const check = () => {
    for (const f of ["check-build.mjs", "build-state.mjs"]) fs.copyFileSync(path.join(__dirname, "../../scripts", f), path.join(root, "scripts", f));
    write("package.json", JSON.stringify({ scripts: { serve: "node --flag build/server/index.js" } }));
    return spawnSync(process.execPath, [path.join(root, "scripts/check-build.mjs")], { encoding: "utf8" });
  };

  it("refuses without a build, saying to build first", () => {
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("build/server/ is missing or incomplete");
    expect(r.stderr).toContain("the Remix build (build/index.js) is missing");
    expect(r.stderr).toContain("Run `npm run build` first");
  });

  /** A whole build made half a minute ago from the code of a minute ago: the server's bundle and Remix's. */
  const built = () => {
    for (const f of ["app/root.tsx", "remix.config.js"]) {
      write(f);
      age(f, 60);
    }
    write("build/metafile.server.json", JSON.stringify({ inputs: { "app/root.tsx": {}, "node_modules/react/index.js": {}, "server-entry-module:@remix-run/dev/server-build": {}, "<stdin>": {} } }));
    write("build/index.js");
    write("build/server/inputs.json", JSON.stringify(["server/index.ts"]));
    for (const f of ["build/index.js", "build/server/inputs.json"]) age(f, 30);
  };

  it("refuses a build older than the code, and passes a current one", () => {
    built();
    expect(check().status).toBe(0);
    write("server/index.ts", "// pulled");
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("server/index.ts changed after build/server/ was built");
  });

  it("refuses a Remix build older than the app's code (a page changed by a pull)", () => {
    built();
    write("app/root.tsx", "// pulled");
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("app/root.tsx changed after build/index.js was built");
    expect(r.stderr).toContain("Run `npm run build` first");
  });
});
