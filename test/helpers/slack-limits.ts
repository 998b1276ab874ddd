import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';

/**
 * Slack's documented Block Kit limits for a message (reference: blocks, section, header, context,
 * actions, button element, text objects), checked on a payload typed with @slack/types. Returns
 * every problem found, as `path: what`, so a test failure names them all.
 */
export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  messageText: 40_000,
} as const;

export function blockKitProblems(message: { text: string; blocks: KnownBlock[] }): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, where: string, what: string): void => {
    if (!ok) problems.push(`${where}: ${what}`);
  };
  check(message.text.length > 0 && message.text.length <= BLOCK_KIT_LIMITS.messageText, 'text', 'fallback text empty or too long');
  check(message.blocks.length <= BLOCK_KIT_LIMITS.blocks, 'blocks', `${message.blocks.length} blocks > ${BLOCK_KIT_LIMITS.blocks}`);
  message.blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (block.block_id !== undefined) check(block.block_id.length <= BLOCK_KIT_LIMITS.blockId, at, 'block_id too long');
    switch (block.type) {
      case 'header':
        headerProblems(block, at, check);
        break;
      case 'section':
        sectionProblems(block, at, check);
        break;
      case 'context':
        contextProblems(block, at, check);
        break;
      case 'actions':
        actionsProblems(block, at, check);
        break;
      case 'divider':
        break;
      default:
        problems.push(`${at}: unexpected block type ${block.type}`);
    }
  });
  return problems;
}

type Check = (ok: boolean, where: string, what: string) => void;

function headerProblems(block: HeaderBlock, at: string, check: Check): void {
  check(block.text.type === 'plain_text', at, 'header text must be plain_text');
  check(block.text.text.length > 0 && block.text.text.length <= BLOCK_KIT_LIMITS.headerText, at, `header text of ${block.text.text.length} characters`);
}

function sectionProblems(block: SectionBlock, at: string, check: Check): void {
  check(block.text !== undefined || (block.fields?.length ?? 0) > 0, at, 'a section needs text or fields');
  if (block.text)
    check(block.text.text.length > 0 && block.text.text.length <= BLOCK_KIT_LIMITS.sectionText, at, `section text of ${block.text.text.length} characters`);
  if (block.fields) {
    check(block.fields.length <= BLOCK_KIT_LIMITS.fields, at, `${block.fields.length} fields`);
    block.fields.forEach((f, k) =>
      check(f.text.length > 0 && f.text.length <= BLOCK_KIT_LIMITS.fieldText, `${at}.fields[${k}]`, `field of ${f.text.length} characters`),
    );
  }
}

function contextProblems(block: ContextBlock, at: string, check: Check): void {
  check(block.elements.length > 0 && block.elements.length <= BLOCK_KIT_LIMITS.contextElements, at, `${block.elements.length} context elements`);
  block.elements.forEach((e, k) => {
    if (e.type === 'mrkdwn' || e.type === 'plain_text') check(e.text.length > 0 && e.text.length <= 3000, `${at}.elements[${k}]`, 'context text length');
  });
}

function actionsProblems(block: ActionsBlock, at: string, check: Check): void {
  check(block.elements.length > 0 && block.elements.length <= BLOCK_KIT_LIMITS.actionsElements, at, `${block.elements.length} elements`);
  const ids = new Set<string>();
  block.elements.forEach((e, k) => {
    const where = `${at}.elements[${k}]`;
    if (e.type !== 'button') {
      check(false, where, `unexpected element ${e.type}`);
      return;
    }
    const b: Button = e;
    check(b.text.text.length > 0 && b.text.text.length <= BLOCK_KIT_LIMITS.buttonText, where, 'button text length');
    check(b.url === undefined || (b.url.length <= BLOCK_KIT_LIMITS.buttonUrl && b.url.startsWith('https://')), where, 'button url');
    if (b.action_id !== undefined) {
      check(b.action_id.length <= BLOCK_KIT_LIMITS.actionId, where, 'action_id too long');
      check(!ids.has(b.action_id), where, 'action_id repeated in the block');
      ids.add(b.action_id);
    }
  });
}

/** Every text a reader sees in a message: block texts, fields, context elements, button labels and URLs. */
export function slackTexts(message: { text: string; blocks: KnownBlock[] }): string[] {
  const out = [message.text];
  for (const b of message.blocks) {
    if (b.type === 'header') out.push(b.text.text);
    if (b.type === 'section') out.push(...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text));
    if (b.type === 'context') out.push(...b.elements.map((e) => ('text' in e ? e.text : '')));
    if (b.type === 'actions') for (const e of b.elements) if (e.type === 'button') out.push(e.text.text, e.url ?? '');
  }
  return out;
}
