import { join } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvContract } from '../lambdas/commons/env';
import { POWERTOOLS_ENV, requiredNames } from '../lambdas/commons/env';
import { acknowledgeGuard } from './policy-validation';

const PROJECT_ROOT = join(__dirname, '..');

/**
 * The newest Node.js LTS runtime aws-cdk-lib offers. The bundle's code also runs on Node 20 (the
 * tests and the CLI run there); only the deployed runtime is this one.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** Values for some of a contract's variables; an undefined value leaves the variable unset. */
export type EnvironmentValues<C extends EnvContract> = { readonly [K in keyof C & string]?: string };

export interface NodeFunctionProps<C extends EnvContract> {
  /** The handler module, relative to the project root, e.g. `lambdas/analyzer/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /**
   * The variables the handler reads (lambdas/commons/env.ts). Synth fails when one it requires is
   * set neither here nor by `bind()`.
   */
  readonly contract: C;
  /** Variables that need no grant; the ones that come with a resource are set by `bind()`. */
  readonly environment?: EnvironmentValues<C>;
  readonly logRetentionDays: number;
  readonly reservedConcurrentExecutions?: number;
  /** For asynchronously invoked functions: where an event goes after Lambda's two retries. */
  readonly deadLetterQueue?: IQueue;
  /** Node flags for the runtime (`NODE_OPTIONS`) besides `--enable-source-maps`, e.g. the young generation's size. */
  readonly nodeOptions?: readonly string[];
}

/**
 * A Lambda function of this project: bundled by esbuild from the TypeScript source (esbuild is a
 * devDependency, so no Docker), arm64, the newest LTS runtime, its own log group with retention,
 * and its own role that starts with nothing but writing to that log group (no
 * AWSLambdaBasicExecutionRole, whose log permissions cover every log group).
 */
export class NodeFunction<C extends EnvContract = EnvContract> extends Construct {
  public readonly fn: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  private readonly set = new Set<string>();

  constructor(scope: Construct, id: string, props: NodeFunctionProps<C>) {
    super(scope, id);
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: retentionDaysAtLeast(props.logRetentionDays) as RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...POWERTOOLS_ENV },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      deadLetterQueue: props.deadLetterQueue,
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true, // with --enable-source-maps below, stack traces in the logs point at the TypeScript source
        // Bundle the pinned AWS SDK rather than the runtime's copy: the tested version is the deployed one.
        externalModules: [],
      },
    });
    // The role's log permissions are granted to the log group, not to `*`; the group must exist first.
    this.fn.node.addDependency(this.logGroup);
    // Here, so every function of the project (and its log group) carries the same justification.
    acknowledgeGuard(this, ['lambda_inside_vpc_check', 'cloudwatch_log_group_encrypted_check']);
    for (const [name, value] of Object.entries(props.environment ?? {})) if (value !== undefined) this.setVariable(name, value);
    // Node applies the bundled source map only with this flag. It costs nothing until a stack is
    // read: loading the analyzer's bundle took as long with it, and the first stack read (the
    // 6.3 MB map parsed) 178 ms instead of 1.4, once per execution environment.
    this.fn.addEnvironment('NODE_OPTIONS', ['--enable-source-maps', ...(props.nodeOptions ?? [])].join(' '));
    const required = requiredNames(props.contract);
    this.node.addValidation({
      validate: () => required.filter((name) => !this.set.has(name)).map((name) => `${this.node.path}: the handler requires ${name}, which is not set`),
    });
  }

  /**
   * Sets a variable and grants, in the same call, what the handler does with the resource it
   * names (Powertools' `bindTable` idea), so the environment and the role cannot disagree.
   */
  bind(name: keyof C & string, value: string, ...statements: PolicyStatement[]): this {
    this.setVariable(name, value);
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
    return this;
  }

  private setVariable(name: string, value: string): void {
    this.fn.addEnvironment(name, value);
    this.set.add(name);
  }
}

/** Lambda's retention must be one of CloudWatch's fixed values: the smallest one at least as long as asked. */
export function retentionDaysAtLeast(days: number): number {
  const allowed = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
  return allowed.find((d) => d >= days) ?? 3653;
}
