/** The seeded generator lives with the demo data (db/random.ts); tests, benches and generated cases use the same one. */
export { seededRandom } from "../../db/random";
