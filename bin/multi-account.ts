#!/usr/bin/env node
/**
 * An example CDK app: one central analyzer and EKS audit-log forwarders in two other accounts and
 * two regions (docs/multi-account.md). Copy it and put your own accounts, regions and clusters in
 * `EXAMPLE`; deploy the central stack first, then each forwarder with its account's credentials:
 *
 *   npx cdk --app "npx tsx bin/multi-account.ts" deploy K8sAuditCentral
 *   npx cdk --app "npx tsx bin/multi-account.ts" deploy K8sAuditForwarder-222222222222-eu-west-1 -c centralKeyArn=<the AuditLogKeyArn output>
 */
import { App, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AnalyzerStack } from '../lib/analyzer-stack';
import type { CentralAuditLogBucket } from '../lib/audit-log-forwarder';
import { EksAuditLogForwarder } from '../lib/audit-log-forwarder';
import { parseDeploySettings } from '../lib/deploy-settings';

export interface MultiAccountExample {
  readonly central: { readonly account: string; readonly region: string; readonly alertEmails: readonly string[] };
  /** One forwarder stack per entry: an account, a region and that region's EKS clusters. */
  readonly forwarders: ReadonlyArray<{ readonly account: string; readonly region: string; readonly clusters: readonly string[] }>;
}

export const EXAMPLE: MultiAccountExample = {
  central: { account: '111111111111', region: 'eu-west-1', alertEmails: ['secops@example.com'] },
  forwarders: [
    { account: '222222222222', region: 'eu-west-1', clusters: ['prod-eu', 'payments'] },
    { account: '222222222222', region: 'us-east-1', clusters: ['prod-us'] },
    { account: '333333333333', region: 'us-east-1', clusters: ['staging'] },
  ],
};

/** A forwarder stack: nothing but the forwarder. */
export class ForwarderStack extends Stack {
  public readonly forwarder: EksAuditLogForwarder;

  constructor(scope: Construct, id: string, props: StackProps & { clusters: readonly string[]; central: CentralAuditLogBucket }) {
    super(scope, id, props);
    this.forwarder = new EksAuditLogForwarder(this, 'Forwarder', { clusters: props.clusters, central: props.central });
  }
}

/**
 * The central stack grants exactly the accounts and regions the forwarders deploy to
 * (`forwarderAccounts` entries `<account>:<region>`), so the two lists cannot disagree.
 */
export function multiAccountApp(
  app: App,
  example: MultiAccountExample = EXAMPLE,
  centralKeyArn?: string,
): { central: AnalyzerStack; forwarders: ForwarderStack[] } {
  const { central: c } = example;
  const forwarderAccounts = [...new Set(example.forwarders.map((f) => `${f.account}:${f.region}`))];
  const central = new AnalyzerStack(app, 'K8sAuditCentral', {
    env: { account: c.account, region: c.region },
    description: 'k8s-audit-analyzer: the central analyzer that forwarders in other accounts write to',
    settings: parseDeploySettings({ stackName: 'K8sAuditCentral', alertEmails: c.alertEmails, forwarderAccounts }),
  });
  const key = central.analyzerConstruct.createdLogBucket?.key;
  if (key) new CfnOutput(central, 'AuditLogKeyArn', { value: key.keyArn, description: 'the forwarders’ centralKeyArn' });

  const forwarders = example.forwarders.map(
    (f) =>
      new ForwarderStack(app, `K8sAuditForwarder-${f.account}-${f.region}`, {
        env: { account: f.account, region: f.region },
        description: `k8s-audit-analyzer: forwards EKS audit logs of ${f.account} in ${f.region} to the central analyzer`,
        clusters: f.clusters,
        central: { account: c.account, region: c.region, ...(centralKeyArn !== undefined ? { keyArn: centralKeyArn } : {}) },
      }),
  );
  return { central, forwarders };
}

if (require.main === module) {
  const app = new App();
  // Every cdk-nag finding, warnings included, fails synth, in every stack.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  multiAccountApp(app, EXAMPLE, app.node.tryGetContext('centralKeyArn') as string | undefined);
}
