// The ECR emulator's side of the page: each repository's policy as stored, statement by
// statement (Sid, effect, principals, actions), the JSON on demand, and what the last change
// added marked as new and what it removed struck through. It shows the policy; deciding who can
// pull stays with the bot.
import { fullFormat, timeFormat } from './formats.js';
import { reconcile } from './reconcile.js';
import { state, view } from './store.js';

const { escapeHtml } = window.Mrkdwn;
const $ = (id) => document.getElementById(id);

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function principalsOf(statement) {
  const principal = statement.Principal;
  if (principal === undefined) return [];
  if (typeof principal === 'string') return [{ kind: 'AWS', value: principal }];
  return Object.entries(principal).flatMap(([kind, value]) => asList(value).map((v) => ({ kind, value: String(v) })));
}

/** An ARN with its account ID in bold, the part a reader looks for. */
function principalHtml(value) {
  const account = /^(arn:aws:iam::)(\d{12})(:.*)$/.exec(value);
  if (account) return `<span>${escapeHtml(account[1])}<strong class="account-id">${account[2]}</strong>${escapeHtml(account[3])}</span>`;
  if (/^\d{12}$/.test(value)) return `<span><strong class="account-id">${value}</strong></span>`;
  return `<span>${escapeHtml(value)}</span>`;
}

function parsePolicy(text) {
  if (text === null || text === undefined) return undefined;
  try {
    return { statements: asList(JSON.parse(text).Statement) };
  } catch {
    return { invalid: true };
  }
}

function jsonHtml(text) {
  const pretty = JSON.stringify(JSON.parse(text), null, 2);
  return escapeHtml(pretty).replace(/(&quot;(?:[^&]|&(?!quot;))*?&quot;)(\s*:)?/g, (_whole, string, colon) =>
    colon ? `<span class="json-key">${string}</span>${colon}` : `<span class="json-string">${string}</span>`,
  );
}

function principalItem(p, mark) {
  const kind = p.kind !== 'AWS' ? `<span class="principal-kind">${escapeHtml(p.kind)}</span>` : '';
  const tag = mark === 'added' ? '<span class="new-tag">new</span>' : mark === 'removed' ? '<span class="removed-tag">removed</span>' : '';
  return `<li class="principal${mark ? ` ${mark}` : ''}" data-principal="${escapeHtml(p.value)}">${kind}${principalHtml(p.value)}${tag}</li>`;
}

/** The principals a statement had before the last change and has no longer, by Sid (or place). */
function removedFrom(statement, position, before) {
  if (!before?.statements) return [];
  const earlier = statement.Sid ? before.statements.find((s) => s.Sid === statement.Sid) : before.statements[position];
  if (!earlier) return [];
  const now = new Set(principalsOf(statement).map((p) => p.value));
  return principalsOf(earlier).filter((p) => !now.has(p.value));
}

function statementHtml(statement, isNew, removed) {
  const effect = statement.Effect === 'Deny' ? 'deny' : 'allow';
  const actions = asList(statement.Action).concat(asList(statement.NotAction).map((a) => `not ${a}`));
  const principals = principalsOf(statement)
    .map((p) => principalItem(p, isNew(p.value) ? 'added' : undefined))
    .concat(removed.map((p) => principalItem(p, 'removed')))
    .join('');
  return `<div class="statement">
    <div class="statement-head"><code class="sid">${escapeHtml(statement.Sid || '(no Sid)')}</code><span class="effect effect-${effect}">${escapeHtml(statement.Effect || '?')}</span>${statement.Condition ? '<span class="condition">Condition</span>' : ''}</div>
    <ul class="principals">${principals}</ul>
    <div class="statement-actions">${actions.map((a) => `<span class="action">${escapeHtml(String(a))}</span>`).join('')}</div>
  </div>`;
}

/** Statements the last change took out whole (the policy deleted once its last account left). */
function goneHtml(before) {
  const gone = before?.statements ? before.statements.flatMap((s) => principalsOf(s)) : [];
  if (gone.length === 0) return '';
  return `<p class="removed-note">Removed by the last change:</p><ul class="principals">${gone.map((p) => principalItem(p, 'removed')).join('')}</ul>`;
}

function repositoryHtml(name, policy) {
  const parsed = parsePolicy(policy.policyText);
  const before = parsePolicy(policy.previousText);
  const earlier = new Set(before?.statements ? before.statements.flatMap((s) => principalsOf(s).map((p) => p.value)) : []);
  const isNew = (principal) => Boolean(before) && !earlier.has(principal);
  const changed = policy.changedAt
    ? `<span class="updated-at" title="${escapeHtml(fullFormat.format(policy.changedAt))}">changed ${escapeHtml(timeFormat.format(policy.changedAt))}</span>`
    : '';
  let body;
  if (!parsed) body = `<p class="no-policy">No repository policy: only the registry’s own account can pull.</p>${goneHtml(before)}`;
  else if (parsed.invalid) body = '<p class="no-policy">The stored policy is not JSON.</p>';
  else {
    const kept = new Set(parsed.statements.map((s, i) => s.Sid || `#${i}`));
    const dropped = before?.statements ? before.statements.filter((s, i) => !kept.has(s.Sid || `#${i}`)) : [];
    body = parsed.statements.map((s, i) => statementHtml(s, isNew, removedFrom(s, i, before))).join('') + goneHtml({ statements: dropped });
  }
  const open = view.openJson.has(name) ? ' open' : '';
  const json = parsed && !parsed.invalid
    ? `<details class="policy-json" data-repository="${escapeHtml(name)}"${open}><summary>Policy JSON</summary><pre>${jsonHtml(policy.policyText)}</pre></details>`
    : '';
  return `<section class="repository" data-repository="${escapeHtml(name)}">
    <h3 class="repository-name"><span class="repository-icon" aria-hidden="true">📦</span>${escapeHtml(name)}${changed}</h3>
    ${body}${json}
  </section>`;
}

export function renderPolicies() {
  $('toggle-policies').setAttribute('aria-pressed', String(view.showPolicies));
  $('policies').hidden = !view.showPolicies;
  const rows = [...state.policies.entries()].map(([name, policy]) => ({ key: `repo ${name}`, html: repositoryHtml(name, policy) }));
  reconcile($('repositories'), rows, new Set());
}
