import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationsAlarmsProps {
  readonly opsTopic: ITopic;
  readonly workQueue: IQueue;
  readonly deadLetterQueues: readonly IQueue[];
  readonly functions: readonly IFunction[];
  /** The analyzer's Powertools metrics (`K8sAuditAnalyzer`, dimension `service=analyzer`). */
  readonly metricsNamespace: string;
  readonly metricsService: string;
  /** Lag from an object's arrival to its analysis that pages someone. @default 15 minutes */
  readonly maxLag?: Duration;
  /**
   * Deliveries of one work record that page someone: it failed every time before, and goes to the
   * dead-letter queue at the queue's `maxReceiveCount` (5). Below it, so the alarm comes first.
   * @default 3
   */
  readonly repeatedReceives?: number;
}

/**
 * Alarms on the pipeline itself, to the ops topic: work in a dead-letter queue, function errors and
 * throttles, processing lag (measured twice: the oldest message still waiting, which also
 * fires when the function does not run at all, and the analyzer's own lag metric), a work record
 * that keeps failing (before it reaches the dead-letter queue), and objects whose read the
 * analyzer stopped at its deadline (hostile or far too large: what they hold past that point was
 * not analyzed).
 */
export class OperationsAlarms extends Construct {
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.opsTopic);
    const maxLag = props.maxLag ?? Duration.minutes(15);
    const repeatedReceives = props.repeatedReceives ?? 3;
    const analyzerMetric = (metricName: string, statistic: string): Metric =>
      new Metric({ namespace: props.metricsNamespace, metricName, dimensionsMap: { service: props.metricsService }, period: Duration.minutes(5), statistic });
    const add = (alarmId: string, description: string, metric: Metric, threshold: number, evaluationPeriods = 1): void => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    props.deadLetterQueues.forEach((dlq, i) =>
      add(
        `DeadLetters${i}`,
        'Messages are waiting in a dead-letter queue: audit-log objects or alerts that failed every retry. Inspect, fix, then redrive.',
        dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        1,
      ),
    );
    props.functions.forEach((fn, i) => {
      add(`Errors${i}`, `Function ${fn.node.path} failed invocations.`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 1);
      add(
        `Throttles${i}`,
        `Function ${fn.node.path} was throttled: raise its reserved concurrency or lower the queue's maximum.`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
    });
    add(
      'OldestWork',
      `An audit-log object has waited more than ${maxLag.toMinutes()} minutes to be analyzed.`,
      props.workQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      maxLag.toSeconds(),
    );
    add(
      'ProcessingLag',
      `Objects are analyzed more than ${maxLag.toMinutes()} minutes after they arrived.`,
      analyzerMetric('ProcessingLag', 'Maximum'),
      maxLag.toMilliseconds(),
      2,
    );
    add(
      'RepeatedFailures',
      `A work record has been delivered ${repeatedReceives} times or more: it failed on every try (or kept being deferred at the deadline) and reaches the dead-letter queue after a few more. Find its messageId in the analyzer's "record failed" logs.`,
      analyzerMetric('RecordReceiveCount', 'Maximum'),
      repeatedReceives,
    );
    add(
      'DeadlineExceeded',
      'The analyzer stopped reading an object at its deadline: the object is hostile (a compression bomb, junk lines) or far too large, and what it holds past that point was not analyzed. Its key is in the analyzer\'s "stopped at the deadline" logs.',
      analyzerMetric('DeadlineExceeded', 'Sum'),
      1,
    );
  }
}
