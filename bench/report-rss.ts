/**
 * Preloaded into a process whose memory a benchmark measures (`node --require
 * dist/bench/report-rss.js …`): at exit, its peak RSS as the last line on stderr.
 */
process.on('exit', () => {
  process.stderr.write(`\n${JSON.stringify({ peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
});
