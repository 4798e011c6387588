// Preloaded into each server under test (all three alike, with --expose-gc):
// SIGUSR2 runs a full garbage collection, so that memory per idle connection
// is measured on live objects, not on garbage V8 has not collected yet, and
// writes process.memoryUsage() to BENCH_MEMORY_FILE (where the heap went).
if (typeof global.gc === "function") {
  process.on("SIGUSR2", () => {
    global.gc();
    if (process.env.BENCH_MEMORY_FILE) {
      require("node:fs").writeFileSync(process.env.BENCH_MEMORY_FILE, JSON.stringify(process.memoryUsage()));
    }
  });
}
