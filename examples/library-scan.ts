// Scans the audit logs named on the command line (files or directories, any shipping format and
// compression) with the default rules, and prints one line per finding: severity, rule, source.
import { DEFAULT_CONFIG, listFiles, scanObjects, severityRank } from '@k8s-audit/analyzer';

async function main(paths: string[]): Promise<void> {
  const objects = await listFiles(paths);
  const result = await scanObjects(objects, { config: DEFAULT_CONFIG });
  const worstFirst = [...result.findings].sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity));
  for (const { finding, source } of worstFirst) console.log(`${finding.severity}\t${finding.ruleId}\t${source}`);
  const { objects: read, events, findings } = result.summary;
  console.error(`${read} objects, ${events} events, ${findings} findings`);
  if (result.summary.incomplete > 0) process.exitCode = 3; // some input could not be read completely
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
