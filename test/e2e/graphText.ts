/**
 * The 9 px rule's measurement, shared by the end-to-end tests: every visible text run the graph
 * draws, with its size on screen (font size × zoom), and which nodes the canvas overlays cover.
 */
import type { Page } from 'playwright-core';

export interface TextReport {
  zoom: number;
  checked: number;
  small: string[];
  titles: string[];
  counts: string[];
  covered: string[];
  /** Text lines the node's bottom edge cuts through (more than their descent: letters lose their feet). */
  cut: string[];
}

/** Measures every visible text run in the graph: font size × zoom; and which nodes the canvas overlays cover. */
export function measureGraphText(page: Page): Promise<TextReport> {
  return page.evaluate(() => {
    const viewport = document.querySelector('.react-flow__viewport')!;
    const zoom = new DOMMatrix(getComputedStyle(viewport).transform).a;
    const small: string[] = [];
    const cut: string[] = [];
    let checked = 0;
    const walker = document.createTreeWalker(viewport, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode as Text;
      if (!text.textContent?.trim()) continue;
      const el = text.parentElement!;
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      const r = range.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const box = el.closest('.node')?.getBoundingClientRect();
      if (box && (r.top >= box.bottom - 1 || r.left >= box.right - 1)) continue; // clipped away by the node
      if (box && r.bottom > box.bottom + 2)
        cut.push(
          `${text.textContent.trim()} (${(r.bottom - box.bottom).toFixed(1)} px below ${el.closest('.react-flow__node')?.getAttribute('data-id')})`,
        );
      checked++;
      const px = parseFloat(getComputedStyle(el).fontSize) * zoom;
      if (px < 9) small.push(`${text.textContent.trim()} (${px.toFixed(1)} px)`);
    }
    const shown = (sel: string) =>
      [...document.querySelectorAll<HTMLElement>(sel)]
        .filter((e) => e.checkVisibility({ visibilityProperty: true }))
        .map((e) => e.textContent!.trim());
    const covered: string[] = [];
    const overlays = [
      ...document.querySelectorAll('.react-flow__controls, .react-flow__minimap'),
    ].map((e) => e.getBoundingClientRect());
    for (const n of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
      if (n.parentElement?.closest('.react-flow__node')) continue;
      const b = n.getBoundingClientRect();
      if (
        overlays.some(
          (o) => b.left < o.right && o.left < b.right && b.top < o.bottom && o.top < b.bottom,
        )
      )
        covered.push(n.getAttribute('aria-label') ?? n.dataset.id ?? '?');
    }
    return {
      zoom,
      checked,
      small,
      titles: shown('.node-inception > .node-header .node-id'),
      counts: shown('.node-inception .count dd'),
      covered,
      cut,
    };
  });
}

/** Unfolds every folded run of identical modules (its ×N mark), wherever it lies on the canvas; resolves with how many. */
export async function unfoldAll(page: Page): Promise<number> {
  let unfolded = 0;
  for (let mark = page.locator('.badge-repeat').first(); (await mark.count()) > 0; unfolded++) {
    // A dispatched click reaches React's handler without needing the node on screen.
    await mark.dispatchEvent('click');
    await page.waitForTimeout(300);
  }
  return unfolded;
}
