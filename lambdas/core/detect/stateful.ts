import type { Settings } from '../config/settings';
import type { EventView } from './event-view';
import type { Rule, RuleHit } from './rule';
import type { StateStore } from '../ports';

/** A detector that remembers across events (restart counts, sequences), in a StateStore. */
export interface StatefulDetector extends Omit<Rule, 'evaluate'> {
  observe(view: EventView, settings: Settings, state: StateStore): Promise<RuleHit[]>;
}
