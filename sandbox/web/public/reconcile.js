// Updates a list of rendered rows in place: unchanged rows stay as they are (scroll position,
// focus and all), changed ones are swapped where they stand, so a message updates in place.

/**
 * @param {HTMLElement} container
 * @param {Array<{ key: string, html: string, changeKey?: string }>} wanted  in order
 * @param {Set<string>} changed  change keys to flash, as Slack highlights an edited message
 */
export function reconcile(container, wanted, changed) {
  const existing = new Map([...container.children].map((el) => [el.dataset.key, el]));
  let previous = null;
  for (const row of wanted) {
    let el = existing.get(row.key);
    existing.delete(row.key);
    if (!el || el._html !== row.html) {
      const template = document.createElement('template');
      template.innerHTML = row.html.trim();
      const fresh = template.content.firstElementChild;
      fresh.dataset.key = row.key;
      fresh._html = row.html;
      if (el && row.changeKey && changed.has(row.changeKey)) fresh.classList.add('just-updated');
      if (el) el.replaceWith(fresh);
      el = fresh;
    }
    const expected = previous ? previous.nextElementSibling : container.firstElementChild;
    if (el !== expected) container.insertBefore(el, expected);
    previous = el;
  }
  for (const el of existing.values()) el.remove();
}

/** Runs an update and, if the list was scrolled to its end, keeps it there, as chat does. */
export function keepScrolledToBottom(container, update) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  update();
  if (atBottom) container.scrollTop = container.scrollHeight;
}
