// The portal's only script (served from itself; the CSP allows no other). Everything works without it: it adds
// "select all" boxes, a confirmation before destructive buttons and live progress bars for long e-Defter steps.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  for (const box of document.querySelectorAll('input[data-select-all]')) {
    box.addEventListener('change', () => {
      for (const b of document.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) b.checked = box.checked;
    });
  }
  for (const button of document.querySelectorAll('button[data-confirm]')) {
    button.addEventListener('click', (e) => {
      if (!window.confirm(button.dataset.confirm)) e.preventDefault();
    });
  }
  // <div data-progress="/portal/…/ilerleme.json"> holding a <progress> and a <span>: polled until done, then reloaded.
  for (const el of document.querySelectorAll('[data-progress]')) {
    const bar = el.querySelector('progress');
    const text = el.querySelector('span');
    const poll = async () => {
      try {
        const r = await fetch(el.dataset.progress, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
        const p = await r.json();
        if (bar && typeof p.percent === 'number') bar.value = p.percent;
        if (text && typeof p.text === 'string') text.textContent = p.text;
        if (p.done) return void window.location.reload();
      } catch { /* the next poll tries again */ }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 1000);
  }
});
