import { emailScreenHtml, escapeHtml, mrkdwnToHtml, slackScreenHtml } from '../../devkit/alert-screens';

const SLACK_FRAME = { channel: 'security-alerts', appName: 'k8s-audit-analyzer', time: '09:06' };
const EMAIL_FRAME = { from: 'AWS Notifications', fromAddress: 'no-reply@sns.amazonaws.com', time: '09:06' };

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string) => ({ type: 'plain_text', text, emoji: false });
const message = (...blocks: unknown[]) => ({ text: 'fallback', blocks });

describe('mrkdwnToHtml', () => {
  it('draws the subset the notifier writes: bold, italic, strike, code, fences, links, entities', () => {
    expect(mrkdwnToHtml('*Who:* jordan.lee')).toBe('<b>Who:</b> jordan.lee');
    expect(mrkdwnToHtml('_a note._ and ~gone~')).toBe('<i>a note.</i> and <s>gone</s>');
    expect(mrkdwnToHtml('remove `create` on `a&lt;b`')).toBe('remove <code>create</code> on <code>a&lt;b</code>');
    expect(mrkdwnToHtml('*Show it:*\n```\nkubectl get x\n```\n*Undo it:*')).toBe('<b>Show it:</b><pre>kubectl get x</pre><b>Undo it:</b>');
    expect(mrkdwnToHtml('*<https://example.com/a?b=1&amp;c=2|Open the report>*')).toBe(
      '<b><a href="https://example.com/a?b=1&amp;c=2">Open the report</a></b>',
    );
    // Slack's entities show as the characters they stand for, escaped again for HTML.
    expect(mrkdwnToHtml('a &lt;b&gt; &amp; c')).toBe('a &lt;b&gt; &amp; c');
  });

  it('leaves markers inside words and unclosed ones as text', () => {
    expect(mrkdwnToHtml('node_health_agent and 2*3*4')).toBe('node_health_agent and 2*3*4');
    expect(mrkdwnToHtml('* not bold *')).toBe('* not bold *');
  });

  it('escapes everything else: HTML in the text stays text, other entities show as written', () => {
    // A raw `<…>` is Slack syntax (a link or mention), never HTML: one this renderer cannot draw throws.
    expect(() => mrkdwnToHtml('<img src=x onerror=alert(1)>')).toThrow(/not draw/);
    expect(mrkdwnToHtml('&lt;script&gt;alert(1)&lt;/script&gt; "q" \'s\'')).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;s&#39;');
    expect(mrkdwnToHtml('&quot; &#60;')).toBe('&amp;quot; &amp;#60;');
    expect(mrkdwnToHtml('```\n<b>&amp;lt;</b>\n```')).toBe('<pre>&lt;b&gt;&amp;lt;&lt;/b&gt;</pre>');
    expect(mrkdwnToHtml('`"><script>`')).toBe('<code>&quot;&gt;&lt;script&gt;</code>');
  });

  it('escapes a link label and refuses a link it cannot vouch for', () => {
    expect(mrkdwnToHtml('<https://x.example/"onmouseover="a|&lt;b&gt;label&amp;>')).toBe(
      '<a href="https://x.example/&quot;onmouseover=&quot;a">&lt;b&gt;label&amp;</a>',
    );
    expect(() => mrkdwnToHtml('<javascript:alert(1)|click>')).toThrow(/not draw/);
    expect(() => mrkdwnToHtml('hi <!channel>')).toThrow(/mention/);
    expect(() => mrkdwnToHtml('<@U123>')).toThrow(/mention/);
  });

  it('refuses the character it reserves for its placeholders', () => {
    expect(() => mrkdwnToHtml('a \ue0000\ue000 b')).toThrow(/U\+E000/);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that can leave text in HTML', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('slackScreenHtml', () => {
  it('draws each block the notifier uses, with hostile text as text', () => {
    const html = slackScreenHtml(
      message(
        { type: 'header', text: plain('Critical <incident>') },
        { type: 'section', text: mrkdwn('*Chain:* a &lt;img src=x&gt;'), fields: [mrkdwn('*When*\n09:00'), mrkdwn('*Who*\n&lt;script&gt;')] },
        { type: 'context', elements: [mrkdwn('*Cluster:* prod-eu')] },
        { type: 'divider' },
        { type: 'actions', elements: [{ type: 'button', action_id: 'a', text: plain('Rule <documentation>'), url: 'https://example.com/' }] },
      ),
      { ...SLACK_FRAME, channel: '<alerts>' },
    );
    expect(html).toContain('<div class="block header">Critical &lt;incident&gt;</div>');
    expect(html).toContain('<div class="text"><b>Chain:</b> a &lt;img src=x&gt;</div>');
    expect(html).toContain('<div class="field"><b>When</b>\n09:00</div>');
    expect(html).toContain('<span class="element"><b>Cluster:</b> prod-eu</span>');
    expect(html).toContain('<hr class="block divider">');
    expect(html).toContain('<span class="button">Rule &lt;documentation&gt;</span>');
    expect(html).toContain('#&lt;alerts&gt;');
    expect(html).not.toMatch(/<script>|<img|<incident>/);
  });

  it('throws on a block type, element, text type or key it does not draw', () => {
    const cases: Array<[unknown, RegExp]> = [
      [message({ type: 'image', image_url: 'https://example.com/x.png', alt_text: 'x' }), /blocks\[0\]: block type "image"/],
      [message({ type: 'rich_text', elements: [] }), /block type "rich_text"/],
      [message({ type: 'section', text: mrkdwn('x'), accessory: { type: 'image' } }), /blocks\[0\]: accessory not drawn/],
      [message({ type: 'actions', elements: [{ type: 'static_select', placeholder: plain('pick') }] }), /element type "static_select"/],
      [message({ type: 'context', elements: [{ type: 'image', image_url: 'x', alt_text: 'y' }] }), /elements\[0\]: text type "image"/],
      [message({ type: 'header', text: { type: 'html', text: 'x' } }), /text type "html"/],
      [{ ...message(), attachments: [] }, /message: attachments not drawn/],
      [{ text: 'no blocks' }, /message\.blocks: expected an array/],
    ];
    for (const [body, error] of cases) expect(() => slackScreenHtml(body, SLACK_FRAME)).toThrow(error);
  });

  it('takes the webhook body as JSON text too', () => {
    expect(slackScreenHtml(JSON.stringify(message({ type: 'divider' })), SLACK_FRAME)).toContain('<hr class="block divider">');
  });
});

describe('emailScreenHtml', () => {
  it('shows the subject in the header and the body as sent, escaped', () => {
    const html = emailScreenHtml('Subject: <b>jordan</b> did it\n\nline one & <two>\n  indented\n', EMAIL_FRAME);
    expect(html).toContain('<div class="subject">&lt;b&gt;jordan&lt;/b&gt; did it</div>');
    expect(html).toContain('<pre class="body">line one &amp; &lt;two&gt;\n  indented</pre>');
  });

  it('throws on an email without its subject line', () => {
    expect(() => emailScreenHtml('no subject\n\nbody', EMAIL_FRAME)).toThrow(/Subject/);
  });
});
