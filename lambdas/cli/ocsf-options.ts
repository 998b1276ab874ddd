import { ruleAnchor } from '../core/alert/incident-guide';
import type { OcsfOptions } from '../core/export/ocsf';
import { RULES } from '../core/rules';
import { DEFAULT_RULES_DOC_URL } from '../commons/env';

const REMEDIATION = new Map(RULES.map((r) => [r.id, r.remediation]));

/** What `scan --format ocsf` tells about the product: its version, each rule's remediation and documentation. */
export function ocsfOptions(productVersion: string): OcsfOptions {
  return {
    productVersion,
    remediationOf: (id) => REMEDIATION.get(id),
    ruleDocUrlOf: (id) => `${DEFAULT_RULES_DOC_URL}#${ruleAnchor(id)}`,
  };
}
