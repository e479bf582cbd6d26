// Block Kit as HTML, for any message: header, section (text, fields, accessory), context,
// divider, actions (buttons with styles and confirm dialogs), image, rich_text, and a visible
// placeholder for anything else. Buttons carry their action_id; the page decides what a click
// does. A browser script and a CommonJS module (tests).
((root, factory) => {
  const api = factory(typeof module === 'object' && module.exports ? require('./mrkdwn.js') : root.Mrkdwn);
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.BlockKit = api;
})(typeof self !== 'undefined' ? self : this, (Mrkdwn) => {
  'use strict';
  const { mrkdwn, plainText, escapeHtml } = Mrkdwn;

  /** A text object: mrkdwn or plain_text. */
  function text(object, ctx) {
    if (!object || typeof object.text !== 'string') return '';
    return object.type === 'mrkdwn' ? mrkdwn(object.text, ctx) : plainText(object.text, object.emoji);
  }

  function attr(value) {
    return escapeHtml(value === undefined || value === null ? '' : String(value));
  }

  function button(element, blockId) {
    const style = element.style === 'primary' || element.style === 'danger' ? ` bk-button-${element.style}` : '';
    const data =
      `data-action-id="${attr(element.action_id)}" data-block-id="${attr(blockId)}"` +
      (element.confirm ? ' data-confirm="true"' : '');
    const label = text(element.text, {});
    if (element.url && /^https?:/i.test(element.url)) {
      return `<a class="bk-button${style}" href="${attr(element.url)}" target="_blank" rel="noopener" ${data}>${label}</a>`;
    }
    return `<button type="button" class="bk-button${style}" ${data}>${label}</button>`;
  }

  function image(element, className) {
    return `<img class="${className}" src="${attr(/^https?:/i.test(element.image_url || '') ? element.image_url : '')}" alt="${attr(element.alt_text)}">`;
  }

  /** An interactive element; the ones the sandbox cannot drive are shown, greyed out. */
  function element(el, blockId, ctx) {
    switch (el.type) {
      case 'button':
        return button(el, blockId);
      case 'image':
        return image(el, 'bk-accessory-image');
      case 'overflow':
        return `<span class="bk-unsupported-element" title="Overflow menus are not simulated">⋯</span>`;
      default: {
        const placeholder = el.placeholder ? text(el.placeholder, ctx) : el.type;
        return `<span class="bk-unsupported-element" title="${attr(el.type)} is not simulated in the sandbox">${placeholder} ▾</span>`;
      }
    }
  }

  function section(block, ctx) {
    const parts = [];
    if (block.text) parts.push(`<div class="bk-text">${text(block.text, ctx)}</div>`);
    if (Array.isArray(block.fields) && block.fields.length > 0) {
      parts.push(`<div class="bk-fields">${block.fields.map((f) => `<div class="bk-field">${text(f, ctx)}</div>`).join('')}</div>`);
    }
    const accessory = block.accessory ? `<div class="bk-accessory">${element(block.accessory, block.block_id, ctx)}</div>` : '';
    return `<div class="bk-section"><div class="bk-section-body">${parts.join('')}</div>${accessory}</div>`;
  }

  function context(block, ctx) {
    const items = (block.elements || []).map((el) =>
      el.type === 'image' ? image(el, 'bk-context-image') : `<span>${text(el, ctx)}</span>`,
    );
    return `<div class="bk-context">${items.join('')}</div>`;
  }

  function actions(block, ctx) {
    return `<div class="bk-actions">${(block.elements || []).map((el) => element(el, block.block_id, ctx)).join('')}</div>`;
  }

  // ---- rich_text (what Slack's own composer sends) -----------------------------------------

  function richElement(el, ctx) {
    switch (el.type) {
      case 'text': {
        let html = escapeHtml(el.text || '').replace(/\n/g, '<br>');
        const style = el.style || {};
        if (style.code) html = `<code>${html}</code>`;
        if (style.bold) html = `<strong>${html}</strong>`;
        if (style.italic) html = `<em>${html}</em>`;
        if (style.strike) html = `<del>${html}</del>`;
        return html;
      }
      case 'link':
        return mrkdwn(`<${el.url}${el.text ? `|${el.text}` : ''}>`, ctx);
      case 'user':
        return mrkdwn(`<@${el.user_id}>`, ctx);
      case 'channel':
        return mrkdwn(`<#${el.channel_id}>`, ctx);
      case 'usergroup':
        return mrkdwn(`<!subteam^${el.usergroup_id}>`, ctx);
      case 'broadcast':
        return mrkdwn(`<!${el.range}>`, ctx);
      case 'emoji':
        return el.unicode
          ? String.fromCodePoint(...el.unicode.split('-').map((h) => parseInt(h, 16)))
          : plainText(`:${el.name}:`);
      case 'date':
        return mrkdwn(`<!date^${el.timestamp}^${el.format}|${el.fallback || ''}>`, ctx);
      default:
        return '';
    }
  }

  function richBlock(el, ctx) {
    const inner = (el.elements || []).map((child) => (child.type.startsWith('rich_text_') ? richBlock(child, ctx) : richElement(child, ctx))).join('');
    switch (el.type) {
      case 'rich_text_preformatted':
        return `<pre class="code-block">${inner}</pre>`;
      case 'rich_text_quote':
        return `<blockquote>${inner}</blockquote>`;
      case 'rich_text_list': {
        const tag = el.style === 'ordered' ? 'ol' : 'ul';
        return `<${tag}>${(el.elements || []).map((item) => `<li>${richBlock(item, ctx)}</li>`).join('')}</${tag}>`;
      }
      default:
        return `<span>${inner}</span>`;
    }
  }

  // ---- blocks -------------------------------------------------------------------------------

  function block(b, ctx) {
    switch (b.type) {
      case 'header':
        return `<div class="bk-header">${text(b.text, ctx)}</div>`;
      case 'section':
        return section(b, ctx);
      case 'context':
        return context(b, ctx);
      case 'divider':
        return '<hr class="bk-divider">';
      case 'actions':
        return actions(b, ctx);
      case 'image':
        return `<figure class="bk-image">${b.title ? `<figcaption>${text(b.title, ctx)}</figcaption>` : ''}${image(b, '')}</figure>`;
      case 'rich_text':
        return `<div class="bk-rich-text">${(b.elements || []).map((el) => richBlock(el, ctx)).join('')}</div>`;
      default:
        return `<div class="bk-unsupported">This ${attr(b.type)} block can't be shown in the sandbox.</div>`;
    }
  }

  /**
   * A list of blocks → HTML, each block wrapped with its type and block_id.
   * @param {Array<{type: string, block_id?: string}>} blocks
   * @param {object} [ctx] as for Mrkdwn.mrkdwn
   */
  function renderBlocks(blocks, ctx) {
    const context = ctx || {};
    return (blocks || [])
      .map((b) => `<div class="bk-block bk-block-${attr(b.type)}" data-block-id="${attr(b.block_id)}">${block(b, context)}</div>`)
      .join('');
  }

  /** Legacy attachments: a coloured bar with their text, fields and blocks. */
  function renderAttachments(attachments, ctx) {
    return (attachments || [])
      .map((a) => {
        const colour = /^#?[0-9a-f]{6}$/i.test(a.color || '') ? `#${a.color.replace('#', '')}` : { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' }[a.color] || '#dddddd';
        const parts = [];
        if (a.pretext) parts.push(`<div>${mrkdwn(a.pretext, ctx)}</div>`);
        if (a.title) parts.push(`<div class="bk-attachment-title">${escapeHtml(a.title)}</div>`);
        if (a.text) parts.push(`<div>${mrkdwn(a.text, ctx)}</div>`);
        if (Array.isArray(a.fields)) {
          parts.push(`<div class="bk-fields">${a.fields.map((f) => `<div class="bk-field"><strong>${escapeHtml(f.title || '')}</strong><br>${mrkdwn(f.value || '', ctx)}</div>`).join('')}</div>`);
        }
        if (Array.isArray(a.blocks)) parts.push(renderBlocks(a.blocks, ctx));
        return `<div class="bk-attachment" style="border-left-color:${colour}">${parts.join('')}</div>`;
      })
      .join('');
  }

  /** A message's body as Slack shows it: its blocks when it has any, else its text. */
  function renderMessageBody(message, ctx) {
    const blocks = Array.isArray(message.blocks) && message.blocks.length > 0;
    const body = blocks ? renderBlocks(message.blocks, ctx) : `<div class="bk-text">${mrkdwn(message.text || '', ctx)}</div>`;
    return body + renderAttachments(message.attachments, ctx);
  }

  /** The element a click on action_id refers to, searched the way Slack does: blocks, then accessories. */
  function findElement(blocks, actionId) {
    for (const b of blocks || []) {
      for (const el of b.elements || []) if (el.action_id === actionId) return { block: b, element: el };
      if (b.accessory && b.accessory.action_id === actionId) return { block: b, element: b.accessory };
    }
    return undefined;
  }

  return { renderBlocks, renderMessageBody, renderAttachments, findElement, text };
});
