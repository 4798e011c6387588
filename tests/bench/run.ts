/**
 * Runs every benchmark in this folder, one after the other: `npm run bench`
 * (after `npx remix build`). Add a bench by exporting an async function from
 * its file and calling it here.
 */
import { benchOverview } from "./overview";

const benches: Array<[string, () => Promise<void>]> = [["overview", benchOverview]];

for (const [name, run] of benches) {
  console.log(`\n=== ${name}`);
  await run();
}
process.exit(0);
