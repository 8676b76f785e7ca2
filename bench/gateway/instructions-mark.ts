/**
 * Loaded into the gateway under callgrind by gateway/instructions.ts (`node --import`): each SIGUSR2 calls
 * `process.cpuUsage()`, before which callgrind (`--dump-before=uv_getrusage`) dumps its counts, then prints
 * `instructions mark N` on stdout, so the benchmark knows the dump is made. The gateway itself never calls
 * `process.cpuUsage()`: the dumps are the benchmark's phase edges only.
 */
let marks = 0;
process.on('SIGUSR2', () => {
  process.cpuUsage();
  process.stdout.write(`instructions mark ${++marks}\n`);
});
