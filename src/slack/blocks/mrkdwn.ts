// Text helpers for Slack's mrkdwn: everything that comes from Azure or from a person is escaped before it is shown.
import type { types } from "@slack/bolt";

export type Block = types.KnownBlock;

/** Slack's own escaping: &, < and > (the characters that start links, mentions and entities). */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Section text is capped at 3000 characters by Block Kit. */
export const SECTION_LIMIT = 3000;

export function truncate(text: string, limit = SECTION_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Inline code; backticks inside would end the span early, so they become quotes. */
export function code(text: string): string {
  return `\`${escapeText(text.replace(/`/g, "'"))}\``;
}

export function codeBlock(text: string): string {
  return "```" + escapeText(text.replace(/```/g, "'''")) + "```";
}

/** A Slack user id becomes a mention; anything else (a CLI user who started the run) is shown as text. */
export function person(id: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : escapeText(id);
}

/** Slack renders the time in the reader's own timezone; the fallback is the ISO time. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return escapeText(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${escapeText(iso)}>`;
}

export function section(text: string): Block {
  return { type: "section", text: { type: "mrkdwn", text: truncate(text) } };
}

export function context(text: string): Block {
  return { type: "context", elements: [{ type: "mrkdwn", text: truncate(text) }] };
}

export function header(text: string): Block {
  return { type: "header", text: { type: "plain_text", text: truncate(text, 150), emoji: true } };
}
