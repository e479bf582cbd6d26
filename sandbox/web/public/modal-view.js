// The person's open modal, drawn as Slack draws one: its title, its blocks with their inputs (text,
// a select, a select whose options the app loads as one types), the errors the app put under an
// input, and Close and Submit. What a person typed survives the modal being drawn again.
import { renderContext, state, view } from './store.js';

const { escapeHtml, plainText } = window.Mrkdwn;
const { renderBlocks } = window.BlockKit;
const $ = (id) => document.getElementById(id);

/** The top modal of the person being viewed as, with the errors shown on it. */
export const openModal = () => (state.modals.get(view.user) || []).at(-1);

/** What is in each input now, by block_id: typed text, or the chosen option's value. */
export function modalValues() {
  const values = {};
  for (const field of document.querySelectorAll('#modal [data-input-block]')) {
    if (field.type === 'checkbox') {
      // Checkboxes are sent as the values ticked, comma-separated; none ticked is sent as none.
      const ticked = [...document.querySelectorAll(`#modal [data-input-block="${CSS.escape(field.dataset.inputBlock)}"]:checked`)].map((box) => box.value);
      values[field.dataset.inputBlock] = ticked.join(',');
      continue;
    }
    const value = field.dataset.value !== undefined ? field.dataset.value : field.value;
    if (value !== undefined && value !== '') values[field.dataset.inputBlock] = value;
  }
  return values;
}

function optionText(option) {
  return option?.text?.text ?? '';
}

function inputElement(block) {
  const element = block.element || {};
  const id = escapeHtml(block.block_id);
  const placeholder = element.placeholder ? escapeHtml(element.placeholder.text) : '';
  switch (element.type) {
    case 'plain_text_input': {
      const initial = escapeHtml(element.initial_value || '');
      const max = element.max_length ? ` maxlength="${Number(element.max_length)}"` : '';
      return element.multiline
        ? `<textarea class="modal-input" rows="3" data-input-block="${id}" placeholder="${placeholder}"${max}>${initial}</textarea>`
        : `<input class="modal-input" type="text" data-input-block="${id}" placeholder="${placeholder}" value="${initial}"${max}>`;
    }
    case 'static_select': {
      const chosen = element.initial_option ? element.initial_option.value : '';
      const options = (element.options || [])
        .map((o) => `<option value="${escapeHtml(o.value)}"${o.value === chosen ? ' selected' : ''}>${escapeHtml(optionText(o))}</option>`)
        .join('');
      return `<select class="modal-input" data-input-block="${id}"><option value="">${placeholder || 'Select an item'}</option>${options}</select>`;
    }
    case 'external_select': {
      const initial = element.initial_option;
      return `<div class="modal-search">
        <input class="modal-input" type="text" autocomplete="off" data-input-block="${id}" data-action-id="${escapeHtml(element.action_id)}" data-external="true"
          placeholder="${placeholder || 'Type to search'}" value="${escapeHtml(optionText(initial))}"${initial ? ` data-value="${escapeHtml(initial.value)}"` : ''}>
        <div class="modal-options" hidden></div></div>`;
    }
    case 'checkboxes': {
      const ticked = new Set((element.initial_options || []).map((o) => o.value));
      return (element.options || [])
        .map(
          (o) => `<label class="modal-checkbox"><input type="checkbox" data-input-block="${id}" value="${escapeHtml(o.value)}"${ticked.has(o.value) ? ' checked' : ''}>
            ${escapeHtml(optionText(o))}${o.description ? `<span class="modal-hint">${escapeHtml(o.description.text)}</span>` : ''}</label>`,
        )
        .join('');
    }
    default:
      return `<div class="bk-unsupported">This ${escapeHtml(element.type || 'input')} can't be shown in the sandbox.</div>`;
  }
}

function inputBlock(block, errors) {
  const error = errors[block.block_id];
  const optional = block.optional ? ' <span class="modal-optional">(optional)</span>' : '';
  return `<div class="modal-field${error ? ' has-error' : ''}" data-field="${escapeHtml(block.block_id)}">
    <label class="modal-label">${plainText(block.label ? block.label.text : '')}${optional}</label>
    ${inputElement(block)}
    ${block.hint ? `<div class="modal-hint">${plainText(block.hint.text)}</div>` : ''}
    <div class="modal-error" role="alert"${error ? '' : ' hidden'}>${error ? escapeHtml(error) : ''}</div>
  </div>`;
}

let drawn = '';

/** Draws the open modal, unless what it shows has not changed (so typing is never interrupted). */
export function renderModal() {
  const backdrop = $('modal-backdrop');
  const modal = openModal();
  if (!modal) {
    backdrop.hidden = true;
    drawn = '';
    return;
  }
  const key = `${view.user} ${modal.view.id} ${modal.view.hash} ${JSON.stringify(modal.errors)}`;
  backdrop.hidden = false;
  if (key === drawn) return;
  const sameView = drawn.split(' ').slice(0, 3).join(' ') === key.split(' ').slice(0, 3).join(' ');
  const typed = sameView ? modalValues() : {};
  drawn = key;
  const v = modal.view;
  const body = v.blocks
    .map((block) => (block.type === 'input' ? inputBlock(block, modal.errors) : renderBlocks([block], renderContext())))
    .join('');
  $('modal').dataset.callbackId = v.callback_id;
  $('modal').innerHTML = `
    <header class="modal-header"><h2 class="modal-title">${plainText(v.title ? v.title.text : '')}</h2>
      <button type="button" class="icon-button modal-x" aria-label="Close">✕</button></header>
    <div class="modal-body">${body}<div class="modal-notice" role="alert" hidden></div></div>
    <footer class="modal-footer">
      <button type="button" class="bk-button modal-close">${plainText(v.close ? v.close.text : 'Cancel')}</button>
      ${v.submit ? `<button type="button" class="bk-button bk-button-primary modal-submit">${plainText(v.submit.text)}</button>` : ''}
    </footer>`;
  // An error re-drew the same view: what the person typed stays.
  for (const [blockId, value] of Object.entries(typed)) {
    const field = document.querySelector(`#modal [data-input-block="${CSS.escape(blockId)}"]`);
    if (field?.type === 'checkbox') {
      const ticked = new Set(value.split(','));
      for (const box of document.querySelectorAll(`#modal [data-input-block="${CSS.escape(blockId)}"]`)) box.checked = ticked.has(box.value);
    } else if (field && !field.dataset.external) field.value = value;
  }
}

/** Slack's own note under each required input left empty, before anything is sent. */
export function showMissing(blockIds) {
  for (const blockId of blockIds) {
    const error = document.querySelector(`#modal [data-field="${CSS.escape(blockId)}"] .modal-error`);
    if (!error) continue;
    error.hidden = false;
    error.textContent = 'Please complete this required field.';
    error.closest('.modal-field').classList.add('has-error');
  }
}

export function showModalNotice(text) {
  const notice = document.querySelector('#modal .modal-notice');
  if (!notice) return;
  notice.hidden = false;
  notice.textContent = text;
}

/** The options the app gave for what was typed, to choose from. */
export function showOptions(input, options) {
  const list = input.parentElement.querySelector('.modal-options');
  list.innerHTML = options.length
    ? options.map((o) => `<button type="button" class="modal-option" data-value="${escapeHtml(o.value)}">${escapeHtml(o.text)}</button>`).join('')
    : '<div class="modal-option-none">No matches</div>';
  list.hidden = false;
}

export function chooseOption(button) {
  const input = button.closest('.modal-search').querySelector('input');
  input.value = button.textContent;
  input.dataset.value = button.dataset.value;
  button.parentElement.hidden = true;
}
