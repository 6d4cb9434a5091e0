import {
  MESSAGE_PLACEHOLDERS, PLACEHOLDER_NAMES, parseTemplate, renderMessage, smsFacts, templateSmsFacts,
  type MessageOffer, type MessageSubscriber, type PlaceholderName, type SmsFacts, type TemplateIssue, type TemplateSmsFacts,
} from '@lyra/contracts';

/** Sample subscribers the builder renders for: a Latin name (GSM-7 when the text is) and an Arabic one (always UCS-2). */
export const SAMPLE_SUBSCRIBERS: readonly { label: string; subscriber: MessageSubscriber }[] = [
  { label: 'Latin name', subscriber: { name: 'Sara Al-Harbi', msisdn: '966501234567' } },
  { label: 'Arabic name', subscriber: { name: 'سارة الحربي', msisdn: '966501234567' } },
];

export interface SampleRender {
  label: string;
  text: string;
  facts: SmsFacts;
  missing: PlaceholderName[];
}

export interface MessagePreview {
  issues: TemplateIssue[];
  /** The message rendered for each sample subscriber, with its own SMS count. */
  samples: SampleRender[];
  /** The bound over every subscriber (names up to their maximum length, any script). */
  worst: TemplateSmsFacts['worstCase'] | null;
  byEncoding: TemplateSmsFacts['byEncoding'] | null;
}

/**
 * What the message step shows for one offer: the contracts' own parser, renderer and SMS counter
 * (the server renders each contact with the same code), never a count of its own.
 */
export function previewMessage(template: string, offer: MessageOffer | null): MessagePreview {
  const parsed = parseTemplate(template);
  if (parsed.issues.length || !template.trim()) return { issues: parsed.issues, samples: [], worst: null, byEncoding: null };
  const o = offer ?? {};
  const samples = SAMPLE_SUBSCRIBERS.map(({ label, subscriber }) => {
    const r = renderMessage(parsed, { subscriber, offer: o });
    return { label, text: r.text, facts: smsFacts(r.text), missing: r.missing };
  });
  const bound = templateSmsFacts(template, { offer: offer ?? undefined });
  return { issues: [], samples, worst: bound.worstCase, byEncoding: bound.byEncoding };
}

/** The placeholders a marketer may insert, with what each means. */
export const PLACEHOLDER_HELP = PLACEHOLDER_NAMES.map((name) => ({ name, token: `{${name}}`, description: MESSAGE_PLACEHOLDERS[name].description }));
