// The message boxes: Enter sends, Shift+Enter breaks the line, the box grows with its text,
// and the channel's box shows the bot's command usage while a slash command is typed.
import { state } from './store.js';

const { escapeHtml } = window.Mrkdwn;
const $ = (id) => document.getElementById(id);

/** Slack's usage hints while a command and its subcommand are typed; gone once arguments follow. */
function suggestions(text) {
  if (!text.startsWith('/') || text.includes('\n') || !state.snapshot) return [];
  const words = text.trimStart().split(/\s+/);
  if (words.length > 2) return [];
  const typed = words.join(' ');
  return state.snapshot.commands
    .flatMap((c) => c.usage)
    .filter((usage) => usage.startsWith(typed) || (words.length === 2 && words[1] === '' && usage.startsWith(words[0])));
}

function renderSuggestions(input, box) {
  const found = suggestions(input.value);
  box.hidden = found.length === 0;
  box.innerHTML = found.length
    ? `<div class="suggestions-title">Commands from <strong>${escapeHtml(state.snapshot.bot.name)}</strong></div>` +
      found.map((usage) => `<button type="button" class="suggestion" data-usage="${escapeHtml(usage)}"><code>${escapeHtml(usage)}</code></button>`).join('')
    : '';
}

function autosize(input) {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

/**
 * @param {{ form: string, input: string, suggestions?: string }} ids
 * @param {(text: string) => void} send
 */
export function wireComposer(ids, send) {
  const form = $(ids.form);
  const input = $(ids.input);
  const box = ids.suggestions && $(ids.suggestions);
  const refresh = () => {
    autosize(input);
    if (box) renderSuggestions(input, box);
  };
  const submit = () => {
    const text = input.value;
    input.value = '';
    refresh();
    if (text.trim()) send(text.trim());
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', refresh);
  if (box) {
    box.addEventListener('click', (event) => {
      const suggestion = event.target.closest('.suggestion');
      if (!suggestion) return;
      // The command and subcommand go into the box; the arguments are for the person to type.
      input.value = `${suggestion.dataset.usage.replace(/\s[<[].*$/, '')} `;
      refresh();
      input.focus();
    });
  }
}
