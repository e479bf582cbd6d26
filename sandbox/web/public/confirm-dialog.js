// Slack's confirm dialog for a button that carries a `confirm` object: its title, text and two
// buttons. Resolves true when confirmed; false on Cancel, Escape or a click outside.
const { mrkdwn, plainText } = window.Mrkdwn;
const $ = (id) => document.getElementById(id);

export function confirmDialog(confirm, context) {
  const backdrop = $('dialog-backdrop');
  const ok = $('dialog-confirm');
  const cancel = $('dialog-cancel');
  $('dialog-title').innerHTML = plainText(confirm.title?.text || 'Are you sure?');
  $('dialog-text').innerHTML = confirm.text
    ? confirm.text.type === 'mrkdwn'
      ? mrkdwn(confirm.text.text, context)
      : plainText(confirm.text.text)
    : '';
  ok.innerHTML = plainText(confirm.confirm?.text || 'Yes');
  cancel.innerHTML = plainText(confirm.deny?.text || 'Cancel');
  ok.className = `bk-button ${confirm.style === 'danger' ? 'bk-button-danger' : 'bk-button-primary'}`;
  backdrop.hidden = false;
  ok.focus();
  return new Promise((resolve) => {
    const finish = (answer) => {
      backdrop.hidden = true;
      ok.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      backdrop.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', keys, true);
      resolve(answer);
    };
    const yes = () => finish(true);
    const no = () => finish(false);
    const outside = (event) => event.target === backdrop && finish(false);
    const keys = (event) => {
      if (event.key === 'Escape') finish(false);
    };
    ok.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    backdrop.addEventListener('mousedown', outside);
    document.addEventListener('keydown', keys, true);
  });
}
