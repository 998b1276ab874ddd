import type { Rule } from '../detect/rule';
import { anonymousRules } from './anonymous';
import { credentialRules } from './credentials';
import { execRules } from './exec';
import { secretRules } from './secrets';
import { serviceAccountRules } from './service-accounts';
import { storageRules } from './storage';

/** Rules about reaching into the cluster and its credentials: exec, anonymous access, secrets, tokens, certificates, storage. */
export const accessRules: Rule[] = [...execRules, ...anonymousRules, ...secretRules, ...serviceAccountRules, ...credentialRules, ...storageRules];
