// The offenders on one page (tests/browser/test_targets.py): each control or stand-alone link
// smaller than MIN x MIN CSS px, and each text box whose border has less than 3:1 contrast.
(MIN) => {
  for (const details of document.querySelectorAll('details')) details.open = true;
  const shown = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.display !== 'none' && style.visibility !== 'hidden' && (box.width > 0 || box.height > 0);
  };
  const words = (node) => node && node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '';
  // a link is in running text when it flows inline with words right before or after it
  const inRunningText = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let unit = el;
    while (unit.parentElement && getComputedStyle(unit.parentElement).display === 'inline') {
      unit = unit.parentElement;
    }
    return words(unit.previousSibling) || words(unit.nextSibling);
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (text ? ' "' + text.slice(0, 40) + '"' : '');
  };
  const measure = (el) => {
    let box = el.getBoundingClientRect();
    if (box.right <= 0 || box.bottom <= 0) {  // shown on focus only (the skip link)
      el.focus();
      box = el.getBoundingClientRect();
      el.blur();
    }
    return box;
  };
  const small = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
  for (const el of document.querySelectorAll(selector)) {
    if (el.tagName === 'LABEL') {
      const control = el.control;
      if (!control || !['checkbox', 'radio'].includes(control.type)) continue;
    } else if (el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type) && el.labels.length) {
      continue;  // its label is the target
    }
    if (!shown(el) || inRunningText(el)) continue;
    const box = measure(el);
    if (box.width < MIN - 0.01 || box.height < MIN - 0.01) {
      small.push(name(el) + ' is ' + box.width.toFixed(1) + '×' + box.height.toFixed(1));
    }
  }
  // WCAG relative luminance and contrast
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const behind = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const color = rgb(getComputedStyle(node).backgroundColor);
      if (color.length === 3 || (color.length === 4 && color[3] > 0)) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const faint = [];
  const boxes = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), select, textarea';
  for (const el of document.querySelectorAll(boxes)) {
    if (!shown(el)) continue;
    const style = getComputedStyle(el);
    const border = rgb(style.borderBottomColor).slice(0, 3);
    const ratio = Math.min(contrast(border, behind(el)), contrast(border, rgb(style.backgroundColor).slice(0, 3)));
    if (parseFloat(style.borderBottomWidth) < 1 || ratio < 3) {
      faint.push(name(el) + ' border ' + style.borderBottomColor + ' is ' + ratio.toFixed(2) + ':1');
    }
  }
  return {small, faint};
}
